"""Leaving a step, and a kind answer to anything no step or menu expects."""

from __future__ import annotations

from aiogram import F, Router
from aiogram.fsm.context import FSMContext
from aiogram.types import CallbackQuery, Message
from aiogram.utils.i18n import gettext as _

from bot import keyboards, texts
from bot.filters import Magic
from bot.handlers import faq, helpdesk
from bot.handlers.booking.slot import release_held
from bot.handlers.parts import forget
from bot.handlers.prompts import PROMPTS, ask, reprompt
from core.runtime import Runtime
from core.services.accounts import AccountView


async def leave(state: FSMContext, account: AccountView | None, runtime: Runtime) -> None:
    """Leaves whatever step is open: places held for a summary go back at once, and nothing of it is kept."""
    await release_held(state, account, runtime)
    await forget(state)


async def unexpected(message: Message, state: FSMContext, account: AccountView | None, runtime: Runtime) -> None:
    """Something no step expects. Words are taken as a question and answered from the help topics (in an open step,
    only a question a topic answers; the step stays open, one tap away); anything else (a sticker, a photo, a
    command no step has, a wrong answer to the step) asks the open step's question again, or shows the menu."""
    text = message.text or ""
    step_open = await state.get_state() is not None
    # A conversation with staff goes on: a reply goes to the ticket (and reopens a closed one, within days); other
    # words with no step open too, unless the help has them (a thanks, a question a topic answers), so that an
    # open ticket does not swallow every later question.
    is_reply = message.reply_to_message is not None
    words = bool(text.strip()) and not text.startswith("/")
    answer = await faq.ask(text, runtime) if words else None  # asked once, for the ticket's sake and the answer's
    for_staff = answer is not None and not step_open and (is_reply or not faq.answers_it(text, answer))
    if for_staff and await helpdesk.to_ticket(message, runtime, reply=is_reply):
        return
    if (
        answer is not None
        and any(c.isalpha() for c in text)
        and faq.takes_as_question(text, answer, step_open=step_open)
    ):
        await faq.answer_question(message, text, state, account, runtime, answer)
        return
    if await reprompt(message, state, account, runtime):
        return
    if account is None:
        await message.answer(_("Send /start to begin."))
    else:
        await message.answer(_("Choose from the menu:"), reply_markup=keyboards.main_menu())


# Buttons of the booking's steps (their CallbackData prefixes): with no booking open, the booking is over.
_BOOKING_PREFIXES = frozenset(
    {"office", "prov", "browse", "again", "member", "party", "kind", "who", "month", "day", "dates", "slot", "times"}
)


async def stale_button(query: CallbackQuery, state: FSMContext, account: AccountView | None, runtime: Runtime) -> None:
    """A button of an old message: says what became of it, and shows where the applicant is now."""
    current = await state.get_state()
    if current in PROMPTS and isinstance(query.message, Message):
        await query.answer(_("That button belongs to an earlier step; here is where you are now."), show_alert=True)
        await ask(query.message, state, account, runtime)
        return
    prefix = (query.data or "").partition(":")[0]
    if current is None and prefix in _BOOKING_PREFIXES:
        await query.answer(
            _(
                "That booking is no longer open: it was confirmed, stopped or left. "
                "To book, open the menu and tap 📅 Book a queue slot."
            ),
            show_alert=True,
        )
        return
    await query.answer(texts.stale_button())


def fallbacks() -> Router:
    """A fresh router for what no other router took; it must come last."""
    r = Router(name="fallbacks")
    r.message.register(unexpected)
    r.callback_query.register(stale_button, Magic(F.data))
    return r
