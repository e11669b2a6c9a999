"""Booking, a full date: the waiting list offered in its place, and joined in one tap.

Who waits is the party of the booking under way (its calendar step), at its office; the list offers freed places in
turn (core/services/waitlist.py). Answering an offer and leaving the list: bot/handlers/waitlist.py.
"""

from __future__ import annotations

from datetime import date, timedelta
from typing import Protocol

from aiogram import Router
from aiogram.filters import StateFilter
from aiogram.filters.callback_data import CallbackData
from aiogram.fsm.context import FSMContext
from aiogram.types import CallbackQuery, InlineKeyboardMarkup, Message
from aiogram.utils.i18n import gettext as _

from bot import keyboards as kb
from bot import texts
from bot.handlers.booking import calendar
from bot.handlers.booking.shared import office_of
from bot.handlers.parts import forget, message_of, on_tap
from bot.states import Booking
from core.domain.waitlist import OFFER_MINUTES, offer_hold
from core.runtime import Runtime
from core.services import waitlist
from core.services.accounts import AccountView

RANGE_DAYS = 7  # "any date this week": the second choice when a date is full


class WaitJoin(CallbackData, prefix="wj"):
    office_id: int  # the office and the party size the screen named: an old screen's tap is told so
    party: int
    first: int  # yyyymmdd
    last: int


def _code(day: date) -> int:
    return int(day.strftime("%Y%m%d"))


def dates(first: date, last: date) -> str:
    """The dates waited for, as a person says them."""
    if first == last:
        return texts.long_date(first)
    return _("{first} to {last}").format(first=texts.short_date(first), last=texts.short_date(last))


async def may_wait(state: FSMContext, runtime: Runtime, day: date) -> bool:
    """Whether an offer could still be made for `day`: else a full date is only explained, as before."""
    office = await office_of(runtime, (await state.get_data())["office_id"])
    return office is not None and offer_hold(office, day, runtime.clock.now()) is not None


async def offer_to_wait(message: Message, state: FSMContext, runtime: Runtime, day: date) -> None:
    """A full date: what waiting means, and the dates to wait for, in place of the calendar (still its step)."""
    data = await state.get_data()
    n = len(data["party"])
    week = day + timedelta(days=RANGE_DAYS - 1)
    text = _(
        "{day} is full for {n} applicant(s).\n\n"
        "Join the waiting list? When places come free at {office}, we offer them to the families waiting, in the "
        "order they joined; a family too big for the places keeps its turn for the next ones. When your turn comes "
        "the places are held for you for up to {minutes} minutes, and a message asks you to confirm."
    ).format(day=texts.long_date(day), n=n, office=data["office_name"], minutes=OFFER_MINUTES)
    office_id = data["office_id"]
    rows = [
        [
            kb.tap(
                _("🕒 Wait for {day}").format(day=texts.short_date(day)),
                WaitJoin(office_id=office_id, party=n, first=_code(day), last=_code(day)).pack(),
            )
        ],
        [
            kb.tap(
                _("🕒 Wait for any date {dates}").format(dates=dates(day, week)),
                WaitJoin(office_id=office_id, party=n, first=_code(day), last=_code(week)).pack(),
            )
        ],
        [kb.tap(_("◀ Back to the calendar"), calendar.Month(year=day.year, month=day.month).pack())],
    ]
    await message.edit_text(text, reply_markup=InlineKeyboardMarkup(inline_keyboard=rows))


class DatesTap(Protocol):
    """A tap that names an office, the party's size its screen was shown for, and a range of dates."""

    office_id: int
    party: int
    first: int
    last: int


async def chosen_dates(
    query: CallbackQuery, tap: DatesTap, state: FSMContext, account: AccountView | None
) -> tuple[date, date, list[int], list[str]] | None:
    """The dates a tap chose, with the party of the booking under way and its application types; None (and the
    user told why) when the tap is from an older screen: another office or party since, or data we never made."""
    first, last = calendar.valid_day(tap.first), calendar.valid_day(tap.last)
    data = await state.get_data()
    if account is None or first is None or last is None or "party" not in data:
        await query.answer(texts.stale_button(), show_alert=True)
        return None
    if data["office_id"] != tap.office_id or len(data["party"]) != tap.party:
        await query.answer(
            _("Your booking has changed since; choose the date again on this calendar."), show_alert=True
        )
        return None
    party: list[int] = data["party"]
    return first, last, party, [data["kinds"].get(str(a), "new") for a in party]


async def join(
    query: CallbackQuery, callback_data: WaitJoin, state: FSMContext, account: AccountView | None, runtime: Runtime
) -> None:
    """Puts the party on the office's waiting list for the dates chosen; its number in line, and the way out."""
    chosen = await chosen_dates(query, callback_data, state, account)
    if chosen is None or account is None:
        return
    first, last, party, kinds = chosen
    now = runtime.clock.now()
    joined = await on_tap(
        query, waitlist.join(runtime.uow(), account.id, callback_data.office_id, party, kinds, first, last, now)
    )
    if joined is None:
        return
    await forget(state)
    await message_of(query).edit_text(
        _(
            "🕒 You are on the waiting list at {office}: number {position}, for {dates}, {n} applicant(s).\n"
            "We will message you when places come free. You can leave the list in My bookings."
        ).format(office=joined.office.name, position=joined.position, dates=dates(first, last), n=len(party)),
        reply_markup=kb.main_menu(),
    )


def router() -> Router:
    """A fresh router of this step (a router belongs to one dispatcher)."""
    r = Router(name="booking.wait")
    r.callback_query.register(join, StateFilter(Booking.calendar), WaitJoin.filter())
    return r
