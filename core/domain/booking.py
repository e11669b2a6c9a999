"""Bookings: party rules, codes, holds, the cancellation deadline, moving once, and the freeze."""

from __future__ import annotations

import secrets
from collections.abc import Hashable, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta
from enum import StrEnum

from core.domain.errors import DomainError
from core.domain.offices import Office

MAX_PARTY = 5
FREEZE_DAYS = 30
CANCEL_DAYS_BEFORE = 2
HOLD_MINUTES = 5

# No 0/O and no 1/I: a code is read aloud at the counter and typed from paper.
CODE_ALPHABET = "23456789ABCDEFGHJKLMNPQRSTUVWXYZ"
CODE_LENGTH = 8  # 32**8 = 2**40 codes: not guessable at the rate anyone can ask.


class ApplicationType(StrEnum):
    NEW = "new"  # paspor baru
    REPLACEMENT = "replacement"  # penggantian


class BookingStatus(StrEnum):
    HELD = "held"  # places taken for a few minutes, until confirmed or let go
    CONFIRMED = "confirmed"
    CANCELLED = "cancelled"  # by the owner, or by the office closing the date
    EXPIRED = "expired"  # a hold that lapsed or was let go: it never was a booking
    MOVED = "moved"  # its owner moved it to another date and time: a new booking took its party's place


class PartyEmpty(DomainError):
    code = "party_empty"


class PartyTooLarge(DomainError):
    code = "party_too_large"

    def __init__(self, size: int) -> None:
        self.size = size
        self.maximum = MAX_PARTY
        super().__init__(f"{size} applicants, at most {MAX_PARTY}")


class OwnerNotFirst(DomainError):
    code = "owner_not_first"


class DuplicateApplicant(DomainError):
    code = "duplicate_applicant"

    def __init__(self, position: int) -> None:
        self.position = position
        super().__init__(f"applicant {position} appears twice")


class AccountFrozen(DomainError):
    code = "account_frozen"

    def __init__(self, until: datetime) -> None:
        self.until = until
        super().__init__(f"no new booking before {until.isoformat()}")


class DateNotBookable(DomainError):
    """The date is in the past, today, closed, or its quota is not released."""

    code = "date_not_bookable"

    def __init__(self, day: date, reason: str) -> None:
        self.day = day
        self.reason = reason
        super().__init__(f"{day}: {reason}")


class BookingWindowClosed(DomainError):
    code = "booking_window_closed"

    def __init__(self, opens: datetime | None, closes: datetime | None) -> None:
        self.opens = opens
        self.closes = closes
        super().__init__(f"open {opens} – {closes}")


class SlotFull(DomainError):
    code = "slot_full"

    def __init__(self, slot_id: int, remaining: int, wanted: int) -> None:
        self.slot_id = slot_id
        self.remaining = remaining
        self.wanted = wanted
        super().__init__(f"slot {slot_id}: {remaining} left, {wanted} wanted")


class NikAlreadyBooked(DomainError):
    """A NIK of the party already stands in another active booking or hold."""

    code = "nik_already_booked"

    def __init__(self, position: int) -> None:
        self.position = position
        super().__init__(f"applicant {position} is in another active booking")


class HoldExpired(DomainError):
    code = "hold_expired"


class BookingNotFound(DomainError):
    code = "booking_not_found"


class CancellationClosed(DomainError):
    code = "cancellation_closed"

    def __init__(self, last_day: date) -> None:
        self.last_day = last_day
        super().__init__(f"last day to cancel was {last_day}")


class MoveClosed(DomainError):
    """Moving closes with cancelling: two days before the arrival date."""

    code = "move_closed"

    def __init__(self, last_day: date) -> None:
        self.last_day = last_day
        super().__init__(f"last day to move was {last_day}")


class AlreadyMoved(DomainError):
    """A booking is moved at most once: this one is itself the result of a move."""

    code = "already_moved"


class NotMovable(DomainError):
    """Only a confirmed booking moves: this one was cancelled, moved already, or never confirmed."""

    code = "not_movable"

    def __init__(self, status: BookingStatus) -> None:
        self.status = status
        super().__init__(f"booking is {status}")


class SameTime(DomainError):
    """The booking is at that date and time already."""

    code = "same_time"


class OtherOffice(DomainError):
    """A move stays at the booking's office, unless staff allowed another (`BookingRecord.move_anywhere`)."""

    code = "other_office"


class NotCancellable(DomainError):
    code = "not_cancellable"

    def __init__(self, status: BookingStatus) -> None:
        self.status = status
        super().__init__(f"booking is {status}")


def check_party(members: Sequence[Hashable], owner: Hashable | None = None) -> None:
    """One to five distinct applicants, the account owner first (checked when the owner is known)."""
    if not members:
        raise PartyEmpty()
    if len(members) > MAX_PARTY:
        raise PartyTooLarge(len(members))
    if owner is not None and members[0] != owner:
        raise OwnerNotFirst()
    seen: set[Hashable] = set()
    for position, member in enumerate(members, start=1):
        if member in seen:
            raise DuplicateApplicant(position)
        seen.add(member)


def last_cancel_day(arrival: date) -> date:
    """The last day on which a booking may still be cancelled: two days before arrival."""
    return arrival - timedelta(days=CANCEL_DAYS_BEFORE)


def cancel_deadline(office: Office, arrival: date) -> datetime:
    """The instant cancelling stops: the end of the last cancel day, at the office."""
    return office.at(last_cancel_day(arrival) + timedelta(days=1), time(0))


def frozen_until(office: Office, arrival: date) -> datetime:
    """The first instant the account may book again: 30 days after arrival, at the office."""
    return office.at(arrival + timedelta(days=FREEZE_DAYS), time(0))


def check_not_frozen(until: datetime | None, now: datetime) -> None:
    if until is not None and now < until:
        raise AccountFrozen(until)


class _RandomBits:
    """40-bit draws from the OS's random source, read 4 KiB at a time: a read per code costs ~60 µs here."""

    def __init__(self) -> None:
        self._buffer = b""
        self._at = 0

    def draw40(self) -> int:
        if self._at + 5 > len(self._buffer):
            self._buffer, self._at = secrets.token_bytes(4095), 0
        chunk = self._buffer[self._at : self._at + 5]
        self._at += 5
        return int.from_bytes(chunk, "big")


_bits = _RandomBits()


def new_booking_code() -> str:
    """Eight symbols from 40 random bits, five bits a symbol."""
    bits = _bits.draw40()
    return "".join(CODE_ALPHABET[(bits >> (5 * i)) & 31] for i in range(CODE_LENGTH))


def normalize_booking_code(raw: str) -> str:
    """What a person typed, read kindly: any case, with or without the dash and spaces."""
    return raw.strip().upper().replace("-", "").replace(" ", "")


def format_booking_code(code: str) -> str:
    """Two groups of four, easy to read aloud: 'K7PM-Q3XA'."""
    return f"{code[:4]}-{code[4:]}" if len(code) == CODE_LENGTH else code


def is_well_formed_code(code: str) -> bool:
    return len(code) == CODE_LENGTH and all(c in CODE_ALPHABET for c in code)


@dataclass(frozen=True, slots=True)
class HoldTerms:
    """What a hold fixes at the moment places are taken: when it lapses and the booking's deadlines."""

    held_until: datetime
    cancel_until: datetime
    frozen_until: datetime
    ends_at: datetime  # the end of the arrival day: from then on the booking no longer holds its NIKs


def hold_terms(office: Office, arrival: date, now: datetime, hold_minutes: int = HOLD_MINUTES) -> HoldTerms:
    return HoldTerms(
        held_until=now + timedelta(minutes=hold_minutes),
        cancel_until=cancel_deadline(office, arrival),
        frozen_until=frozen_until(office, arrival),
        ends_at=office.at(arrival + timedelta(days=1), time(0)),
    )


# --- Records: bookings as the engine keeps them -------------------------------------------------------------
# Personal data stays out of their repr, as in core.domain.accounts.


@dataclass(frozen=True, slots=True)
class BookingRecord:
    """A booking in any state, with its slot's arrival times."""

    id: int
    code: str
    account_id: int | None  # None once the booking is anonymised
    office_id: int
    slot_id: int
    day: date
    start: time
    end: time
    party_size: int
    queue_start: int  # the party's queue numbers are queue_start .. queue_start + party_size - 1
    status: BookingStatus
    idempotency_key: str
    held_until: datetime
    cancel_until: datetime
    frozen_until: datetime
    ends_at: datetime  # the end of the arrival day at the office
    created_at: datetime
    confirmed_at: datetime | None
    ended_at: datetime | None  # when it was cancelled or expired
    cancelled_by_office_at: datetime | None = None  # the office closed its date: no 30-day wait counts from it
    moved_from: int | None = None  # the booking this one replaced when its owner moved it; a move happens once
    move_anywhere: bool = False  # staff allowed the move to go to another office

    def lapsed(self, now: datetime) -> bool:
        """A hold whose minutes ran out: it holds nothing any more, even before a sweep marks it expired."""
        return self.status is BookingStatus.HELD and self.held_until <= now

    def stands(self, now: datetime) -> bool:
        """Confirmed, or held and not lapsed: what a repeated request may hand back."""
        return self.status is BookingStatus.CONFIRMED or (self.status is BookingStatus.HELD and not self.lapsed(now))

    def why_not_movable(self, now: datetime) -> DomainError | None:
        """Why the owner cannot move this booking now (not confirmed, moved once already, too late); None if it can."""
        if self.status is not BookingStatus.CONFIRMED:
            return NotMovable(self.status)
        if self.moved_from is not None:
            return AlreadyMoved()
        if self.cancel_until <= now:
            return MoveClosed(last_cancel_day(self.day))
        return None

    def check_movable(self, now: datetime) -> None:
        """Raises why the owner cannot move this booking now, if anything stands in the way."""
        if (why := self.why_not_movable(now)) is not None:
            raise why

    def to_come(self, now: datetime) -> bool:
        """Standing and its day not over: its people are on (or about to join) the office's list."""
        return self.stands(now) and self.ends_at > now


@dataclass(frozen=True, slots=True)
class PartyMember:
    """One applicant of a booking, in its order, with what the proof and the counter show."""

    booking_id: int
    position: int  # 1..5
    applicant_id: int
    application_type: ApplicationType
    queue_no: int | None
    checked_in_at: datetime | None
    full_name: str = field(repr=False)
    nik_masked: str
    nik_enc: bytes = field(repr=False)
    birth_date: date = field(repr=False)


@dataclass(frozen=True, slots=True)
class NikHolder:
    """A booking that holds a NIK active (keyed hash), so that the NIK stands in no other booking."""

    nik_hash: str
    booking_id: int
    status: BookingStatus
    held_until: datetime
    ends_at: datetime

    def lapsed_hold(self, now: datetime) -> bool:
        return self.status is BookingStatus.HELD and self.held_until <= now

    def day_over(self, now: datetime) -> bool:
        """A confirmed booking whose arrival day has ended still holds its NIKs until it is retired."""
        return self.status is BookingStatus.CONFIRMED and self.ends_at <= now


@dataclass(frozen=True, slots=True)
class ExpectedApplicant:
    """An applicant the office expects on a day: of a confirmed booking, or of a hold that has not lapsed."""

    slot_id: int
    booking_code: str
    status: BookingStatus
    position: int
    queue_no: int | None
    application_type: ApplicationType
    checked_in_at: datetime | None
    full_name: str = field(repr=False)
    nik_masked: str
    nik_enc: bytes = field(repr=False)
