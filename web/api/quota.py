"""Quota by staff: an office's slot template, one slot's capacity on a date, closing and releasing dates."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Path

from core.domain.offices import SlotTime
from core.services import office_day, quota, release
from web.api.fields import DayPath, OfficePath, TimeOfDay, shown
from web.api.refusals import refusals
from web.api.schemas import (
    CapacityIn,
    CapacityOut,
    ClosedDayOut,
    CloseIn,
    OfficeOut,
    ReleasedOut,
    ReleaseIn,
    TemplateIn,
)
from web.deps import ApiStaff, DeskDep

router = APIRouter(tags=["quota"])


@router.put(
    "/offices/{code}/template",
    response_model=OfficeOut,
    summary="Replace the office's slot template",
    responses=refusals(403, 404, body=True),
)
async def set_template(desk: DeskDep, member: ApiStaff, code: OfficePath, body: TemplateIn) -> OfficeOut:
    """The arrival slots that releases of this office start from from now on; released dates keep theirs."""
    template = [SlotTime(s.start, s.end, s.capacity) for s in body.slots]
    office = await quota.set_slot_template(desk.uow, code, template, now=desk.now, actor=member)
    return OfficeOut.model_validate(office, from_attributes=True)


@router.put(
    "/offices/{code}/days/{day}/slots/{start}",
    response_model=CapacityOut,
    summary="Set one slot's capacity on one date",
    responses=refusals(403, 404, 409, body=True),
)
async def set_capacity(
    desk: DeskDep,
    member: ApiStaff,
    code: OfficePath,
    day: DayPath,
    start: Annotated[TimeOfDay, Path(description="the slot's start, HH:MM")],
    body: CapacityIn,
) -> CapacityOut:
    """At once if the date is released (never below the places taken), else when it is released."""
    done = await quota.set_capacity(desk.uow, code, day, start, body.capacity, desk.now, actor=member)
    return CapacityOut.model_validate(done, from_attributes=True)


@router.post(
    "/offices/{code}/days/{day}/close",
    response_model=ClosedDayOut,
    summary="Close a date at the office",
    responses=refusals(403, 404, 409, body=True),
)
async def close_day(desk: DeskDep, member: ApiStaff, code: OfficePath, day: DayPath, body: CloseIn) -> ClosedDayOut:
    """Nothing is bookable that day any more. A date with bookings: refused (409) unless `cancel_bookings`."""
    done = await quota.close_date(
        desk.uow, code, day, body.reason, desk.now, actor=member, cancel_bookings=body.cancel_bookings
    )
    # The code as stored is the one typed, tidied as the offices do.
    return ClosedDayOut(
        office_code=code.strip().upper(),
        day=day,
        emptied_slots=done.emptied_slots,
        cancelled=list(done.cancelled),
        applicants=done.applicants,
    )


@router.post(
    "/offices/{code}/release",
    response_model=ReleasedOut,
    summary="Release dates for booking now",
    responses=refusals(403, 404, body=True),
)
async def release_days(desk: DeskDep, member: ApiStaff, code: OfficePath, body: ReleaseIn) -> ReleasedOut:
    """Opens these dates at once, each until the day before; a closed or past date refuses the whole request."""
    done = await release.release_by_hand(desk.uow, code, body.days, desk.now, actor=member)
    # The office's zone for the instants: the use case hands back its code only.
    office = await office_day.find_office(desk.reader, member, done.office_code)
    return ReleasedOut.model_validate(done, from_attributes=True, context=shown(zone=office.timezone))
