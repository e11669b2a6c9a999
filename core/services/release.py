"""Releasing quota: the weekly window each office opens on its own, and releases by hand."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, datetime, time

from core.domain.booking import DateNotBookable
from core.domain.calendar import NewSlot
from core.domain.offices import Office
from core.domain.staff import Permission, StaffMember
from core.services import announcements, audit
from core.services.closures import closures_between
from core.services.offices import office_for
from core.services.uow import UnitOfWork


@dataclass(frozen=True, slots=True)
class Released:
    office_code: str
    days: tuple[date, ...]
    bookable_from: datetime
    bookable_until: datetime


async def _new_slots(
    uow: UnitOfWork, office: Office, days: Sequence[date], opens: datetime, closes: datetime
) -> list[NewSlot]:
    assert office.id is not None
    overrides = await uow.offices.capacity_overrides(office.id, min(days), max(days)) if days else {}
    return [
        NewSlot(office.id, d, s.start, s.end, overrides.get((d, s.start), s.capacity), opens, closes)
        for d in days
        for s in office.slots
        if overrides.get((d, s.start), s.capacity) > 0
    ]


async def open_days(uow: UnitOfWork, office: Office, days: Sequence[date]) -> list[date]:
    """The working days among `days` that are not holidays, leave or office closures."""
    if not days:
        return []
    assert office.id is not None
    own = await uow.offices.closures(office.id, min(days), max(days))
    closed = closures_between(min(days), max(days), own)
    return [d for d in days if office.is_working_day(d) and d not in closed]


async def schedule_weekly_release(uow: UnitOfWork, now: datetime) -> list[Released]:
    """Schedule, for every office, the dates its current or next weekly window opens; idempotent."""
    out: list[Released] = []
    async with uow:
        for office in await uow.offices.list():
            assert office.id is not None
            opens, closes = office.release.next_window(office.local(now))
            days = await open_days(uow, office, office.dates_released_by_window(opens))
            already = await uow.slots.existing_days(office.id, days)
            todo = [d for d in days if d not in already]
            await uow.slots.add(await _new_slots(uow, office, todo, opens, closes))
            if todo:
                out.append(Released(office.code, tuple(todo), opens, closes))
                await announcements.announce_window(uow, office, tuple(todo), opens, closes, now)
                await announcements.schedule_reminders(uow, office, tuple(todo), now)
        await uow.commit()
    return out


async def release_by_hand(
    uow: UnitOfWork, office_code: str, days: Sequence[date], now: datetime, actor: StaffMember | None = None
) -> Released:
    """Open these dates for booking at once, until the day before each; closed or past dates are refused."""
    async with uow:
        office = await office_for(uow, office_code, actor, Permission.MANAGE_QUOTA)
        assert office.id is not None
        today = office.today(now)
        ordered = sorted(set(days))
        for d in ordered:
            if d <= today:
                raise DateNotBookable(d, "past")
        opened = set(await open_days(uow, office, ordered))
        for d in ordered:
            if d not in opened:
                raise DateNotBookable(d, "closed")
        already = await uow.slots.existing_days(office.id, ordered)
        for d in ordered:
            until = office.at(d, time(0))
            if d in already:
                await uow.slots.open_now(office.id, [d], now, until)
            else:
                await uow.slots.add(await _new_slots(uow, office, [d], now, until))
        await audit.record(
            uow,
            actor,
            "released",
            f"{office.code} {', '.join(d.isoformat() for d in ordered)}",
            now,
            after={"days": [d.isoformat() for d in ordered]},
            office_id=office.id,
        )
        last = max(ordered, default=today)
        if ordered:
            await announcements.announce_released(uow, office, tuple(ordered), office.at(last, time(0)), now)
            await announcements.schedule_reminders(uow, office, tuple(ordered), now)
        await uow.commit()
    return Released(office.code, tuple(ordered), now, office.at(last, time(0)))
