"""The calendar's day states: free, full, not released, closed and past, for a party of a given size."""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

import pytest

from core.domain.calendar import Closure, ClosureKind, DayState, SlotState, classify_day
from core.domain.offices import parse_working_days
from tests.factories import sample_office

JAKARTA = ZoneInfo("Asia/Jakarta")
OFFICE = sample_office()
# Friday 27 November 2026, 15:00 WIB: this week's window is open until Sunday 16:00.
NOW = datetime(2026, 11, 27, 15, 0, tzinfo=JAKARTA)
WINDOW_OPENED = datetime(2026, 11, 27, 14, 0, tzinfo=JAKARTA)
WINDOW_CLOSES = datetime(2026, 11, 29, 16, 0, tzinfo=JAKARTA)
NEXT_WINDOW_OPENS = datetime(2026, 12, 4, 14, 0, tzinfo=JAKARTA)
WEDNESDAY = date(2026, 12, 2)
SATURDAY = date(2026, 12, 5)
CHRISTMAS = date(2026, 12, 25)


def slot(
    hour: int,
    *,
    capacity: int = 10,
    taken: int = 0,
    bookable_from: datetime = WINDOW_OPENED,
    bookable_until: datetime = WINDOW_CLOSES,
) -> SlotState:
    return SlotState(hour, time(hour), time(hour + 1), capacity, taken, bookable_from, bookable_until)


# --- Free and full ----------------------------------------------------------------------------------------


def test_a_released_date_with_room_for_the_party_is_free_and_open_now() -> None:
    info = classify_day(OFFICE, WEDNESDAY, now=NOW, party=1, closure=None, slots=[slot(8), slot(9)])

    assert info.state is DayState.FREE
    assert info.state.value == "free"
    assert info.open_now
    assert info.opens_at is None
    assert info.closure is None
    assert [s.slot_id for s in info.free_slots(1)] == [8, 9]


def test_a_released_date_where_no_slot_takes_the_party_is_full() -> None:
    slots = [slot(8, taken=10), slot(9, capacity=5, taken=5)]

    info = classify_day(OFFICE, WEDNESDAY, now=NOW, party=1, closure=None, slots=slots)

    assert info.state is DayState.FULL
    assert info.state.value == "full"
    assert info.free_slots(1) == []
    assert info.open_now  # still open for booking: a cancellation may give places back


@pytest.mark.parametrize(("party", "state"), [(1, DayState.FREE), (2, DayState.FREE), (3, DayState.FULL)])
def test_the_size_of_the_party_decides_between_free_and_full(party: int, state: DayState) -> None:
    slots = [slot(8, taken=10), slot(9, taken=8)]

    assert classify_day(OFFICE, WEDNESDAY, now=NOW, party=party, closure=None, slots=slots).state is state


def test_a_party_is_never_split_across_slots() -> None:
    # Four places left in all, but no single slot takes three people.
    slots = [slot(8, taken=8), slot(9, taken=8)]

    info = classify_day(OFFICE, WEDNESDAY, now=NOW, party=3, closure=None, slots=slots)

    assert info.state is DayState.FULL


def test_free_slots_lists_only_the_slots_that_take_the_whole_party() -> None:
    slots = [slot(8, taken=9), slot(9, taken=2), slot(10, taken=7)]

    info = classify_day(OFFICE, WEDNESDAY, now=NOW, party=3, closure=None, slots=slots)

    assert [s.slot_id for s in info.free_slots(3)] == [9, 10]
    assert [s.remaining for s in info.slots] == [1, 8, 3]


def test_slots_are_shown_in_order_of_start() -> None:
    info = classify_day(OFFICE, WEDNESDAY, now=NOW, party=1, closure=None, slots=[slot(10), slot(8), slot(9)])

    assert [s.start for s in info.slots] == [time(8), time(9), time(10)]


def test_a_slot_whose_capacity_was_cut_below_what_is_taken_has_nothing_left() -> None:
    assert slot(8, capacity=2, taken=3).remaining == 0
    assert not slot(8, capacity=2, taken=3).fits(1)


# --- Not released -----------------------------------------------------------------------------------------


def test_a_date_scheduled_for_the_next_window_is_not_released_and_says_when_it_opens() -> None:
    later = [slot(8, bookable_from=NEXT_WINDOW_OPENS), slot(9, bookable_from=NEXT_WINDOW_OPENS)]

    info = classify_day(OFFICE, date(2026, 12, 9), now=NOW, party=1, closure=None, slots=later)

    assert info.state is DayState.NOT_RELEASED
    assert info.state.value == "not_released"
    assert info.slots == ()
    assert not info.open_now
    assert info.opens_at == NEXT_WINDOW_OPENS


def test_a_date_with_no_slots_scheduled_is_not_released_with_no_opening_known() -> None:
    info = classify_day(OFFICE, date(2026, 12, 9), now=NOW, party=1, closure=None, slots=[])

    assert info.state is DayState.NOT_RELEASED
    assert info.opens_at is None
    assert not info.open_now


def test_a_slot_releasing_at_this_very_instant_is_released() -> None:
    info = classify_day(OFFICE, WEDNESDAY, now=WINDOW_OPENED, party=1, closure=None, slots=[slot(8)])

    assert info.state is DayState.FREE
    assert info.open_now


def test_a_minute_before_the_window_the_date_is_not_released_and_opens_in_a_minute() -> None:
    now = WINDOW_OPENED - timedelta(minutes=1)

    info = classify_day(OFFICE, WEDNESDAY, now=now, party=1, closure=None, slots=[slot(8), slot(9)])

    assert info.state is DayState.NOT_RELEASED
    assert info.opens_at == WINDOW_OPENED


def test_opens_at_is_the_earliest_slot_still_to_open() -> None:
    slots = [
        slot(8),
        slot(9, bookable_from=NEXT_WINDOW_OPENS + timedelta(hours=1)),
        slot(10, bookable_from=NEXT_WINDOW_OPENS),
    ]

    info = classify_day(OFFICE, WEDNESDAY, now=NOW, party=1, closure=None, slots=slots)

    assert info.state is DayState.FREE
    assert [s.slot_id for s in info.slots] == [8]
    assert info.opens_at == NEXT_WINDOW_OPENS


def test_after_the_window_closes_a_released_date_keeps_its_state_but_is_not_open() -> None:
    after = WINDOW_CLOSES + timedelta(minutes=1)

    info = classify_day(OFFICE, WEDNESDAY, now=after, party=1, closure=None, slots=[slot(8)])

    assert info.state is DayState.FREE
    assert not info.open_now
    assert info.opens_at is None


def test_at_sunday_16_00_the_window_is_closed() -> None:
    info = classify_day(OFFICE, WEDNESDAY, now=WINDOW_CLOSES, party=1, closure=None, slots=[slot(8)])

    assert not info.open_now


# --- Closed -----------------------------------------------------------------------------------------------


def test_a_weekend_day_is_closed_as_a_weekend() -> None:
    info = classify_day(OFFICE, SATURDAY, now=NOW, party=1, closure=None, slots=[])

    assert info.state is DayState.CLOSED
    assert info.state.value == "closed"
    assert info.closure == Closure(ClosureKind.WEEKEND)
    assert not info.open_now


def test_a_saturday_is_open_at_an_office_that_works_on_saturdays() -> None:
    office = replace(OFFICE, working_days=parse_working_days("mon-sat"))

    info = classify_day(office, SATURDAY, now=NOW, party=1, closure=None, slots=[slot(8)])

    assert info.state is DayState.FREE


@pytest.mark.parametrize(
    "closure",
    [
        Closure(ClosureKind.HOLIDAY, "Hari Raya Natal"),
        Closure(ClosureKind.COLLECTIVE_LEAVE, "Cuti Bersama Hari Raya Natal"),
        Closure(ClosureKind.OFFICE, "Pemeliharaan sistem"),
    ],
)
def test_a_closed_date_is_closed_even_if_slots_were_released(closure: Closure) -> None:
    info = classify_day(OFFICE, CHRISTMAS, now=NOW, party=1, closure=closure, slots=[slot(8)])

    assert info.state is DayState.CLOSED
    assert info.closure == closure
    assert not info.open_now


def test_a_holiday_on_a_weekend_keeps_its_holiday_name() -> None:
    holiday = Closure(ClosureKind.HOLIDAY, "Hari Raya Idul Fitri")

    info = classify_day(OFFICE, date(2026, 3, 21), now=NOW.replace(month=3, day=1), party=1, closure=holiday, slots=[])

    assert info.closure == holiday


# --- Past -------------------------------------------------------------------------------------------------


@pytest.mark.parametrize("day", [date(2026, 11, 27), date(2026, 11, 26), date(2026, 1, 1)])
def test_today_and_earlier_are_past_whatever_their_slots_or_closure(day: date) -> None:
    info = classify_day(OFFICE, day, now=NOW, party=1, closure=Closure(ClosureKind.HOLIDAY), slots=[slot(8)])

    assert info.state is DayState.PAST
    assert info.state.value == "past"
    assert not info.open_now


def test_today_is_the_offices_local_date() -> None:
    # Sunday 29 November 15:30 UTC is already Monday 00:30 in Jayapura, but still Sunday 22:30 in Jakarta.
    instant = datetime(2026, 11, 29, 15, 30, tzinfo=UTC)
    monday = date(2026, 11, 30)
    slots = [slot(8, bookable_until=datetime(2026, 11, 30, tzinfo=UTC))]

    in_wit = classify_day(sample_office(zone="Asia/Jayapura"), monday, now=instant, party=1, closure=None, slots=slots)
    in_wib = classify_day(sample_office(zone="Asia/Jakarta"), monday, now=instant, party=1, closure=None, slots=slots)

    assert in_wit.state is DayState.PAST
    assert in_wib.state is DayState.FREE
    assert in_wib.open_now


def test_every_state_has_a_stable_name() -> None:
    assert {s.value for s in DayState} == {"free", "full", "not_released", "closed", "past"}
