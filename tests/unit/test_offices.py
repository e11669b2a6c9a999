"""Offices: the weekly release window in each zone, the dates a window releases, working days, validation."""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

import pytest
from hypothesis import given
from hypothesis import strategies as st

from core.domain.errors import DomainError
from core.domain.offices import (
    ZONE_LABELS,
    InvalidOffice,
    ReleasePolicy,
    SlotTime,
    default_slot_template,
    format_working_days,
    parse_working_days,
)
from tests.factories import sample_office

ZONES = ["Asia/Jakarta", "Asia/Makassar", "Asia/Jayapura"]
WEEKLY = ReleasePolicy()

# The week of Friday 27 November 2026.
THURSDAY = date(2026, 11, 26)
FRIDAY = date(2026, 11, 27)
SATURDAY = date(2026, 11, 28)
SUNDAY = date(2026, 11, 29)
NEXT_MONDAY = date(2026, 11, 30)
NEXT_FRIDAY = date(2026, 12, 4)
NEXT_SUNDAY = date(2026, 12, 6)
LAST_FRIDAY = date(2026, 11, 20)
LAST_SUNDAY = date(2026, 11, 22)


def wall(day: date, hour: int, minute: int, zone: str) -> datetime:
    return datetime.combine(day, time(hour, minute), ZoneInfo(zone))


# --- The weekly window ------------------------------------------------------------------------------------


@pytest.mark.parametrize("zone", ZONES)
def test_at_13_59_on_friday_the_window_opens_in_one_minute(zone: str) -> None:
    local = wall(FRIDAY, 13, 59, zone)

    opens, closes = WEEKLY.next_window(local)

    assert opens - local == timedelta(minutes=1)
    assert (opens, closes) == (wall(FRIDAY, 14, 0, zone), wall(SUNDAY, 16, 0, zone))


@pytest.mark.parametrize("zone", ZONES)
def test_at_13_59_on_friday_the_latest_window_to_open_is_last_weeks(zone: str) -> None:
    opens, closes = WEEKLY.window_opening_on_or_before(wall(FRIDAY, 13, 59, zone))

    assert (opens, closes) == (wall(LAST_FRIDAY, 14, 0, zone), wall(LAST_SUNDAY, 16, 0, zone))


@pytest.mark.parametrize("zone", ZONES)
def test_at_14_00_on_friday_the_window_is_open_from_that_minute(zone: str) -> None:
    local = wall(FRIDAY, 14, 0, zone)

    assert WEEKLY.next_window(local) == (local, wall(SUNDAY, 16, 0, zone))
    assert WEEKLY.window_opening_on_or_before(local) == (local, wall(SUNDAY, 16, 0, zone))


@pytest.mark.parametrize("zone", ZONES)
@pytest.mark.parametrize(
    ("day", "hour", "minute"),
    [(FRIDAY, 23, 59), (SATURDAY, 0, 0), (SATURDAY, 12, 0), (SUNDAY, 0, 0), (SUNDAY, 15, 59)],
)
def test_the_window_stays_open_until_sunday_16_00(zone: str, day: date, hour: int, minute: int) -> None:
    local = wall(day, hour, minute, zone)

    opens, closes = WEEKLY.next_window(local)

    assert opens <= local < closes
    assert (opens, closes) == (wall(FRIDAY, 14, 0, zone), wall(SUNDAY, 16, 0, zone))


@pytest.mark.parametrize("zone", ZONES)
def test_at_sunday_16_00_the_next_window_is_next_friday(zone: str) -> None:
    local = wall(SUNDAY, 16, 0, zone)

    assert WEEKLY.next_window(local) == (wall(NEXT_FRIDAY, 14, 0, zone), wall(NEXT_SUNDAY, 16, 0, zone))


@pytest.mark.parametrize("zone", ZONES)
def test_at_sunday_16_00_the_latest_window_to_open_is_the_one_that_just_closed(zone: str) -> None:
    opens, closes = WEEKLY.window_opening_on_or_before(wall(SUNDAY, 16, 0, zone))

    assert (opens, closes) == (wall(FRIDAY, 14, 0, zone), wall(SUNDAY, 16, 0, zone))


@pytest.mark.parametrize("zone", ZONES)
@pytest.mark.parametrize("day", [NEXT_MONDAY, date(2026, 12, 2), date(2026, 12, 3)])
def test_from_monday_to_thursday_the_next_window_is_that_weeks_friday(zone: str, day: date) -> None:
    assert WEEKLY.next_window(wall(day, 9, 0, zone)) == (
        wall(NEXT_FRIDAY, 14, 0, zone),
        wall(NEXT_SUNDAY, 16, 0, zone),
    )


def test_the_window_opens_at_14_00_wall_clock_in_each_zone_so_an_hour_apart_in_utc() -> None:
    opened = [WEEKLY.next_window(wall(THURSDAY, 12, 0, zone))[0].astimezone(UTC) for zone in ZONES]

    assert opened == [
        datetime(2026, 11, 27, 7, 0, tzinfo=UTC),  # WIB, UTC+7
        datetime(2026, 11, 27, 6, 0, tzinfo=UTC),  # WITA, UTC+8
        datetime(2026, 11, 27, 5, 0, tzinfo=UTC),  # WIT, UTC+9
    ]


def test_one_instant_finds_the_window_open_in_wit_and_not_yet_open_in_wib() -> None:
    instant = datetime(2026, 11, 27, 5, 30, tzinfo=UTC)  # 12:30 WIB, 13:30 WITA, 14:30 WIT
    wib = sample_office(zone="Asia/Jakarta")
    wita = sample_office(zone="Asia/Makassar")
    wit = sample_office(zone="Asia/Jayapura")

    wib_opens, _ = wib.release.next_window(wib.local(instant))
    wita_opens, _ = wita.release.next_window(wita.local(instant))
    wit_opens, wit_closes = wit.release.next_window(wit.local(instant))

    assert wib_opens - instant == timedelta(hours=1, minutes=30)
    assert wita_opens - instant == timedelta(minutes=30)
    assert wit_opens <= instant < wit_closes


def test_a_window_may_span_the_end_of_the_week() -> None:
    policy = ReleasePolicy(opens_weekday=5, opens_at=time(9), closes_weekday=0, closes_at=time(12))
    sunday = wall(SUNDAY, 20, 0, "Asia/Jakarta")

    opens, closes = policy.next_window(sunday)

    assert (opens, closes) == (wall(SATURDAY, 9, 0, "Asia/Jakarta"), wall(NEXT_MONDAY, 12, 0, "Asia/Jakarta"))


def test_a_window_that_closes_before_it_opens_is_refused() -> None:
    with pytest.raises(InvalidOffice) as caught:
        ReleasePolicy(opens_weekday=4, opens_at=time(14), closes_weekday=4, closes_at=time(13))

    assert caught.value.field_name == "release_window"


@pytest.mark.parametrize("name", ["opens_weekday", "closes_weekday"])
@pytest.mark.parametrize("weekday", [-1, 7])
def test_a_weekday_outside_monday_to_sunday_is_refused(name: str, weekday: int) -> None:
    with pytest.raises(InvalidOffice) as caught:
        ReleasePolicy(**{name: weekday})  # type: ignore[arg-type]

    assert caught.value.field_name == name


@given(
    instant=st.integers(min_value=0, max_value=7 * 366 * 24 * 60).map(
        lambda minutes: datetime(2024, 1, 1, tzinfo=UTC) + timedelta(minutes=minutes)
    ),
    zone=st.sampled_from(ZONES),
)
def test_the_next_window_is_always_a_friday_to_sunday_window_open_now_or_within_a_week(
    instant: datetime, zone: str
) -> None:
    local = instant.astimezone(ZoneInfo(zone))

    opens, closes = WEEKLY.next_window(local)
    latest, _ = WEEKLY.window_opening_on_or_before(local)

    assert (opens.weekday(), opens.time(), closes.weekday(), closes.time()) == (4, time(14), 6, time(16))
    assert closes - opens == timedelta(days=2, hours=2)
    assert local < closes
    assert opens <= local or opens - local <= timedelta(days=7)
    assert latest <= local < latest + timedelta(days=7)


# --- The dates a window releases --------------------------------------------------------------------------


@pytest.mark.parametrize("zone", ZONES)
def test_a_friday_window_releases_the_working_days_of_the_following_week(zone: str) -> None:
    office = sample_office(zone=zone)

    days = office.dates_released_by_window(wall(FRIDAY, 14, 0, zone))

    assert days == [NEXT_MONDAY + timedelta(days=i) for i in range(5)]


def test_an_office_open_on_saturday_releases_its_saturday_too() -> None:
    office = replace(sample_office(), working_days=parse_working_days("mon-sat"))

    days = office.dates_released_by_window(wall(FRIDAY, 14, 0, "Asia/Jakarta"))

    assert days == [NEXT_MONDAY + timedelta(days=i) for i in range(6)]


def test_the_released_week_follows_the_local_date_of_the_opening_not_the_utc_date() -> None:
    # Monday 06:00 WIT is still Sunday in UTC; the released week is the Monday after the local Monday.
    office = sample_office(zone="Asia/Jayapura")
    opening = wall(NEXT_MONDAY, 6, 0, "Asia/Jayapura").astimezone(UTC)
    assert opening.date() == SUNDAY

    days = office.dates_released_by_window(opening)

    assert days[0] == NEXT_MONDAY + timedelta(days=7)


# --- Working days -----------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "days"),
    [
        ("mon-fri", {0, 1, 2, 3, 4}),
        ("Mon - Fri", {0, 1, 2, 3, 4}),
        ("mon,wed,fri", {0, 2, 4}),
        ("MON, Wed ,fri,", {0, 2, 4}),
        ("mon-thu,sat", {0, 1, 2, 3, 5}),
        ("sat-mon", {5, 6, 0}),
        ("sun", {6}),
    ],
)
def test_working_days_are_read_from_names_and_ranges(text: str, days: set[int]) -> None:
    assert parse_working_days(text) == frozenset(days)


@pytest.mark.parametrize("text", ["", " , ", "funday", "mon-xyz", "monday-friday", "1-5"])
def test_working_days_that_name_no_real_day_are_refused(text: str) -> None:
    with pytest.raises(InvalidOffice) as caught:
        parse_working_days(text)

    assert caught.value.field_name == "working_days"
    assert caught.value.value == text


def test_working_days_are_written_as_names_in_week_order() -> None:
    assert format_working_days(frozenset({4, 0, 2})) == "mon,wed,fri"
    assert format_working_days(frozenset(range(5))) == "mon,tue,wed,thu,fri"


@given(st.frozensets(st.integers(min_value=0, max_value=6), min_size=1))
def test_any_set_of_working_days_survives_writing_and_reading(days: frozenset[int]) -> None:
    assert parse_working_days(format_working_days(days)) == days


# --- Validation -------------------------------------------------------------------------------------------


@pytest.mark.parametrize("zone", ["Asia/Singapore", "UTC", "WIB", "asia/jakarta", ""])
def test_an_office_outside_the_three_indonesian_zones_is_refused(zone: str) -> None:
    with pytest.raises(InvalidOffice) as caught:
        sample_office(zone=zone)

    assert caught.value.field_name == "timezone"
    assert caught.value.value == zone
    assert isinstance(caught.value, DomainError)
    assert caught.value.code == "invalid_office"


def test_two_slots_starting_at_the_same_time_are_refused() -> None:
    slots = (SlotTime(time(8), time(9), 10), SlotTime(time(8), time(10), 10))

    with pytest.raises(InvalidOffice) as caught:
        replace(sample_office(), slots=slots)

    assert caught.value.field_name == "slots"


def test_a_slot_with_negative_capacity_is_refused() -> None:
    with pytest.raises(InvalidOffice) as caught:
        SlotTime(time(8), time(9), -1)

    assert (caught.value.field_name, caught.value.value) == ("capacity", -1)


def test_a_slot_with_no_capacity_is_allowed() -> None:
    assert SlotTime(time(8), time(9), 0).capacity == 0


@pytest.mark.parametrize("end", [time(8), time(7, 59)])
def test_a_slot_that_does_not_end_after_it_starts_is_refused(end: time) -> None:
    with pytest.raises(InvalidOffice) as caught:
        SlotTime(time(8), end, 10)

    assert caught.value.field_name == "slot"


def test_an_office_without_a_code_is_refused() -> None:
    with pytest.raises(InvalidOffice) as caught:
        sample_office(code="")

    assert caught.value.field_name == "code"


def test_a_working_day_outside_the_week_is_refused() -> None:
    with pytest.raises(InvalidOffice) as caught:
        replace(sample_office(), working_days=frozenset({0, 7}))

    assert caught.value.field_name == "working_days"


def test_an_office_without_any_working_day_is_refused() -> None:
    with pytest.raises(InvalidOffice):
        replace(sample_office(), working_days=frozenset())


def test_an_office_code_that_is_not_upper_case_is_refused() -> None:
    with pytest.raises(InvalidOffice):
        sample_office(code="tst")


def test_the_default_template_is_hourly_with_a_lunch_break() -> None:
    labels = [s.label for s in default_slot_template()]

    assert labels == [
        "08:00–09:00",
        "09:00–10:00",
        "10:00–11:00",
        "11:00–12:00",
        "13:00–14:00",
        "14:00–15:00",
    ]


# --- Local time -------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("zone", "label", "local_date", "local_time"),
    [
        ("Asia/Jakarta", "WIB", date(2026, 11, 27), time(23, 30)),
        ("Asia/Makassar", "WITA", date(2026, 11, 28), time(0, 30)),
        ("Asia/Jayapura", "WIT", date(2026, 11, 28), time(1, 30)),
    ],
)
def test_the_same_instant_near_midnight_is_a_different_local_date_in_each_zone(
    zone: str, label: str, local_date: date, local_time: time
) -> None:
    instant = datetime(2026, 11, 27, 16, 30, tzinfo=UTC)
    office = sample_office(zone=zone)

    assert office.zone_label == label == ZONE_LABELS[zone]
    assert office.today(instant) == local_date
    assert office.local(instant).time() == local_time
    assert office.local(instant) == instant


@pytest.mark.parametrize(
    ("zone", "utc_hour"),
    [("Asia/Jakarta", 1), ("Asia/Makassar", 0), ("Asia/Jayapura", 23)],
)
def test_a_wall_clock_time_at_an_office_is_the_instant_of_that_time_in_its_zone(zone: str, utc_hour: int) -> None:
    office = sample_office(zone=zone)

    instant = office.at(NEXT_MONDAY, time(8))

    assert instant.astimezone(UTC).hour == utc_hour
    assert office.local(instant).time() == time(8)
    assert office.today(instant) == NEXT_MONDAY


def test_working_days_are_monday_to_friday_by_default() -> None:
    office = sample_office()

    assert [office.is_working_day(FRIDAY + timedelta(days=i)) for i in range(7)] == [
        True,  # Friday
        False,  # Saturday
        False,  # Sunday
        True,
        True,
        True,
        True,
    ]


def test_slots_that_overlap_are_refused_since_one_hour_would_count_in_two_quotas() -> None:
    overlapping = (
        SlotTime(time(8), time(9), 20),
        SlotTime(time(8, 30), time(9, 30), 20),
        SlotTime(time(9), time(10), 20),
    )
    with pytest.raises(InvalidOffice) as refused:
        replace(sample_office(), slots=overlapping)
    assert refused.value.field_name == "slot_overlap" and "08:00–09:00 and 08:30–09:30" in str(refused.value.value)
    # Slots that touch (one ends when the next starts) are the usual template.
    replace(sample_office(), slots=(SlotTime(time(8), time(9), 20), SlotTime(time(9), time(10), 20)))
