"""Booking use cases: hold places, confirm, cancel, move, and the sweeps that give lapsed places back.

The fast path is one ledger operation; only when the database says no does the desk read around to
say exactly why (full, frozen, window closed, a NIK already booked) or to repair what is stale (a lapsed
hold, a booking whose day is over) and try once more.
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from enum import StrEnum

from core import metrics
from core.clock import Clock
from core.domain.booking import (
    ApplicationType,
    BookingNotFound,
    BookingRecord,
    BookingStatus,
    BookingWindowClosed,
    CancellationClosed,
    DateNotBookable,
    HoldExpired,
    HoldTerms,
    NikAlreadyBooked,
    NotCancellable,
    NotMovable,
    OtherOffice,
    OwnerNotFirst,
    SameTime,
    SlotFull,
    check_not_frozen,
    check_party,
    hold_terms,
    last_cancel_day,
    new_booking_code,
)
from core.domain.calendar import SlotState
from core.domain.errors import DomainError
from core.domain.offices import Office
from core.persistence.ledger import HoldAttempt, HoldCommand, Ledger, MoveCommand
from core.services.calendar import day_view
from core.services.errors import SlotNotFound
from core.services.uow import UnitOfWork

_APPLICATION_TYPES = frozenset(t.value for t in ApplicationType)
ATTEMPTS = 3  # a first try, and up to two more after repairing something stale


class ApplicantNotOnAccount(DomainError):
    code = "applicant_not_on_account"


@dataclass(frozen=True, slots=True)
class SlotFacts:
    """What never changes about a released slot: where and when."""

    office: Office
    day: date
    start: time
    end: time
    terms: HoldTerms  # the deadlines of a booking here; only `held_until` differs from hold to hold


@dataclass(frozen=True, slots=True)
class Hold:
    booking_id: int
    code: str
    slot_id: int
    office_code: str
    day: date
    start: time
    end: time
    party_size: int
    held_until: datetime
    last_cancel_day: date
    frozen_until: datetime
    replayed: bool = False


@dataclass(frozen=True, slots=True)
class Booked:
    booking_id: int
    code: str
    queue_start: int
    replayed: bool = False


@dataclass(frozen=True, slots=True)
class Cancelled:
    booking_id: int
    places_returned: int
    frozen_until: datetime  # cancelling does not lift the freeze
    replayed: bool = False
    by_office: bool = False  # the office had cancelled it (closing the date): no wait counts from it


@dataclass(frozen=True, slots=True)
class Moved:
    """The booking a move made: new code and queue numbers, the same party, the wait counted from its date."""

    booking_id: int
    code: str
    queue_start: int
    moved_from: int
    office: Office
    day: date
    start: time
    end: time
    party_size: int
    last_cancel_day: date
    frozen_until: datetime
    replayed: bool = False  # a double tap: the first one moved it


class OfferRefused(StrEnum):
    """Why places could not be held for a waiting party."""

    NO_ROOM = "no_room"  # taken meanwhile: try the next places
    NOT_NOW = "not_now"  # someone of the party holds places in a booking under way: their turn waits a sweep
    CANNOT_BOOK = "cannot_book"  # frozen, someone of the party booked, or someone left the account


class BookingDesk:
    """The booking use cases over one ledger; reads go through a fresh unit of work each."""

    def __init__(self, uow: Callable[[], UnitOfWork], ledger: Ledger, clock: Clock, *, hold_minutes: int = 5) -> None:
        self._uow = uow
        self._ledger = ledger
        self._clock = clock
        self._hold_for = timedelta(minutes=hold_minutes)
        self._facts: dict[int, SlotFacts] = {}
        self._facts_pending: dict[int, asyncio.Future[SlotFacts]] = {}

    async def warm_up(self, slot_ids: Sequence[int]) -> None:
        """Load what never changes about these slots ahead of an opening, so the first taps wait for nothing."""
        await asyncio.gather(*(self._slot_facts(s) for s in slot_ids))

    async def _slot_facts(self, slot_id: int) -> SlotFacts:
        facts = self._facts.get(slot_id)
        if facts is not None:
            return facts
        # At opening time hundreds of people pick the same slot at once: one read serves them all.
        pending = self._facts_pending.get(slot_id)
        if pending is None:
            pending = asyncio.ensure_future(self._read_facts(slot_id))
            self._facts_pending[slot_id] = pending
            pending.add_done_callback(lambda _: self._facts_pending.pop(slot_id, None))
        return await asyncio.shield(pending)

    async def _read_facts(self, slot_id: int) -> SlotFacts:
        async with self._uow() as uow:
            slot = await uow.slots.get(slot_id)
            if slot is None:
                raise SlotNotFound(slot_id)
            office = await uow.offices.get_by_id(slot.office_id)
            assert office is not None
        day, state = slot.day, slot.state
        facts = SlotFacts(office, day, state.start, state.end, hold_terms(office, day, self._clock.now()))
        if len(self._facts) > 50_000:  # a release week is a few thousand slots; never grow unbounded
            self._facts.clear()
        self._facts[slot_id] = facts
        return facts

    async def hold(
        self,
        account_id: int,
        slot_id: int,
        applicant_ids: Sequence[int],
        application_types: Sequence[ApplicationType | str],
        idempotency_key: str,
    ) -> Hold:
        """Take places for the party in the slot for a few minutes, until confirmed or let go."""
        ids = tuple(applicant_ids)
        kinds = tuple(str(k) for k in application_types)
        for k in kinds:
            if k not in _APPLICATION_TYPES:
                raise ValueError(f"unknown application type {k!r}")
        check_party(ids)  # the owner coming first is checked against the database, with the places
        if len(kinds) != len(ids):
            raise ValueError("one application type per applicant")
        facts = await self._slot_facts(slot_id)
        office = facts.office
        assert office.id is not None
        for _ in range(ATTEMPTS):
            now = self._clock.now()
            if facts.day <= office.today(now):
                raise DateNotBookable(facts.day, "past")
            base = facts.terms
            terms = HoldTerms(now + self._hold_for, base.cancel_until, base.frozen_until, base.ends_at)
            code = new_booking_code()
            cmd = HoldCommand(account_id, office.id, slot_id, facts.day, ids, kinds, idempotency_key, code, now, terms)
            attempt = await self._ledger.hold(cmd)
            if attempt.booking_id is not None:
                metrics.HOLDS.inc()
                return self._hold(attempt.booking_id, code, slot_id, facts, len(ids), terms)
            if attempt.party_invalid:
                await self._explain_party(account_id, ids)
            elif attempt.conflict or attempt.key_used:
                replay = await self._replay_hold(account_id, idempotency_key, now)
                if replay is not None:
                    return replay
                await self._explain_conflict(account_id, ids, now)
            else:
                self._explain_no_room(slot_id, len(ids), attempt, now)
        raise SlotFull(slot_id, 0, len(ids))  # repaired twice and still refused: the race was lost

    async def offer(
        self,
        account_id: int,
        slot_id: int,
        applicant_ids: Sequence[int],
        application_types: Sequence[str],
        key: str,
        held_until: datetime,
        *,
        drawn: bool = False,
    ) -> Hold | OfferRefused:
        """Hold places for a waiting party until `held_until` in a released slot, window or not; or why not.
        `drawn`: for a party of a fair opening's draw, in a slot that opens to everyone only after the draw."""
        facts = await self._slot_facts(slot_id)
        office = facts.office
        assert office.id is not None
        now = self._clock.now()
        ids, kinds = tuple(applicant_ids), tuple(application_types)
        base = facts.terms
        terms = HoldTerms(held_until, base.cancel_until, base.frozen_until, base.ends_at)
        cmd = HoldCommand(
            account_id, office.id, slot_id, facts.day, ids, kinds, key, new_booking_code(), now, terms,
            any_time=True, drawn=drawn,
        )  # fmt: skip
        attempt = await self._ledger.hold(cmd)
        if attempt.booking_id is not None:
            metrics.HOLDS.inc()
            return self._hold(attempt.booking_id, cmd.code, slot_id, facts, len(ids), terms)
        if attempt.party_invalid or (attempt.frozen_until is not None and attempt.frozen_until > now):
            return OfferRefused.CANNOT_BOOK
        if attempt.conflict:
            async with self._uow() as uow:
                saved = {r.id: r.nik_hash for r in await uow.accounts.applicants(account_id)}
                holders = await uow.bookings.active_holders([saved[a] for a in ids if a in saved])
            if any(h.status is BookingStatus.CONFIRMED and not h.day_over(now) for h in holders):
                return OfferRefused.CANNOT_BOOK
            return OfferRefused.NOT_NOW
        return OfferRefused.NO_ROOM

    def _hold(
        self,
        booking_id: int,
        code: str,
        slot_id: int,
        f: SlotFacts,
        n: int,
        t: HoldTerms,
        replayed: bool = False,
    ) -> Hold:
        return Hold(
            booking_id, code, slot_id, f.office.code, f.day, f.start, f.end, n, t.held_until,
            last_cancel_day(f.day), t.frozen_until, replayed,
        )  # fmt: skip

    async def _explain_party(self, account_id: int, ids: tuple[int, ...]) -> None:
        async with self._uow() as uow:
            saved = {r.id: r for r in await uow.accounts.applicants(account_id)}
        for aid in ids:
            if aid not in saved:
                raise ApplicantNotOnAccount()
        raise OwnerNotFirst()

    async def _replay_hold(self, account_id: int, key: str, now: datetime) -> Hold | None:
        """The same request again: hand back what the first one made, as long as it still stands."""
        async with self._uow() as uow:
            made = await uow.bookings.by_key(account_id, key)
        if made is None:
            return None
        if made.stands(now):
            facts = await self._slot_facts(made.slot_id)  # the booking's own slot, not the one asked for now
            terms = HoldTerms(made.held_until, made.cancel_until, made.frozen_until, made.ends_at)
            return self._hold(made.id, made.code, made.slot_id, facts, made.party_size, terms, replayed=True)
        raise HoldExpired()

    async def _explain_conflict(self, account_id: int, ids: tuple[int, ...], now: datetime) -> None:
        """A NIK stands in another booking: free it if that booking is stale, else say whose it is."""
        async with self._uow() as uow:
            saved = {r.id: r.nik_hash for r in await uow.accounts.applicants(account_id)}
            hashes = [saved[aid] for aid in ids if aid in saved]
            holders = await uow.bookings.active_holders(hashes)
        stale_holds = [h for h in holders if h.lapsed_hold(now)]
        over = [h for h in holders if h.day_over(now)]
        if stale_holds:
            await self._ledger.expire_holds(now)
        if over:
            await self._ledger.retire_ended(tuple(h.nik_hash for h in over), now)
        live = {h.nik_hash for h in holders} - {h.nik_hash for h in stale_holds + over}
        for position, aid in enumerate(ids, 1):
            if saved.get(aid) in live:
                raise NikAlreadyBooked(position)
        # Nothing live stands in the way: a stale holder was repaired, or a code collided. Try again.

    def _explain_no_room(self, slot_id: int, n: int, attempt: HoldAttempt, now: datetime) -> None:
        """Say why the database found no room, from what it read in the same transaction."""
        check_not_frozen(attempt.frozen_until, now)
        slot = next((s for s in attempt.day_slots if s.slot_id == slot_id), None)
        if slot is None:
            raise SlotNotFound(slot_id)
        if not slot.open_at(now):
            opens, closes = (slot.bookable_from, slot.bookable_until) if slot.bookable_from > now else (None, None)
            raise BookingWindowClosed(opens, closes)
        if slot.fits(n):
            return  # room again by now: someone cancelled in between; try again
        alternatives = tuple(s for s in attempt.day_slots if s.slot_id != slot_id and s.fits(n) and s.open_at(now))
        raise SlotFullWithChoices(slot_id, slot.remaining, n, alternatives)

    async def confirm(self, account_id: int, booking_id: int) -> Booked:
        """Turn the hold into a booking: numbers in the queue, and the account frozen from now on."""
        now = self._clock.now()
        done = await self._ledger.confirm(account_id, booking_id, now)
        if done is not None:
            metrics.BOOKINGS.inc()
            return Booked(done.booking_id, done.code, done.queue_start)
        async with self._uow() as uow:
            booking = await uow.bookings.get(booking_id)
        if booking is None or booking.account_id != account_id:
            raise BookingNotFound()
        if booking.status is BookingStatus.CONFIRMED:  # a double tap: the first one booked
            return Booked(booking.id, booking.code, booking.queue_start, replayed=True)
        if booking.status is BookingStatus.HELD:
            await self._ledger.release_hold(account_id, booking_id, now)
        raise HoldExpired()

    async def release_hold(self, account_id: int, booking_id: int) -> None:
        """The applicant stepped back before confirming: give the places back now, not in five minutes."""
        await self._ledger.release_hold(account_id, booking_id, self._clock.now())

    async def cancel(self, account_id: int, booking_id: int) -> Cancelled:
        """Cancel a booking up to two days before arrival; the places return to the quota at once."""
        now = self._clock.now()
        ended = await self._ledger.cancel(account_id, booking_id, now)
        async with self._uow() as uow:
            booking = await uow.bookings.get(booking_id)
        if booking is None or booking.account_id != account_id:
            raise BookingNotFound()
        if ended is not None:
            return Cancelled(booking_id, ended.party_size, booking.frozen_until)
        if booking.status is BookingStatus.CANCELLED:
            by_office = booking.cancelled_by_office_at is not None
            return Cancelled(booking_id, 0, booking.frozen_until, replayed=True, by_office=by_office)
        if booking.status is BookingStatus.CONFIRMED:
            raise CancellationClosed(last_cancel_day(booking.day))
        raise NotCancellable(booking.status)

    async def move(self, account_id: int, booking_id: int, slot_id: int) -> Moved:
        """Move a confirmed booking once, before its cancellation deadline, to a released slot of its office (or of
        another, when staff allowed it)."""
        now = self._clock.now()
        booking = await self._movable(account_id, booking_id, slot_id, now)
        if isinstance(booking, Moved):
            return booking
        if slot_id == booking.slot_id:
            raise SameTime()
        facts = await self._slot_facts(slot_id)
        if facts.office.id != booking.office_id and not booking.move_anywhere:
            raise OtherOffice()
        if facts.day <= facts.office.today(now):
            raise DateNotBookable(facts.day, "past")
        base = facts.terms
        terms = HoldTerms(now, base.cancel_until, base.frozen_until, base.ends_at)
        for _ in range(ATTEMPTS):  # a new code each time: a collision, or a deadlock broken, goes again
            cmd = MoveCommand(account_id, booking_id, slot_id, facts.day, new_booking_code(), now, terms)
            attempt = await self._ledger.move(cmd)
            if not attempt.conflict:
                break
        else:
            raise ApplicantNotOnAccount()  # what still says no: someone of the party left the account meanwhile
        if attempt.booking_id is not None:
            metrics.MOVES.inc()
            return Moved(
                attempt.booking_id, cmd.code, attempt.queue_start, booking_id, facts.office, facts.day, facts.start,
                facts.end, booking.party_size, last_cancel_day(facts.day), terms.frozen_until,
            )  # fmt: skip
        if attempt.not_movable:  # changed since it was read: a double tap moved it, or it was cancelled meanwhile
            now_is = await self._movable(account_id, booking_id, slot_id, now)
            if isinstance(now_is, Moved):
                return now_is
            raise NotMovable(now_is.status)
        info = await day_view(self._uow(), facts.office.code, facts.day, party=booking.party_size, now=now,
                              office=facts.office)  # fmt: skip
        slot = next((s for s in info.slots if s.slot_id == slot_id), None)
        others = tuple(s for s in info.free_slots(booking.party_size) if s.slot_id not in (slot_id, booking.slot_id))
        raise SlotFullWithChoices(slot_id, 0 if slot is None else slot.remaining, booking.party_size, others)

    async def _movable(self, account_id: int, booking_id: int, slot_id: int, now: datetime) -> BookingRecord | Moved:
        """The booking, if it may move now; what the same move made before, if it was made; else why not."""
        async with self._uow() as uow:
            booking = await uow.bookings.get(booking_id)
            again = await uow.bookings.by_key(account_id, f"move:{booking_id}")
        if booking is None or booking.account_id != account_id:
            raise BookingNotFound()
        if again is not None and again.slot_id == slot_id:  # a double tap, or a second copy of the question
            office = (await self._slot_facts(again.slot_id)).office
            return Moved(
                again.id, again.code, again.queue_start, booking_id, office, again.day, again.start, again.end,
                again.party_size, last_cancel_day(again.day), again.frozen_until, replayed=True,
            )  # fmt: skip
        booking.check_movable(now)
        return booking

    async def expire_holds(self) -> int:
        """Give back the places of every hold past its time; run every few seconds."""
        return await self._ledger.expire_holds(self._clock.now())

    async def retire_ended(self) -> int:
        """Free the NIKs of bookings whose day is over; run daily."""
        return await self._ledger.retire_ended((), self._clock.now())


class SlotFullWithChoices(SlotFull):
    """The slot cannot take the party; `alternatives` lists the day's other slots that can."""

    def __init__(self, slot_id: int, remaining: int, wanted: int, alternatives: tuple[SlotState, ...]) -> None:
        self.alternatives = alternatives
        super().__init__(slot_id, remaining, wanted)
