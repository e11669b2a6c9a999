"""The waiting list on a real database (SQLite file and PostgreSQL): join, offers in turn, accept, decline, lapse."""

from __future__ import annotations

from datetime import date, timedelta

import pytest
from sqlalchemy import select, update

from core.clock import FixedClock
from core.crypto import Vault
from core.domain.booking import AccountFrozen, BookingStatus, HoldExpired, NikAlreadyBooked
from core.domain.offices import Office
from core.domain.waitlist import AlreadyWaiting, LeftBecause, NotWaiting, WaitEntry, WaitRangeInvalid, WaitState
from core.persistence.tables import announcements, outbox
from core.runtime import Runtime
from core.services import waitlist
from core.services.accounts import AccountView
from core.services.booking import Booked
from tests.conftest import NEXT_MONDAY
from tests.factories import add_office, register, release_days, sample_office, slot_ids

TUESDAY = NEXT_MONDAY + timedelta(days=1)


async def _office(rt: Runtime, capacity: int = 2, slots: int = 1) -> tuple[int, list[int]]:
    office = await add_office(rt, sample_office(capacity=capacity, slots=slots))
    await release_days(rt, office, [NEXT_MONDAY, TUESDAY])
    assert office.id is not None
    return office.id, await slot_ids(rt, office, NEXT_MONDAY)


async def _book(rt: Runtime, account: AccountView, slot: int, key: str = "k") -> Booked:
    ids = [a.id for a in account.applicants]
    hold = await rt.desk.hold(account.id, slot, ids, ["new"] * len(ids), key)
    return await rt.desk.confirm(account.id, hold.booking_id)


async def _wait(
    rt: Runtime, account: AccountView, office_id: int, first: date = NEXT_MONDAY, last: date = NEXT_MONDAY
) -> waitlist.Waiting:
    ids = [a.id for a in account.applicants]
    return await waitlist.join(rt.uow(), account.id, office_id, ids, ["new"] * len(ids), first, last, rt.clock.now())


async def _entry(rt: Runtime, entry_id: int) -> WaitEntry:
    async with rt.reader() as uow:
        found = await uow.waitlist.get(entry_id)
    assert found is not None
    return found


async def _delivered(rt: Runtime) -> None:
    """The worker's sender delivered every message so far (it does not run in these tests)."""
    async with rt.engine.begin() as conn:
        await conn.execute(update(outbox).values(state="sent"))


async def _offers_sent(rt: Runtime) -> list[int]:
    async with rt.engine.connect() as conn:
        rows = await conn.execute(
            select(outbox.c.chat_id).join(announcements).where(announcements.c.kind == "offer").order_by(outbox.c.id)
        )
        return [r.chat_id for r in rows]


async def test_a_family_joins_at_the_end_of_the_line_and_sees_its_number(runtime: Runtime, vault: Vault) -> None:
    office_id, [slot] = await _office(runtime)
    await _book(runtime, await register(runtime, vault, 1, family=1), slot)  # full
    first = await _wait(runtime, await register(runtime, vault, 2), office_id)
    second = await _wait(runtime, await register(runtime, vault, 3, family=2), office_id, last=TUESDAY)
    assert (first.position, second.position) == (1, 2)
    assert second.entry.size == 3 and second.entry.state is WaitState.WAITING
    mine = await waitlist.my_place(runtime.reader(), second.entry.account_id)
    assert mine is not None and mine.position == 2 and mine.office.id == office_id


async def test_one_list_at_a_time_and_no_frozen_account_or_booked_nik_may_wait(runtime: Runtime, vault: Vault) -> None:
    office_id, [slot] = await _office(runtime)
    waiting = await register(runtime, vault, 1)
    await _wait(runtime, waiting, office_id)
    with pytest.raises(AlreadyWaiting):
        await _wait(runtime, waiting, office_id, first=TUESDAY, last=TUESDAY)
    booked = await register(runtime, vault, 2)
    await _book(runtime, booked, slot)
    with pytest.raises(AccountFrozen):
        await _wait(runtime, booked, office_id, first=TUESDAY, last=TUESDAY)
    with pytest.raises(WaitRangeInvalid):
        await _wait(runtime, await register(runtime, vault, 3), office_id, last=NEXT_MONDAY + timedelta(days=40))


async def test_a_cancellation_is_offered_to_the_earliest_party_that_fits_and_a_bigger_one_keeps_its_turn(
    runtime: Runtime, vault: Vault
) -> None:
    office_id, [slot] = await _office(runtime, capacity=2)
    single = await register(runtime, vault, 1)
    b1 = await _book(runtime, single, slot, "a")
    await _book(runtime, await register(runtime, vault, 3), slot, "b")  # 2 of 2 taken
    big = await _wait(runtime, await register(runtime, vault, 4, family=1), office_id)  # two people, first in line
    small = await _wait(runtime, await register(runtime, vault, 5), office_id)  # one person, second
    await runtime.desk.cancel(single.id, b1.booking_id)  # one place free: the pair does not fit
    done = await waitlist.sweep(runtime.uow, runtime.desk, runtime.clock)
    assert done.offered == 1
    assert (await _entry(runtime, big.entry.id)).state is WaitState.WAITING  # passed over, keeps its turn
    offer = await _entry(runtime, small.entry.id)
    assert offer.state is WaitState.OFFERED and offer.offered_until == runtime.clock.now() + timedelta(minutes=30)
    assert await _offers_sent(runtime) == [5]


async def test_an_accepted_offer_is_a_booking_and_its_proof_goes_out(runtime: Runtime, vault: Vault) -> None:
    office_id, [slot] = await _office(runtime, capacity=1)
    first = await register(runtime, vault, 1)
    booked = await _book(runtime, first, slot)
    waiting = await register(runtime, vault, 2)
    entry = (await _wait(runtime, waiting, office_id)).entry
    await runtime.desk.cancel(first.id, booked.booking_id)
    await waitlist.sweep(runtime.uow, runtime.desk, runtime.clock)
    taken = await waitlist.accept(runtime.uow, runtime.desk, waiting.id, entry.id, runtime.clock.now())
    assert not taken.replayed and (await _entry(runtime, entry.id)).state is WaitState.BOOKED
    async with runtime.reader() as uow:
        made = await uow.bookings.get(taken.booking_id)
    assert made is not None and made.status is BookingStatus.CONFIRMED and made.slot_id == slot
    with pytest.raises(NotWaiting):  # a second tap on the offer's button
        await waitlist.accept(runtime.uow, runtime.desk, waiting.id, entry.id, runtime.clock.now())


async def test_a_declined_or_lapsed_offer_goes_to_the_next_party_at_the_next_sweep(
    runtime: Runtime, vault: Vault, clock: FixedClock
) -> None:
    office_id, [slot] = await _office(runtime, capacity=1)
    first = await register(runtime, vault, 1)
    booked = await _book(runtime, first, slot)
    a, b, c = [await register(runtime, vault, 10 + i) for i in range(3)]
    ea, eb, ec = [(await _wait(runtime, x, office_id)).entry for x in (a, b, c)]
    await runtime.desk.cancel(first.id, booked.booking_id)
    await waitlist.sweep(runtime.uow, runtime.desk, runtime.clock)
    await waitlist.decline(runtime.uow, runtime.desk, a.id, ea.id, clock.now())
    assert (await _entry(runtime, ea.id)).ended_why is LeftBecause.ASKED
    await waitlist.sweep(runtime.uow, runtime.desk, runtime.clock)
    assert (await _entry(runtime, eb.id)).state is WaitState.OFFERED
    await _delivered(runtime)
    clock.advance(timedelta(minutes=31))  # b saw the offer and says nothing
    done = await waitlist.sweep(runtime.uow, runtime.desk, runtime.clock)
    assert done.lapsed == 1 and done.offered == 1
    lapsed = await _entry(runtime, eb.id)
    assert lapsed.state is WaitState.LEFT and lapsed.ended_why is LeftBecause.LAPSED
    assert (await _entry(runtime, ec.id)).state is WaitState.OFFERED
    with pytest.raises(NotWaiting):
        await waitlist.accept(runtime.uow, runtime.desk, b.id, eb.id, clock.now())
    assert await _offers_sent(runtime) == [10, 11, 12]


async def test_a_party_that_booked_elsewhere_meanwhile_is_not_offered_a_place_and_leaves_the_list(
    runtime: Runtime, vault: Vault
) -> None:
    office_id, [slot] = await _office(runtime, capacity=1)
    first = await register(runtime, vault, 1)
    booked = await _book(runtime, first, slot)
    waiting = await register(runtime, vault, 2)
    entry = (await _wait(runtime, waiting, office_id, last=TUESDAY)).entry
    (tuesday,) = await slot_ids(runtime, await _office_of(runtime, office_id), TUESDAY)
    await _book(runtime, waiting, tuesday, "elsewhere")  # booked Tuesday by hand: now frozen
    await runtime.desk.cancel(first.id, booked.booking_id)
    done = await waitlist.sweep(runtime.uow, runtime.desk, runtime.clock)
    assert done.offered == 0 and done.ended == 1
    ended = await _entry(runtime, entry.id)
    assert ended.state is WaitState.LEFT and ended.ended_why is LeftBecause.CANNOT_BOOK
    assert await _offers_sent(runtime) == []


async def test_no_offer_is_made_once_the_dates_last_day_to_cancel_has_passed(
    runtime: Runtime, vault: Vault, clock: FixedClock
) -> None:
    office_id, [slot] = await _office(runtime, capacity=1)
    await _book(runtime, await register(runtime, vault, 1), slot)
    entry = (await _wait(runtime, await register(runtime, vault, 2), office_id)).entry
    clock.advance(timedelta(days=1, hours=10))  # Sunday 01:00: Monday's last day to cancel was Saturday
    done = await waitlist.sweep(runtime.uow, runtime.desk, runtime.clock)
    assert done.offered == 0 and done.ended == 1
    assert (await _entry(runtime, entry.id)).ended_why is LeftBecause.OVER


async def test_leaving_with_an_offer_open_gives_the_places_back_at_once(runtime: Runtime, vault: Vault) -> None:
    office_id, [slot] = await _office(runtime, capacity=1)
    first = await register(runtime, vault, 1)
    booked = await _book(runtime, first, slot)
    waiting = await register(runtime, vault, 2)
    await _wait(runtime, waiting, office_id)
    await runtime.desk.cancel(first.id, booked.booking_id)
    await waitlist.sweep(runtime.uow, runtime.desk, runtime.clock)
    left = await waitlist.leave(runtime.uow, runtime.desk, waiting.id, runtime.clock.now())
    assert left.state is WaitState.LEFT and left.offered_booking_id is not None
    async with runtime.reader() as uow:
        found = await uow.slots.get(slot)
    assert found is not None and found.state.taken == 0
    with pytest.raises(HoldExpired):
        await runtime.desk.confirm(waiting.id, left.offered_booking_id or 0)
    assert await waitlist.my_place(runtime.reader(), waiting.id) is None


async def test_someone_of_the_party_with_a_booking_cannot_wait(runtime: Runtime, vault: Vault) -> None:
    office_id, [slot] = await _office(runtime, capacity=5)
    family = await register(runtime, vault, 1, family=1)
    await _book(runtime, family, slot)
    with pytest.raises((AccountFrozen, NikAlreadyBooked)):
        await _wait(runtime, family, office_id, first=TUESDAY, last=TUESDAY)


async def _office_of(rt: Runtime, office_id: int) -> Office:
    async with rt.reader() as uow:
        found = await uow.offices.get_by_id(office_id)
    assert found is not None
    return found


async def test_an_offer_that_never_reached_the_chat_is_made_again_not_counted_against_the_party(
    runtime: Runtime, vault: Vault, clock: FixedClock
) -> None:
    office_id, [slot] = await _office(runtime, capacity=1)
    first = await register(runtime, vault, 1)
    booked = await _book(runtime, first, slot)
    entry = (await _wait(runtime, await register(runtime, vault, 2), office_id)).entry
    await runtime.desk.cancel(first.id, booked.booking_id)
    await waitlist.sweep(runtime.uow, runtime.desk, runtime.clock)
    offered = await _entry(runtime, entry.id)
    clock.advance(timedelta(minutes=31))  # the worker's sender was down the whole time
    done = await waitlist.sweep(runtime.uow, runtime.desk, runtime.clock)
    assert done.lapsed == 0 and done.offered == 1
    again = await _entry(runtime, entry.id)
    assert again.state is WaitState.OFFERED and again.offered_booking_id != offered.offered_booking_id
