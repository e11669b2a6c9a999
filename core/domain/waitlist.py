"""The waiting list: families waiting for places at an office on a range of dates, offered freed places in turn.

Pure rules: who is offered a freed place (the earliest waiting party that fits: one passed over because it did not
fit keeps its turn for the next places that do), how long an offer holds the places, and which dates an offer may
be for (only while the booking it makes could still be cancelled).
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from enum import StrEnum

from core.domain.booking import MAX_PARTY, cancel_deadline
from core.domain.errors import DomainError
from core.domain.offices import Office

OFFER_MINUTES = 30  # how long an offer holds the places for the party, at most
NEAR_OFFER_MINUTES = 10  # when the last day to cancel is within a day: the places must still find a taker
WAIT_DAYS = 31  # the longest range of dates a party may wait for


class WaitState(StrEnum):
    WAITING = "waiting"  # on the list, no offer open
    OFFERED = "offered"  # places held for the party until `offered_until`, waiting for its tap
    BOOKED = "booked"  # took an offer: the booking is theirs
    LEFT = "left"  # left by a tap, by letting an offer lapse, or because it can no longer book (see `ended_why`)


class LeftBecause(StrEnum):
    ASKED = "asked"  # the applicant left the list, or said no to an offer
    LAPSED = "lapsed"  # an offer was not answered in time
    CANNOT_BOOK = "cannot_book"  # frozen, or someone of the party booked meanwhile
    OVER = "over"  # the last date waited for can no longer be offered


@dataclass(frozen=True, slots=True)
class WaitEntry:
    """A party waiting at an office for any date from `first_day` to `last_day`."""

    id: int
    account_id: int
    office_id: int
    first_day: date
    last_day: date
    party: tuple[int, ...]  # applicant ids, the owner first
    kinds: tuple[str, ...]  # application type of each
    state: WaitState
    joined_at: datetime
    offered_booking_id: int | None = None
    offered_until: datetime | None = None
    ended_why: LeftBecause | None = None

    @property
    def size(self) -> int:
        return len(self.party)

    @property
    def live(self) -> bool:
        return self.state in (WaitState.WAITING, WaitState.OFFERED)

    def wants(self, day: date) -> bool:
        return self.first_day <= day <= self.last_day


class AlreadyWaiting(DomainError):
    """An account waits in one list at a time: leave it to wait elsewhere."""

    code = "already_waiting"


class WaitRangeInvalid(DomainError):
    """The dates to wait for: from a day after today, at most WAIT_DAYS long."""

    code = "wait_range_invalid"


class NotWaiting(DomainError):
    """No open offer or place on the list answers this tap any more."""

    code = "not_waiting"


def check_range(first: date, last: date, today: date) -> None:
    if not today < first <= last or (last - first).days >= WAIT_DAYS:
        raise WaitRangeInvalid()


def check_party_size(size: int) -> None:
    if not 1 <= size <= MAX_PARTY:
        raise WaitRangeInvalid()


def offer_hold(office: Office, day: date, now: datetime) -> timedelta | None:
    """How long an offer of places on `day` holds them, or None when no offer may be made for that day any more.

    An offer ends before the date's last day to cancel ends, so whoever takes it could still cancel; when that day
    is near the offer is short, so the places can still go round.
    """
    left = cancel_deadline(office, day) - now
    hold = timedelta(minutes=OFFER_MINUTES if left > timedelta(days=1) else NEAR_OFFER_MINUTES)
    return hold if left > hold else None


def first_fit(waiting: Iterable[WaitEntry], day: date, room: int) -> WaitEntry | None:
    """The earliest waiting party that wants `day` and fits in `room` places (entries in the order they joined)."""
    return next((e for e in waiting if e.state is WaitState.WAITING and e.wants(day) and e.size <= room), None)
