"""The home page (the member's offices) and a day at an office: the live view and the quota forms under it."""

from __future__ import annotations

from collections.abc import Awaitable
from datetime import date, time, timedelta
from typing import Annotated, Any

from fastapi import APIRouter, Form, Request
from fastapi.responses import Response

from core.domain.errors import DomainError
from core.domain.offices import MAX_SLOT_CAPACITY
from core.domain.staff import Permission, StaffMember
from core.services import announcements, fair_opening, office_day, quota, release
from web.deps import Desk, DeskDep, FormStaff, PageStaff, ReaderDep
from web.errors import explain, status_of
from web.i18n import translator
from web.pages.common import FormDay, QueryDay, back, day_or_today, notice, render

router = APIRouter()


@router.get("/")
async def home(request: Request, reader: ReaderDep, member: PageStaff, q: str = "") -> Response:
    offices = await office_day.offices_of(reader, member)
    if q.strip():
        offices = [o for o in offices if o.matches(q)]
    return render(request, "home.html", member, nav="home", offices=offices, q=q)


async def _board_page(desk: Desk, member: StaffMember, code: str, day: date, **extra: Any) -> Response:
    board = await office_day.day_board(desk.reader, member, code, day, desk.now)
    office = board.office
    today = office.today(desk.now)
    return render(
        desk.request,
        "office_day.html",
        member,
        nav="home",
        board=board,
        office=office,
        day=day,
        today=today,
        prev_day=day - timedelta(days=1),
        next_day=day + timedelta(days=1),
        editable=member.may(Permission.MANAGE_QUOTA, office.id) and day > today,
        subscribers=await announcements.subscriber_count(desk.reader, office.id or 0),
        draw=await fair_opening.standing(desk.reader, office, desk.now),
        notice=notice(desk.request),
        **extra,
    )


@router.get("/offices/{code}")
async def office_page(desk: DeskDep, member: PageStaff, code: str, day: QueryDay = None) -> Response:
    office = await office_day.find_office(desk.reader, member, code)
    return await _board_page(desk, member, office.code, day_or_today(day, office, desk.now))


async def _after_change(
    desk: Desk, member: StaffMember, code: str, day: date, change: Awaitable[Any], done: str
) -> Response:
    """Back to the day with ?done= after a change; a refusal is shown on the same page, with its status."""
    try:
        await change
    except DomainError as err:
        error = explain(err, translator(desk.request))
        return await _board_page(desk, member, code, day, error=error, status_code=status_of(err))
    return back(f"/offices/{code}", day=day.isoformat(), done=done)


@router.post("/offices/{code}/capacity")
async def set_capacity(
    desk: DeskDep,
    member: FormStaff,
    code: str,
    day: FormDay,
    start: Annotated[time, Form()],
    capacity: Annotated[int, Form(ge=0, le=MAX_SLOT_CAPACITY)],
) -> Response:
    change = quota.set_capacity(desk.uow, code, day, start, capacity, desk.now, actor=member)
    return await _after_change(desk, member, code, day, change, "capacity")


@router.post("/offices/{code}/release")
async def release_day(desk: DeskDep, member: FormStaff, code: str, day: FormDay) -> Response:
    change = release.release_by_hand(desk.uow, code, [day], desk.now, actor=member)
    return await _after_change(desk, member, code, day, change, "released")


@router.post("/offices/{code}/close")
async def close_day(
    desk: DeskDep,
    member: FormStaff,
    code: str,
    day: FormDay,
    reason: Annotated[str, Form(max_length=200)] = "",
    cancel_bookings: Annotated[bool, Form()] = False,
) -> Response:
    change = quota.close_date(desk.uow, code, day, reason, desk.now, actor=member, cancel_bookings=cancel_bookings)
    return await _after_change(desk, member, code, day, change, "closed")
