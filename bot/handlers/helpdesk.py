"""Asking a person: a question the help topics did not answer goes to support staff as a ticket, with what they
need to know (the account, the latest booking, where the applicant was in the conversation; NIKs masked), and
their answers come into this chat (core/services/helpdesk.py, through the outbox).

While a ticket is open or answered, the applicant's words (where no step expects them) go to it; a reply to the
message that closed it, within a few days, opens it again.
"""

from __future__ import annotations

from typing import Any

from aiogram import F, Router
from aiogram.filters import StateFilter
from aiogram.filters.callback_data import CallbackData
from aiogram.fsm.context import FSMContext
from aiogram.types import CallbackQuery, InlineKeyboardButton, InlineKeyboardMarkup, Message
from aiogram.utils.i18n import get_i18n
from aiogram.utils.i18n import gettext as _

from bot.filters import Magic
from bot.handlers.parts import Screen, message_of, remove_typed
from bot.middlewares import LAST_REFUSAL_KEY
from bot.states import Asking
from core.domain.helpdesk import MAX_TEXT, EmptyMessage, TicketState
from core.domain.identity import holds_a_number, mask_numbers_in
from core.runtime import Runtime
from core.services import faq, helpdesk
from core.services.accounts import AccountView
from core.services.my_bookings import my_bookings

QUESTION_KEY = "faq_question"  # the last question typed, kept so that asking a person needs no retyping
RESUME_KEY = "resume_state"  # the step the applicant was in when they started writing to staff


class AskStaff(CallbackData, prefix="askstaff"):
    """Send the last question (or one to be typed) to support staff."""


def ask_staff_button() -> list[InlineKeyboardButton]:
    return [InlineKeyboardButton(text=_("🙋 Ask a person"), callback_data=AskStaff().pack())]


def language_of(account: AccountView | None) -> str:
    """The applicant's language: their account's, or (before registering) the one they are spoken to in."""
    return account.language if account is not None else get_i18n().current_locale


async def remember_question(state: FSMContext, question: str, answer: Message, topic: str | None) -> None:
    """The question just answered from the help topics (by `answer`, with `topic` when one was given as the
    answer), in case the answer did not help: asking a person under that answer sends this question, and under no
    other."""
    remembered = {"answer": answer.message_id, "text": mask_numbers_in(question)[:1000], "topic": topic}
    await state.update_data({QUESTION_KEY: remembered})


async def _question_under(query: CallbackQuery, state: FSMContext) -> tuple[str, str | None] | None:
    """The question the tapped answer answered, and its topic (None when the help was not sure of one)."""
    remembered = (await state.get_data()).get(QUESTION_KEY)
    if isinstance(remembered, dict) and remembered.get("answer") == message_of(query).message_id:
        topic = remembered.get("topic")
        return str(remembered["text"]), str(topic) if topic else None
    return None


async def _context(
    state: FSMContext, account: AccountView | None, runtime: Runtime
) -> tuple[dict[str, Any], int | None]:
    """What staff need to know to answer, and the office of the latest booking (the queue's filter)."""
    data = await state.get_data()
    context: dict[str, Any] = {"step": await state.get_state(), "refusal": data.get(LAST_REFUSAL_KEY)}
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
    language = language_of(account)
    ticket = await helpdesk.escalate(
        runtime.uow, message.chat.id, account.id if account else None, office_id, language, mask_numbers_in(question),
        context, runtime.clock.now(), relay=runtime.settings.support_group_id,
    )  # fmt: skip
    await state.update_data({QUESTION_KEY: None})
    told = _(
        "📨 Your question went to our staff as ticket #{ticket}. Their answer will come into this chat; "
        "anything you write here meanwhile is added to it."
    ).format(ticket=ticket.id)
    if account is None:  # no consent given at registration: what is kept, and how it goes, said here
        told += "\n\n" + _(
            "We keep your question and this chat's number only to answer you; /mydata shows and deletes them."
        )
    await message.answer(told)


async def on_ask_staff(query: CallbackQuery, state: FSMContext, account: AccountView | None, runtime: Runtime) -> None:
    """ "Ask a person" under an answer: the question it answered goes to staff; with none, the applicant types it."""
    await query.answer()
    under = await _question_under(query, state)
    if under:
        question, topic = under
        if topic is not None:  # an answer that did not help: news for the FAQ (unsure ones are kept already)
            language = language_of(account)
            await faq.record_unanswered(
                runtime.uow(), query.from_user.id, language, question, "not_helped", topic, runtime.clock.now()
            )
        await send_to_staff(message_of(query), question, state, account, runtime)
        if await state.get_state() == Asking.question.state:  # asked for a question meanwhile: that is done now
            await _resume(message_of(query), state, account, runtime)
        return
    if await state.get_state() != Asking.question.state:  # a second tap: the step to come back to stays
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
    from bot.handlers.prompts import ask_or_menu  # prompts lists every step's question, this one's too

    await state.set_state((await state.get_data()).get(RESUME_KEY))
    await state.update_data({RESUME_KEY: None})
    await ask_or_menu(message, state, account, runtime)


async def question_typed(message: Message, state: FSMContext, account: AccountView | None, runtime: Runtime) -> None:
    """Asking.question: the words typed go to staff; then back to where the applicant was."""
    text = message.text or ""
    if not text.strip():  # nothing to send (spaces, invisible characters): the question again
        await ask_question(message, state, account, runtime)
        return
    if len(text) > MAX_TEXT:
        await message.answer(
            _("That is too long for one message to staff: {n} characters at most. Please shorten it.").format(
                n=f"{MAX_TEXT:,}".replace(",", ".")
            )
        )
        return
    await _remove_a_number(message, text)
    await send_to_staff(message, text, state, account, runtime)
    await _resume(message, state, account, runtime)


async def stop_asking(query: CallbackQuery, state: FSMContext, account: AccountView | None, runtime: Runtime) -> None:
    await query.answer()
    await _resume(message_of(query), state, account, runtime)


async def _remove_a_number(message: Message, text: str) -> None:
    """A NIK typed into a question is not left in the chat (kept masked with the ticket)."""
    if holds_a_number(text) and await remove_typed(message):
        await message.answer(_("I have deleted your message with the NIK from this chat."))


async def to_ticket(message: Message, runtime: Runtime, *, reply: bool) -> bool:
    """The applicant's words added to their open ticket (or to a closed one they reply to, reopening it);
    False when there is none to add to. Looked for on a read-only unit first: most words have no ticket."""
    current = await helpdesk.latest_ticket(runtime.reader(), message.chat.id)
    if current is None:
        return False
    if current.state is TicketState.CLOSED:
        # Reopened only by a reply to one of the ticket's own messages (its answers and its closing name it), not
        # by a reply to a reminder or an old menu.
        replied = message.reply_to_message
        reply = reply and replied is not None and f"#{current.id}" in (replied.text or replied.caption or "")
        if not reply:
            return False
    text = message.text or ""
    try:
        ticket = await helpdesk.applicant_writes(
            runtime.uow(), message.chat.id, mask_numbers_in(text), runtime.clock.now(), reply=reply,
            relay=runtime.settings.support_group_id,
        )  # fmt: skip
    except EmptyMessage:  # only invisible characters: nothing for staff
        return False
    if ticket is None:
        return False
    await _remove_a_number(message, text)
    await message.answer(_("📨 Added to your question #{ticket}; staff will answer here.").format(ticket=ticket.id))
    return True


def router() -> Router:
    r = Router(name="helpdesk")
    r.callback_query.register(on_ask_staff, AskStaff.filter())
    r.callback_query.register(stop_asking, StopAsking.filter())
    r.message.register(question_typed, StateFilter(Asking.question), Magic(F.text))
    return r


PROMPTS = {Asking.question.state: ask_question}
