"""Quota-opening alerts: follow an office (from the menu, or from its calendar), list, stop; and the alert's button.

The alerts themselves go out through the outbox (bot/courier.py); their "book" button lands here.
"""

from __future__ import annotations

from datetime import date

from aiogram import F, Router
from aiogram.filters import StateFilter
from aiogram.fsm.context import FSMContext
from aiogram.types import CallbackQuery, InlineKeyboardButton, InlineKeyboardMarkup, Message
from aiogram.utils.i18n import gettext as _

from bot import keyboards as kb
from bot import texts
from bot.filters import Magic
from bot.handlers.booking import start_at
from bot.handlers.booking.office import office_label
from bot.handlers.parts import Screen, forget, message_of, on_tap
from bot.keyboards import AddFollow, BookAt, Follow, Unfollow
from bot.states import Alerts
from core.domain.offices import Office
from core.runtime import Runtime
from core.services import announcements
from core.services.accounts import AccountView

MAX_RESULTS = 8
MIN_QUERY = 3


async def alerts_screen(chat_id: int, runtime: Runtime) -> Screen:
    """The offices this chat follows, each with its stop button, and a way to add one."""
    mine = await announcements.subscriptions_of(runtime.reader(), chat_id)
    rows: list[list[InlineKeyboardButton]] = []
    if mine:
        names = "\n".join(f"• {s.office_name}" for s in mine)
        text = _(
            "You get a message when quota opens at:\n{offices}\n\n"
            "Each opening is announced shortly before, then at the moment itself. Tap an office to stop."
        ).format(offices=names)
        for s in mine:
            rows.append(
                [
                    InlineKeyboardButton(
                        text=_("🔕 {office}").format(office=texts.excerpt(s.office_name, 40)),
                        callback_data=Unfollow(office_id=s.office_id, back="list").pack(),
                    )
                ]
            )
    else:
        text = _(
            "Get a message when an office opens new quota: a notice shortly before, then one at the moment it "
            "opens, with a button to book."
        )
    rows.append([InlineKeyboardButton(text=_("➕ Follow an office"), callback_data=AddFollow().pack())])
    rows.append([InlineKeyboardButton(text=_("◀ Menu"), callback_data=kb.Menu(item="menu").pack())])
    return Screen(text, InlineKeyboardMarkup(inline_keyboard=rows))


def _office_choice(found: list[Office]) -> InlineKeyboardMarkup:
    rows = [
        [InlineKeyboardButton(text=office_label(o), callback_data=Follow(office_id=o.id or 0, back="list").pack())]
        for o in found[:MAX_RESULTS]
    ]
    rows.append([InlineKeyboardButton(text=_("◀ Back"), callback_data=kb.Menu(item="alerts").pack())])
    return InlineKeyboardMarkup(inline_keyboard=rows)


async def show(query: CallbackQuery, state: FSMContext, account: AccountView | None, runtime: Runtime) -> None:
    """Menu → alerts."""
    await query.answer()
    if account is None:
        return
    await forget(state)
    await (await alerts_screen(query.from_user.id, runtime)).edit(message_of(query))


async def add(query: CallbackQuery, state: FSMContext, account: AccountView | None, runtime: Runtime) -> None:
    """The offices of the family card's province, and typing a city for any other."""
    await query.answer()
    if account is None:
        return
    await state.set_state(Alerts.office)
    await (await office_question(account, runtime)).edit(message_of(query))


async def office_question(account: AccountView, runtime: Runtime) -> Screen:
    nearby = await runtime.directory.in_province(account.home_province) if account.home_province else []
    text = _("Which office? Type a city or province name.")
    if nearby:
        text = _("Which office? These are in {province}; for another, type a city or province name.").format(
            province=account.home_province
        )
    return Screen(text, _office_choice(nearby))


async def ask(message: Message, state: FSMContext, account: AccountView | None, runtime: Runtime) -> None:
    if account is not None:
        await (await office_question(account, runtime)).send(message)


async def search(message: Message, runtime: Runtime) -> None:
    query = " ".join((message.text or "").split())
    found = await runtime.directory.search(query) if MIN_QUERY <= len(query) <= 100 else []
    if not found:
        text = _("No office found for “{query}”. Try another city or province name.").format(query=texts.excerpt(query))
    else:
        text = _("Which office should send you its openings?")
    await message.answer(text, reply_markup=_office_choice(found))


async def follow(
    query: CallbackQuery, callback_data: Follow, state: FSMContext, account: AccountView | None, runtime: Runtime
) -> None:
    if account is None:
        await query.answer()
        return
    work = announcements.subscribe(
        runtime.uow(), query.from_user.id, callback_data.office_id, texts.locale(), runtime.clock.now()
    )
    office = await on_tap(query, work, quiet=True)
    if office is None:
        return
    said = _("You will get a message when {office} opens new quota, and another shortly before.").format(
        office=office.name
    )
    if callback_data.back == "list":
        await query.answer(said)
        await forget(state)
        await (await alerts_screen(query.from_user.id, runtime)).edit(message_of(query))
        return
    await query.answer(said + "\n" + _("To stop: menu → 🔔 Quota-opening alerts."), show_alert=True)


async def unfollow(
    query: CallbackQuery, callback_data: Unfollow, account: AccountView | None, runtime: Runtime
) -> None:
    removed = await announcements.unsubscribe(runtime.uow(), query.from_user.id, callback_data.office_id)
    office = await runtime.directory.by_id(callback_data.office_id)
    name = office.name if office is not None else ""
    said = (
        _("No more opening alerts from {office}.").format(office=name)
        if removed
        else _("You were not following {office}.").format(office=name)
    )
    if callback_data.back == "list" and account is not None:
        await query.answer(said)
        await (await alerts_screen(query.from_user.id, runtime)).edit(message_of(query))
        return
    await query.answer(said, show_alert=True)


async def book_at(
    query: CallbackQuery, callback_data: BookAt, state: FSMContext, account: AccountView | None, runtime: Runtime
) -> None:
    """An opening alert's button: the booking, at its office, on its first date (or who comes first)."""
    try:
        day = date(callback_data.yyyymmdd // 10000, callback_data.yyyymmdd // 100 % 100, callback_data.yyyymmdd % 100)
    except ValueError:
        await query.answer(texts.stale_button(), show_alert=True)
        return
    if account is None:
        await query.answer(_("Send /start to begin."), show_alert=True)
        return
    await start_at(query, state, account, runtime, callback_data.office_id, day)


def router() -> Router:
    r = Router(name="alerts")
    r.callback_query.register(show, kb.Menu.filter(F.item == "alerts"))
    r.callback_query.register(add, AddFollow.filter())
    r.message.register(search, StateFilter(Alerts.office), Magic(F.text))
    r.callback_query.register(follow, Follow.filter())
    r.callback_query.register(unfollow, Unfollow.filter())
    r.callback_query.register(book_at, BookAt.filter())
    return r


PROMPTS = {Alerts.office.state: ask}
