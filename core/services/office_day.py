"""An office's day from behind the counter: the live view of its slots, and the list of expected applicants."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, time

from core.crypto import Vault
from core.documents.daily_list import DailyList, ListedApplicant, ListedBooking, ListedSlot
from core.domain.booking import BookingStatus
from core.domain.calendar import Closure, ClosureKind
from core.domain.offices import Office
from core.domain.staff import Permission, StaffMember
from core.services.closures import closures_between
from core.services.errors import OfficeNotFound
from core.services.uow import UnitOfWork


@dataclass(frozen=True, slots=True)
class BoardSlot:
    start: time
    end: time
    capacity: int
    held: int  # applicants in holds that have not lapsed: they may still confirm
    booked: int  # applicants in confirmed bookings
    free: int  # what an applicant can still take
    released: bool  # False: the capacity the date will get when it is released
    arrived: int = 0  # applicants marked as arrived at the counter


@dataclass(frozen=True, slots=True)
class DayBoard:
    office: Office
    day: date
    closed: Closure | None  # why nobody comes that day (weekend, holiday, leave or the office's own closure)
    bookable_from: datetime | None  # None until the date is scheduled for release
    bookable_until: datetime | None
    slots: tuple[BoardSlot, ...]

    @property
    def totals(self) -> BoardSlot:
        s = self.slots
        released = any(x.released for x in s)
        return BoardSlot(
            time(0),
            time(0),
            sum(x.capacity for x in s),
            sum(x.held for x in s),
            sum(x.booked for x in s),
            sum(x.free for x in s),
            released,
            sum(x.arrived for x in s),
        )


async def office_for(uow: UnitOfWork, member: StaffMember, permission: Permission, office_code: str) -> Office:
    """The office if it exists and the member may do that there; call inside an open unit."""
    office = await uow.offices.get(office_code)
    if office is None or office.id is None:
        raise OfficeNotFound(office_code)
    member.require(permission, office.id)
    return office


async def offices_of(uow: UnitOfWork, member: StaffMember) -> list[Office]:
    """The offices this member works for (every office for an administrator or the help desk)."""
    async with uow:
        every = await uow.offices.list()
    return [o for o in every if member.every_office or o.id in member.office_ids]


async def day_board(uow: UnitOfWork, member: StaffMember, office_code: str, day: date, now: datetime) -> DayBoard:
    """Per slot: capacity, held, booked and free; for a date not released yet, what it will open with."""
    async with uow:
        office = await office_for(uow, member, Permission.VIEW_DAY, office_code)
        assert office.id is not None
        released = (await uow.slots.in_range(office.id, day, day)).get(day, [])
        counts = await uow.office_day.party_counts(office.id, day, now)
        arrived = await uow.office_day.arrival_counts(office.id, day) if day <= office.today(now) else {}
        overrides = await uow.offices.capacity_overrides(office.id, day, day)
        own = await uow.offices.closures(office.id, day, day)
    reason = closures_between(day, day, own).get(day)
    if reason is None and not office.is_working_day(day):
        reason = Closure(ClosureKind.WEEKEND)
    if released:
        slots = tuple(
            BoardSlot(
                s.start,
                s.end,
                s.capacity,
                counts.get((s.slot_id, BookingStatus.HELD), 0),
                counts.get((s.slot_id, BookingStatus.CONFIRMED), 0),
                max(s.capacity - s.taken, 0),
                True,
                arrived.get(s.slot_id, 0),
            )
            for s in released
        )
        return DayBoard(office, day, reason, released[0].bookable_from, released[0].bookable_until, slots)
    planned = tuple(
        BoardSlot(t.start, t.end, cap, 0, 0, cap, False)
        for t in office.slots
        if (cap := overrides.get((day, t.start), t.capacity)) > 0 or (day, t.start) in overrides
    )
    return DayBoard(office, day, reason, None, None, planned)


async def daily_list(
    uow: UnitOfWork, vault: Vault, member: StaffMember, office_code: str, day: date, now: datetime
) -> DailyList:
    """The day's expected applicants by slot; whole NIKs only for the counter, who compares them with the e-KTP."""
    full = member.may(Permission.SEE_FULL_NIK)
    async with uow:
        office = await office_for(uow, member, Permission.VIEW_DAY, office_code)
        assert office.id is not None
        released = (await uow.slots.in_range(office.id, day, day)).get(day, [])
        expected = await uow.office_day.listed(office.id, day, now)
    by_slot: dict[int, dict[str, list[ListedApplicant]]] = {}
    status: dict[str, BookingStatus] = {}
    for e in expected:
        status[e.booking_code] = e.status
        by_slot.setdefault(e.slot_id, {}).setdefault(e.booking_code, []).append(
            ListedApplicant(
                e.position,
                e.queue_no,
                e.full_name,
                vault.decrypt(e.nik_enc) if full else e.nik_masked,
                e.application_type,
                e.checked_in_at,
            )
        )
    return DailyList(
        office=office,
        day=day,
        slots=tuple(
            ListedSlot(
                s.start,
                s.end,
                s.capacity,
                tuple(
                    ListedBooking(code, status[code], tuple(people))
                    for code, people in by_slot.get(s.slot_id, {}).items()
                ),
            )
            for s in released
        ),
        full_nik=full,
        printed_at=now,
    )


async def find_office(uow: UnitOfWork, member: StaffMember, office_code: str) -> Office:
    """An office the member may look at; refuses others with NotAllowed."""
    async with uow:
        return await office_for(uow, member, Permission.VIEW_DAY, office_code)
