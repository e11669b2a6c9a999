"""The calendar an applicant sees: each date free, full, not released yet, or closed."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, datetime, time
from enum import StrEnum

from core.domain.offices import Office

# The dates the engine plans for. Outside them a date is refused at the door: the holiday tables cover these
# years, and no request can make the engine compute centuries of holidays or step past date.max.
FIRST_DAY, LAST_DAY = date(2000, 1, 1), date(2100, 12, 31)


class DayState(StrEnum):
    FREE = "free"  # green: released, and some slot takes the whole party
    FULL = "full"  # red: released, but no slot takes the party any more
    NOT_RELEASED = "not_released"  # yellow: the office has not released this date yet
    CLOSED = "closed"  # grey: weekend, holiday, collective leave or office closure
    PAST = "past"  # today or earlier: nothing to choose


class ClosureKind(StrEnum):
    WEEKEND = "weekend"  # not one of the office's working days
    HOLIDAY = "holiday"  # national public holiday
    COLLECTIVE_LEAVE = "collective_leave"  # cuti bersama
    OFFICE = "office"  # the office's own closure


@dataclass(frozen=True, slots=True)
class Closure:
    kind: ClosureKind
    name: str = ""


@dataclass(frozen=True, slots=True)
class SlotState:
    """A released arrival slot as it stands now."""

    slot_id: int
    start: time
    end: time
    capacity: int
    taken: int
    bookable_from: datetime
    bookable_until: datetime

    @property
    def remaining(self) -> int:
        return max(self.capacity - self.taken, 0)

    def released(self, now: datetime) -> bool:
        return self.bookable_from <= now

    def open_at(self, now: datetime) -> bool:
        return self.bookable_from <= now < self.bookable_until

    def fits(self, party: int) -> bool:
        return self.remaining >= party


@dataclass(frozen=True, slots=True)
class ReleasedSlot:
    """A released slot with the office and date it belongs to."""

    office_id: int
    day: date
    state: SlotState


@dataclass(frozen=True, slots=True)
class NewSlot:
    """A slot about to be released: an office's arrival time on a date, bookable in a window."""

    office_id: int
    day: date
    start: time
    end: time
    capacity: int
    bookable_from: datetime
    bookable_until: datetime


@dataclass(frozen=True, slots=True)
class DayInfo:
    day: date
    state: DayState
    closure: Closure | None
    slots: tuple[SlotState, ...]  # released slots only, in order of start
    open_now: bool  # bookings are taken for this date right now
    opens_at: datetime | None  # when it opens, if it is released later or not yet open

    def free_slots(self, party: int) -> list[SlotState]:
        return [s for s in self.slots if s.fits(party)]


def classify_day(
    office: Office,
    day: date,
    *,
    now: datetime,
    party: int,
    closure: Closure | None,
    slots: Sequence[SlotState],
) -> DayInfo:
    """One date's state for a party of `party` applicants, at `now`."""
    if closure is None and not office.is_working_day(day):
        closure = Closure(ClosureKind.WEEKEND)
    ordered = tuple(sorted(slots, key=lambda s: s.start))
    released = tuple(s for s in ordered if s.released(now))
    opens_at = min((s.bookable_from for s in ordered if not s.open_at(now) and s.bookable_from > now), default=None)
    open_now = any(s.open_at(now) for s in released)
    if day <= office.today(now):
        state = DayState.PAST
    elif closure is not None:
        state = DayState.CLOSED
    elif not released:
        state = DayState.NOT_RELEASED
    elif any(s.fits(party) for s in released):
        state = DayState.FREE
    else:
        state = DayState.FULL
    if state in (DayState.PAST, DayState.CLOSED):
        open_now = False
    return DayInfo(day, state, closure, released, open_now, opens_at)
