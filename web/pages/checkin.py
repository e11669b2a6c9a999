"""Check-in at the counter: read a code or a proof's QR code, mark who arrived, correct an applicant's data."""

from __future__ import annotations

from collections.abc import Awaitable
from datetime import datetime
from typing import Annotated, Any

from fastapi import APIRouter, Form, Request
from fastapi.responses import Response
from pydantic import BaseModel, Field

from core.crypto import Vault
from core.domain.booking import ApplicationType
from core.domain.errors import DomainError
from core.domain.staff import Permission, StaffMember
from core.services import checkin, office_day
from core.services.uow import UnitOfWork
from web.deps import FormStaff, Now, PageStaff, ReaderDep, UowDep, VaultDep
from web.errors import explain, problem_text
from web.i18n import translator
from web.pages.common import render

router = APIRouter()


class Correction(BaseModel):
    """The fields of a correction form: which applicant of which booking, and why."""

    office: str = Field(max_length=32)
    code: str = Field(max_length=16)
    position: int = Field(ge=1, le=5)
    reason: str = Field("", max_length=500)


class TypeCorrection(Correction):
    application_type: ApplicationType


class NameCorrection(Correction):
    full_name: str = Field(max_length=200)


async def _page(
    request: Request,
    reader: UnitOfWork,
    member: StaffMember,
    office_code: str | None,
    verdict: checkin.Verdict | None = None,
    text: str = "",
    **extra: Any,
) -> Response:
    _ = translator(request)
    offices = [o for o in await office_day.offices_of(reader, member) if member.may(Permission.CHECK_IN, o.id)]
    return render(
        request,
        "checkin.html",
        member,
        nav="checkin",
        offices=offices,
        office_code=office_code or (offices[0].code if offices else ""),
        verdict=verdict,
        problems=[problem_text(p, _) for p in verdict.problems] if verdict else [],
        text=text,
        types=list(ApplicationType),
        **extra,
    )


@router.get("/checkin")
async def checkin_page(
    request: Request,
    reader: ReaderDep,
    vault: VaultDep,
    member: PageStaff,
    now: Now,
    office: str | None = None,
    code: str = "",
) -> Response:
    """The form; with ?code= (a link from the daily list) the booking is looked up at once."""
    member.require(Permission.CHECK_IN)
    if office and code.strip():
        verdict = await checkin.inspect(reader, vault, member, office, code[:500], now)
        return await _page(request, reader, member, office, verdict, code)
    return await _page(request, reader, member, office)


@router.post("/checkin")
async def checkin_inspect(
    request: Request,
    reader: ReaderDep,
    vault: VaultDep,
    member: FormStaff,
    now: Now,
    office: Annotated[str, Form(max_length=32)],
    text: Annotated[str, Form(max_length=500)],
) -> Response:
    verdict = await checkin.inspect(reader, vault, member, office, text, now)
    return await _page(request, reader, member, office, verdict, text)


async def _after_change(
    request: Request,
    reader: UnitOfWork,
    vault: Vault,
    member: StaffMember,
    now: datetime,
    office: str,
    code: str,
    change: Awaitable[Any],
    done: str,
) -> Response:
    """The booking again after a change, with what happened: a notice, or the refusal in words."""
    _ = translator(request)
    error = None
    try:
        await change
    except DomainError as err:
        error = explain(err, _)
    verdict = await checkin.inspect(reader, vault, member, office, code, now)
    notice = None if error else {"arrived": _("Marked as arrived."), "corrected": _("Correction saved.")}[done]
    # Just after the last arrival, "used" is the news the officer wanted, not a refusal.
    all_in = error is None and verdict.problems == (checkin.Problem.USED,)
    return await _page(
        request, reader, member, office, verdict, code, notice=notice, error=error, all_in=all_in,
        status_code=422 if error else 200,
    )  # fmt: skip


@router.post("/checkin/arrive")
async def checkin_arrive(
    request: Request,
    uow: UowDep,
    reader: ReaderDep,
    vault: VaultDep,
    member: FormStaff,
    now: Now,
    office: Annotated[str, Form(max_length=32)],
    code: Annotated[str, Form(max_length=16)],
    position: Annotated[list[int], Form()],
) -> Response:
    change = checkin.mark_arrived(uow, vault, member, office, code, position, now)
    return await _after_change(request, reader, vault, member, now, office, code, change, "arrived")


@router.post("/checkin/type")
async def checkin_type(
    request: Request,
    uow: UowDep,
    reader: ReaderDep,
    vault: VaultDep,
    member: FormStaff,
    now: Now,
    form: Annotated[TypeCorrection, Form()],
) -> Response:
    change = checkin.revise_type(uow, member, vault, form.code, form.position, form.application_type, form.reason, now)
    return await _after_change(request, reader, vault, member, now, form.office, form.code, change, "corrected")


@router.post("/checkin/name")
async def checkin_name(
    request: Request,
    uow: UowDep,
    reader: ReaderDep,
    vault: VaultDep,
    member: FormStaff,
    now: Now,
    form: Annotated[NameCorrection, Form()],
) -> Response:
    change = checkin.correct_name(uow, member, vault, form.code, form.position, form.full_name, form.reason, now)
    return await _after_change(request, reader, vault, member, now, form.office, form.code, change, "corrected")
