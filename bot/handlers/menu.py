"""The main menu, and the language choice."""

from __future__ import annotations

from aiogram import Router
from aiogram.filters import Command
from aiogram.types import CallbackQuery, Message
from aiogram.utils.i18n import get_i18n
from aiogram.utils.i18n import gettext as _

from bot import keyboards
from core.runtime import Runtime
from core.services import accounts
from core.services.accounts import AccountView


async def show_menu(message: Message, account: AccountView | None) -> None:
    """Shows the menu to a registered applicant."""
    if account is None:
        await message.answer(_("Send /start to begin."))
        return
    await message.answer(_("What would you like to do?"), reply_markup=keyboards.main_menu())


async def language_command(message: Message) -> None:
    """Offers the two languages."""
    await message.answer(_("Choose your language:"), reply_markup=keyboards.languages())


async def menu_item(query: CallbackQuery, callback_data: keyboards.Menu, account: AccountView | None) -> None:
    """Opens a menu item; the ones not built yet say so plainly."""
    assert isinstance(query.message, Message)
    if account is None:
        await query.answer(_("Send /start to begin."), show_alert=True)
        return
    if callback_data.item == "menu":
        await query.answer()
        await query.message.edit_text(_("What would you like to do?"), reply_markup=keyboards.main_menu())
        return
    if callback_data.item == "language":
        await query.answer()
        await query.message.edit_text(_("Choose your language:"), reply_markup=keyboards.languages())
        return
    await query.answer(_("This part of Antrean is not open yet."), show_alert=True)


async def choose_language(
    query: CallbackQuery, callback_data: keyboards.Language, account: AccountView | None, runtime: Runtime
) -> None:
    """Stores the language on the account and answers in it from now on."""
    assert isinstance(query.message, Message)
    i18n = get_i18n()
    if account is not None:
        await accounts.set_language(runtime.uow(), account.id, callback_data.code)
    with i18n.use_locale(callback_data.code):
        await query.answer()
        await query.message.edit_text(_("Language set. What would you like to do?"), reply_markup=keyboards.main_menu())


def router() -> Router:
    """A fresh router of this feature (a router belongs to one dispatcher)."""
    r = Router(name="menu")
    r.message.register(show_menu, Command("menu"))
    r.message.register(language_command, Command("language"))
    r.callback_query.register(menu_item, keyboards.Menu.filter())
    r.callback_query.register(choose_language, keyboards.Language.filter())
    return r
