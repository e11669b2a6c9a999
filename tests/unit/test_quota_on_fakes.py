"""Staff quota use cases on the fake unit of work: slot template, a date's capacity, closing a date."""

from __future__ import annotations

from dataclasses import replace
from datetime import date, time

import pytest

from core.domain.booking import DateNotBookable
from core.domain.calendar import ClosureKind, DayState
from core.domain.offices import InvalidOffice, SlotTime
from core.services import calendar, offices, quota, release
from tests.conftest import FRIDAY_AFTERNOON
from tests.factories import sample_office
from tests.fakes import FakeUnitOfWork

MONDAY = date(2026, 11, 30)
TUESDAY = date(2026, 12, 1)


def _take(uow: FakeUnitOfWork, slot_id: int, places: int) -> None:
    """Places taken in a slot, as holds and bookings through the ledger would have taken them."""
    slot = uow.store.slots[slot_id]
    uow.store.slots[slot_id] = replace(slot, state=replace(slot.state, taken=places))


async def _office(uow: FakeUnitOfWork) -> None:
    await offices.save_office(uow, sample_office(capacity=10, slots=2))


async def test_a_new_template_shapes_the_dates_released_after_it() -> None:
    uow = FakeUnitOfWork()
    await _office(uow)
    template = [SlotTime(time(9), time(10), 15), SlotTime(time(8), time(9), 5)]
    saved = await quota.set_slot_template(uow, "TST", template, now=FRIDAY_AFTERNOON)
    assert uow.committed
    assert [(s.start, s.capacity) for s in saved.slots] == [(time(8), 5), (time(9), 15)]
    await release.release_by_hand(uow, "TST", [MONDAY], FRIDAY_AFTERNOON)
    day = await calendar.day_view(uow, "TST", MONDAY, party=1, now=FRIDAY_AFTERNOON)
    assert [(s.start, s.capacity) for s in day.slots] == [(time(8), 5), (time(9), 15)]


async def test_a_capacity_set_before_release_waits_for_the_release() -> None:
    uow = FakeUnitOfWork()
    await _office(uow)
    done = await quota.set_capacity(uow, "TST", TUESDAY, time(8), 3, FRIDAY_AFTERNOON)
    assert not done.released and uow.committed
    await release.release_by_hand(uow, "TST", [TUESDAY], FRIDAY_AFTERNOON)
    day = await calendar.day_view(uow, "TST", TUESDAY, party=1, now=FRIDAY_AFTERNOON)
    assert [s.capacity for s in day.slots] == [3, 10]


async def test_a_capacity_of_zero_before_release_leaves_the_slot_out() -> None:
    uow = FakeUnitOfWork()
    await _office(uow)
    await quota.set_capacity(uow, "TST", TUESDAY, time(9), 0, FRIDAY_AFTERNOON)
    await release.release_by_hand(uow, "TST", [TUESDAY], FRIDAY_AFTERNOON)
    day = await calendar.day_view(uow, "TST", TUESDAY, party=1, now=FRIDAY_AFTERNOON)
    assert [s.start for s in day.slots] == [time(8)]


async def test_a_released_slot_changes_at_once_but_never_below_what_is_taken() -> None:
    uow = FakeUnitOfWork()
    await _office(uow)
    await release.release_by_hand(uow, "TST", [MONDAY], FRIDAY_AFTERNOON)
    done = await quota.set_capacity(uow, "TST", MONDAY, time(8), 25, FRIDAY_AFTERNOON)
    assert done.released
    day = await calendar.day_view(uow, "TST", MONDAY, party=1, now=FRIDAY_AFTERNOON)
    assert day.slots[0].capacity == 25
    _take(uow, day.slots[0].slot_id, 4)  # four applicants hold places
    with pytest.raises(quota.CapacityBelowTaken) as err:
        await quota.set_capacity(uow, "TST", MONDAY, time(8), 3, FRIDAY_AFTERNOON)
    assert err.value.taken == 4 and not uow.committed


async def test_a_slot_the_office_does_not_have_is_refused() -> None:
    uow = FakeUnitOfWork()
    await _office(uow)
    with pytest.raises(quota.NoSuchSlot):
        await quota.set_capacity(uow, "TST", TUESDAY, time(12), 5, FRIDAY_AFTERNOON)


@pytest.mark.parametrize("capacity", [-1, 1001])
async def test_a_capacity_outside_zero_to_a_thousand_is_refused_and_nothing_is_saved(capacity: int) -> None:
    uow = FakeUnitOfWork()
    await _office(uow)
    with pytest.raises(InvalidOffice) as err:
        await quota.set_capacity(uow, "TST", TUESDAY, time(8), capacity, FRIDAY_AFTERNOON)
    assert err.value.field_name == "capacity"
    await release.release_by_hand(uow, "TST", [TUESDAY], FRIDAY_AFTERNOON)
    day = await calendar.day_view(uow, "TST", TUESDAY, party=1, now=FRIDAY_AFTERNOON)
    assert [s.capacity for s in day.slots] == [10, 10]


async def test_office_codes_are_found_as_people_type_them() -> None:
    uow = FakeUnitOfWork()
    await _office(uow)
    done = await quota.set_capacity(uow, " tst ", TUESDAY, time(8), 3, FRIDAY_AFTERNOON)
    assert done.capacity == 3
    released = await release.release_by_hand(uow, "tst", [MONDAY], FRIDAY_AFTERNOON)
    assert released.office_code == "TST"


async def test_past_dates_cannot_be_changed_or_closed() -> None:
    uow = FakeUnitOfWork()
    await _office(uow)
    with pytest.raises(DateNotBookable):
        await quota.set_capacity(uow, "TST", date(2026, 11, 27), time(8), 5, FRIDAY_AFTERNOON)
    with pytest.raises(DateNotBookable):
        await quota.close_date(uow, "TST", date(2026, 11, 27), "banjir", FRIDAY_AFTERNOON)


async def test_a_closed_date_is_grey_and_its_released_slots_take_nobody() -> None:
    uow = FakeUnitOfWork()
    await _office(uow)
    await release.release_by_hand(uow, "TST", [MONDAY], FRIDAY_AFTERNOON)
    closed = await quota.close_date(uow, "TST", MONDAY, "renovasi gedung", FRIDAY_AFTERNOON)
    assert closed.emptied_slots == 2 and closed.cancelled == () and uow.committed
    day = await calendar.day_view(uow, "TST", MONDAY, party=1, now=FRIDAY_AFTERNOON)
    assert day.state is DayState.CLOSED
    assert day.closure is not None and day.closure.kind is ClosureKind.OFFICE
    assert day.closure.name == "renovasi gedung"
    assert all(s.capacity == 0 for s in day.slots)


async def test_a_date_closed_without_a_reason_keeps_none_for_the_adapters_to_word() -> None:
    uow = FakeUnitOfWork()
    await _office(uow)
    await quota.close_date(uow, "TST", MONDAY, "   ", FRIDAY_AFTERNOON)
    day = await calendar.day_view(uow, "TST", MONDAY, party=1, now=FRIDAY_AFTERNOON)
    assert day.closure is not None and day.closure.name == ""  # not an English "closed" shown to applicants


async def test_a_date_with_bookings_is_not_closed_by_a_click() -> None:
    uow = FakeUnitOfWork()
    await _office(uow)
    await release.release_by_hand(uow, "TST", [MONDAY], FRIDAY_AFTERNOON)
    day = await calendar.day_view(uow, "TST", MONDAY, party=1, now=FRIDAY_AFTERNOON)
    _take(uow, day.slots[1].slot_id, 2)
    with pytest.raises(quota.DateHasBookings) as err:
        await quota.close_date(uow, "TST", MONDAY, "banjir", FRIDAY_AFTERNOON)
    assert err.value.taken == 2 and not uow.committed


async def test_a_booked_date_is_closed_only_with_a_reason_its_applicants_are_told() -> None:
    uow = FakeUnitOfWork()
    await _office(uow)
    await release.release_by_hand(uow, "TST", [MONDAY], FRIDAY_AFTERNOON)
    day = await calendar.day_view(uow, "TST", MONDAY, party=1, now=FRIDAY_AFTERNOON)
    _take(uow, day.slots[1].slot_id, 2)
    with pytest.raises(quota.ClosureNeedsReason):
        await quota.close_date(uow, "TST", MONDAY, "  ", FRIDAY_AFTERNOON, cancel_bookings=True)
    assert not uow.committed
