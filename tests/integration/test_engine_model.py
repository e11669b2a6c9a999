"""The booking engine against a plain-Python model: random sequences of use cases, checked after every step.

A hypothesis state machine releases dates by hand, holds places for random parties (reusing idempotency
keys now and then, and repeating the last request as a double tap would), confirms, cancels, lets holds go,
sweeps lapsed holds, retires ended bookings, looks at the calendar and moves the clock by minutes, hours or
days. A small model predicts each answer, success or which domain error, and every place, status, queue
number, freeze and active NIK. After every step the database must agree with it, and with the rules that
need no model: no slot over capacity, `taken` equal to the places of the slot's held and confirmed
bookings, one live booking per NIK, no booking made inside an account's freeze, no cancellation after the
last day.

Where the engine may choose, the model does not insist: a lapsed hold may be swept at any moment (the
model learns it from the database, and checks that only lapsed holds ever are), a confirmed booking whose
day is over may keep its NIKs until something retires them, and when several refusals apply at once (the
slot full, a NIK already booked) either is a right answer; a frozen account, though, is told of its freeze
or of a booked NIK, never sent to look for another slot.

The engine is async and the machine is not: each machine instance runs its own event loop and its own
runtime, on a fresh SQLite file copied from a migrated template, or on the test PostgreSQL database
(truncated first).
"""

from __future__ import annotations

import asyncio
import itertools
import os
import shutil
import tempfile
from collections import Counter
from collections.abc import Awaitable, Callable
from contextlib import AsyncExitStack
from dataclasses import dataclass, field, replace
from datetime import date, datetime, time, timedelta
from pathlib import Path
from typing import Any, TypeVar
from zoneinfo import ZoneInfo

import pytest
from hypothesis import HealthCheck, Phase, event, settings
from hypothesis import strategies as st
from hypothesis.stateful import (
    Bundle,
    RuleBasedStateMachine,
    initialize,
    invariant,
    multiple,
    precondition,
    rule,
    run_state_machine_as_test,
)
from sqlalchemy import select

from core.clock import FixedClock
from core.config import Settings
from core.crypto import Vault
from core.domain.booking import (
    AccountFrozen,
    BookingNotFound,
    CancellationClosed,
    DateNotBookable,
    DuplicateApplicant,
    HoldExpired,
    NikAlreadyBooked,
    NotCancellable,
    OwnerNotFirst,
    SlotFull,
    is_well_formed_code,
)
from core.domain.calendar import DayState
from core.domain.errors import DomainError
from core.domain.offices import Office
from core.persistence.tables import accounts, applicants, booking_applicants, bookings, slots
from core.runtime import Runtime, open_runtime
from core.services import accounts as account_service
from core.services import release
from core.services.booking import ApplicantNotOnAccount, Booked, Cancelled, Hold, SlotFullWithChoices
from core.services.calendar import day_view
from core.services.errors import SlotNotFound
from tests.conftest import FRIDAY_AFTERNOON, NEXT_MONDAY, SECRET, truncate_postgres
from tests.factories import add_office, make_nik, register, release_days, sample_office, slot_ids

T = TypeVar("T")

HELD, CONFIRMED, CANCELLED, EXPIRED = "held", "confirmed", "cancelled", "expired"
HOLD_MINUTES = 5
ZONES = ("Asia/Jakarta", "Asia/Makassar", "Asia/Jayapura")
SLOT_STARTS = (time(8), time(9))

# The clock starts on Friday 27 November 2026 at 15:00 WIB.
MON_30_NOV = date(2026, 11, 30)
TUE_1_DEC = date(2026, 12, 1)
SAT_5_DEC = date(2026, 12, 5)  # a weekend
THU_24_DEC = date(2026, 12, 24)  # cuti bersama (collective leave) for Christmas
MON_11_JAN = date(2027, 1, 11)  # late enough for an account frozen by a November arrival to book again
OPEN_DAYS = (MON_30_NOV, TUE_1_DEC, MON_11_JAN)
CLOSED_DAYS = frozenset({SAT_5_DEC, THU_24_DEC})
ALL_DAYS = (*OPEN_DAYS, SAT_5_DEC, THU_24_DEC)

NO_SUCH_SLOT = 987_654
PAST_SLOT, NO_SLOT = 10, 11  # the `slot` drawn for the earliest released slot, and for one that does not exist
SHAPES = ("owner first",) * 6 + ("owner later", "stranger", "twice")
KEYS = ("fresh", "fresh", "fresh", "k1", "k2")
FIRST_TRY = (True, True, True, False)  # mostly the booking's own account, sometimes another one

HOLD_ARGS = {
    "account": st.integers(0, 3),
    "slot": st.integers(0, NO_SLOT),  # the n-th released slot whose day is ahead, in order of date and time
    "members": st.lists(st.integers(0, 9), max_size=4, unique=True),  # saved family members after the owner
    "shape": st.sampled_from(SHAPES),
    "key": st.sampled_from(KEYS),
    "kinds": st.integers(0, 31),  # bit i: applicant i asks for a replacement passport
}

_telegram_ids = itertools.count(1)
_shared_serials = itertools.count(1)


# ---------------------------------------------------------------------------------------------------------
# The model
# ---------------------------------------------------------------------------------------------------------


@dataclass(eq=False)
class MSlot:
    day: date
    index: int
    capacity: int
    slot_id: int
    queue_seq: int = 0

    @property
    def start(self) -> time:
        return SLOT_STARTS[self.index]


@dataclass(eq=False)
class MBooking:
    id: int
    code: str
    account: int  # account id
    slot: MSlot
    applicant_ids: tuple[int, ...]
    people: tuple[str, ...]  # NIK hashes, in party order
    kinds: tuple[str, ...]
    key: str
    created_at: datetime
    held_until: datetime
    cancel_until: datetime
    frozen_until: datetime
    ends_at: datetime
    status: str = HELD
    active: list[bool] = field(default_factory=list)
    queue_start: int | None = None

    @property
    def size(self) -> int:
        return len(self.people)

    def lapsed(self, now: datetime) -> bool:
        return self.status == HELD and self.held_until <= now

    def live(self, now: datetime) -> bool:
        """Holding its places and NIKs for real: a hold not lapsed, or a booking whose day is not over."""
        return (self.status == HELD and self.held_until > now) or (self.status == CONFIRMED and self.ends_at > now)


@dataclass(eq=False)
class MAccount:
    id: int
    applicant_ids: tuple[int, ...]  # the owner first
    frozen_until: datetime | None = None
    keys: dict[str, int] = field(default_factory=dict)  # idempotency key -> booking id

    @property
    def owner(self) -> int:
        return self.applicant_ids[0]

    @property
    def family(self) -> tuple[int, ...]:
        return self.applicant_ids[1:]


@dataclass(frozen=True)
class Refusal:
    error: type[DomainError]
    attrs: tuple[tuple[str, Any], ...] = ()

    def matches(self, exc: DomainError) -> bool:
        return isinstance(exc, self.error) and all(getattr(exc, k) == v for k, v in self.attrs)

    def __repr__(self) -> str:
        return self.error.__name__ + "".join(f" {k}={v!r}" for k, v in self.attrs)


def refused(error: type[DomainError], **attrs: Any) -> list[Refusal]:
    return [Refusal(error, tuple(attrs.items()))]


@dataclass(frozen=True)
class HoldRequest:
    account: MAccount
    slot_id: int
    ids: tuple[int, ...]
    types: tuple[str, ...]
    key: str


# ---------------------------------------------------------------------------------------------------------
# The machine
# ---------------------------------------------------------------------------------------------------------


class EngineModel(RuleBasedStateMachine):
    """One office, 2–4 accounts (one relative saved on two of them), a few dates; one loop and runtime each."""

    bookings = Bundle("bookings")

    def __init__(self, prepare: Callable[[], str], cleanup: Callable[[], None] = lambda: None) -> None:
        super().__init__()
        self.loop = asyncio.new_event_loop()
        self.stack = AsyncExitStack()
        self.cleanup = cleanup
        self.database_url = prepare()
        self.rt: Runtime | None = None
        self.clock = FixedClock(FRIDAY_AFTERNOON)
        self.zone = ZoneInfo(ZONES[0])
        self.office: Office | None = None
        self.capacities: tuple[int, ...] = ()
        self.accounts: list[MAccount] = []
        self.nik_of: dict[int, str] = {}  # applicant id -> NIK hash
        self.slots: dict[tuple[date, int], MSlot] = {}
        self.by_slot_id: dict[int, MSlot] = {}
        self.model: dict[int, MBooking] = {}
        self.fresh_keys = itertools.count(1)
        self.last_request: HoldRequest | None = None

    # -- plumbing -------------------------------------------------------------------------------------

    def run(self, aw: Awaitable[T]) -> T:
        async def inner() -> T:
            return await aw

        return self.loop.run_until_complete(inner())

    def attempt(self, what: str, aw: Awaitable[T]) -> tuple[T | None, DomainError | None]:
        """Run an engine call: it answers or raises a DomainError; any other exception fails the test."""
        try:
            result = self.run(aw)
        except DomainError as exc:
            event(f"{what}: {exc.__class__.__name__}")
            return None, exc
        event(f"{what}: {'replayed' if getattr(result, 'replayed', False) else 'done'}")
        return result, None

    def teardown(self) -> None:
        try:
            self.run(self.stack.aclose())
            self.loop.run_until_complete(self.loop.shutdown_asyncgens())
            self.loop.run_until_complete(self.loop.shutdown_default_executor())
        finally:
            self.loop.close()
            self.cleanup()

    @property
    def runtime(self) -> Runtime:
        assert self.rt is not None
        return self.rt

    @property
    def now(self) -> datetime:
        return self.clock.now()

    def today(self) -> date:
        return self.now.astimezone(self.zone).date()

    def midnight(self, day: date) -> datetime:
        """The first instant of `day` at the office."""
        return datetime.combine(day, time(0), tzinfo=self.zone)

    def account(self, n: int) -> MAccount:
        return self.accounts[n % len(self.accounts)]

    def account_by_id(self, account_id: int) -> MAccount:
        return next(a for a in self.accounts if a.id == account_id)

    def other_account(self, account_id: int) -> int:
        ids = [a.id for a in self.accounts]
        return ids[(ids.index(account_id) + 1) % len(ids)]

    # -- set-up ---------------------------------------------------------------------------------------

    @initialize(
        zone=st.sampled_from(ZONES),
        capacities=st.tuples(st.integers(3, 6), st.integers(3, 6)),
        families=st.lists(st.integers(0, 4), min_size=2, max_size=4),
        shared=st.booleans(),
        released=st.lists(st.sampled_from(OPEN_DAYS[:-1]), max_size=2, unique=True),
        hours_later=st.integers(0, 48),
    )
    def set_up(
        self,
        zone: str,
        capacities: tuple[int, int],
        families: list[int],
        shared: bool,
        released: list[date],
        hours_later: int,
    ) -> None:
        """The office, the accounts and the first released dates, up to two days after Friday 15:00 WIB."""
        self.clock.advance(timedelta(hours=hours_later))
        self.zone = ZoneInfo(zone)
        self.capacities = capacities
        self.run(self._set_up(zone, capacities, families, shared))
        for day in [*released, MON_11_JAN]:  # January stays bookable after the freeze of a November booking
            self.release_a_date_by_hand(day)

    async def _set_up(self, zone: str, capacities: tuple[int, int], families: list[int], shared: bool) -> None:
        app_settings = Settings(database_url=self.database_url, environment="test", secret_key=SECRET)
        rt = self.rt = await self.stack.enter_async_context(open_runtime(app_settings, self.clock))
        office = sample_office(zone=zone, slots=len(SLOT_STARTS))
        office = replace(
            office, slots=tuple(replace(s, capacity=c) for s, c in zip(office.slots, capacities, strict=True))
        )
        assert tuple(s.start for s in office.slots) == SLOT_STARTS
        self.office = await add_office(rt, office)
        vault = Vault(SECRET)
        views = [await register(rt, vault, next(_telegram_ids), family=n) for n in families]
        if shared:  # a relative on the same family card, saved on the first two accounts
            born = date(1992, 7, 20)
            nik = make_nik(born, female=True, region="317402", serial=next(_shared_serials) % 9999 + 1)
            for view in views[:2]:
                await account_service.add_family_member(
                    rt.uow(),
                    vault,
                    account_id=view.id,
                    full_name="Sepupu Bersama",
                    nik=nik,
                    birth_date=born,
                    now=self.now,
                )
        async with rt.engine.connect() as conn:
            rows = (await conn.execute(select(applicants).order_by(applicants.c.id))).all()
        self.nik_of = {r.id: r.nik_hash for r in rows}
        for view in views:
            mine = sorted((r for r in rows if r.account_id == view.id), key=lambda r: (not r.is_owner, r.id))
            assert mine[0].is_owner
            self.accounts.append(MAccount(view.id, tuple(r.id for r in mine)))

    # -- releasing ------------------------------------------------------------------------------------

    @rule(day=st.sampled_from(ALL_DAYS))
    def release_a_date_by_hand(self, day: date) -> None:
        assert self.office is not None
        expected: list[Refusal] = []
        if day <= self.today():
            expected = refused(DateNotBookable, reason="past")
        elif day in CLOSED_DAYS:
            expected = refused(DateNotBookable, reason="closed")
        done, error = self.attempt(
            "release", release.release_by_hand(self.runtime.uow(), self.office.code, [day], self.now)
        )
        if self.verdict("release", expected, error):
            return
        assert done is not None and done.days == (day,)
        if (day, 0) in self.slots:
            return  # released before: nothing changes
        ids = self.run(slot_ids(self.runtime, self.office, day))
        assert len(ids) == len(SLOT_STARTS), f"release: {day} has the slots {ids}"
        for index, (slot_id, capacity) in enumerate(zip(ids, self.capacities, strict=True)):
            self.slots[(day, index)] = self.by_slot_id[slot_id] = MSlot(day, index, capacity, slot_id)

    # -- holding --------------------------------------------------------------------------------------

    @rule(target=bookings, **HOLD_ARGS)
    def hold(self, account: int, slot: int, members: list[int], shape: str, key: str, kinds: int) -> Any:
        return self.send_hold(self.hold_request(account, slot, members, shape, key, kinds))

    @rule(target=bookings, **HOLD_ARGS)
    def hold_and_confirm_at_once(
        self, account: int, slot: int, members: list[int], shape: str, key: str, kinds: int
    ) -> Any:
        made = self.send_hold(self.hold_request(account, slot, members, shape, key, kinds))
        if isinstance(made, int):
            self.confirm(made, own=True)
        return made

    def hold_request(
        self, account: int, slot: int, members: list[int], shape: str, key: str, kinds: int
    ) -> HoldRequest:
        """A party from the account's saved applicants (or a wrong one, by `shape`) for a released slot."""
        acc = self.account(account)
        ids = [acc.owner, *dict.fromkeys(acc.family[m % len(acc.family)] for m in members if acc.family)][:5]
        if shape == "owner later" and acc.family:
            ids = [ids[1], ids[0], *ids[2:]] if len(ids) >= 2 else [acc.family[0]]
        elif shape == "stranger":
            stranger = self.account(account + 1).owner  # an owner is never saved on another account
            ids = [*ids, stranger] if len(ids) < 5 else [*ids[:4], stranger]
        elif shape == "twice":
            ids = [*ids, ids[-1]] if len(ids) < 5 else [*ids[:4], ids[0]]
        types = tuple("replacement" if kinds >> i & 1 else "new" for i in range(len(ids)))
        if key == "fresh":
            key = f"fresh-{next(self.fresh_keys)}"
        released = [self.slots[k] for k in sorted(self.slots)]
        bookable = [s for s in released if s.day > self.today()]
        if slot == NO_SLOT or not released:
            slot_id = NO_SUCH_SLOT
        elif slot == PAST_SLOT or not bookable:
            slot_id = released[0].slot_id  # the earliest: past, if any is
        else:
            slot_id = bookable[slot % len(bookable)].slot_id
        request = HoldRequest(acc, slot_id, tuple(ids), types, key)
        self.last_request = request
        return request

    @precondition(lambda self: self.last_request is not None)
    @rule(target=bookings)
    def the_same_hold_request_again(self) -> Any:
        """A double tap, or a retry after a timeout: the very same request, the same idempotency key."""
        assert self.last_request is not None
        return self.send_hold(self.last_request)

    def send_hold(self, request: HoldRequest) -> Any:
        acc, ids = request.account, list(request.ids)
        target = self.by_slot_id.get(request.slot_id)
        expected = self.model_hold(acc, target, ids, request.key)
        got, error = self.attempt(
            "hold", self.runtime.desk.hold(acc.id, request.slot_id, ids, request.types, request.key)
        )
        if isinstance(expected, list):
            self.verdict("hold", expected, error)
            if isinstance(error, SlotFullWithChoices):
                assert target is not None
                self.check_alternatives(target, len(ids), error)
            return multiple()
        wanted = "a new hold" if expected is None else f"the replay of booking {expected.id}"
        assert error is None, f"hold: the model expected {wanted}, the engine raised {error!r}"
        assert isinstance(got, Hold)
        if isinstance(expected, MBooking):  # the same request again: the first one's booking, as it stands
            assert got.replayed, f"hold: a repeated key must replay booking {expected.id}, it made {got}"
            assert got.booking_id == expected.id and got.code == expected.code, f"hold: replayed {got}"
            self.check_hold_describes(got, expected)
            return multiple()
        assert target is not None and not got.replayed, f"hold: {got}"
        assert got.booking_id not in self.model and is_well_formed_code(got.code), f"hold: {got}"
        b = MBooking(
            id=got.booking_id,
            code=got.code,
            account=acc.id,
            slot=target,
            applicant_ids=request.ids,
            people=tuple(self.nik_of[i] for i in ids),
            kinds=request.types,
            key=request.key,
            created_at=self.now,
            held_until=self.now + timedelta(minutes=HOLD_MINUTES),
            cancel_until=self.midnight(target.day - timedelta(days=1)),  # the end of the day arrival - 2
            frozen_until=self.midnight(target.day + timedelta(days=30)),
            ends_at=self.midnight(target.day + timedelta(days=1)),
            active=[True] * len(ids),
            queue_start=target.queue_seq + 1,  # numbers are given when the places are taken
        )
        target.queue_seq += len(ids)
        self.model[b.id] = b
        acc.keys[request.key] = b.id
        self.check_hold_describes(got, b)
        return b.id

    def check_hold_describes(self, got: Hold, b: MBooking) -> None:
        """The answer describes the booking: its slot, date, time, party and deadlines."""
        slot = b.slot
        assert (got.slot_id, got.day, got.start, got.party_size) == (slot.slot_id, slot.day, slot.start, b.size), (
            f"hold: {got} does not describe booking {b.id} ({slot.day} {slot.start}, slot {slot.slot_id})"
        )
        assert got.held_until == b.held_until, f"hold: held until {got.held_until}, not {b.held_until}"
        assert got.last_cancel_day == slot.day - timedelta(days=2), f"hold: last cancel day {got.last_cancel_day}"
        assert got.frozen_until == b.frozen_until, f"hold: frozen until {got.frozen_until}"

    def check_alternatives(self, target: MSlot, n: int, error: SlotFullWithChoices) -> None:
        """Offered: other slots of the day that take the party; at least those that take it without a sweep."""
        offered = [s.slot_id for s in error.alternatives]
        others = [s for (d, _), s in sorted(self.slots.items(), key=lambda kv: kv[0]) if d == target.day]
        others = [s for s in others if s is not target]
        fits_now = [s.slot_id for s in others if s.capacity - self.taken(s) >= n]
        fits_live = [s.slot_id for s in others if s.capacity - self.live_places(s) >= n]
        assert set(fits_now) <= set(offered) <= set(fits_live), (
            f"hold: offered {offered} instead of {fits_now} (or up to {fits_live} after lapsed holds)"
        )

    def model_hold(
        self, acc: MAccount, target: MSlot | None, ids: list[int], key: str
    ) -> list[Refusal] | MBooking | None:
        """The refusals the engine may answer with, or the booking a repeated key replays, or None: a new hold."""
        now = self.now
        for position, aid in enumerate(ids, 1):
            if aid in ids[: position - 1]:
                return refused(DuplicateApplicant, position=position)
        if target is None:
            return refused(SlotNotFound)
        if target.day <= self.today():
            return refused(DateNotBookable, reason="past")
        if any(aid not in acc.applicant_ids for aid in ids):
            return refused(ApplicantNotOnAccount)
        if ids[0] != acc.owner:
            return refused(OwnerNotFirst)
        n = len(ids)
        why: list[Refusal] = []
        if acc.frozen_until is not None and now < acc.frozen_until:
            # Told of the freeze (or of a NIK already booked), never sent to look for another slot.
            why += refused(AccountFrozen, until=acc.frozen_until)
        elif self.live_places(target) + n > target.capacity:  # lapsed holds give their places back
            why += refused(SlotFull, remaining=target.capacity - self.live_places(target), wanted=n)
        if acc.frozen_until is not None and now >= acc.frozen_until:
            event("hold: by an account whose freeze is over")
        live = {h for b in self.model.values() if b.live(now) for h in b.people}
        taken = [position for position, aid in enumerate(ids, 1) if self.nik_of[aid] in live]
        if taken:
            why += refused(NikAlreadyBooked, position=taken[0])
        if key in acc.keys:
            # "The same request again: hand back what the first one made, as long as it still stands."
            first = self.model[acc.keys[key]]
            if first.status == CONFIRMED or (first.status == HELD and first.held_until > now):
                return first
            return [*refused(HoldExpired), *why]
        return why or None

    # -- looking ------------------------------------------------------------------------------------------

    @rule(day=st.sampled_from(ALL_DAYS), party=st.integers(1, 5))
    def look_at_a_date(self, day: date, party: int) -> None:
        """The calendar never shows a slot free that cannot take the party (lapsed holds may still count)."""
        assert self.office is not None
        info, error = self.attempt(
            "day_view", day_view(self.runtime.reader(), self.office.code, day, party=party, now=self.now)
        )
        assert error is None and info is not None, f"day_view raised {error!r}"
        mine = [s for (d, _), s in sorted(self.slots.items(), key=lambda kv: kv[0]) if d == day]
        fits_now = {s.slot_id for s in mine if s.capacity - self.taken(s) >= party}
        fits_live = {s.slot_id for s in mine if s.capacity - self.live_places(s) >= party}
        if day <= self.today():
            state = DayState.PAST
        elif day in CLOSED_DAYS:
            state = DayState.CLOSED
        elif not mine:
            state = DayState.NOT_RELEASED
        else:
            state = DayState.FREE if fits_now else DayState.FULL
        shown = {s.slot_id for s in info.free_slots(party)}
        assert [s.slot_id for s in info.slots] == [s.slot_id for s in mine], f"{day}: the released slots shown"
        assert fits_now <= shown <= fits_live, f"{day}: shown free {shown}, not {fits_now} (or up to {fits_live})"
        if state == DayState.FULL and fits_live:
            assert info.state in (DayState.FULL, DayState.FREE), f"{day} for {party}: {info.state}"
        else:
            assert info.state == state, f"{day} for {party}: {info.state}, the model says {state}"
        assert info.open_now == (state in (DayState.FREE, DayState.FULL)), f"{day}: open now {info.open_now}"

    # -- confirming, cancelling, letting go ---------------------------------------------------------------

    @rule(booking=bookings, own=st.sampled_from(FIRST_TRY))
    def confirm(self, booking: int, own: bool) -> None:
        b = self.model[booking]
        acc_id = b.account if own else self.other_account(b.account)
        got, error = self.attempt("confirm", self.runtime.desk.confirm(acc_id, b.id))
        if acc_id != b.account:
            self.verdict("confirm", refused(BookingNotFound), error)
        elif b.status == HELD and b.held_until > self.now:
            assert error is None, f"confirm: the model expected a booking, the engine raised {error!r}"
            assert isinstance(got, Booked) and not got.replayed, f"confirm: {got}"
            b.status = CONFIRMED
            self.account_by_id(b.account).frozen_until = b.frozen_until
            assert (got.booking_id, got.code, got.queue_start) == (b.id, b.code, b.queue_start), f"confirm: {got}"
        elif b.status == CONFIRMED:
            assert error is None, f"confirm: a double tap must replay, the engine raised {error!r}"
            assert isinstance(got, Booked) and got.replayed and got.queue_start == b.queue_start, f"confirm: {got}"
        else:
            if b.status == HELD:  # lapsed, not swept yet: confirming lets it go
                self.end(b, EXPIRED)
            self.verdict("confirm", refused(HoldExpired), error)

    @rule(booking=bookings, own=st.sampled_from(FIRST_TRY))
    def cancel(self, booking: int, own: bool) -> None:
        b = self.model[booking]
        acc_id = b.account if own else self.other_account(b.account)
        got, error = self.attempt("cancel", self.runtime.desk.cancel(acc_id, b.id))
        if acc_id != b.account:
            self.verdict("cancel", refused(BookingNotFound), error)
        elif b.status == CONFIRMED and self.now < b.cancel_until:
            assert error is None, f"cancel: the model expected a cancellation, the engine raised {error!r}"
            assert isinstance(got, Cancelled) and not got.replayed, f"cancel: {got}"
            assert (got.places_returned, got.frozen_until) == (b.size, b.frozen_until), f"cancel: {got}"
            self.end(b, CANCELLED)
        elif b.status == CANCELLED:
            assert error is None, f"cancel: cancelling twice must replay, the engine raised {error!r}"
            assert isinstance(got, Cancelled) and got.replayed and got.places_returned == 0, f"cancel: {got}"
        elif b.status == CONFIRMED:  # from the end of the day arrival - 2
            self.verdict("cancel", refused(CancellationClosed, last_day=b.slot.day - timedelta(days=2)), error)
        else:
            self.verdict("cancel", refused(NotCancellable, status=b.status), error)

    @rule(booking=bookings, own=st.sampled_from(FIRST_TRY))
    def release_hold(self, booking: int, own: bool) -> None:
        b = self.model[booking]
        acc_id = b.account if own else self.other_account(b.account)
        _, error = self.attempt("release_hold", self.runtime.desk.release_hold(acc_id, b.id))
        assert error is None, f"release_hold refuses nothing, the engine raised {error!r}"
        if acc_id == b.account and b.status == HELD:
            self.end(b, EXPIRED)

    @rule(job=st.sampled_from(("expire holds", "retire ended bookings")))
    def housekeeping(self, job: str) -> None:
        if job == "expire holds":
            self.expire_sweep()
        else:
            self.retire_ended_bookings()

    def expire_sweep(self) -> None:
        count, error = self.attempt("expire_holds", self.runtime.desk.expire_holds())
        assert error is None, f"expire_holds raised {error!r}"
        lapsed = [b for b in self.model.values() if b.lapsed(self.now)]
        for b in lapsed:
            self.end(b, EXPIRED)
        assert count == len(lapsed), f"expire_holds: {count} holds lapsed, the model counts {len(lapsed)}"
        event(f"expire_holds: {'some' if count else 'none'} swept")

    def retire_ended_bookings(self) -> None:
        count, error = self.attempt("retire_ended", self.runtime.desk.retire_ended())
        assert error is None, f"retire_ended raised {error!r}"
        freed = 0
        for b in self.model.values():
            if b.status == CONFIRMED and b.ends_at <= self.now:
                freed += sum(b.active)
                b.active = [False] * b.size
        assert count == freed, f"retire_ended: {count} NIKs freed, the model counts {freed}"
        event(f"retire_ended: {'some' if count else 'none'} freed")

    # Hypothesis tries rules with fewer arguments, and then by name, more often: minutes first, days last.
    @rule(minutes=st.integers(1, 10))
    def a_few_minutes_pass(self, minutes: int) -> None:
        self.clock.advance(timedelta(minutes=minutes))

    @rule(hours=st.integers(1, 12))
    def hours_pass(self, hours: int) -> None:
        self.clock.advance(timedelta(hours=hours))

    @rule(days=st.sampled_from((1, 1, 2, 3, 7, 35)))  # five weeks: past the freeze of an arrival this year
    def the_days_pass(self, days: int) -> None:
        self.clock.advance(timedelta(days=days))

    # -- model helpers ------------------------------------------------------------------------------------

    def taken(self, slot: MSlot) -> int:
        return sum(b.size for b in self.model.values() if b.slot is slot and b.status in (HELD, CONFIRMED))

    def live_places(self, slot: MSlot) -> int:
        return sum(
            b.size for b in self.model.values() if b.slot is slot and (b.status == CONFIRMED or b.live(self.now))
        )

    def end(self, b: MBooking, status: str) -> None:
        assert b.status in (HELD, CONFIRMED)
        b.status = status
        b.active = [False] * b.size

    def verdict(self, what: str, expected: list[Refusal], error: DomainError | None) -> bool:
        """Check a refusal against the model's; True if the operation was (rightly) refused."""
        if not expected:
            assert error is None, f"{what}: the model expected success, the engine raised {error!r}"
            return False
        assert error is not None, f"{what}: the engine succeeded, the model expected {expected}"
        assert any(r.matches(error) for r in expected), f"{what}: the engine raised {error!r}, the model {expected}"
        return True

    # -- invariants -----------------------------------------------------------------------------------

    @invariant()
    def the_database_agrees_with_the_model_and_the_rules(self) -> None:
        if self.rt is not None:
            self.run(self._check())

    async def _check(self) -> None:
        now = self.now
        async with self.runtime.engine.connect() as conn:
            slot_rows = (await conn.execute(select(slots))).all()
            booking_rows = (await conn.execute(select(bookings).order_by(bookings.c.id))).all()
            party_rows = (await conn.execute(select(booking_applicants).order_by(booking_applicants.c.position))).all()
            account_rows = (await conn.execute(select(accounts.c.id, accounts.c.frozen_until))).all()
        party: dict[int, list[Any]] = {}
        for p in party_rows:
            party.setdefault(p.booking_id, []).append(p)

        # What the engine may do on its own at any moment: sweep a lapsed hold, retire the NIKs of a
        # booking whose day is over. The model learns it; nothing else may change behind its back.
        assert {r.id for r in booking_rows} == set(self.model), "the bookings"
        for r in booking_rows:
            b = self.model[r.id]
            if b.lapsed(now) and r.status == EXPIRED:
                self.end(b, EXPIRED)
            if b.status == CONFIRMED and b.ends_at <= now:
                for i, p in enumerate(party.get(r.id, [])):
                    if i < b.size and p.active_nik is None:
                        b.active[i] = False

        # Places: within capacity, equal to the held and confirmed parties, as the model counts them.
        counted = Counter[int]()
        for r in booking_rows:
            if r.status in (HELD, CONFIRMED):
                counted[r.slot_id] += r.party_size
        assert {r.id for r in slot_rows} == set(self.by_slot_id), "the released slots"
        for r in slot_rows:
            m = self.by_slot_id[r.id]
            assert 0 <= r.taken <= r.capacity == m.capacity, f"slot {r.id}: {r.taken} taken of {r.capacity}"
            assert r.taken == counted[r.id], f"slot {r.id}: {r.taken} taken, its bookings hold {counted[r.id]}"
            assert r.taken == self.taken(m), f"slot {r.id}: {r.taken} taken, the model counts {self.taken(m)}"
            assert r.queue_seq == m.queue_seq, f"slot {r.id}: queue at {r.queue_seq}, the model at {m.queue_seq}"

        # Bookings: in the model's states, with the deadlines the rules give.
        for r in booking_rows:
            b = self.model[r.id]
            seen = (r.status, r.slot_id, r.account_id, r.party_size, r.idempotency_key, r.day)
            assert seen == (b.status, b.slot.slot_id, b.account, b.size, b.key, b.slot.day), f"booking {r.id}: {seen}"
            assert (r.created_at, r.held_until) == (b.created_at, b.held_until), f"booking {r.id}: made, held until"
            assert r.cancel_until == b.cancel_until, f"booking {r.id}: cancellable until {r.cancel_until}"
            assert (r.frozen_until, r.ends_at) == (b.frozen_until, b.ends_at), f"booking {r.id}: freeze, end"
            if r.status == CANCELLED:
                assert r.ended_at < r.cancel_until, f"booking {r.id} was cancelled after the last day"
            assert (r.confirmed_at is not None) == (b.status in (CONFIRMED, CANCELLED) and r.confirmed_at is not None)
            assert r.queue_start == b.queue_start, f"booking {r.id}: first queue number {r.queue_start}"

        # Applicants of bookings: active NIKs as the model says; queue numbers one per person in a slot.
        queue_numbers: dict[int, list[int]] = {}
        for r in booking_rows:
            b = self.model[r.id]
            rows = party.get(r.id, [])
            assert [p.position for p in rows] == list(range(1, b.size + 1)), f"booking {r.id}: positions"
            assert tuple(p.applicant_id for p in rows) == b.applicant_ids, f"booking {r.id}: applicants"
            assert tuple(p.application_type for p in rows) == b.kinds, f"booking {r.id}: application types"
            for p, h, on in zip(rows, b.people, b.active, strict=True):
                assert p.active_nik == (h if on else None), f"booking {r.id}: active NIK of applicant {p.position}"
                if r.status in (CANCELLED, EXPIRED):
                    assert p.active_nik is None, f"booking {r.id} is {r.status} and still holds a NIK"
                elif r.ends_at > now:
                    assert p.active_nik == h, f"booking {r.id} is {r.status}, its day not over, a NIK not active"
                queue_no = None if b.queue_start is None else b.queue_start + p.position - 1
                assert p.queue_no == queue_no, f"booking {r.id}: queue number of applicant {p.position}"
                if p.queue_no is not None:
                    queue_numbers.setdefault(r.slot_id, []).append(p.queue_no)
        for slot_id, numbers in queue_numbers.items():
            assert len(numbers) == len(set(numbers)), f"slot {slot_id}: a queue number given twice"

        # No NIK in two active bookings, nor in two live ones (a hold not lapsed, a booking not over).
        actives = [p.active_nik for p in party_rows if p.active_nik is not None]
        assert len(actives) == len(set(actives)), "a NIK is active in two bookings"
        live = Counter(h for b in self.model.values() if b.live(now) for h in b.people)
        assert all(n == 1 for n in live.values()), f"a NIK stands in two live bookings: {live.most_common(1)}"

        # The freeze: as the model says, and no booking made inside a freeze its account already had.
        for a in account_rows:
            assert a.frozen_until == self.account_by_id(a.id).frozen_until, f"account {a.id}: frozen until"
            mine = [r for r in booking_rows if r.account_id == a.id]
            for r in mine:
                if r.confirmed_at is not None:
                    inside = [o.id for o in mine if o.id > r.id and o.created_at < r.frozen_until]
                    assert not inside, f"account {a.id}: booking {inside} made inside the freeze of booking {r.id}"


# ---------------------------------------------------------------------------------------------------------
# The tests
# ---------------------------------------------------------------------------------------------------------

# Shrinking a failing run costs minutes (every try builds a runtime); set ANTREAN_MODEL_SHRINK=1 for it.
_PHASES = tuple(Phase) if os.environ.get("ANTREAN_MODEL_SHRINK") else (Phase.explicit, Phase.reuse, Phase.generate)
SQLITE_RUNS = settings(
    max_examples=25,
    stateful_step_count=30,
    deadline=None,
    phases=_PHASES,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large, HealthCheck.filter_too_much],
)
POSTGRES_RUNS = settings(SQLITE_RUNS, max_examples=10)


def test_random_sequences_of_use_cases_keep_sqlite_in_step_with_the_model(sqlite_template: Path) -> None:
    def machine() -> EngineModel:
        folder = Path(tempfile.mkdtemp(prefix="antrean-model-"))
        path = folder / "antrean.sqlite3"
        shutil.copy(sqlite_template, path)
        return EngineModel(lambda: f"sqlite:///{path}", lambda: shutil.rmtree(folder, ignore_errors=True))

    run_state_machine_as_test(machine, settings=SQLITE_RUNS)


def _truncated(url: str) -> str:
    truncate_postgres(url)
    return url


@pytest.mark.postgres
def test_random_sequences_of_use_cases_keep_postgresql_in_step_with_the_model(postgres_url: str) -> None:
    run_state_machine_as_test(lambda: EngineModel(lambda: _truncated(postgres_url)), settings=POSTGRES_RUNS)


# ---------------------------------------------------------------------------------------------------------
# What the machine found, each as one short sequence (on SQLite and PostgreSQL)
# ---------------------------------------------------------------------------------------------------------


async def _released(rt: Runtime, capacity: int, days: list[date]) -> list[list[int]]:
    """An office with two slots a day of `capacity` places; the slot ids of each released day."""
    office = await add_office(rt, sample_office(capacity=capacity, slots=2))
    await release_days(rt, office, days)
    return [await slot_ids(rt, office, d) for d in days]


async def test_the_same_hold_request_for_the_last_places_replays_the_hold_instead_of_saying_the_slot_is_full(
    runtime: Runtime, vault: Vault
) -> None:
    ((slot, _),) = await _released(runtime, 2, [NEXT_MONDAY])
    family = await register(runtime, vault, 1, family=1)
    ids = [a.id for a in family.applicants]
    first = await runtime.desk.hold(family.id, slot, ids, ["new", "new"], "tap")
    again = await runtime.desk.hold(family.id, slot, ids, ["new", "new"], "tap")  # a double tap
    assert again.replayed and again.booking_id == first.booking_id


async def test_the_same_hold_request_after_confirming_replays_the_booking_instead_of_saying_the_account_is_frozen(
    runtime: Runtime, vault: Vault
) -> None:
    ((slot, _),) = await _released(runtime, 10, [NEXT_MONDAY])
    account = await register(runtime, vault, 1)
    owner = [account.applicants[0].id]
    first = await runtime.desk.hold(account.id, slot, owner, ["new"], "tap")
    await runtime.desk.confirm(account.id, first.booking_id)
    again = await runtime.desk.hold(account.id, slot, owner, ["new"], "tap")  # a retry that arrives late
    assert again.replayed and again.booking_id == first.booking_id


async def test_a_replayed_hold_tells_the_date_and_time_of_the_booking_it_replays(
    runtime: Runtime, vault: Vault
) -> None:
    (monday, _), (_, tuesday) = await _released(runtime, 10, [NEXT_MONDAY, NEXT_MONDAY + timedelta(days=1)])
    account = await register(runtime, vault, 1)
    owner = [account.applicants[0].id]
    first = await runtime.desk.hold(account.id, monday, owner, ["new"], "session")
    again = await runtime.desk.hold(account.id, tuesday, owner, ["new"], "session")  # the same key, another slot
    assert again.replayed and again.booking_id == first.booking_id
    told = (again.slot_id, again.day, again.start, again.end, again.last_cancel_day, again.frozen_until)
    booked = (first.slot_id, first.day, first.start, first.end, first.last_cancel_day, first.frozen_until)
    assert told == booked, f"booking {first.booking_id} is {first.day} {first.start}, the replay says {again}"
