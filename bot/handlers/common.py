"""What works everywhere: /cancel, and a kind answer to anything unexpected."""

from __future__ import annotations

from aiogram import F, Router
from aiogram.filters import Command
from aiogram.fsm.context import FSMContext
from aiogram.types import CallbackQuery, Message, ReplyKeyboardRemove
from aiogram.utils.i18n import gettext as _

from bot import keyboards
from bot.handlers.prompts import reprompt
from core.services.accounts import AccountView


async def cancel(message: Message, state: FSMContext, account: AccountView | None) -> None:
    """Leave whatever flow the applicant is in; keep nothing of it, and show the menu."""
    await state.clear()
    if account is None:
        await message.answer(_("Stopped. Send /start whenever you are ready."), reply_markup=ReplyKeyboardRemove())
        return
    await message.answer(_("Stopped. What would you like to do?"), reply_markup=keyboards.main_menu())


async def unexpected(message: Message, state: FSMContext, account: AccountView | None) -> None:
    """Something the current step does not expect: ask its question again, saying what is expected."""
    if await reprompt(message, state):
        return
    if account is None:
        await message.answer(_("Send /start to begin."))
    else:
        await message.answer(_("Choose from the menu:"), reply_markup=keyboards.main_menu())


async def stale_button(query: CallbackQuery) -> None:
    """A button of an old message: answer it, so no spinner is left turning."""
    await query.answer(_("This button is no longer active. Please use the latest message."))


def router() -> Router:
    """A fresh router of this feature (a router belongs to one dispatcher)."""
    r = Router(name="common")
    r.message.register(cancel, Command("cancel"))
    return r


def fallbacks() -> Router:
    """A fresh router for what no other router took; it must come last."""
    r = Router(name="fallbacks")
    r.message.register(unexpected)
    r.callback_query.register(stale_button, F.data)
    return r
