"""The commands, which work in every state and come before any step's own handlers.

/start and /menu (and /cancel) leave the open step; /help, /language and /mydata answer beside it, so the
step can be taken up again where it was.
"""

from __future__ import annotations

from aiogram import F, Router
from aiogram.filters import Command, CommandObject, CommandStart
from aiogram.fsm.context import FSMContext
from aiogram.types import Message, ReplyKeyboardRemove
from aiogram.utils.i18n import gettext as _

from bot import keyboards
from bot.filters import Magic
from bot.handlers import faq, menu, my_data, registration
from bot.handlers.common import leave, unexpected
from core.runtime import Runtime
from core.services.accounts import AccountView


async def start(message: Message, state: FSMContext, account: AccountView | None, runtime: Runtime) -> None:
    """Leaves any step; greets, with the menu or the consent question."""
    await leave(state, account, runtime)
    await registration.start(message, state, account, runtime)


async def cancel(message: Message, state: FSMContext, account: AccountView | None, runtime: Runtime) -> None:
    """Leaves whatever step the applicant is in; keeps nothing of it, and shows the menu."""
    await leave(state, account, runtime)
    if account is None:
        await message.answer(_("Stopped. Send /start whenever you are ready."), reply_markup=ReplyKeyboardRemove())
        return
    await message.answer(_("Stopped. What would you like to do?"), reply_markup=keyboards.main_menu())


async def show_menu(message: Message, state: FSMContext, account: AccountView | None, runtime: Runtime) -> None:
    """Leaves any step and shows the menu."""
    await leave(state, account, runtime)
    await menu.show_menu(message, account)


async def show_help(
    message: Message, command: CommandObject, state: FSMContext, account: AccountView | None, runtime: Runtime
) -> None:
    """`/help`: every topic; `/help <question>`: its answer. A new message either way; an open step stays open."""
    if command.args and command.args.strip():
        await faq.answer_question(message, command.args.strip(), state, account, runtime)
        return
    await faq.questions_screen(await runtime.help.library()).send(message)


def router() -> Router:
    """A fresh router of the commands; it must come before every feature's router."""
    r = Router(name="commands")
    r.message.register(start, CommandStart())
    r.message.register(cancel, Command("cancel"))
    r.message.register(show_menu, Command("menu"))
    r.message.register(menu.offer_languages, Command("language"))
    r.message.register(show_help, Command("help"))
    r.message.register(my_data.show_command, Command("mydata"))
    # Any other command is no step's answer (not a name, a NIK nor a place): the step's question again.
    r.message.register(unexpected, Magic(F.text.regexp(r"^/[A-Za-z0-9_]{1,32}(@\w+)?(\s|$)")))
    return r
