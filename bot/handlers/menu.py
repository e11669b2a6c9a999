"""The main menu, and the language choice."""

from __future__ import annotations

from aiogram import Router
from aiogram.fsm.context import FSMContext
from aiogram.types import CallbackQuery, Message, ReplyKeyboardRemove
from aiogram.utils.i18n import get_i18n
from aiogram.utils.i18n import gettext as _

from bot import keyboards
from bot.handlers.common import leave
from bot.handlers.parts import message_of
from bot.handlers.prompts import PROMPTS, ask
from core.runtime import Runtime
from core.services import accounts
from core.services.accounts import AccountView


async def show_menu(message: Message, account: AccountView | None) -> None:
    """Shows the menu to a registered applicant; anyone else is told how to begin."""
    if account is None:
        await message.answer(_("Send /start to begin."), reply_markup=ReplyKeyboardRemove())
        return
    await message.answer(_("What would you like to do?"), reply_markup=keyboards.main_menu())


async def offer_languages(message: Message) -> None:
    """Offers the two languages (any open step stays open)."""
    await message.answer(_("Choose your language:"), reply_markup=keyboards.languages())


async def menu_item(
    query: CallbackQuery,
    callback_data: keyboards.Menu,
    state: FSMContext,
    account: AccountView | None,
    runtime: Runtime,
) -> None:
    """Opens a menu item; the ones not built yet say so plainly."""
    if account is None:
        await query.answer(_("Send /start to begin."), show_alert=True)
        return
    if callback_data.item == "menu":
        await query.answer()
        await leave(state, account, runtime)
        await message_of(query).edit_text(_("What would you like to do?"), reply_markup=keyboards.main_menu())
        return
    if callback_data.item == "language":
        await query.answer()
        await message_of(query).edit_text(_("Choose your language:"), reply_markup=keyboards.languages())
        return
    await query.answer(_("This part of Antrean is not open yet."), show_alert=True)


async def choose_language(
    query: CallbackQuery,
    callback_data: keyboards.Language,
    state: FSMContext,
    account: AccountView | None,
    runtime: Runtime,
) -> None:
    """Stores the language (on the account, or with the conversation before registering) and answers in it."""
    if account is not None:
        await accounts.set_language(runtime.uow(), account.id, callback_data.code)
    else:
        await state.update_data(language=callback_data.code)
    with get_i18n().use_locale(callback_data.code):
        await query.answer()
        if await state.get_state() in PROMPTS:  # a step is open: its question again, in the new language
            await message_of(query).edit_text(_("Language set."))
            await ask(message_of(query), state, account, runtime)
        elif account is None:
            await message_of(query).edit_text(_("Language set. Send /start to begin."))
        else:
            await message_of(query).edit_text(
                _("Language set. What would you like to do?"), reply_markup=keyboards.main_menu()
            )


def router() -> Router:
    """A fresh router of this feature (a router belongs to one dispatcher); /menu and /language are commands."""
    r = Router(name="menu")
    r.callback_query.register(menu_item, keyboards.Menu.filter())
    r.callback_query.register(choose_language, keyboards.Language.filter())
    return r
