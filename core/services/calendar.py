"""The applicant's calendar: a month of dates with their states, and a date's slots with places left."""

from __future__ import annotations

import calendar as _calendar
from dataclasses import dataclass
from datetime import date, datetime, timedelta

from core.domain.calendar import DayInfo, DayState, classify_day
from core.domain.offices import Office
from core.services.closures import closures_between
from core.services.errors import OfficeNotFound
from core.services.uow import UnitOfWork


@dataclass(frozen=True, slots=True)
class MonthView:
    office: Office
    year: int
    month: int
    party: int
    days: tuple[DayInfo, ...]
    next_window: tuple[datetime, datetime]  # the weekly window open now, or the next one


async def _days(uow: UnitOfWork, office: Office, first: date, last: date, now: datetime, party: int) -> list[DayInfo]:
    assert office.id is not None
    own, by_day = await uow.slots.days(office.id, first, last)
    closed = closures_between(first, last, own)
    out = []
    d = first
    while d <= last:
        out.append(classify_day(office, d, now=now, party=party, closure=closed.get(d), slots=by_day.get(d, ())))
        d += timedelta(days=1)
    return out


async def _office(uow: UnitOfWork, office_code: str, known: Office | None) -> Office:
    office = known if known is not None and known.code == office_code else await uow.offices.get(office_code)
    if office is None:
        raise OfficeNotFound(office_code)
    return office


async def month_calendar(
    uow: UnitOfWork,
    office_code: str,
    year: int,
    month: int,
    *,
    party: int,
    now: datetime,
    office: Office | None = None,
) -> MonthView:
    """`office`: the office as the caller already has it (from OfficeDirectory), to save reading it again."""
    async with uow:
        office = await _office(uow, office_code, office)
        first = date(year, month, 1)
        last = date(year, month, _calendar.monthrange(year, month)[1])
        days = await _days(uow, office, first, last, now, party)
    return MonthView(office, year, month, party, tuple(days), office.release.next_window(office.local(now)))


async def day_view(
    uow: UnitOfWork, office_code: str, day: date, *, party: int, now: datetime, office: Office | None = None
) -> DayInfo:
    """One date with its released slots; `free_slots(party)` lists the ones that take the party."""
    async with uow:
        office = await _office(uow, office_code, office)
        return (await _days(uow, office, day, day, now, party))[0]


async def first_free_day(
    uow: UnitOfWork, office: Office, after: date, *, party: int, now: datetime, within_days: int = 62
) -> date | None:
    """The first date from `after` on with room for the party now, within `within_days`; None when there is none.

    What an applicant whose date was closed wants to see first: the calendar at that date's month.
    """
    async with uow:
        days = await _days(uow, office, after, after + timedelta(days=within_days), now, party)
    return next((d.day for d in days if d.state is DayState.FREE), None)
