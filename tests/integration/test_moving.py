"""Moving a booking on a real database (SQLite file and PostgreSQL): once, before the deadline, places and all."""

from __future__ import annotations

import asyncio
from datetime import time, timedelta

import pytest
from sqlalchemy import func, select

from core.clock import FixedClock
from core.crypto import Vault
from core.domain.booking import (
    AlreadyMoved,
    BookingNotFound,
    BookingStatus,
    BookingWindowClosed,
    MoveClosed,
    NotMovable,
    OtherOffice,
    SameTime,
)
from core.domain.calendar import NewSlot
from core.persistence.tables import outbox
from core.runtime import Runtime
from core.services.accounts import AccountView
from core.services.booking import Booked, SlotFullWithChoices
from tests.conftest import NEXT_MONDAY
from tests.factories import add_office, register, release_days, sample_office, slot_ids

TUESDAY = NEXT_MONDAY + timedelta(days=1)


async def _two_days(rt: Runtime, capacity: int = 10) -> tuple[list[int], list[int]]:
    office = await add_office(rt, sample_office(capacity=capacity, slots=2))
    await release_days(rt, office, [NEXT_MONDAY, TUESDAY])
    return await slot_ids(rt, office, NEXT_MONDAY), await slot_ids(rt, office, TUESDAY)


async def _book(rt: Runtime, account: AccountView, slot: int, key: str = "k") -> Booked:
    ids = [a.id for a in account.applicants]
    hold = await rt.desk.hold(account.id, slot, ids, ["new"] * len(ids), key)
    return await rt.desk.confirm(account.id, hold.booking_id)


async def _taken(rt: Runtime, slot: int) -> int:
    async with rt.reader() as uow:
        found = await uow.slots.get(slot)
    assert found is not None
    return found.state.taken


async def test_a_family_moves_to_another_date_with_a_new_code_new_numbers_and_the_wait_from_the_new_date(
    runtime: Runtime, vault: Vault
) -> None:
    monday, tuesday = await _two_days(runtime)
    account = await register(runtime, vault, 1, family=2)
    booked = await _book(runtime, account, monday[0])
    moved = await runtime.desk.move(account.id, booked.booking_id, tuesday[1])
    assert moved.code != booked.code and moved.day == TUESDAY and moved.moved_from == booked.booking_id
    assert moved.queue_start == 1 and moved.party_size == 3 and not moved.replayed
    assert await _taken(runtime, monday[0]) == 0 and await _taken(runtime, tuesday[1]) == 3
    async with runtime.reader() as uow:
        old = await uow.bookings.get(booked.booking_id)
        new = await uow.bookings.get(moved.booking_id)
        party = await uow.bookings.party(moved.booking_id)
        owner = await uow.accounts.get(account.id)
    async with runtime.engine.connect() as conn:
        proofs = (await conn.execute(select(func.count()).where(outbox.c.booking_id == moved.booking_id))).scalar()
    assert old is not None and old.status is BookingStatus.MOVED
    assert new is not None and new.status is BookingStatus.CONFIRMED and new.moved_from == old.id
    assert [p.applicant_id for p in party] == [a.id for a in account.applicants]
    assert [p.queue_no for p in party] == [1, 2, 3]
    assert owner is not None and owner.frozen_until == new.frozen_until == old.frozen_until + timedelta(days=1)
    assert proofs == 1  # the new proof goes out through the outbox, written with the move


async def test_a_moved_booking_cannot_move_again_and_the_old_one_says_it_moved(runtime: Runtime, vault: Vault) -> None:
    monday, tuesday = await _two_days(runtime)
    account = await register(runtime, vault, 1)
    booked = await _book(runtime, account, monday[0])
    moved = await runtime.desk.move(account.id, booked.booking_id, tuesday[0])
    with pytest.raises(AlreadyMoved):
        await runtime.desk.move(account.id, moved.booking_id, monday[1])
    with pytest.raises(NotMovable) as err:
        await runtime.desk.move(account.id, booked.booking_id, monday[1])
    assert err.value.status is BookingStatus.MOVED


async def test_a_double_tap_on_move_moves_once(runtime: Runtime, vault: Vault) -> None:
    monday, tuesday = await _two_days(runtime)
    account = await register(runtime, vault, 1)
    booked = await _book(runtime, account, monday[0])
    first, second = await asyncio.gather(
        runtime.desk.move(account.id, booked.booking_id, tuesday[0]),
        runtime.desk.move(account.id, booked.booking_id, tuesday[0]),
    )
    assert first.booking_id == second.booking_id and [first.replayed, second.replayed].count(True) == 1
    assert await _taken(runtime, tuesday[0]) == 1 and await _taken(runtime, monday[0]) == 0
    again = await runtime.desk.move(account.id, booked.booking_id, tuesday[0])
    assert again.replayed and again.booking_id == first.booking_id


async def test_moving_closes_with_cancelling_two_days_before_the_date(
    runtime: Runtime, vault: Vault, clock: FixedClock
) -> None:
    monday, tuesday = await _two_days(runtime)
    account = await register(runtime, vault, 1)
    booked = await _book(runtime, account, monday[0])
    clock.advance(timedelta(days=1, hours=10))  # Sunday 01:00 WIB: the last day to cancel was Saturday
    with pytest.raises(MoveClosed) as err:
        await runtime.desk.move(account.id, booked.booking_id, tuesday[0])
    assert err.value.last_day == NEXT_MONDAY - timedelta(days=2)
    assert await _taken(runtime, monday[0]) == 1 and await _taken(runtime, tuesday[0]) == 0


async def test_a_full_time_is_refused_with_the_other_times_of_that_date_and_nothing_changes(
    runtime: Runtime, vault: Vault
) -> None:
    monday, tuesday = await _two_days(runtime, capacity=2)
    family = await register(runtime, vault, 1, family=1)
    booked = await _book(runtime, family, monday[0])
    await _book(runtime, await register(runtime, vault, 2), tuesday[0], "other")
    with pytest.raises(SlotFullWithChoices) as err:
        await runtime.desk.move(family.id, booked.booking_id, tuesday[0])
    assert err.value.remaining == 1 and err.value.wanted == 2
    assert [s.slot_id for s in err.value.alternatives] == [tuesday[1]]
    assert await _taken(runtime, monday[0]) == 2
    async with runtime.reader() as uow:
        still = await uow.bookings.get(booked.booking_id)
    assert still is not None and still.status is BookingStatus.CONFIRMED


async def test_the_same_time_another_office_and_someone_elses_booking_are_refused(
    runtime: Runtime, vault: Vault
) -> None:
    monday, _ = await _two_days(runtime)
    elsewhere = await add_office(runtime, sample_office("OTH"))
    await release_days(runtime, elsewhere, [TUESDAY])
    account = await register(runtime, vault, 1)
    booked = await _book(runtime, account, monday[0])
    with pytest.raises(SameTime):
        await runtime.desk.move(account.id, booked.booking_id, monday[0])
    with pytest.raises(OtherOffice):
        await runtime.desk.move(account.id, booked.booking_id, (await slot_ids(runtime, elsewhere, TUESDAY))[0])
    stranger = await register(runtime, vault, 2)
    with pytest.raises(BookingNotFound):
        await runtime.desk.move(stranger.id, booked.booking_id, monday[1])


async def test_a_cancelled_booking_does_not_move(runtime: Runtime, vault: Vault) -> None:
    monday, tuesday = await _two_days(runtime)
    account = await register(runtime, vault, 1)
    booked = await _book(runtime, account, monday[0])
    await runtime.desk.cancel(account.id, booked.booking_id)
    with pytest.raises(NotMovable) as err:
        await runtime.desk.move(account.id, booked.booking_id, tuesday[0])
    assert err.value.status is BookingStatus.CANCELLED


async def test_many_moves_into_one_time_never_take_more_places_than_it_has(runtime: Runtime, vault: Vault) -> None:
    monday, tuesday = await _two_days(runtime, capacity=10)
    people = [await register(runtime, vault, 10 + i) for i in range(8)]
    booked = [await _book(runtime, p, monday[i % 2], f"k{i}") for i, p in enumerate(people)]
    await _book(runtime, await register(runtime, vault, 99, family=4), tuesday[0], "big")  # 5 of 10 taken
    results = await asyncio.gather(
        *(runtime.desk.move(p.id, b.booking_id, tuesday[0]) for p, b in zip(people, booked, strict=True)),
        return_exceptions=True,
    )
    moved = [r for r in results if not isinstance(r, BaseException)]
    refused = [r for r in results if isinstance(r, SlotFullWithChoices)]
    assert len(moved) == 5 and len(refused) == 3
    assert await _taken(runtime, tuesday[0]) == 10
    assert await _taken(runtime, monday[0]) + await _taken(runtime, monday[1]) == 3


async def test_a_move_may_go_to_a_released_date_after_the_weekly_window_closed_where_a_new_booking_may_not(
    runtime: Runtime, vault: Vault, clock: FixedClock
) -> None:
    office = await add_office(runtime, sample_office())
    await release_days(runtime, office, [TUESDAY])
    later = NEXT_MONDAY + timedelta(days=7)
    async with runtime.uow() as uow:  # released in this weekend's window, which closes Sunday 16:00
        assert office.id is not None
        now = clock.now()
        await uow.slots.add([NewSlot(office.id, later, time(8), time(9), 5, now, now + timedelta(days=2))])
        await uow.commit()
    account = await register(runtime, vault, 1)
    booked = await _book(runtime, account, (await slot_ids(runtime, office, TUESDAY))[0])
    clock.advance(timedelta(days=2, hours=2))  # Sunday 17:00 WIB: the window has closed
    (slot,) = await slot_ids(runtime, office, later)
    other = await register(runtime, vault, 2)
    with pytest.raises(BookingWindowClosed):
        await runtime.desk.hold(other.id, slot, [other.applicants[0].id], ["new"], "late")
    moved = await runtime.desk.move(account.id, booked.booking_id, slot)
    assert moved.day == later and await _taken(runtime, slot) == 1


async def test_support_allows_a_move_to_another_office_and_the_booking_moves_there_once(
    runtime: Runtime, vault: Vault
) -> None:
    from core.domain.helpdesk import NoBookingToMove
    from core.domain.staff import Role
    from core.services import helpdesk
    from tests.integration.test_helpdesk import _member

    monday, _ = await _two_days(runtime)
    elsewhere = await add_office(runtime, sample_office("OTH"))
    await release_days(runtime, elsewhere, [TUESDAY])
    (there, *_) = await slot_ids(runtime, elsewhere, TUESDAY)
    account = await register(runtime, vault, 1)
    booked = await _book(runtime, account, monday[0])
    with pytest.raises(OtherOffice):
        await runtime.desk.move(account.id, booked.booking_id, there)
    now = runtime.clock.now()
    context = {"booking": {"code": booked.code, "status": "confirmed"}}
    ticket = await helpdesk.escalate(runtime.uow, 1, account.id, None, "id", "Saya pindah ke kota lain", context, now)
    support = await _member(runtime, "bantuan", Role.SUPPORT)
    allowed = await helpdesk.allow_move_elsewhere(runtime.uow(), support, ticket.id, now)
    assert allowed.move_anywhere
    moved = await runtime.desk.move(account.id, booked.booking_id, there)
    async with runtime.reader() as uow:
        new = await uow.bookings.get(moved.booking_id)
    assert new is not None and new.office_id == elsewhere.id and new.moved_from == booked.booking_id
    assert await _taken(runtime, monday[0]) == 0 and await _taken(runtime, there) == 1
    with pytest.raises(NoBookingToMove):  # moved once: nothing is left to allow
        await helpdesk.allow_move_elsewhere(runtime.uow(), support, ticket.id, now)
