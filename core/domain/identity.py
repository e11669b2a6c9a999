"""Indonesian identity numbers: the NIK (e-KTP) and the family card (KK) number."""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date
from enum import StrEnum
from types import MappingProxyType

from core.domain.errors import DomainError

NUMBER_LENGTH = 16
_ASCII_DIGITS = frozenset("0123456789")
# Separators people type between digit groups; phone keyboards often swap "-" for a Unicode dash.
_SEPARATORS = frozenset(".-\u2010\u2011\u2012\u2013\u2014\u2015\u2212")
# Female NIKs add this to the day of birth.
_FEMALE_DAY_OFFSET = 40


class Gender(StrEnum):
    """Gender as encoded in a NIK."""

    MALE = "male"
    FEMALE = "female"


PROVINCES: Mapping[str, str] = MappingProxyType(
    {
        "11": "Aceh",
        "12": "Sumatera Utara",
        "13": "Sumatera Barat",
        "14": "Riau",
        "15": "Jambi",
        "16": "Sumatera Selatan",
        "17": "Bengkulu",
        "18": "Lampung",
        "19": "Kepulauan Bangka Belitung",
        "21": "Kepulauan Riau",
        "31": "DKI Jakarta",
        "32": "Jawa Barat",
        "33": "Jawa Tengah",
        "34": "Daerah Istimewa Yogyakarta",
        "35": "Jawa Timur",
        "36": "Banten",
        "51": "Bali",
        "52": "Nusa Tenggara Barat",
        "53": "Nusa Tenggara Timur",
        "61": "Kalimantan Barat",
        "62": "Kalimantan Tengah",
        "63": "Kalimantan Selatan",
        "64": "Kalimantan Timur",
        "65": "Kalimantan Utara",
        "71": "Sulawesi Utara",
        "72": "Sulawesi Tengah",
        "73": "Sulawesi Selatan",
        "74": "Sulawesi Tenggara",
        "75": "Gorontalo",
        "76": "Sulawesi Barat",
        "81": "Maluku",
        "82": "Maluku Utara",
        "91": "Papua",
        "92": "Papua Barat",
        "93": "Papua Selatan",
        "94": "Papua Tengah",
        "95": "Papua Pegunungan",
        "96": "Papua Barat Daya",
    }
)


# --- Errors -----------------------------------------------------------------------------------------------
# Details never contain the full number: exception messages end up in logs.


class NikError(DomainError):
    """A NIK that cannot be accepted; subclasses say which part is wrong."""

    code = "nik_error"


class NikNotDigits(NikError):
    """The NIK contains characters other than digits and separators."""

    code = "nik_not_digits"

    def __init__(self, positions: tuple[int, ...]) -> None:
        self.positions = positions
        super().__init__(f"non-digit characters at positions {', '.join(map(str, positions))}")


class NikWrongLength(NikError):
    """The NIK does not have 16 digits."""

    code = "nik_wrong_length"

    def __init__(self, length: int) -> None:
        self.length = length
        super().__init__(f"{length} digits instead of {NUMBER_LENGTH}")


class NikUnknownProvince(NikError):
    """Digits 1-2 of the NIK are not a province code."""

    code = "nik_unknown_province"

    def __init__(self, province_code: str) -> None:
        self.province_code = province_code
        super().__init__(f"unknown province code {province_code}")


class NikRegencyZero(NikError):
    """Digits 3-4 of the NIK (regency/city) are 00."""

    code = "nik_regency_zero"

    def __init__(self) -> None:
        super().__init__("regency/city code (digits 3-4) is 00")


class NikDistrictZero(NikError):
    """Digits 5-6 of the NIK (district) are 00."""

    code = "nik_district_zero"

    def __init__(self) -> None:
        super().__init__("district code (digits 5-6) is 00")


class NikInvalidBirthDate(NikError):
    """Digits 7-12 of the NIK are not a real date of birth."""

    code = "nik_invalid_birth_date"

    def __init__(self, digits: str) -> None:
        self.digits = digits
        super().__init__(f"digits 7-12 ({digits}) are not a valid DDMMYY date")


class NikSerialZero(NikError):
    """Digits 13-16 of the NIK (serial) are 0000."""

    code = "nik_serial_zero"

    def __init__(self) -> None:
        super().__init__("serial number (digits 13-16) is 0000")


class NikBirthDateMismatch(NikError):
    """The date of birth entered differs from the one the NIK encodes."""

    code = "nik_birth_date_mismatch"

    def __init__(self, encoded: date, entered: date) -> None:
        self.encoded = encoded
        self.entered = entered
        super().__init__(f"NIK encodes {encoded.isoformat()}, entered {entered.isoformat()}")


class BirthDateInFuture(DomainError):
    """The date of birth entered lies after today."""

    code = "birth_date_in_future"

    def __init__(self, entered: date) -> None:
        self.entered = entered
        super().__init__(f"date of birth {entered.isoformat()} is in the future")


class KkError(DomainError):
    """A family card number that cannot be accepted; subclasses say which part is wrong."""

    code = "kk_error"


class KkNotDigits(KkError):
    """The KK number contains characters other than digits and separators."""

    code = "kk_not_digits"

    def __init__(self, positions: tuple[int, ...]) -> None:
        self.positions = positions
        super().__init__(f"non-digit characters at positions {', '.join(map(str, positions))}")


class KkWrongLength(KkError):
    """The KK number does not have 16 digits."""

    code = "kk_wrong_length"

    def __init__(self, length: int) -> None:
        self.length = length
        super().__init__(f"{length} digits instead of {NUMBER_LENGTH}")


class KkUnknownProvince(KkError):
    """Digits 1-2 of the KK number are not a province code."""

    code = "kk_unknown_province"

    def __init__(self, province_code: str) -> None:
        self.province_code = province_code
        super().__init__(f"unknown province code {province_code}")


class KkRegencyZero(KkError):
    """Digits 3-4 of the KK number (regency/city) are 00."""

    code = "kk_regency_zero"

    def __init__(self) -> None:
        super().__init__("regency/city code (digits 3-4) is 00")


# --- Values -----------------------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class Nik:
    """A NIK that passed every check; build it with `parse_nik`."""

    value: str
    province_code: str
    regency_code: str
    district_code: str
    birth_date: date
    gender: Gender
    serial: str

    @property
    def province_name(self) -> str:
        """Indonesian name of the province in digits 1-2."""
        return PROVINCES[self.province_code]

    def masked(self) -> str:
        """The NIK with all but the first four and last four digits hidden."""
        return mask_number(self.value)

    def __repr__(self) -> str:
        # A NIK is personal data: keep it and the birth date out of logs and tracebacks.
        return f"Nik({self.masked()!r})"


@dataclass(frozen=True, slots=True)
class FamilyCardNumber:
    """A family card (KK) number that passed every check; build it with `parse_kk`."""

    value: str
    province_code: str

    def masked(self) -> str:
        """The KK number with all but the first four and last four digits hidden."""
        return mask_number(self.value)

    def __repr__(self) -> str:
        # Personal data, as for Nik.
        return f"FamilyCardNumber({self.masked()!r})"


# --- Parsing ----------------------------------------------------------------------------------------------


def normalize_digits(raw: str) -> str:
    """Remove whitespace, dots and hyphens typed between digit groups; keep every other character."""
    return "".join(ch for ch in raw if not ch.isspace() and ch not in _SEPARATORS)


# A NIK or family-card number inside free text, as people type it: 16 digits, maybe in groups split by spaces,
# dots or hyphens ("3174 0141 0790 0001").
_NUMBER_IN_TEXT = re.compile(r"(?<![\d])\d(?:[ .\-]?\d){15}(?![\d])")


def holds_a_number(text: str) -> bool:
    """Whether free text holds a NIK or family-card number (16 digits, however grouped)."""
    return _NUMBER_IN_TEXT.search(text) is not None


def mask_numbers_in(text: str) -> str:
    """Free text with every NIK or family-card number in it masked as everywhere else (first four, last four)."""
    return _NUMBER_IN_TEXT.sub(lambda m: mask_number(normalize_digits(m.group(0))), text)


def mask_number(digits: str) -> str:
    """Show only the first four and last four characters; too short to spare eight, hide all."""
    if len(digits) < 9:
        return "*" * len(digits)
    return digits[:4] + "*" * (len(digits) - 8) + digits[-4:]


def _non_digit_positions(digits: str) -> tuple[int, ...]:
    # ASCII only: str.isdigit() would accept Arabic-Indic or superscript digits.
    return tuple(i for i, ch in enumerate(digits, start=1) if ch not in _ASCII_DIGITS)


def _decode_birth_date(digits: str, today: date) -> tuple[date, Gender]:
    """Date and gender from a NIK's DDMMYY digits, choosing the century that is not in the future."""
    day, month, yy = int(digits[0:2]), int(digits[2:4]), int(digits[4:6])
    gender = Gender.MALE
    if day > _FEMALE_DAY_OFFSET:
        day -= _FEMALE_DAY_OFFSET
        gender = Gender.FEMALE
    # Raw days 32-40 land here as 32-40 and are rejected by date(); raw 72+ become 32+.
    try:
        born = date(2000 + yy, month, day)
    except ValueError:
        raise NikInvalidBirthDate(digits) from None
    if born > today:
        try:
            born = date(1900 + yy, month, day)
        except ValueError:
            # Only 29 February of "00": a leap day in 2000 but not in 1900.
            raise NikInvalidBirthDate(digits) from None
    return born, gender


def parse_nik(raw: str, *, today: date, date_of_birth: date | None = None) -> Nik:
    """Check a NIK as typed and decode it; raise the first NikError found, in digit order."""
    value = normalize_digits(raw)
    if positions := _non_digit_positions(value):
        raise NikNotDigits(positions)
    if len(value) != NUMBER_LENGTH:
        raise NikWrongLength(len(value))
    province_code = value[0:2]
    if province_code not in PROVINCES:
        raise NikUnknownProvince(province_code)
    if value[2:4] == "00":
        raise NikRegencyZero()
    if value[4:6] == "00":
        raise NikDistrictZero()
    encoded, gender = _decode_birth_date(value[6:12], today)
    serial = value[12:16]
    if serial == "0000":
        raise NikSerialZero()

    birth_date = encoded
    if date_of_birth is not None:
        # Checked before the comparison: a future date would otherwise read as a mere mismatch.
        if date_of_birth > today:
            raise BirthDateInFuture(date_of_birth)
        # The NIK holds only two year digits, so the entered date settles the century (someone born 1925).
        same = (date_of_birth.day, date_of_birth.month, date_of_birth.year % 100) == (
            encoded.day,
            encoded.month,
            encoded.year % 100,
        )
        if not same:
            raise NikBirthDateMismatch(encoded=encoded, entered=date_of_birth)
        birth_date = date_of_birth

    return Nik(
        value=value,
        province_code=province_code,
        regency_code=value[0:4],
        district_code=value[0:6],
        birth_date=birth_date,
        gender=gender,
        serial=serial,
    )


def parse_kk(raw: str) -> FamilyCardNumber:
    """Check a family card number as typed; raise the first KkError found, in digit order."""
    value = normalize_digits(raw)
    if positions := _non_digit_positions(value):
        raise KkNotDigits(positions)
    if len(value) != NUMBER_LENGTH:
        raise KkWrongLength(len(value))
    province_code = value[0:2]
    if province_code not in PROVINCES:
        raise KkUnknownProvince(province_code)
    if value[2:4] == "00":
        raise KkRegencyZero()
    # Digits 5-16 (district, issue date, serial) vary too much in real cards to check further.
    return FamilyCardNumber(value=value, province_code=province_code)
