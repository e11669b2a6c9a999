"""Help: the questions applicants ask most, answered in the chat, one message edited in place.

A free-text question matched to the closest answers, and the way to a person when none helps, come with
the help-desk work; until then the last answer says where to ask.
"""

from __future__ import annotations

from typing import Any

from aiogram import F, Router
from aiogram.filters.callback_data import CallbackData
from aiogram.types import CallbackQuery, InlineKeyboardButton, InlineKeyboardMarkup
from aiogram.utils.i18n import gettext as _
from aiogram.utils.i18n import lazy_gettext as __

from bot import keyboards as kb
from bot.handlers.parts import Screen, message_of


class Faq(CallbackData, prefix="faq"):
    index: int


# (question, answer): lazily translated, so each reader gets their own language.
FAQ: tuple[tuple[Any, Any], ...] = (
    (
        __("How does booking work?"),
        __(
            "Tap Book, pick the office near where you live, choose who comes (up to 5 people on one family card, "
            "you first), then a free date and an arrival time. Check the summary and confirm: you get a booking "
            "code and a PDF proof here in the chat."
        ),
    ),
    (
        __("When does new quota open?"),
        __(
            "Every Friday from 14:00 until Sunday 16:00, in the office's own time zone (WIB, WITA or WIT), at all "
            "offices at once. On the calendar, ⏳ marks dates that are not released yet."
        ),
    ),
    (
        __("Why is my NIK refused?"),
        __(
            "A NIK has 16 digits: the region, the date of birth (40 is added to the day for women) and a serial "
            "number. The bot says which part does not fit. Compare it with your e-KTP or family card; if the "
            "printed number itself is wrong, the civil registry (Dukcapil) must correct it."
        ),
    ),
    (
        __("Why can I not book again?"),
        __(
            "After a booking, your account can book again 30 days after the arrival date, whether you came, "
            "missed it or cancelled. Meanwhile a relative on the same family card with an account of their own "
            "can book and add you as one of their applicants."
        ),
    ),
    (
        __("How do I cancel?"),
        __(
            "Open My bookings, choose the booking and tap Cancel. You can cancel until the end of the day two "
            "days before the arrival date. The 30-day wait still applies after a cancellation."
        ),
    ),
    (
        __("What should I bring?"),
        __(
            "The proof (printed or on your phone), and originals. An adult (17 or older, or married): the e-KTP "
            "and the family card. A child under 17: the birth certificate (or baptism certificate), the family "
            "card, both parents' e-KTP, the parents' marriage certificate and passports; both parents come along "
            "(or one, with the other's signed consent, or the guardian a court named). A replacement also brings "
            "the old passport, and anyone whose name has changed the official decision. The summary and the proof "
            "list each applicant's papers. Staff turn away anyone whose papers differ from the booking."
        ),
    ),
    (
        __("What do you keep about me, and can I delete it?"),
        __(
            "What the booking needs: the names, NIKs (encrypted), dates of birth, the family card and the phone "
            "number you gave, and your bookings. Open 🔐 My data in the menu, or send /mydata, to see all of it "
            "with the numbers masked and to delete your account. A booking still to come keeps its applicants' "
            "names until its day, for the office's list; past bookings keep them for a set time (My data says "
            "how long), then only counts remain."
        ),
    ),
)


def questions_screen() -> Screen:
    """The common questions, one button each, and the way back to the menu."""
    rows = [
        [InlineKeyboardButton(text=str(question), callback_data=Faq(index=i).pack())]
        for i, (question, _answer) in enumerate(FAQ)
    ]
    rows.append([InlineKeyboardButton(text=_("◀ Menu"), callback_data=kb.Menu(item="menu").pack())])
    return Screen(_("Help: choose a question."), InlineKeyboardMarkup(inline_keyboard=rows))


async def show_questions(query: CallbackQuery) -> None:
    """Menu → help: the common questions."""
    await query.answer()
    await questions_screen().edit(message_of(query))


async def show_answer(query: CallbackQuery, callback_data: Faq) -> None:
    """One answer, with the way back to the questions or the menu."""
    if not 0 <= callback_data.index < len(FAQ):  # an old list, from before the questions changed
        await query.answer(_("That question is no longer in the list; here it is as it stands."), show_alert=True)
        await questions_screen().edit(message_of(query))
        return
    await query.answer()
    question, answer = FAQ[callback_data.index]
    back = InlineKeyboardMarkup(
        inline_keyboard=[
            [InlineKeyboardButton(text=_("◀ Other questions"), callback_data=kb.Menu(item="help").pack())],
            [InlineKeyboardButton(text=_("◀ Menu"), callback_data=kb.Menu(item="menu").pack())],
        ]
    )
    await message_of(query).edit_text(f"❓ {question}\n\n{answer}", reply_markup=back)


def router() -> Router:
    """A fresh router of this feature (a router belongs to one dispatcher)."""
    r = Router(name="faq")
    r.callback_query.register(show_questions, kb.Menu.filter(F.item == "help"))
    r.callback_query.register(show_answer, Faq.filter())
    return r
