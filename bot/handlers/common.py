"""Leaving a step, and a kind answer to anything no step or menu expects."""

from __future__ import annotations

from aiogram import F, Router
from aiogram.fsm.context import FSMContext
from aiogram.types import CallbackQuery, Message
from aiogram.utils.i18n import gettext as _

from bot import keyboards
from bot.handlers.booking.slot import release_held
from bot.handlers.parts import forget
from bot.handlers.prompts import reprompt
from core.runtime import Runtime
from core.services.accounts import AccountView


async def leave(state: FSMContext, account: AccountView | None, runtime: Runtime) -> None:
    """Leaves whatever step is open: places held for a summary go back at once, and nothing of it is kept."""
    await release_held(state, account, runtime)
    await forget(state)


async def unexpected(message: Message, state: FSMContext, account: AccountView | None, runtime: Runtime) -> None:
    """Something the current step does not expect: ask its question again; with no step open, the menu."""
    if await reprompt(message, state, account, runtime):
        return
    if account is None:
        await message.answer(_("Send /start to begin."))
    else:
        await message.answer(_("Choose from the menu:"), reply_markup=keyboards.main_menu())


async def stale_button(query: CallbackQuery) -> None:
    """A button of an old message: answer it, so no spinner is left turning."""
    await query.answer(_("This button is no longer active. Please use the latest message."))


def fallbacks() -> Router:
    """A fresh router for what no other router took; it must come last."""
    r = Router(name="fallbacks")
    r.message.register(unexpected)
    r.callback_query.register(stale_button, F.data)
    return r
