"""Asking a person: a question the help topics did not answer goes to support staff as a ticket, with what they
need to know (the account, the latest booking, where the applicant was in the conversation; NIKs masked), and
their answers come into this chat (core/services/helpdesk.py, through the outbox).

While a ticket is open or answered, the applicant's words (where no step expects them) go to it; a reply to the
message that closed it, within a few days, opens it again.
"""

from __future__ import annotations

import re
from typing import Any

from aiogram import F, Router
from aiogram.filters import StateFilter
from aiogram.filters.callback_data import CallbackData
from aiogram.fsm.context import FSMContext
from aiogram.types import CallbackQuery, InlineKeyboardButton, InlineKeyboardMarkup, Message
from aiogram.utils.i18n import gettext as _

from bot import keyboards as kb
from bot.filters import Magic
from bot.handlers.parts import Screen, message_of
from bot.states import Asking
from core.domain.helpdesk import MAX_TEXT
from core.runtime import Runtime
from core.services import helpdesk
from core.services.accounts import AccountView
from core.services.my_bookings import my_bookings

QUESTION_KEY = "faq_question"  # the last question typed, kept so that asking a person needs no retyping
RESUME_KEY = "resume_state"  # the step the applicant was in when they started writing to staff
_A_NIK = re.compile(r"(?<!\d)(\d{4})\d{8}(\d{4})(?!\d)")


class AskStaff(CallbackData, prefix="askstaff"):
    """Send the last question (or one to be typed) to support staff."""


def ask_staff_button() -> list[InlineKeyboardButton]:
    return [InlineKeyboardButton(text=_("🙋 Ask a person"), callback_data=AskStaff().pack())]


def masked(text: str) -> str:
    """A question as it may be kept: a NIK in it masked as everywhere else (first four and last four digits)."""
    return _A_NIK.sub(r"\1********\2", text)


async def remember_question(state: FSMContext, question: str) -> None:
    """The question just answered from the help topics, in case the answer did not help."""
    await state.update_data({QUESTION_KEY: masked(question)[:1000]})


async def forget_question(state: FSMContext) -> None:
    """The help list opened afresh: the question typed before is not the one a person would be asked."""
    if (await state.get_data()).get(QUESTION_KEY):
        await state.update_data({QUESTION_KEY: None})


async def _context(
    state: FSMContext, account: AccountView | None, runtime: Runtime
) -> tuple[dict[str, Any], int | None]:
    """What staff need to know to answer, and the office of the latest booking (the queue's filter)."""
    context: dict[str, Any] = {"step": await state.get_state()}
    office_id = None
    if account is not None:
        owner = next((a for a in account.applicants if a.is_owner), None)
        context["account"] = {
            "name": owner.full_name if owner else None,
            "nik": owner.nik_masked if owner else None,
            "family_card": account.kk_masked,
            "people_saved": len(account.applicants),
            "frozen_until": account.frozen_until.isoformat() if account.frozen_until else None,
        }
        made = await my_bookings(runtime.reader(), account.id, runtime.clock.now())
        if made:
            latest = made[0]
            office_id = latest.office.id
            context["booking"] = {
                "code": latest.code,
                "office": latest.office.code,
                "day": latest.day.isoformat(),
                "time": f"{latest.start:%H:%M}–{latest.end:%H:%M} {latest.office.zone_label}",
                "people": latest.party_size,
                "status": "cancelled_by_office" if latest.cancelled_by_office else latest.status.value,
            }
    return context, office_id


async def send_to_staff(
    message: Message, question: str, state: FSMContext, account: AccountView | None, runtime: Runtime
) -> None:
    """A new ticket with the question (or the question added to the open one), and the applicant told so."""
    context, office_id = await _context(state, account, runtime)
    language = account.language if account is not None else (await state.get_data()).get("language", "id")
    ticket = await helpdesk.escalate(
        runtime.uow(), message.chat.id, account.id if account else None, office_id, language, masked(question),
        context, runtime.clock.now(),
    )  # fmt: skip
    await state.update_data({QUESTION_KEY: None})
    await message.answer(
        _(
            "📨 Your question went to our staff as ticket #{ticket}. Their answer will come into this chat; "
            "anything you write here meanwhile is added to it."
        ).format(ticket=ticket.id)
    )


async def on_ask_staff(query: CallbackQuery, state: FSMContext, account: AccountView | None, runtime: Runtime) -> None:
    """ "Ask a person" under an answer: the last question goes to staff; with none, the applicant types it."""
    await query.answer()
    question = (await state.get_data()).get(QUESTION_KEY)
    if question:
        await send_to_staff(message_of(query), question, state, account, runtime)
        return
    await state.update_data({RESUME_KEY: await state.get_state()})
    await state.set_state(Asking.question)
    await ask_question(message_of(query), state, account, runtime)


async def ask_question(message: Message, state: FSMContext, account: AccountView | None, runtime: Runtime) -> None:
    """Asking.question's question."""
    back = InlineKeyboardButton(text=_("◀ Back"), callback_data=StopAsking().pack())
    await Screen(
        _("Write your question for our staff, in your own words:"), InlineKeyboardMarkup(inline_keyboard=[[back]])
    ).send(message)


class StopAsking(CallbackData, prefix="askstop"):
    """Leave Asking.question without writing."""


async def _resume(message: Message, state: FSMContext, account: AccountView | None, runtime: Runtime) -> None:
    """Back to the step the applicant was in before writing to staff (its question asked again), or the menu."""
    from bot.handlers.prompts import ask  # prompts lists every step's question, this one's too

    resume = (await state.get_data()).get(RESUME_KEY)
    await state.set_state(resume)
    await state.update_data({RESUME_KEY: None})
    if resume is None or not await ask(message, state, account, runtime):
        if account is None:
            await message.answer(_("Send /start to begin."))
        else:
            await message.answer(_("Choose from the menu:"), reply_markup=kb.main_menu())


async def question_typed(message: Message, state: FSMContext, account: AccountView | None, runtime: Runtime) -> None:
    """Asking.question: the words typed go to staff; then back to where the applicant was."""
    text = message.text or ""
    if len(text) > MAX_TEXT:
        await message.answer(
            _("That is too long for one message to staff: {n} characters at most. Please shorten it.").format(
                n=f"{MAX_TEXT:,}".replace(",", ".")
            )
        )
        return
    await send_to_staff(message, text, state, account, runtime)
    await _resume(message, state, account, runtime)


async def stop_asking(query: CallbackQuery, state: FSMContext, account: AccountView | None, runtime: Runtime) -> None:
    await query.answer()
    await _resume(message_of(query), state, account, runtime)


async def to_ticket(message: Message, runtime: Runtime, *, reply: bool) -> bool:
    """The applicant's words added to their open ticket (or to a closed one they reply to, reopening it);
    False when there is none to add to."""
    ticket = await helpdesk.applicant_writes(
        runtime.uow(), message.chat.id, masked(message.text or ""), runtime.clock.now(), reply=reply
    )
    if ticket is None:
        return False
    await message.answer(_("📨 Added to your question #{ticket}; staff will answer here.").format(ticket=ticket.id))
    return True


def router() -> Router:
    r = Router(name="helpdesk")
    r.callback_query.register(on_ask_staff, AskStaff.filter())
    r.callback_query.register(stop_asking, StopAsking.filter())
    r.message.register(question_typed, StateFilter(Asking.question), Magic(F.text))
    return r


PROMPTS = {Asking.question.state: ask_question}
