"""The day's expected applicants at an office: the page (with check-in links) and its PDF."""

from __future__ import annotations

from datetime import timedelta

from fastapi import APIRouter
from fastapi.responses import Response

from core.documents.daily_list import DailyList
from core.domain.staff import Permission
from core.services import office_day
from web.daily_list import daily_list_pdf
from web.deps import DeskDep, PageStaff
from web.pages.common import QueryDay, day_or_today, render

router = APIRouter()


def _tally(listing: DailyList) -> tuple[int, int]:
    """(applicants expected, applicants arrived) for the page's heading."""
    people = [p for s in listing.slots for b in s.bookings for p in b.applicants]
    return len(people), sum(1 for p in people if p.checked_in_at)


@router.get("/offices/{code}/list")
async def list_page(desk: DeskDep, member: PageStaff, code: str, day: QueryDay = None) -> Response:
    office = await office_day.find_office(desk.reader, member, code)
    chosen = day_or_today(day, office, desk.now)
    listing = await office_day.daily_list(desk.reader, desk.vault, member, office.code, chosen, desk.now)
    count, arrived = _tally(listing)
    return render(
        desk.request,
        "daily_list.html",
        member,
        nav="home",
        office=office,
        listing=listing,
        day=chosen,
        prev_day=chosen - timedelta(days=1),
        next_day=chosen + timedelta(days=1),
        count=count,
        arrived=arrived,
        can_check_in=member.may(Permission.CHECK_IN, office.id),
    )


@router.get("/offices/{code}/list.pdf")
async def list_pdf(desk: DeskDep, member: PageStaff, code: str, day: QueryDay = None) -> Response:
    office = await office_day.find_office(desk.reader, member, code)
    chosen = day_or_today(day, office, desk.now)
    listing = await office_day.daily_list(desk.reader, desk.vault, member, office.code, chosen, desk.now)
    return await daily_list_pdf(desk.request, listing)
