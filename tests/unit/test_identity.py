"""NIK and family card number parsing, validation and masking."""

from __future__ import annotations

from datetime import date, timedelta

import pytest
from hypothesis import given
from hypothesis import strategies as st

from core.domain.errors import DomainError
from core.domain.identity import (
    PROVINCES,
    BirthDateInFuture,
    FamilyCardNumber,
    Gender,
    KkError,
    KkNotDigits,
    KkRegencyZero,
    KkUnknownProvince,
    KkWrongLength,
    Nik,
    NikBirthDateMismatch,
    NikDistrictZero,
    NikError,
    NikInvalidBirthDate,
    NikNotDigits,
    NikRegencyZero,
    NikSerialZero,
    NikUnknownProvince,
    NikWrongLength,
    mask_number,
    normalize_digits,
    parse_kk,
    parse_nik,
)

TODAY = date(2026, 11, 22)


def nik_with_birth_digits(ddmmyy: str, serial: str = "0001") -> str:
    """A NIK for South Jakarta, district 01, with the given birth digits."""
    return f"317401{ddmmyy}{serial}"


# --- Valid NIKs -------------------------------------------------------------------------------------------


def test_a_male_nik_decodes_every_part() -> None:
    nik = parse_nik("3174010101900001", today=TODAY)

    assert nik == Nik(
        value="3174010101900001",
        province_code="31",
        regency_code="3174",
        district_code="317401",
        birth_date=date(1990, 1, 1),
        gender=Gender.MALE,
        serial="0001",
    )
    assert nik.province_name == "DKI Jakarta"


def test_a_female_nik_has_forty_added_to_the_day() -> None:
    nik = parse_nik("3273015508851234", today=TODAY)

    assert nik.gender is Gender.FEMALE
    assert nik.birth_date == date(1985, 8, 15)
    assert nik.province_name == "Jawa Barat"
    assert nik.serial == "1234"


def test_day_41_is_the_first_of_the_month_for_a_woman() -> None:
    nik = parse_nik(nik_with_birth_digits("410300"), today=TODAY)

    assert nik.gender is Gender.FEMALE
    assert nik.birth_date == date(2000, 3, 1)


def test_day_71_is_the_thirty_first_for_a_woman() -> None:
    nik = parse_nik(nik_with_birth_digits("711299"), today=TODAY)

    assert nik.gender is Gender.FEMALE
    assert nik.birth_date == date(1999, 12, 31)


def test_29_february_in_a_leap_year_is_valid() -> None:
    assert parse_nik(nik_with_birth_digits("290204"), today=TODAY).birth_date == date(2004, 2, 29)


def test_29_february_in_a_leap_year_is_valid_for_a_woman() -> None:
    nik = parse_nik(nik_with_birth_digits("690204"), today=TODAY)

    assert nik.birth_date == date(2004, 2, 29)
    assert nik.gender is Gender.FEMALE


def test_29_february_2000_is_valid_because_2000_is_a_leap_year() -> None:
    assert parse_nik(nik_with_birth_digits("290200"), today=TODAY).birth_date == date(2000, 2, 29)


def test_a_newer_province_code_is_known() -> None:
    assert parse_nik("9601010101100001", today=TODAY).province_name == "Papua Barat Daya"


# --- Century ----------------------------------------------------------------------------------------------


def test_a_two_digit_year_that_would_be_in_the_future_belongs_to_the_1900s() -> None:
    assert parse_nik(nik_with_birth_digits("010199"), today=TODAY).birth_date == date(1999, 1, 1)


def test_a_two_digit_year_not_after_today_belongs_to_the_2000s() -> None:
    assert parse_nik(nik_with_birth_digits("010120"), today=TODAY).birth_date == date(2020, 1, 1)


def test_a_baby_born_today_belongs_to_this_century() -> None:
    assert parse_nik(nik_with_birth_digits("221126"), today=TODAY).birth_date == TODAY


def test_a_birthday_tomorrow_in_the_current_two_digit_year_is_a_century_ago() -> None:
    assert parse_nik(nik_with_birth_digits("231126"), today=TODAY).birth_date == date(1926, 11, 23)


def test_the_century_follows_the_today_parameter() -> None:
    nik = parse_nik(nik_with_birth_digits("010120"), today=date(2019, 6, 1))

    assert nik.birth_date == date(1920, 1, 1)


def test_29_february_00_before_that_day_in_2000_is_invalid_because_1900_was_not_a_leap_year() -> None:
    with pytest.raises(NikInvalidBirthDate):
        parse_nik(nik_with_birth_digits("290200"), today=date(1999, 12, 31))


# --- Invalid birth dates ----------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "ddmmyy",
    [
        pytest.param("000190", id="day 00"),
        pytest.param("320190", id="day 32"),
        pytest.param("400190", id="day 40"),
        pytest.param("720190", id="day 72 (female 32)"),
        pytest.param("990190", id="day 99"),
        pytest.param("010090", id="month 00"),
        pytest.param("011390", id="month 13"),
        pytest.param("300290", id="30 February"),
        pytest.param("700290", id="30 February for a woman"),
        pytest.param("310490", id="31 April"),
        pytest.param("290203", id="29 February in a non-leap year"),
        pytest.param("690203", id="29 February in a non-leap year for a woman"),
    ],
)
def test_an_impossible_birth_date_is_rejected_with_its_six_digits(ddmmyy: str) -> None:
    with pytest.raises(NikInvalidBirthDate) as caught:
        parse_nik(nik_with_birth_digits(ddmmyy), today=TODAY)

    assert caught.value.digits == ddmmyy
    assert caught.value.code == "nik_invalid_birth_date"


# --- Other NIK errors -------------------------------------------------------------------------------------


def test_non_digit_characters_are_reported_by_position_after_normalization() -> None:
    with pytest.raises(NikNotDigits) as caught:
        parse_nik("3174 01O1 0190 000l", today=TODAY)

    assert caught.value.positions == (7, 16)
    assert caught.value.code == "nik_not_digits"


def test_non_ascii_digits_are_not_digits() -> None:
    with pytest.raises(NikNotDigits) as caught:
        parse_nik("317401010190000\u0661", today=TODAY)

    assert caught.value.positions == (16,)


def test_non_digits_are_reported_before_a_wrong_length() -> None:
    with pytest.raises(NikNotDigits) as caught:
        parse_nik("31a4", today=TODAY)

    assert caught.value.positions == (3,)


@pytest.mark.parametrize("raw", ["", "317401010190000", "31740101019000012"])
def test_a_nik_without_sixteen_digits_reports_its_length(raw: str) -> None:
    with pytest.raises(NikWrongLength) as caught:
        parse_nik(raw, today=TODAY)

    assert caught.value.length == len(raw)
    assert caught.value.code == "nik_wrong_length"


@pytest.mark.parametrize("code", ["00", "10", "20", "37", "90", "97", "99"])
def test_an_unknown_province_code_is_reported(code: str) -> None:
    with pytest.raises(NikUnknownProvince) as caught:
        parse_nik(f"{code}74010101900001", today=TODAY)

    assert caught.value.province_code == code
    assert caught.value.code == "nik_unknown_province"


def test_a_regency_code_of_00_is_rejected() -> None:
    with pytest.raises(NikRegencyZero) as caught:
        parse_nik("3100010101900001", today=TODAY)

    assert caught.value.code == "nik_regency_zero"


def test_a_district_code_of_00_is_rejected() -> None:
    with pytest.raises(NikDistrictZero) as caught:
        parse_nik("3174000101900001", today=TODAY)

    assert caught.value.code == "nik_district_zero"


def test_a_serial_of_0000_is_rejected() -> None:
    with pytest.raises(NikSerialZero) as caught:
        parse_nik(nik_with_birth_digits("010190", serial="0000"), today=TODAY)

    assert caught.value.code == "nik_serial_zero"


def test_the_first_failing_part_is_the_one_reported() -> None:
    # Regency, district, birth date and serial are all wrong here; the regency comes first.
    with pytest.raises(NikRegencyZero):
        parse_nik("3100009999990000", today=TODAY)
    # Birth date and serial are both wrong; the birth date comes first.
    with pytest.raises(NikInvalidBirthDate):
        parse_nik("3174019999990000", today=TODAY)


def test_every_nik_error_is_a_domain_error_with_its_own_code() -> None:
    kinds = [
        NikNotDigits((1,)),
        NikWrongLength(3),
        NikUnknownProvince("99"),
        NikRegencyZero(),
        NikDistrictZero(),
        NikInvalidBirthDate("000000"),
        NikSerialZero(),
        NikBirthDateMismatch(encoded=date(1990, 1, 1), entered=date(1990, 1, 2)),
    ]

    assert all(isinstance(error, NikError) and isinstance(error, DomainError) for error in kinds)
    assert len({error.code for error in kinds}) == len(kinds)
    assert all(str(error) for error in kinds)


# --- Entered date of birth --------------------------------------------------------------------------------


def test_a_matching_date_of_birth_is_accepted() -> None:
    nik = parse_nik("3174010101900001", today=TODAY, date_of_birth=date(1990, 1, 1))

    assert nik.birth_date == date(1990, 1, 1)


def test_a_different_date_of_birth_is_a_mismatch_naming_both_dates() -> None:
    with pytest.raises(NikBirthDateMismatch) as caught:
        parse_nik("3174010101900001", today=TODAY, date_of_birth=date(1990, 1, 2))

    assert caught.value.encoded == date(1990, 1, 1)
    assert caught.value.entered == date(1990, 1, 2)
    assert caught.value.code == "nik_birth_date_mismatch"


def test_a_woman_entering_her_real_day_matches_the_day_plus_forty() -> None:
    nik = parse_nik("3273015508851234", today=TODAY, date_of_birth=date(1985, 8, 15))

    assert nik.birth_date == date(1985, 8, 15)


def test_the_entered_date_settles_the_century_when_day_month_and_year_digits_agree() -> None:
    nik = parse_nik(nik_with_birth_digits("050325"), today=TODAY, date_of_birth=date(1925, 3, 5))

    assert nik.birth_date == date(1925, 3, 5)


def test_a_different_year_with_other_last_digits_is_a_mismatch() -> None:
    with pytest.raises(NikBirthDateMismatch) as caught:
        parse_nik(nik_with_birth_digits("050325"), today=TODAY, date_of_birth=date(1926, 3, 5))

    assert caught.value.encoded == date(2025, 3, 5)


def test_a_date_of_birth_after_today_is_refused() -> None:
    tomorrow = TODAY + timedelta(days=1)

    with pytest.raises(BirthDateInFuture) as caught:
        parse_nik(nik_with_birth_digits("231126"), today=TODAY, date_of_birth=tomorrow)

    assert caught.value.entered == tomorrow
    assert caught.value.code == "birth_date_in_future"
    assert not isinstance(caught.value, NikError)


def test_a_date_of_birth_of_today_is_accepted() -> None:
    nik = parse_nik(nik_with_birth_digits("221126"), today=TODAY, date_of_birth=TODAY)

    assert nik.birth_date == TODAY


def test_a_broken_nik_is_reported_before_the_entered_date_is_looked_at() -> None:
    with pytest.raises(NikWrongLength):
        parse_nik("3174", today=TODAY, date_of_birth=TODAY + timedelta(days=1))


# --- Normalization and masking ----------------------------------------------------------------------------


@pytest.mark.parametrize(
    "typed",
    [
        "3174 0101 0190 0001",
        "3174.0101.0190.0001",
        "3174-0101-0190-0001",
        "3174\u20130101\u20130190\u20130001",
        "  3174010101900001\n",
        "3174\u00a00101\t0190 0001",
    ],
)
def test_separators_typed_between_groups_are_ignored(typed: str) -> None:
    assert normalize_digits(typed) == "3174010101900001"
    assert parse_nik(typed, today=TODAY).value == "3174010101900001"


def test_normalization_keeps_characters_that_are_not_separators() -> None:
    assert normalize_digits("31/74 ab.c-d") == "31/74abcd"


def test_a_nik_is_masked_to_its_first_and_last_four_digits() -> None:
    assert parse_nik("3174010101900001", today=TODAY).masked() == "3174********0001"


def test_the_repr_of_a_nik_does_not_reveal_it() -> None:
    text = repr(parse_nik("3174010101900001", today=TODAY))

    assert "3174010101900001" not in text
    assert "3174********0001" in text


@pytest.mark.parametrize(
    ("digits", "masked"),
    [
        ("", ""),
        ("1234", "****"),
        ("12345678", "********"),
        ("123456789", "1234*6789"),
        ("1234567890", "1234**7890"),
        ("3174010101900001", "3174********0001"),
    ],
)
def test_mask_number_shows_four_digits_each_side_only_when_something_stays_hidden(digits: str, masked: str) -> None:
    assert mask_number(digits) == masked


# --- Family card (KK) -------------------------------------------------------------------------------------


def test_a_family_card_number_is_parsed_and_normalized() -> None:
    kk = parse_kk("3174 0112 3456 0007")

    assert kk == FamilyCardNumber(value="3174011234560007", province_code="31")
    assert kk.masked() == "3174********0007"
    assert "3174011234560007" not in repr(kk)


def test_a_family_card_issue_date_is_not_checked_as_a_birth_date() -> None:
    assert parse_kk("3174019999990000").value == "3174019999990000"


def test_a_family_card_number_with_letters_reports_their_positions() -> None:
    with pytest.raises(KkNotDigits) as caught:
        parse_kk("3174.01x2.3456.000O")

    assert caught.value.positions == (7, 16)
    assert caught.value.code == "kk_not_digits"


def test_a_family_card_number_without_sixteen_digits_reports_its_length() -> None:
    with pytest.raises(KkWrongLength) as caught:
        parse_kk("317401123456000")

    assert caught.value.length == 15
    assert caught.value.code == "kk_wrong_length"


@pytest.mark.parametrize("code", ["00", "20", "99"])
def test_a_family_card_number_with_an_unknown_province_is_rejected(code: str) -> None:
    with pytest.raises(KkUnknownProvince) as caught:
        parse_kk(f"{code}74011234560007")

    assert caught.value.province_code == code
    assert caught.value.code == "kk_unknown_province"


def test_a_family_card_number_with_regency_00_is_rejected() -> None:
    with pytest.raises(KkRegencyZero) as caught:
        parse_kk("3100011234560007")

    assert caught.value.code == "kk_regency_zero"
    assert isinstance(caught.value, KkError)
    assert isinstance(caught.value, DomainError)


# --- Property ---------------------------------------------------------------------------------------------


@given(
    province_code=st.sampled_from(sorted(PROVINCES)),
    regency=st.integers(min_value=1, max_value=99),
    district=st.integers(min_value=1, max_value=99),
    born=st.dates(min_value=date(1930, 1, 1), max_value=TODAY),
    gender=st.sampled_from(Gender),
    serial=st.integers(min_value=1, max_value=9999),
)
def test_a_nik_built_from_valid_parts_parses_back_to_the_same_parts(
    province_code: str, regency: int, district: int, born: date, gender: Gender, serial: int
) -> None:
    day = born.day + (40 if gender is Gender.FEMALE else 0)
    value = f"{province_code}{regency:02d}{district:02d}{day:02d}{born:%m}{born:%y}{serial:04d}"

    nik = parse_nik(value, today=TODAY)

    assert nik == Nik(
        value=value,
        province_code=province_code,
        regency_code=f"{province_code}{regency:02d}",
        district_code=f"{province_code}{regency:02d}{district:02d}",
        birth_date=born,
        gender=gender,
        serial=f"{serial:04d}",
    )
    assert parse_nik(value, today=TODAY, date_of_birth=born) == nik
