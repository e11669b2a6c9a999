"""Booking rules: the party, the cancellation deadline, the freeze, booking codes and hold terms."""

from __future__ import annotations

from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

import pytest

from core.domain.booking import (
    CODE_ALPHABET,
    CODE_LENGTH,
    FREEZE_DAYS,
    HOLD_MINUTES,
    MAX_PARTY,
    AccountFrozen,
    DuplicateApplicant,
    OwnerNotFirst,
    PartyEmpty,
    PartyTooLarge,
    cancel_deadline,
    check_not_frozen,
    check_party,
    format_booking_code,
    frozen_until,
    hold_terms,
    is_well_formed_code,
    last_cancel_day,
    new_booking_code,
    normalize_booking_code,
)
from core.domain.errors import DomainError
from tests.factories import sample_office

ZONES = ["Asia/Jakarta", "Asia/Makassar", "Asia/Jayapura"]
ARRIVAL = date(2026, 12, 2)  # a Wednesday
OWNER = "owner-hash"


# --- The party --------------------------------------------------------------------------------------------


def test_the_owner_alone_is_a_valid_party() -> None:
    check_party([OWNER], OWNER)


def test_the_owner_and_four_relatives_is_a_valid_party() -> None:
    check_party([OWNER, "a", "b", "c", "d"], OWNER)


def test_a_party_of_nobody_is_refused() -> None:
    with pytest.raises(PartyEmpty) as caught:
        check_party([], OWNER)

    assert caught.value.code == "party_empty"


def test_a_party_of_six_is_refused_saying_the_size_and_the_maximum() -> None:
    with pytest.raises(PartyTooLarge) as caught:
        check_party([OWNER, "a", "b", "c", "d", "e"], OWNER)

    assert (caught.value.size, caught.value.maximum) == (6, MAX_PARTY) == (6, 5)


def test_a_party_whose_first_applicant_is_not_the_owner_is_refused() -> None:
    with pytest.raises(OwnerNotFirst):
        check_party(["a", OWNER], OWNER)


def test_a_party_without_the_owner_is_refused() -> None:
    with pytest.raises(OwnerNotFirst):
        check_party(["a", "b"], OWNER)


@pytest.mark.parametrize(
    ("party", "position"),
    [([OWNER, "a", "a"], 3), ([OWNER, OWNER], 2), ([OWNER, "a", "b", "c", "b"], 5)],
)
def test_an_applicant_named_twice_is_reported_at_the_second_position(party: list[str], position: int) -> None:
    with pytest.raises(DuplicateApplicant) as caught:
        check_party(party, OWNER)

    assert caught.value.position == position


def test_size_is_checked_before_order_and_duplicates() -> None:
    with pytest.raises(PartyTooLarge):
        check_party(["a", "a", "a", "a", "a", "a"], OWNER)


# --- Cancelling -------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("arrival", "last_day"),
    [
        (ARRIVAL, date(2026, 11, 30)),
        (date(2026, 12, 1), date(2026, 11, 29)),
        (date(2027, 1, 1), date(2026, 12, 30)),
    ],
)
def test_the_last_day_to_cancel_is_two_days_before_arrival(arrival: date, last_day: date) -> None:
    assert last_cancel_day(arrival) == last_day


@pytest.mark.parametrize(
    ("zone", "utc"),
    [
        ("Asia/Jakarta", datetime(2026, 11, 30, 17, 0, tzinfo=UTC)),
        ("Asia/Makassar", datetime(2026, 11, 30, 16, 0, tzinfo=UTC)),
        ("Asia/Jayapura", datetime(2026, 11, 30, 15, 0, tzinfo=UTC)),
    ],
)
def test_cancelling_stops_at_the_end_of_the_last_cancel_day_in_the_offices_zone(zone: str, utc: datetime) -> None:
    office = sample_office(zone=zone)

    deadline = cancel_deadline(office, ARRIVAL)

    assert deadline == utc
    assert office.local(deadline) == datetime(2026, 12, 1, 0, 0, tzinfo=ZoneInfo(zone))
    assert office.today(deadline - timedelta(seconds=1)) == last_cancel_day(ARRIVAL)


# --- The freeze -------------------------------------------------------------------------------------------


@pytest.mark.parametrize("zone", ZONES)
def test_the_account_is_frozen_until_local_midnight_thirty_days_after_arrival(zone: str) -> None:
    office = sample_office(zone=zone)

    until = frozen_until(office, ARRIVAL)

    assert until == datetime(2027, 1, 1, 0, 0, tzinfo=ZoneInfo(zone))
    assert office.today(until) - ARRIVAL == timedelta(days=FREEZE_DAYS) == timedelta(days=30)
    assert office.local(until).time() == time(0)


def test_the_freeze_ends_earlier_in_utc_at_an_office_further_east() -> None:
    wib = frozen_until(sample_office(zone="Asia/Jakarta"), ARRIVAL)
    wit = frozen_until(sample_office(zone="Asia/Jayapura"), ARRIVAL)

    assert wib - wit == timedelta(hours=2)


def test_an_account_that_never_booked_is_not_frozen() -> None:
    check_not_frozen(None, datetime(2026, 11, 27, tzinfo=UTC))


def test_an_account_is_frozen_until_the_last_instant_before_the_freeze_ends() -> None:
    until = frozen_until(sample_office(), ARRIVAL)

    with pytest.raises(AccountFrozen) as caught:
        check_not_frozen(until, until - timedelta(microseconds=1))

    assert caught.value.until == until
    assert caught.value.code == "account_frozen"
    assert isinstance(caught.value, DomainError)


def test_an_account_may_book_again_from_the_instant_the_freeze_ends() -> None:
    until = frozen_until(sample_office(), ARRIVAL)

    check_not_frozen(until, until)
    check_not_frozen(until, until + timedelta(days=1))


def test_the_freeze_is_compared_as_instants_whatever_zone_now_is_given_in() -> None:
    until = frozen_until(sample_office(zone="Asia/Jayapura"), ARRIVAL)  # 1 January 00:00 WIT
    just_before_in_jakarta = datetime(2026, 12, 31, 21, 59, tzinfo=ZoneInfo("Asia/Jakarta"))

    with pytest.raises(AccountFrozen):
        check_not_frozen(until, just_before_in_jakarta)
    check_not_frozen(until, just_before_in_jakarta + timedelta(minutes=1))


# --- Booking codes ----------------------------------------------------------------------------------------


def test_the_code_alphabet_has_nothing_that_reads_like_zero_or_one() -> None:
    assert not set("0O1I") & set(CODE_ALPHABET)
    assert len(CODE_ALPHABET) == len(set(CODE_ALPHABET)) == 32
    assert CODE_ALPHABET.upper() == CODE_ALPHABET


def test_a_new_code_is_eight_characters_of_the_alphabet() -> None:
    code = new_booking_code()

    assert len(code) == CODE_LENGTH == 8
    assert set(code) <= set(CODE_ALPHABET)
    assert is_well_formed_code(code)


def test_two_thousand_new_codes_are_all_different() -> None:
    codes = [new_booking_code() for _ in range(2000)]

    assert len(set(codes)) == len(codes)


def test_codes_use_the_whole_alphabet() -> None:
    seen = set("".join(new_booking_code() for _ in range(2000)))

    assert seen == set(CODE_ALPHABET)


def test_a_code_is_shown_as_two_groups_of_four() -> None:
    assert format_booking_code("K7PMQ3XA") == "K7PM-Q3XA"


def test_a_code_of_the_wrong_length_is_shown_as_it_is() -> None:
    assert format_booking_code("K7PMQ3X") == "K7PMQ3X"


@pytest.mark.parametrize("typed", ["K7PM-Q3XA", "k7pm-q3xa", " K7PM Q3XA ", "k7pmq3xa\n", "K7-PM-Q3-XA"])
def test_a_typed_code_is_read_kindly(typed: str) -> None:
    assert normalize_booking_code(typed) == "K7PMQ3XA"


def test_every_new_code_survives_being_shown_and_typed_back() -> None:
    for _ in range(500):
        code = new_booking_code()
        assert normalize_booking_code(format_booking_code(code)) == code
        assert normalize_booking_code(format_booking_code(code).lower()) == code


@pytest.mark.parametrize(
    "code",
    ["K7PMQ3X", "K7PMQ3XAB", "K7PMQ3X0", "K7PMQ3XO", "K7PMQ3X1", "K7PMQ3XI", "k7pmq3xa", "K7PM-Q3XA", ""],
)
def test_a_code_that_no_booking_can_have_is_not_well_formed(code: str) -> None:
    assert not is_well_formed_code(code)


# --- Hold terms -------------------------------------------------------------------------------------------


@pytest.mark.parametrize("zone", ZONES)
def test_a_hold_fixes_its_lapse_and_the_bookings_deadlines_in_the_offices_zone(zone: str) -> None:
    office = sample_office(zone=zone)
    now = datetime(2026, 11, 27, 7, 30, tzinfo=UTC)

    terms = hold_terms(office, ARRIVAL, now)

    assert terms.held_until == now + timedelta(minutes=HOLD_MINUTES) == now + timedelta(minutes=5)
    assert terms.cancel_until == cancel_deadline(office, ARRIVAL)
    assert terms.frozen_until == frozen_until(office, ARRIVAL)
    assert terms.ends_at == datetime(2026, 12, 3, 0, 0, tzinfo=ZoneInfo(zone))


def test_a_hold_may_be_given_another_length() -> None:
    now = datetime(2026, 11, 27, 7, 30, tzinfo=UTC)

    assert hold_terms(sample_office(), ARRIVAL, now, hold_minutes=2).held_until == now + timedelta(minutes=2)


def test_the_booking_ends_after_the_cancel_deadline_and_before_the_freeze_lifts() -> None:
    terms = hold_terms(sample_office(), ARRIVAL, datetime(2026, 11, 27, 7, 30, tzinfo=UTC))

    assert terms.held_until < terms.cancel_until < terms.ends_at < terms.frozen_until
    assert terms.ends_at - terms.cancel_until == timedelta(days=2)
