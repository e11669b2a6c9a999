"""Quota by staff: an office's slot template, a date's capacity, and closing a date."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, replace
from datetime import date, datetime, time

from core.domain.booking import DateNotBookable
from core.domain.errors import DomainError
from core.domain.offices import Office, SlotTime, check_capacity
from core.domain.staff import Permission, StaffMember
from core.services import announcements, audit
from core.services.offices import office_for
from core.services.uow import UnitOfWork


class CapacityBelowTaken(DomainError):
    """A released slot cannot shrink below the applicants already holding or booked in it."""

    code = "capacity_below_taken"

    def __init__(self, taken: int) -> None:
        self.taken = taken
        super().__init__(f"{taken} places are taken")


class DateHasBookings(DomainError):
    """A date with bookings is not closed by a click: the applicants must be told and moved first."""

    code = "date_has_bookings"

    def __init__(self, taken: int) -> None:
        self.taken = taken
        super().__init__(f"{taken} places are taken")


class ClosureNeedsReason(DomainError):
    """Closing a booked date tells each owner why: the reason is not optional then."""

    code = "closure_needs_reason"


class NoSuchSlot(DomainError):
    code = "no_such_slot"

    def __init__(self, start: time) -> None:
        self.start = start
        super().__init__(f"no slot starts at {start:%H:%M}")


@dataclass(frozen=True, slots=True)
class CapacitySet:
    day: date
    start: time
    capacity: int
    released: bool  # True: the released slot changed now; False: kept for when the date is released


async def set_slot_template(
    uow: UnitOfWork,
    office_code: str,
    template: Sequence[SlotTime],
    *,
    now: datetime,
    actor: StaffMember | None = None,
) -> Office:
    """Replace the arrival slots that future releases of this office start from."""
    async with uow:
        office = await office_for(uow, office_code, actor, Permission.MANAGE_QUOTA)
        saved = await uow.offices.save(replace(office, slots=tuple(sorted(template, key=lambda s: s.start))))
        await audit.record(
            uow,
            actor,
            "slot_template_set",
            f"office {office.code}",
            now,
            before={"slots": [s.label for s in office.slots]},
            after={"slots": [s.label for s in saved.slots]},
            office_id=office.id,
        )
        await uow.commit()
        return saved


async def set_fair_opening(
    uow: UnitOfWork, office_code: str, on: bool, *, now: datetime, actor: StaffMember | None = None
) -> Office:
    """Whether the office's weekly openings go by a draw among pre-registered parties (core/domain/draw.py). A draw
    already announced still runs when the option is turned off: families registered for it were promised it."""
    async with uow:
        office = await office_for(uow, office_code, actor, Permission.MANAGE_QUOTA)
        saved = await uow.offices.save(replace(office, fair_opening=on))
        if office.fair_opening != on:
            await audit.record(
                uow, actor, "fair_opening_set", f"office {office.code}", now,
                before={"fair_opening": office.fair_opening}, after={"fair_opening": on}, office_id=office.id,
            )  # fmt: skip
        await uow.commit()
        return saved


async def set_capacity(
    uow: UnitOfWork,
    office_code: str,
    day: date,
    start: time,
    capacity: int,
    now: datetime,
    actor: StaffMember | None = None,
) -> CapacitySet:
    """Set one slot's capacity on one date: at once if released, else when the date is released."""
    check_capacity(capacity)
    async with uow:
        office = await office_for(uow, office_code, actor, Permission.MANAGE_QUOTA)
        assert office.id is not None
        if day <= office.today(now):
            raise DateNotBookable(day, "past")
        released = [s for s in (await uow.slots.in_range(office.id, day, day)).get(day, []) if s.start == start]
        if released:
            slot = released[0]
            if not await uow.slots.set_capacity(slot.slot_id, capacity):
                raise CapacityBelowTaken(slot.taken)
        elif start not in {s.start for s in office.slots}:
            raise NoSuchSlot(start)
        else:
            await uow.offices.set_capacity_override(office.id, day, start, capacity)
        await audit.record(
            uow,
            actor,
            "capacity_set",
            f"{office.code} {day.isoformat()} {start:%H:%M}",
            now,
            before={"capacity": released[0].capacity} if released else {},
            after={"capacity": capacity},
            office_id=office.id,
        )
        await uow.commit()
    return CapacitySet(day, start, capacity, bool(released))


@dataclass(frozen=True, slots=True)
class DateClosed:
    day: date
    emptied_slots: int  # released slots whose places were taken away
    cancelled: tuple[str, ...]  # the codes of the bookings the office cancelled
    applicants: int  # the people in them


async def close_date(
    uow: UnitOfWork,
    office_code: str,
    day: date,
    reason: str,
    now: datetime,
    actor: StaffMember | None = None,
    *,
    cancel_bookings: bool = False,
) -> DateClosed:
    """Close a date at this office: grey in the calendar, nothing bookable.

    A date with bookings is closed only when asked to (`cancel_bookings`) and with a reason: every booking on it is
    cancelled by the office, its places go, its owner's 30-day wait no longer counts it, and the owner is told why
    through the outbox, written in this same transaction, with a way to book the same people again.
    """
    reason = reason.strip()
    async with uow:
        office = await office_for(uow, office_code, actor, Permission.MANAGE_QUOTA)
        assert office.id is not None
        if day <= office.today(now):
            raise DateNotBookable(day, "past")
        released = (await uow.slots.in_range(office.id, day, day)).get(day, [])
        taken = sum(s.taken for s in released)
        if taken and not cancel_bookings:
            raise DateHasBookings(taken)
        if taken and not reason:
            raise ClosureNeedsReason()
        cancelled = await uow.bookings.cancel_day(office.id, day, now)
        if cancelled and not cancel_bookings:  # booked between the read above and the slots' lock
            raise DateHasBookings(sum(b.party_size for b in cancelled))
        # No reason given is stored as none: each adapter says "closed" in the reader's own language.
        await uow.offices.add_closure(office.id, day, reason)
        if cancelled:
            await uow.bookings.waive_freezes(sorted({b.account_id for b in cancelled if b.account_id is not None}))
            await announcements.announce_closure(uow, office, day, reason, [b.id for b in cancelled], now, actor)
        codes = tuple(b.code for b in cancelled)
        applicants = sum(b.party_size for b in cancelled)
        await audit.record(
            uow,
            actor,
            "date_closed",
            f"{office.code} {day.isoformat()}",
            now,
            after={"cancelled": list(codes), "applicants": applicants} if cancelled else {},
            office_id=office.id,
            reason=reason or None,
        )
        await uow.commit()
    return DateClosed(day, len(released), codes, applicants)
