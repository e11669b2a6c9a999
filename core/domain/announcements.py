"""Announcements: what the product tells people outside the reply to their own tap, and at what pace.

Pure rules: which kinds exist and which goes first, and how fast a sender may go so that no one-second window ever
holds more messages than Telegram allows.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from enum import StrEnum
from typing import Any

from core.domain.errors import DomainError
from core.domain.offices import Office


class Kind(StrEnum):
    PROOF = "proof"  # a booking's PDF proof, right after confirming
    CLOSURE = "closure"  # the office closed a booked date: the booking is cancelled
    REMINDER = "reminder"  # the day before the arrival
    OPENING_SOON = "opening_soon"  # an office's weekly quota opens soon
    OPENED = "opened"  # an office released dates: book now
    BROADCAST = "broadcast"  # staff's own words
    ANSWER = "answer"  # the help desk's answer to one applicant's question (or its closing)
    RELAY = "relay"  # a ticket's message copied into its topic of the staff group in Telegram
    OFFER = "offer"  # places came free for a waiting party: held for it, take them or not
    WAIT_OVER = "wait_over"  # a party left the waiting list without asking: an offer lapsed, or its dates passed
    DRAW_OPEN = "draw_open"  # an office's draw takes registrations: its subscribers hear when, and until when
    DRAWN = "drawn"  # a fair opening's draw is done: where the family came, for those it gave no places at once


# Lower goes first. A proof is awaited by someone who just tapped, a help-desk answer by someone who asked; a
# closure changes tomorrow's plans; an opening alert is worth most the moment it is sent; a staff notice can wait
# behind them all.
PRIORITY = {
    Kind.PROOF: 0,
    Kind.ANSWER: 0,
    Kind.OFFER: 0,  # the places are held for minutes: every one of them counts
    Kind.WAIT_OVER: 2,
    Kind.DRAWN: 2,
    Kind.DRAW_OPEN: 3,  # behind the draw's offers: the places held for minutes go first
    Kind.RELAY: 1,  # staff read it within minutes, not seconds; the group's own pace (20 a minute) spaces them
    Kind.CLOSURE: 1,
    Kind.REMINDER: 2,
    Kind.OPENED: 3,
    Kind.OPENING_SOON: 3,
    Kind.BROADCAST: 4,
}


class RowState(StrEnum):
    """What became of one outbox row."""

    PENDING = "pending"
    SENDING = "sending"  # handed to Telegram, answer not yet recorded: after a crash, uncertain
    SENT = "sent"
    FAILED = "failed"  # tried MAX_ATTEMPTS times
    BLOCKED = "blocked"  # the chat blocked the bot, or is gone: never tried again
    PAUSED = "paused"
    CANCELLED = "cancelled"


MAX_ATTEMPTS = 5


@dataclass(frozen=True, slots=True)
class Outgoing:
    """One message to send: an outbox row with what its announcement says."""

    id: int
    announcement_id: int
    kind: Kind
    chat_id: int
    language: str
    office_id: int | None
    booking_id: int | None
    paid: bool
    payload: dict[str, Any]


@dataclass(frozen=True, slots=True)
class Pace:
    """The steady rate of a sender that never lets more than `limit` messages into any one-second window, and the
    chunks it takes from the outbox at that rate.

    A bucket of `burst` draining at `rate` a second lets at most burst + rate pass in any second; keeping that sum
    at the limit leaves 96 % of it for the steady rate. The gate itself keeps the window as a log of sends
    (core/pacing.py); this sizes the outbox's chunks, and so the rows a crash can leave in flight.
    """

    rate: float
    burst: int

    @classmethod
    def within(cls, limit: float) -> Pace:
        if limit < 2:  # a bucket of one spaces messages 1/rate apart: a second holds at most one
            return cls(rate=limit, burst=1)
        burst = max(1, math.floor(limit * 0.04))
        return cls(rate=limit - burst, burst=burst)

    def chunk(self, seconds: float = 0.05) -> int:
        """Rows to take from the outbox at a time: about `seconds` of sending, at least one."""
        return max(1, math.ceil(self.rate * seconds))


# The reminder goes out the morning before the arrival: a day to gather the papers, at an hour nobody is woken by.
REMINDER_AT = time(10, 0)


def reminder_payload(office: Office, day: date) -> tuple[datetime, dict[str, Any]]:
    """When the reminder of the bookings on `day` at `office` goes out, in its zone, and what it carries.

    `until`: the start of the arrival day; a reminder not fanned out by then (the worker was down) is not sent.
    """
    at = office.at(day - timedelta(days=1), REMINDER_AT)
    return at, {"day": day.isoformat(), "until": office.at(day, time(0)).isoformat()}


def opening_payload(days: tuple[date, ...], opens: datetime, closes: datetime) -> dict[str, Any]:
    return {"days": [d.isoformat() for d in days], "opens": opens.isoformat(), "closes": closes.isoformat()}


class TooManySubscriptions(DomainError):
    """A chat follows at most this many offices: enough for anyone choosing where to apply, and a bound on fan-out."""

    code = "too_many_subscriptions"
    LIMIT = 10
