"""The booking engine end to end on a real database (SQLite file and PostgreSQL)."""

from __future__ import annotations

import asyncio
import shutil
import sqlite3
import time
from datetime import timedelta
from pathlib import Path

import pytest

from core.clock import FixedClock
from core.config import Settings
from core.crypto import Vault
from core.domain.booking import (
    AccountFrozen,
    BookingWindowClosed,
    CancellationClosed,
    HoldExpired,
    NikAlreadyBooked,
    OwnerNotFirst,
    SlotFull,
    is_well_formed_code,
)
from core.runtime import Runtime, open_runtime
from core.services.booking import SlotFullWithChoices
from tests.conftest import NEXT_MONDAY, SECRET
from tests.factories import add_office, register, release_days, sample_office, slot_ids


async def _ready(rt: Runtime, capacity: int = 10, slots: int = 2) -> list[int]:
    office = await add_office(rt, sample_office(capacity=capacity, slots=slots))
    await release_days(rt, office, [NEXT_MONDAY])
    return await slot_ids(rt, office, NEXT_MONDAY)


async def test_a_family_holds_and_confirms_and_gets_a_code_and_queue_numbers(runtime: Runtime, vault: Vault) -> None:
    slot, _ = await _ready(runtime)
    account = await register(runtime, vault, 1, family=2)
    ids = [a.id for a in account.applicants]
    hold = await runtime.desk.hold(account.id, slot, ids, ["new", "replacement", "new"], "k1")
    assert is_well_formed_code(hold.code)
    assert hold.last_cancel_day == NEXT_MONDAY - timedelta(days=2)
    booked = await runtime.desk.confirm(account.id, hold.booking_id)
    assert booked.code == hold.code and booked.queue_start == 1
    async with runtime.reader() as uow:
        party = await uow.bookings.party(hold.booking_id)
        account_row = await uow.accounts.get(account.id)
    assert [p.queue_no for p in party] == [1, 2, 3]
    assert account_row is not None and account_row.frozen_until == hold.frozen_until


async def test_queue_numbers_follow_the_order_in_which_places_were_taken(runtime: Runtime, vault: Vault) -> None:
    slot, _ = await _ready(runtime)
    first = await register(runtime, vault, 1, family=1)
    second = await register(runtime, vault, 2)
    h1 = await runtime.desk.hold(first.id, slot, [a.id for a in first.applicants], ["new", "new"], "a")
    h2 = await runtime.desk.hold(second.id, slot, [second.applicants[0].id], ["new"], "b")
    assert (await runtime.desk.confirm(second.id, h2.booking_id)).queue_start == 3
    assert (await runtime.desk.confirm(first.id, h1.booking_id)).queue_start == 1


async def test_a_party_that_does_not_fit_is_told_the_places_left_and_the_other_slots(
    runtime: Runtime, vault: Vault
) -> None:
    slot, other = await _ready(runtime, capacity=3)
    big = await register(runtime, vault, 1, family=1)
    await runtime.desk.hold(big.id, slot, [a.id for a in big.applicants], ["new", "new"], "a")
    family = await register(runtime, vault, 2, family=1)
    with pytest.raises(SlotFullWithChoices) as err:
        await runtime.desk.hold(family.id, slot, [a.id for a in family.applicants], ["new", "new"], "b")
    assert err.value.remaining == 1 and err.value.wanted == 2
    assert [s.slot_id for s in err.value.alternatives] == [other]


async def test_a_double_tap_on_confirm_books_once(runtime: Runtime, vault: Vault) -> None:
    slot, _ = await _ready(runtime)
    account = await register(runtime, vault, 1)
    hold = await runtime.desk.hold(account.id, slot, [account.applicants[0].id], ["new"], "k")
    a, b = await asyncio.gather(
        runtime.desk.confirm(account.id, hold.booking_id), runtime.desk.confirm(account.id, hold.booking_id)
    )
    assert {a.replayed, b.replayed} == {False, True} and a.code == b.code


async def test_the_same_hold_request_twice_holds_once(runtime: Runtime, vault: Vault) -> None:
    slot, _ = await _ready(runtime)
    account = await register(runtime, vault, 1)
    first = await runtime.desk.hold(account.id, slot, [account.applicants[0].id], ["new"], "same")
    again = await runtime.desk.hold(account.id, slot, [account.applicants[0].id], ["new"], "same")
    assert again.replayed and again.booking_id == first.booking_id
    async with runtime.reader() as uow:
        (state,) = [
            s for s in (await uow.slots.in_range(1, NEXT_MONDAY, NEXT_MONDAY))[NEXT_MONDAY] if s.slot_id == slot
        ]
    assert state.taken == 1


async def test_a_lapsed_hold_gives_its_places_back_and_cannot_be_confirmed(
    runtime: Runtime, vault: Vault, clock: FixedClock
) -> None:
    slot, _ = await _ready(runtime, capacity=1)
    late = await register(runtime, vault, 1)
    other = await register(runtime, vault, 2)
    hold = await runtime.desk.hold(late.id, slot, [late.applicants[0].id], ["new"], "a")
    with pytest.raises(SlotFull):
        await runtime.desk.hold(other.id, slot, [other.applicants[0].id], ["new"], "b")
    clock.advance(timedelta(minutes=6))
    # No sweep has run: the full slot itself notices the lapsed hold and takes it back.
    taken = await runtime.desk.hold(other.id, slot, [other.applicants[0].id], ["new"], "c")
    assert taken.booking_id != hold.booking_id
    with pytest.raises(HoldExpired):
        await runtime.desk.confirm(late.id, hold.booking_id)


async def test_a_nik_cannot_stand_in_two_active_bookings(runtime: Runtime, vault: Vault) -> None:
    slot, other_slot = await _ready(runtime)
    account = await register(runtime, vault, 1, family=1)
    owner, child = (a.id for a in account.applicants)
    booked = await runtime.desk.hold(account.id, slot, [owner, child], ["new", "new"], "a")
    await runtime.desk.confirm(account.id, booked.booking_id)
    with pytest.raises((NikAlreadyBooked, AccountFrozen)):
        await runtime.desk.hold(account.id, other_slot, [owner], ["new"], "b")


async def test_the_owner_must_come_first(runtime: Runtime, vault: Vault) -> None:
    slot, _ = await _ready(runtime)
    account = await register(runtime, vault, 1, family=1)
    owner, child = (a.id for a in account.applicants)
    with pytest.raises(OwnerNotFirst):
        await runtime.desk.hold(account.id, slot, [child, owner], ["new", "new"], "a")


async def test_cancelling_returns_the_places_but_keeps_the_freeze(runtime: Runtime, vault: Vault) -> None:
    slot, _ = await _ready(runtime, capacity=2)
    account = await register(runtime, vault, 1, family=1)
    ids = [a.id for a in account.applicants]
    hold = await runtime.desk.hold(account.id, slot, ids, ["new", "new"], "a")
    await runtime.desk.confirm(account.id, hold.booking_id)
    cancelled = await runtime.desk.cancel(account.id, hold.booking_id)
    assert cancelled.places_returned == 2 and cancelled.frozen_until == hold.frozen_until
    with pytest.raises(AccountFrozen) as err:
        await runtime.desk.hold(account.id, slot, ids, ["new", "new"], "b")
    assert err.value.until == hold.frozen_until
    other = await register(runtime, vault, 2, family=1)
    await runtime.desk.hold(other.id, slot, [a.id for a in other.applicants], ["new", "new"], "c")


async def test_cancelling_is_refused_after_two_days_before_arrival(
    runtime: Runtime, vault: Vault, clock: FixedClock
) -> None:
    slot, _ = await _ready(runtime)
    account = await register(runtime, vault, 1)
    hold = await runtime.desk.hold(account.id, slot, [account.applicants[0].id], ["new"], "a")
    await runtime.desk.confirm(account.id, hold.booking_id)
    clock.advance(timedelta(days=1, hours=9))  # Saturday 29 November, 00:00 WIB: the last day was Friday
    with pytest.raises(CancellationClosed) as err:
        await runtime.desk.cancel(account.id, hold.booking_id)
    assert err.value.last_day == NEXT_MONDAY - timedelta(days=2)


async def test_nothing_is_booked_outside_the_window(runtime: Runtime, vault: Vault, clock: FixedClock) -> None:
    office = await add_office(runtime, sample_office())
    from core.services.release import schedule_weekly_release

    clock.set(clock.now() - timedelta(days=2))  # Wednesday: the window opens on Friday at 14:00
    await schedule_weekly_release(runtime.uow(), clock.now())
    (slot, _) = await slot_ids(runtime, office, NEXT_MONDAY)
    account = await register(runtime, vault, 1)
    with pytest.raises(BookingWindowClosed) as err:
        await runtime.desk.hold(account.id, slot, [account.applicants[0].id], ["new"], "a")
    assert err.value.opens is not None and err.value.opens.hour == 7  # 14:00 WIB in UTC
    clock.advance(timedelta(days=2))
    await runtime.desk.hold(account.id, slot, [account.applicants[0].id], ["new"], "b")


async def test_many_applicants_racing_for_the_last_places_never_overbook(runtime: Runtime, vault: Vault) -> None:
    (slot,) = await _ready(runtime, capacity=7, slots=1)
    people = [await register(runtime, vault, 100 + i) for i in range(30)]

    async def attempt(i: int) -> bool:
        account = people[i]
        try:
            hold = await runtime.desk.hold(account.id, slot, [account.applicants[0].id], ["new"], f"k{i}")
            await runtime.desk.confirm(account.id, hold.booking_id)
        except SlotFull:
            return False
        return True

    results = await asyncio.gather(*(attempt(i) for i in range(30)))
    assert sum(results) == 7
    async with runtime.reader() as uow:
        (state,) = (await uow.slots.in_range(1, NEXT_MONDAY, NEXT_MONDAY))[NEXT_MONDAY]
    assert state.taken == 7 == state.capacity


async def test_one_refused_request_in_a_rush_costs_the_others_nothing(runtime: Runtime, vault: Vault) -> None:
    from datetime import date

    from core.services.accounts import add_family_member
    from tests.factories import make_nik

    (slot,) = await _ready(runtime, capacity=20, slots=1)
    born = date(2012, 5, 6)
    shared_nik = make_nik(born, female=True)
    mothers = [await register(runtime, vault, 200 + i) for i in range(2)]
    child_ids = []
    for m in mothers:  # the same child saved on two relatives' accounts
        child = await add_family_member(
            runtime.uow(), vault, account_id=m.id, full_name="Anak Bersama", nik=shared_nik, birth_date=born,
            now=runtime.clock.now(),
        )  # fmt: skip
        child_ids.append(child.id)
    others = [await register(runtime, vault, 300 + i) for i in range(6)]

    async def hold(account_id: int, ids: list[int], key: str) -> object:
        try:
            return await runtime.desk.hold(account_id, slot, ids, ["new"] * len(ids), key)
        except NikAlreadyBooked as err:
            return err

    results = await asyncio.gather(
        *(
            hold(m.id, [m.applicants[0].id, c], f"m{i}")
            for i, (m, c) in enumerate(zip(mothers, child_ids, strict=True))
        ),
        *(hold(o.id, [o.applicants[0].id], f"o{i}") for i, o in enumerate(others)),
    )
    refused = [r for r in results if isinstance(r, NikAlreadyBooked)]
    assert len(refused) == 1 and refused[0].position == 2
    async with runtime.reader() as uow:
        (state,) = (await uow.slots.in_range(1, NEXT_MONDAY, NEXT_MONDAY))[NEXT_MONDAY]
    assert state.taken == 2 + 6


async def test_a_hold_waits_for_another_process_lock_without_stopping_the_bot(
    sqlite_template: Path, tmp_path: Path, vault: Vault, clock: FixedClock
) -> None:
    path = tmp_path / "antrean.sqlite3"
    shutil.copy(sqlite_template, path)
    settings = Settings(database_url=f"sqlite:///{path}", environment="test", secret_key=SECRET)
    async with open_runtime(settings, clock) as runtime:
        (slot,) = await _ready(runtime, slots=1)
        account = await register(runtime, vault, 1)
        other = sqlite3.connect(path, isolation_level=None)
        other.execute("BEGIN IMMEDIATE")  # another process (a staff command, say) holds the write lock
        hold = asyncio.ensure_future(runtime.desk.hold(account.id, slot, [account.applicants[0].id], ["new"], "k"))
        ticks = 0
        started = time.monotonic()
        while time.monotonic() - started < 0.3:  # the event loop keeps serving others meanwhile
            await asyncio.sleep(0.01)
            ticks += 1
        assert not hold.done() and ticks >= 10
        other.execute("COMMIT")
        other.close()
        held = await asyncio.wait_for(hold, timeout=5)
        booked = await runtime.desk.confirm(account.id, held.booking_id)  # and the ledger is back on the loop
        assert booked.code == held.code


async def test_the_sweep_gives_lapsed_holds_back_without_anyone_asking(
    runtime: Runtime, vault: Vault, clock: FixedClock
) -> None:
    from core.services.jobs import engine_jobs, run_jobs

    (slot,) = await _ready(runtime, capacity=3, slots=1)
    account = await register(runtime, vault, 1, family=1)
    await runtime.desk.hold(account.id, slot, [a.id for a in account.applicants], ["new", "new"], "k")
    clock.advance(timedelta(minutes=6))
    stop = asyncio.Event()
    jobs = engine_jobs(runtime.desk, runtime.uow, clock, holds_every=0.01)
    sweeping = asyncio.create_task(run_jobs(jobs, stop))
    for _ in range(200):
        async with runtime.reader() as uow:
            (state,) = (await uow.slots.in_range(1, NEXT_MONDAY, NEXT_MONDAY))[NEXT_MONDAY]
        if state.taken == 0:
            break
        await asyncio.sleep(0.01)
    stop.set()
    await sweeping
    assert state.taken == 0
