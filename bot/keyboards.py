"""Keyboards: every button text through gettext, every callback carrying ids only."""

from __future__ import annotations

from functools import lru_cache

from aiogram.filters.callback_data import CallbackData
from aiogram.types import (
    InlineKeyboardButton,
    InlineKeyboardMarkup,
    KeyboardButton,
    ReplyKeyboardMarkup,
)
from aiogram.utils.i18n import gettext as _


class Consent(CallbackData, prefix="consent"):
    agree: bool


class BirthDate(CallbackData, prefix="dob"):
    """The applicant confirms the birth date the NIK encodes (kept in the conversation state)."""

    confirm: bool


class Menu(CallbackData, prefix="menu"):
    item: str  # book | bookings | family | help | alerts | mydata | language


class Language(CallbackData, prefix="lang"):
    code: str


@lru_cache(maxsize=4096)
def tap(text: str, callback_data: str) -> InlineKeyboardButton:
    """A button that sends `callback_data`, built once for each text and data. A month's calendar is some forty
    buttons, and pydantic's checks of each were a third of showing one; the same button object may then sit in
    many keyboards, as nothing changes a button once built."""
    return InlineKeyboardButton(text=text, callback_data=callback_data)


def consent() -> InlineKeyboardMarkup:
    return InlineKeyboardMarkup(
        inline_keyboard=[
            [InlineKeyboardButton(text=_("✅ I agree"), callback_data=Consent(agree=True).pack())],
            [InlineKeyboardButton(text=_("Not now"), callback_data=Consent(agree=False).pack())],
        ]
    )


def birth_date(label: str) -> InlineKeyboardMarkup:
    return InlineKeyboardMarkup(
        inline_keyboard=[[InlineKeyboardButton(text=label, callback_data=BirthDate(confirm=True).pack())]]
    )


def share_contact() -> ReplyKeyboardMarkup:
    return ReplyKeyboardMarkup(
        keyboard=[[KeyboardButton(text=_("📱 Share my phone number"), request_contact=True)]],
        resize_keyboard=True,
        one_time_keyboard=True,
    )


def main_menu() -> InlineKeyboardMarkup:
    rows = [
        (_("📅 Book a queue slot"), "book"),
        (_("🧾 My bookings"), "bookings"),
        (_("👨‍👩‍👧 Family members"), "family"),
        (_("❓ Help and FAQ"), "help"),
        (_("🔔 Quota-opening alerts"), "alerts"),
        (_("🔐 My data"), "mydata"),
        (_("🌐 Language"), "language"),
    ]
    return InlineKeyboardMarkup(
        inline_keyboard=[[InlineKeyboardButton(text=t, callback_data=Menu(item=i).pack())] for t, i in rows]
    )


def languages() -> InlineKeyboardMarkup:
    return InlineKeyboardMarkup(
        inline_keyboard=[
            [
                InlineKeyboardButton(text="Bahasa Indonesia", callback_data=Language(code="id").pack()),
                InlineKeyboardButton(text="English", callback_data=Language(code="en").pack()),
            ]
        ]
    )


def rows(buttons: list[InlineKeyboardButton], width: int) -> list[list[InlineKeyboardButton]]:
    return [buttons[i : i + width] for i in range(0, len(buttons), width)]


class AddMember(CallbackData, prefix="addm"):
    back_to: str  # family | party


# Quota-opening alerts (bot/handlers/alerts.py): on the calendar, the alerts list and the alerts themselves.
class Follow(CallbackData, prefix="follow"):
    """Alerts for this office; from its calendar, or from the list of offices found."""

    office_id: int
    back: str = "alert"  # alert: say so in the tap's alert | list: show the list of followed offices


class Unfollow(CallbackData, prefix="unfollow"):
    office_id: int
    back: str = "alert"


class AddFollow(CallbackData, prefix="addfollow"):
    pass


class BookAt(CallbackData, prefix="bookat"):
    """An opening alert's button: book at this office, on this date."""

    office_id: int
    yyyymmdd: int


class WaitAnswer(CallbackData, prefix="wait"):
    """An offer's buttons: take the places held for the waiting party, or say no and leave the list."""

    entry_id: int
    yes: bool


class BookAgain(CallbackData, prefix="again"):
    """A closure notice's button: the same people at the same office, from the calendar."""

    booking_id: int
