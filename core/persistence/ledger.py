"""The booking ledger: the hot path that takes and gives back places, atomically, in the database.

Each database gets the fastest shape it allows. SQLite has one writer at a time, so queued operations
are applied in batches on the event loop's thread, one transaction a batch. PostgreSQL runs many writers
at once, so a few writer lanes each apply batches, one statement an operation.
Either way the database is the judge: the slot update is conditional on the places left, a CHECK keeps
`taken` within `capacity`, and a unique index keeps a NIK in one active booking.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, datetime
from typing import Protocol

from core.domain.booking import HoldTerms
from core.domain.calendar import SlotState


@dataclass(frozen=True, slots=True)
class HoldCommand:
    account_id: int
    office_id: int
    slot_id: int
    day: date
    applicant_ids: tuple[int, ...]
    application_types: tuple[str, ...]
    idempotency_key: str
    code: str
    now: datetime
    terms: HoldTerms
    any_time: bool = False  # an offer to a waiting party: any released slot, not only while the window is open
    drawn: bool = False  # an offer to a party of a fair opening's draw: before the slot opens to everyone


@dataclass(frozen=True, slots=True)
class HoldAttempt:
    """What the database said: a new booking id, or why not.

    With no booking and no flag set, the slot had no room for the party (after lapsed holds were taken
    back) or was not open, or the account was frozen; `day_slots` (the slot asked for, and the day's
    other slots open now with room for the party) and `frozen_until`, read in the same transaction, say
    which, so the caller can explain it and offer other times without reading again.
    """

    booking_id: int | None
    conflict: bool = False  # a unique constraint: the idempotency key, a NIK already active, or the code
    party_invalid: bool = False  # an applicant not on the account, or the owner not first
    day_slots: tuple[SlotState, ...] = ()
    frozen_until: datetime | None = None
    key_used: bool = False  # a booking with this idempotency key exists already: the request is a repeat


@dataclass(frozen=True, slots=True)
class MoveCommand:
    """Move a confirmed booking of the account to another slot of its office, as a new confirmed booking."""

    account_id: int
    booking_id: int
    slot_id: int
    day: date
    code: str  # the new booking's
    now: datetime
    terms: HoldTerms  # the new date's deadlines; `held_until` is `now`, as a move is confirmed at once


@dataclass(frozen=True, slots=True)
class MoveAttempt:
    """The new booking, or why not: the booking could not move (see `BookingRecord.check_movable`), or no room."""

    booking_id: int | None
    queue_start: int = 0
    not_movable: bool = False
    conflict: bool = False  # a unique index or a lock said no (a code taken, someone left the party): try again


@dataclass(frozen=True, slots=True)
class Confirmed:
    booking_id: int
    code: str
    queue_start: int


@dataclass(frozen=True, slots=True)
class Ended:
    booking_id: int
    slot_id: int
    party_size: int


class Ledger(Protocol):
    """Atomic place-keeping; every method is one transaction and commits before it returns."""

    async def start(self) -> None: ...

    async def close(self) -> None: ...

    async def hold(self, cmd: HoldCommand) -> HoldAttempt: ...

    async def confirm(self, account_id: int, booking_id: int, now: datetime) -> Confirmed | None: ...

    async def cancel(self, account_id: int, booking_id: int, now: datetime) -> Ended | None: ...

    async def release_hold(self, account_id: int, booking_id: int, now: datetime) -> Ended | None: ...

    async def move(self, cmd: MoveCommand) -> MoveAttempt:
        """The party's places move to the new slot as a new confirmed booking, in one transaction, or nothing changes.

        Taken first, so a slot without room leaves the booking as it was; then the old places return and their
        NIKs are freed, the new booking gets new queue numbers, the account's wait counts from the new date, and
        the new proof goes into the outbox.
        """
        ...

    async def expire_holds(self, now: datetime) -> int: ...

    async def retire_ended(self, nik_hashes: tuple[str, ...], now: datetime) -> int: ...

    async def save_conversations(self, rows: Sequence[tuple[str, str | None, str]], now: datetime) -> None:
        """Upserts conversation state rows (key, state, data as JSON) in one transaction.

        Not place-keeping, but written at the same rush and on SQLite by the same single writer: through
        the ledger it joins the batches instead of fighting them for the database's one write lock.
        """
        ...
