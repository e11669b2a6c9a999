"""The bot's words for the engine's errors and values: every sentence through gettext, in the user's language."""

from __future__ import annotations

from datetime import date

from aiogram.utils.i18n import get_i18n
from aiogram.utils.i18n import gettext as _
from babel.dates import format_date

from core.domain import identity as idn
from core.domain.errors import DomainError
from core.services import accounts


def locale() -> str:
    return str(get_i18n().current_locale)


def long_date(day: date) -> str:
    """'Jumat, 27 November 2026' / 'Friday, 27 November 2026'."""
    return format_date(day, "EEEE, d MMMM y", locale=locale())


def _positions(positions: tuple[int, ...]) -> str:
    return ", ".join(str(p) for p in positions)


def explain(err: DomainError) -> str:
    """One clear sentence (or two) saying what is wrong and what to do."""
    if isinstance(err, idn.NikNotDigits):
        return _("A NIK has only digits. Character(s) at position {positions} are not digits.").format(
            positions=_positions(err.positions)
        )
    if isinstance(err, idn.NikWrongLength):
        return _("A NIK has 16 digits; you sent {n}. Please check it against your e-KTP.").format(n=err.length)
    if isinstance(err, idn.NikUnknownProvince):
        return _("Digits 1–2 of a NIK are the province code, and {code} is not one. Please check them.").format(
            code=err.province_code
        )
    if isinstance(err, idn.NikRegencyZero):
        return _("Digits 3–4 of a NIK are the regency or city code and cannot be 00. Please check them.")
    if isinstance(err, idn.NikDistrictZero):
        return _("Digits 5–6 of a NIK are the district code and cannot be 00. Please check them.")
    if isinstance(err, idn.NikInvalidBirthDate):
        return _(
            "Digits 7–12 of a NIK are the date of birth as DDMMYY (women add 40 to the day), "
            "and {digits} is not a date. Please check them."
        ).format(digits=err.digits)
    if isinstance(err, idn.NikSerialZero):
        return _("Digits 13–16 of a NIK are a serial number and cannot be 0000. Please check them.")
    if isinstance(err, idn.NikBirthDateMismatch):
        return _(
            "Your NIK encodes the date of birth {encoded}, not {entered}. Records do not always agree: "
            "enter the date as your NIK encodes it and have it corrected at the office, "
            "or contact the office for the manual route."
        ).format(encoded=long_date(err.encoded), entered=long_date(err.entered))
    if isinstance(err, idn.BirthDateInFuture):
        return _("{day} has not come yet. Please send the date of birth again.").format(day=long_date(err.entered))
    if isinstance(err, idn.KkNotDigits):
        return _("A family-card number has only digits. Character(s) at position {positions} are not digits.").format(
            positions=_positions(err.positions)
        )
    if isinstance(err, idn.KkWrongLength):
        return _("A family-card number has 16 digits; you sent {n}.").format(n=err.length)
    if isinstance(err, idn.KkUnknownProvince):
        return _("Digits 1–2 of a family-card number are the province code, and {code} is not one.").format(
            code=err.province_code
        )
    if isinstance(err, idn.KkRegencyZero):
        return _("Digits 3–4 of a family-card number are the regency or city code and cannot be 00.")
    if isinstance(err, accounts.InvalidName):
        return _("Please send the full name exactly as on the e-KTP: letters and spaces, 2 to 100 characters.")
    if isinstance(err, accounts.AlreadyRegistered):
        return _("This Telegram account is already registered.")
    if isinstance(err, accounts.NikOwnsAnotherAccount):
        return _(
            "This NIK already owns another account. One NIK owns one account; "
            "if that account is not yours, please ask for help at the office."
        )
    return _("That did not work ({code}). Please try again.").format(code=err.code)
