"""The question of every state of the conversation: one table, used to ask a step and to ask it again."""

from __future__ import annotations

from aiogram.fsm.context import FSMContext
from aiogram.types import Message
from aiogram.utils.i18n import gettext as _

from bot import keyboards
from bot.handlers import alerts, booking, family, helpdesk, registration
from bot.handlers.parts import Ask
from core.runtime import Runtime
from core.services.accounts import AccountView

PROMPTS: dict[str | None, Ask] = {
    **registration.PROMPTS,
    **family.PROMPTS,
    **booking.PROMPTS,
    **alerts.PROMPTS,
    **helpdesk.PROMPTS,
}


async def ask(message: Message, state: FSMContext, account: AccountView | None, runtime: Runtime) -> bool:
    """Ask the current state's question as a new message; False when no step is open."""
    current = await state.get_state()
    question = PROMPTS.get(current) if current else None
    if question is None:
        return False
    await question(message, state, account, runtime)
    return True


async def reprompt(message: Message, state: FSMContext, account: AccountView | None, runtime: Runtime) -> bool:
    """Input the current step cannot use: say so and ask its question again; False when no step is open."""
    if await state.get_state() not in PROMPTS:
        return False
    await message.answer(_("That is not what this step needs."))
    return await ask(message, state, account, runtime)


async def ask_or_menu(message: Message, state: FSMContext, account: AccountView | None, runtime: Runtime) -> None:
    """The open step's question again, as a new message; with none open, the menu (or how to begin)."""
    if await ask(message, state, account, runtime):
        return
    if account is None:
        await message.answer(_("Send /start to begin."))
    else:
        await message.answer(_("Choose from the menu:"), reply_markup=keyboards.main_menu())
