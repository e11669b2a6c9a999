"""Staff accounts, for administrators: list them, make one, turn one off or back on."""

from __future__ import annotations

from collections.abc import Iterable

from fastapi import APIRouter, Response, status

from core.domain.offices import Office
from core.domain.staff import Permission
from core.services import office_day, staff
from web.api.fields import IdPath, shown
from web.api.refusals import refusals
from web.api.schemas import ActiveIn, StaffIn, StaffOut
from web.deps import ApiStaff, DeskDep, ReaderDep

router = APIRouter(tags=["staff"])


def _codes(offices: Iterable[Office]) -> dict[str, object]:
    """The context that shows an account's office ids as codes."""
    return shown(office_codes={o.id: o.code for o in offices if o.id is not None})


@router.get("/staff", response_model=list[StaffOut], summary="Every staff account", responses=refusals(403))
async def staff_list(reader: ReaderDep, member: ApiStaff) -> list[StaffOut]:
    """Administrators only."""
    member.require(Permission.MANAGE_STAFF)
    people = await staff.list_staff(reader)
    context = _codes(await office_day.offices_of(reader, member))
    return [StaffOut.model_validate(p, from_attributes=True, context=context) for p in people]


@router.post(
    "/staff",
    response_model=StaffOut,
    status_code=status.HTTP_201_CREATED,
    summary="Make a staff account",
    responses=refusals(403, 404, 409, body=True),
)
async def staff_create(desk: DeskDep, member: ApiStaff, body: StaffIn) -> StaffOut:
    """Administrators only; office and counter accounts need at least one office (409: username taken)."""
    member.require(Permission.MANAGE_STAFF)
    made = await staff.create_staff(
        desk.uow,
        desk.ctx.passwords,
        username=body.username,
        display_name=body.display_name,
        password=body.password,
        role=body.role,
        office_codes=body.offices,
        now=desk.now,
        actor=member,
    )
    context = _codes(await office_day.offices_of(desk.reader, member))
    return StaffOut.model_validate(made, from_attributes=True, context=context)


@router.post(
    "/staff/{staff_id}/active",
    status_code=status.HTTP_204_NO_CONTENT,
    response_class=Response,
    summary="Turn an account off or back on",
    responses=refusals(403, 404, body=True),
)
async def staff_active(desk: DeskDep, member: ApiStaff, staff_id: IdPath, body: ActiveIn) -> Response:
    """Administrators only; a turned-off account's tokens stop working at once. Nobody turns off themselves."""
    member.require(Permission.MANAGE_STAFF)
    await staff.set_active(desk.uow, staff_id, body.active, desk.now, member)
    return Response(status_code=status.HTTP_204_NO_CONTENT)
