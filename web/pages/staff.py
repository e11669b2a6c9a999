"""Staff accounts and the audit log, for administrators."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Form, Path, Query, Request
from fastapi.responses import Response
from pydantic import BaseModel, Field

from core.domain.booking import normalize_booking_code
from core.domain.errors import DomainError
from core.domain.staff import InvalidStaffAccount, Permission, Role, StaffMember
from core.services import audit, office_day, staff
from web.api.fields import MAX_ID
from web.audit_view import audit_lines
from web.deps import Desk, DeskDep, FormStaff, PageStaff, ReaderDep
from web.errors import explain
from web.i18n import language_of, translator
from web.pages.common import back, notice, render

router = APIRouter()
AUDIT_PAGE = 50  # entries a page of the audit log shows


class NewAccount(BaseModel):
    """The form that makes a staff account: the lengths here, the rules on each value in the use case."""

    username: str = Field(max_length=64)
    password: str = Field(max_length=200)
    role: Role
    display_name: str = Field("", max_length=200)
    offices: list[str] = []


async def _staff_page(desk: Desk, member: StaffMember, **extra: Any) -> Response:
    member.require(Permission.MANAGE_STAFF)
    people = await staff.list_staff(desk.reader)
    offices = await office_day.offices_of(desk.reader, member)
    return render(
        desk.request,
        "staff.html",
        member,
        nav="staff",
        people=people,
        offices=offices,
        codes={o.id: o.code for o in offices},
        roles=list(Role),
        notice=notice(desk.request),
        **extra,
    )


@router.get("/staff")
async def staff_page(desk: DeskDep, member: PageStaff) -> Response:
    return await _staff_page(desk, member, form={})


@router.post("/staff")
async def staff_create(desk: DeskDep, member: FormStaff, form: Annotated[NewAccount, Form()]) -> Response:
    member.require(Permission.MANAGE_STAFF)
    try:
        await staff.create_staff(
            desk.uow,
            desk.ctx.passwords,
            username=form.username,
            display_name=form.display_name,
            password=form.password,
            role=form.role,
            office_codes=form.offices,
            now=desk.now,
            actor=member,
        )
    except DomainError as err:
        again = form.model_dump(mode="json", exclude={"password"})  # the form comes back filled, but for the password
        error = explain(err, translator(desk.request))
        return await _staff_page(desk, member, form=again, error=error, status_code=422)
    return back("/staff", done="staff")


@router.post("/staff/{staff_id}/active")
async def staff_active(
    desk: DeskDep, member: FormStaff, staff_id: Annotated[int, Path(ge=1, le=MAX_ID)], active: Annotated[bool, Form()]
) -> Response:
    member.require(Permission.MANAGE_STAFF)
    try:
        await staff.set_active(desk.uow, staff_id, active, desk.now, member)
    except InvalidStaffAccount as err:
        return await _staff_page(desk, member, form={}, error=explain(err, translator(desk.request)))
    return back("/staff", done="staff")


@router.post("/staff/{staff_id}/sessions/end")
async def staff_sign_out(desk: DeskDep, member: FormStaff, staff_id: Annotated[int, Path(ge=1, le=MAX_ID)]) -> Response:
    """Signs the member out on every browser and API client (a lost phone, a password seen by someone)."""
    member.require(Permission.MANAGE_STAFF)
    await staff.end_sessions(desk.uow, staff_id, desk.now, member)
    return back("/staff", done="signed_out")


@router.get("/audit")
async def audit_page(
    request: Request,
    reader: ReaderDep,
    member: PageStaff,
    before: Annotated[int | None, Query(ge=1, le=MAX_ID)] = None,
    code: str = "",
) -> Response:
    member.require(Permission.READ_AUDIT)
    wanted = normalize_booking_code(code) or None
    entries = await audit.recent(reader, limit=AUDIT_PAGE, before_id=before, booking_code=wanted)
    older = entries[-1].id if len(entries) == AUDIT_PAGE else None
    offices = await office_day.offices_of(reader, member)
    lines = audit_lines(entries, offices, language_of(request), translator(request))
    return render(request, "audit.html", member, nav="audit", lines=lines, code=code, older=older)
