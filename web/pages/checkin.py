"""Check-in at the counter: read a code or a proof's QR code, mark who arrived, correct an applicant's data."""

from __future__ import annotations

from collections.abc import Awaitable
from typing import Annotated, Any

from fastapi import APIRouter, Form
from fastapi.responses import Response
from pydantic import BaseModel, Field

from core.domain.booking import ApplicationType
from core.domain.errors import DomainError
from core.domain.staff import Permission, StaffMember
from core.services import checkin, office_day
from web.deps import Desk, DeskDep, FormStaff, PageStaff
from web.errors import explain, problem_text
from web.i18n import translator
from web.pages.common import render

router = APIRouter()


class AtCounter(BaseModel):
    """What every check-in form sends: the office whose counter it is."""

    office: str = Field(max_length=32)


class Lookup(AtCounter):
    """The typed booking code or the scanned proof's text."""

    text: str = Field(max_length=500)


class OfBooking(AtCounter):
    code: str = Field(max_length=16)


class Arrival(OfBooking):
    """The applicants of the booking ticked as here."""

    position: list[int]


class Correction(OfBooking):
    """The fields of a correction form: which applicant of which booking, and why."""

    position: int = Field(ge=1, le=5)
    reason: str = Field("", max_length=500)


class TypeCorrection(Correction):
    application_type: ApplicationType


class NameCorrection(Correction):
    full_name: str = Field(max_length=200)


async def _page(
    desk: Desk,
    member: StaffMember,
    office_code: str | None,
    verdict: checkin.Verdict | None = None,
    text: str = "",
    **extra: Any,
) -> Response:
    _ = translator(desk.request)
    offices = [o for o in await office_day.offices_of(desk.reader, member) if member.may(Permission.CHECK_IN, o.id)]
    return render(
        desk.request,
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
async def checkin_page(desk: DeskDep, member: PageStaff, office: str | None = None, code: str = "") -> Response:
    """The form; with ?code= (a link from the daily list) the booking is looked up at once."""
    member.require(Permission.CHECK_IN)
    if office and code.strip():
        verdict = await checkin.inspect(desk.reader, desk.vault, member, office, code[:500], desk.now)
        return await _page(desk, member, office, verdict, code)
    return await _page(desk, member, office)


@router.post("/checkin")
async def checkin_inspect(desk: DeskDep, member: FormStaff, form: Annotated[Lookup, Form()]) -> Response:
    verdict = await checkin.inspect(desk.reader, desk.vault, member, form.office, form.text, desk.now)
    return await _page(desk, member, form.office, verdict, form.text)


async def _after_change(
    desk: Desk, member: StaffMember, office: str, code: str, change: Awaitable[Any], done: str
) -> Response:
    """The booking again after a change, with what happened: a notice, or the refusal in words."""
    _ = translator(desk.request)
    error = None
    try:
        await change
    except DomainError as err:
        error = explain(err, _)
    verdict = await checkin.inspect(desk.reader, desk.vault, member, office, code, desk.now)
    notice = None if error else {"arrived": _("Marked as arrived."), "corrected": _("Correction saved.")}[done]
    # Just after the last arrival, "used" is the news the officer wanted, not a refusal.
    all_in = error is None and verdict.problems == (checkin.Problem.USED,)
    return await _page(
        desk, member, office, verdict, code, notice=notice, error=error, all_in=all_in,
        status_code=422 if error else 200,
    )  # fmt: skip


@router.post("/checkin/arrive")
async def checkin_arrive(desk: DeskDep, member: FormStaff, form: Annotated[Arrival, Form()]) -> Response:
    change = checkin.mark_arrived(desk.uow, desk.vault, member, form.office, form.code, form.position, desk.now)
    return await _after_change(desk, member, form.office, form.code, change, "arrived")


@router.post("/checkin/type")
async def checkin_type(desk: DeskDep, member: FormStaff, form: Annotated[TypeCorrection, Form()]) -> Response:
    change = checkin.revise_type(
        desk.uow, member, desk.vault, form.code, form.position, form.application_type, form.reason, desk.now
    )
    return await _after_change(desk, member, form.office, form.code, change, "corrected")


@router.post("/checkin/name")
async def checkin_name(desk: DeskDep, member: FormStaff, form: Annotated[NameCorrection, Form()]) -> Response:
    change = checkin.correct_name(
        desk.uow, member, desk.vault, form.code, form.position, form.full_name, form.reason, desk.now
    )
    return await _after_change(desk, member, form.office, form.code, change, "corrected")
