"""Help: the topics browsed with buttons, and a question typed in one's own words answered with the closest.

A typed question (anything no step expects, or `/help <question>`) gets the best-matching topic's answer and
the next two as buttons; when even the best match is weak the bot says it is not sure and offers the closest
topics and the list rather than a wrong answer with conviction (core/faq). Answers are edited in place when a
topic button is tapped, and an open step stays open: its question is one tap away.
"""

from __future__ import annotations

from aiogram import F, Router
from aiogram.filters.callback_data import CallbackData
from aiogram.fsm.context import FSMContext
from aiogram.types import CallbackQuery, InlineKeyboardButton, InlineKeyboardMarkup, Message
from aiogram.utils.i18n import get_i18n
from aiogram.utils.i18n import gettext as _

from bot import keyboards as kb
from bot import texts
from bot.handlers import helpdesk
from bot.handlers.parts import Screen, message_of, remove_typed
from bot.handlers.prompts import ask_or_menu
from core.domain.identity import holds_a_number
from core.faq.index import Answer
from core.faq.library import Library
from core.faq.normalise import sounds_like_question
from core.faq.topics import Topic
from core.runtime import Runtime
from core.services import faq
from core.services.accounts import AccountView


class Faq(CallbackData, prefix="faq"):
    topic: str


class Helped(CallbackData, prefix="helped"):
    """ "Did this help?" answered yes."""


class BackToStep(CallbackData, prefix="step"):
    """Ask the open step's question again, below the answer."""


def _question(t: Topic) -> str:
    return t.question_in(get_i18n().current_locale, _)


def _topic_button(t: Topic, prefix: str = "") -> list[InlineKeyboardButton]:
    return [InlineKeyboardButton(text=prefix + _question(t), callback_data=Faq(topic=t.key).pack())]


def _menu_row() -> list[InlineKeyboardButton]:
    return [InlineKeyboardButton(text=_("◀ Menu"), callback_data=kb.Menu(item="menu").pack())]


def questions_screen(library: Library) -> Screen:
    """Every topic, one button each (those staff wrote after the shipped ones), and the way back to the menu."""
    rows = [_topic_button(t) for t in library.topics]
    rows.append(_menu_row())
    text = _("Help: type your question in your own words, or choose a topic.")
    return Screen(text, InlineKeyboardMarkup(inline_keyboard=rows))


def answer_screen(t: Topic, others: tuple[Topic, ...] = (), *, step_open: bool = False) -> Screen:
    """One topic's answer; the next closest topics, the list, and the way back to an open step or the menu."""
    text = f"❓ {_question(t)}\n\n{t.answer_in(get_i18n().current_locale, _)}"
    rows = [_topic_button(o, "❓ ") for o in others]
    if t.key == "person":  # the answer is the way to a person: no "did this help?"
        rows.append(helpdesk.ask_staff_button())
    else:
        text += "\n\n" + _("Did this help?")
        rows.append(
            [
                InlineKeyboardButton(text=_("👍 Yes"), callback_data=Helped().pack()),
                InlineKeyboardButton(text=_("👎 No, ask a person"), callback_data=helpdesk.AskStaff().pack()),
            ]
        )
    rows.append([InlineKeyboardButton(text=_("◀ All topics"), callback_data=kb.Menu(item="help").pack())])
    rows.append(_back_row(step_open))
    return Screen(text, InlineKeyboardMarkup(inline_keyboard=rows))


def unsure_screen(answer: Answer, *, step_open: bool = False) -> Screen:
    """The best match is weak: no answer given with conviction, the closest topics and the list instead."""
    rows = [_topic_button(m.topic, "❓ ") for m in answer.matches]
    rows.append(helpdesk.ask_staff_button())
    rows.append([InlineKeyboardButton(text=_("◀ All topics"), callback_data=kb.Menu(item="help").pack())])
    rows.append(_back_row(step_open))
    text = (
        _("I am not sure I understood. One of these may answer it; or choose from all topics.")
        if answer.matches
        else _("I did not find that in the help topics. Choose one below, or ask in other words.")
    )
    return Screen(text, InlineKeyboardMarkup(inline_keyboard=rows))


def _back_row(step_open: bool) -> list[InlineKeyboardButton]:
    if step_open:
        return [InlineKeyboardButton(text=_("↩ Back to where I was"), callback_data=BackToStep().pack())]
    return _menu_row()


def greeting_screen(*, registered: bool, step_open: bool = False) -> Screen:
    """A greeting or a thank-you, met in kind, with the way on."""
    if step_open:
        return Screen(_("Hello! 👋 Type a question, or carry on where you were:"), _back_markup(step_open))
    if not registered:
        return Screen(_("Hello! 👋 I book passport-queue places. Send /start to begin, or type a question."))
    return Screen(_("Hello! 👋 Type a question, or choose from the menu:"), kb.main_menu())


def _back_markup(step_open: bool) -> InlineKeyboardMarkup:
    return InlineKeyboardMarkup(inline_keyboard=[_back_row(step_open)])


def outside_screen(answer: Answer, *, step_open: bool = False) -> Screen:
    """A question about what the help does not cover (fees, visas, the passport itself): said so plainly."""
    screen = unsure_screen(answer, step_open=step_open)
    text = _(
        "That is for the immigration office to answer: this bot books queue places and helps with booking. "
        "One of these topics may still help:"
    )
    return Screen(text, screen.markup)


async def ask(text: str, runtime: Runtime) -> Answer:
    """The help's answer to words typed in the chat (the first 500 characters: a question is shorter)."""
    return (await runtime.help.library()).index.ask(texts.excerpt(text, 500))


def screen_for(answer: Answer, *, registered: bool = True, step_open: bool = False) -> tuple[Screen, bool]:
    """The reply to a typed question: the best topic's answer with the next two, or the closest when unsure; and
    whether it was taken as a question (a greeting is not)."""
    if answer.confident and answer.best is not None:
        others = tuple(m.topic for m in answer.matches[1:])
        return answer_screen(answer.best.topic, others, step_open=step_open), True
    if answer.outside == "small_talk":
        return greeting_screen(registered=registered, step_open=step_open), False
    if answer.outside is not None:
        return outside_screen(answer, step_open=step_open), True
    return unsure_screen(answer, step_open=step_open), True


async def answer_question(
    message: Message,
    question: str,
    state: FSMContext,
    account: AccountView | None,
    runtime: Runtime,
    answer: Answer | None = None,
) -> None:
    """A question typed in the chat, answered as a new message (`answer`: the help's, when the caller asked it
    already); an open step stays open below it. One the help had no answer for is kept for the staff's page of
    unanswered questions."""
    if holds_a_number(question) and await remove_typed(message):  # "nik saya 3174… ditolak": not left in the chat
        await message.answer(_("I have deleted your message with the NIK from this chat."))
    step_open = await state.get_state() is not None
    answer = answer or await ask(question, runtime)
    screen, asked = screen_for(answer, registered=account is not None, step_open=step_open)
    shown = answer.best.topic.key if answer.confident and answer.best is not None else None
    if asked and shown is None:
        # Kept before the answer goes out: what the applicant does next (/mydata, say) already counts it.
        # The closest topic says what an unsure question was near; for a subject the help does not cover, the
        # nearest topic is chance, and would mislead the staff reading the group.
        closest = answer.best.topic.key if answer.best is not None and answer.outside is None else None
        reason = "unsure" if answer.outside is None else "outside"
        await faq.record_unanswered(
            runtime.uow(), message.chat.id, helpdesk.language_of(account), question, reason, closest,
            runtime.clock.now(),
        )  # fmt: skip
    sent = await message.answer(screen.text, reply_markup=screen.markup)
    if asked:  # a question, not a greeting: a person may be asked it under this answer
        await helpdesk.remember_question(state, question, sent, shown)


def answers_it(text: str, answer: Answer) -> bool:
    """Whether the help has something for these words: a topic with confidence, or a greeting (or thanks) to
    return."""
    # "terima kasih" is a thanks; "terima kasih, harus penerjemah tersumpah?" is a follow-up question.
    return answer.confident or (answer.outside == "small_talk" and not sounds_like_question(text))


def takes_as_question(text: str, answer: Answer, *, step_open: bool) -> bool:
    """Whether words typed where no step expects them are answered from the help: always with no step open;
    in a step that waits for a tap, only a question that a topic answers with confidence ("konfirmasi" or "jam 10"
    typed at the times is a wrong answer to the step, which asks its question again instead)."""
    if not step_open:
        return True
    return sounds_like_question(text) and answer.confident


async def show_questions(query: CallbackQuery, runtime: Runtime) -> None:
    """Menu → help: every topic. A question typed before is no longer the one at hand: "ask a person" from a
    topic chosen here asks for it afresh."""
    await query.answer()
    await questions_screen(await runtime.help.library()).edit(message_of(query))


async def show_answer(query: CallbackQuery, callback_data: Faq, state: FSMContext, runtime: Runtime) -> None:
    """One topic's answer, in place of the list or the answer before it."""
    library = await runtime.help.library()
    t = library.topic(callback_data.topic)
    if t is None:  # an old list, from before the topics changed (an entry staff retired)
        await query.answer(_("That question is no longer in the list; here it is as it stands."), show_alert=True)
        await questions_screen(library).edit(message_of(query))
        return
    await query.answer()
    await answer_screen(t, step_open=await state.get_state() is not None).edit(message_of(query))


async def back_to_step(query: CallbackQuery, state: FSMContext, account: AccountView | None, runtime: Runtime) -> None:
    """The open step's question again, as a new message below the answer; the menu when none is open any more."""
    await query.answer()
    await ask_or_menu(message_of(query), state, account, runtime)


async def helped(query: CallbackQuery) -> None:
    """The answer helped: said so, in passing (the answer stays as it is)."""
    await query.answer(_("🙂 Glad it helped."))


def router() -> Router:
    """A fresh router of this feature (a router belongs to one dispatcher)."""
    r = Router(name="faq")
    r.callback_query.register(helped, Helped.filter())
    r.callback_query.register(show_questions, kb.Menu.filter(F.item == "help"))
    r.callback_query.register(show_answer, Faq.filter())
    r.callback_query.register(back_to_step, BackToStep.filter())
    return r
