"""My data (UU 27/2022): what is stored about the account, masked, and erasing it."""

from __future__ import annotations

from zoneinfo import ZoneInfo

from aiogram import F, Router
from aiogram.filters.callback_data import CallbackData
from aiogram.fsm.context import FSMContext
from aiogram.types import CallbackQuery, InlineKeyboardButton, InlineKeyboardMarkup, Message, ReplyKeyboardRemove
from aiogram.utils.i18n import gettext as _

from bot import keyboards as kb
from bot import texts
from bot.handlers.common import leave
from bot.handlers.parts import Screen, message_of, on_tap
from core.runtime import Runtime
from core.services import privacy
from core.services.accounts import AccountView


class Erase(CallbackData, prefix="erase"):
    confirmed: bool  # False: the question with what it means; True: do it


class EraseQuestions(CallbackData, prefix="eraseq"):
    """A chat without an account: its questions to staff deleted."""

    confirmed: bool = False


JAKARTA = ZoneInfo("Asia/Jakarta")


def _days(mine: privacy.MyData) -> str:
    return ", ".join(texts.long_date(d) for d in mine.upcoming)


def data_screen(mine: privacy.MyData) -> Screen:
    """Everything stored about the account, numbers masked, and what happens to it over time."""
    people = "\n".join(
        _("• {name} — NIK {nik}, born {born}").format(
            name=p.full_name, nik=p.nik_masked, born=texts.long_date(p.birth_date)
        )
        + (_(" (account owner)") if p.is_owner else "")
        for p in mine.people
    )
    lines = [
        _("🔐 What Antrean stores about you"),
        "",
        _("Family card: {kk}").format(kk=mine.kk_masked),
        _("Phone: {phone}").format(phone=mine.phone_masked or _("not given")),
        _("Language: {language}").format(language="Bahasa Indonesia" if mine.language == "id" else "English"),
        # An account has no zone of its own: the moment in Jakarta time, labelled, as every time the bot shows.
        _("Consent given: {day}, {time} WIB").format(
            day=texts.long_date(mine.consented_at.astimezone(JAKARTA).date()),
            time=f"{mine.consented_at.astimezone(JAKARTA):%H:%M}",
        ),
        "",
        _("People saved:"),
        people,
        "",
    ]
    if mine.upcoming:
        lines.append(_("Bookings still to come: {days}.").format(days=_days(mine)))
    lines.append(_("Past bookings that still name their applicants: {n}.").format(n=mine.past))
    if mine.questions:
        lines.append(
            _(
                "Your questions to our staff, with their answers, and questions the help could not answer: {n}. "
                "They are kept until {days} days after they are closed."
            ).format(n=mine.questions, days=mine.retention.days)
        )
    lines.append(
        _(
            "A booking's applicants stay named on it for {days} days after its day; then only counts remain, "
            "for the office's statistics."
        ).format(days=mine.retention.days)
    )
    if mine.frozen_until is not None:
        frozen = texts.long_date(texts.deadline_date(mine.frozen_until))
        lines.append(_("The 30-day wait ends on {day}.").format(day=frozen))
    lines += ["", _("You can delete your account and this data at any time.")]
    markup = InlineKeyboardMarkup(
        inline_keyboard=[
            [InlineKeyboardButton(text=_("🗑 Delete my account and data"), callback_data=Erase(confirmed=False).pack())],
            [InlineKeyboardButton(text=_("◀ Menu"), callback_data=kb.Menu(item="menu").pack())],
        ]
    )
    return Screen("\n".join(lines), markup)


def erase_question(mine: privacy.MyData) -> Screen:
    """What deleting means for this account, before the tap that does it."""
    if mine.upcoming:
        text = _(
            "Delete your account? Your saved people, family card and phone number are deleted now. Your booking "
            "on {days} stays valid: its applicants' names and NIKs stay on the office's list until that day, "
            "then they are deleted too. After this you cannot change or cancel it here, so cancel it first if "
            "you will not come."
        ).format(days=_days(mine))
    else:
        text = _(
            "Delete your account? Everything is deleted now: your saved people, family card and phone number, "
            "and the names on your past bookings."
        )
    if mine.frozen_until is not None:
        frozen = texts.long_date(texts.deadline_date(mine.frozen_until))
        text += "\n\n" + _(
            "The 30-day wait stays with your NIK until {day}: registering again does not end it."
        ).format(day=frozen)
    markup = InlineKeyboardMarkup(
        inline_keyboard=[
            [InlineKeyboardButton(text=_("🗑 Yes, delete everything"), callback_data=Erase(confirmed=True).pack())],
            [InlineKeyboardButton(text=_("◀ No, keep my account"), callback_data=kb.Menu(item="mydata").pack())],
        ]
    )
    return Screen(text, markup)


async def _mine(account: AccountView, runtime: Runtime) -> privacy.MyData:
    return await privacy.my_data(runtime.uow(), account.id, runtime.clock.now(), runtime.settings.retention)


async def show_command(message: Message, state: FSMContext, account: AccountView | None, runtime: Runtime) -> None:
    """/mydata: the stored data as a new message (an open step stays open)."""
    if account is None:
        step = await state.get_state()
        asked = await privacy.questions_of_chat(runtime.reader(), message.chat.id)
        if asked:  # asked a person without registering: that much is stored, and can go
            await Screen(
                _(
                    "No account is stored for you. Your questions to our staff and their answers are: {n}. They are "
                    "kept until {days} days after they are closed, or until you delete them."
                ).format(n=asked, days=runtime.settings.retention.days),
                InlineKeyboardMarkup(
                    inline_keyboard=[
                        [InlineKeyboardButton(text=_("🗑 Delete my questions"), callback_data=EraseQuestions().pack())]
                    ]
                ),
            ).send(message)
            return
        await message.answer(
            _("No account is stored for you. What you typed in an unfinished step is dropped with /cancel.")
            if step is not None
            else _("No account is stored for you. Send /start to begin."),
            reply_markup=ReplyKeyboardRemove(),
        )
        return
    await data_screen(await _mine(account, runtime)).send(message)


async def show(query: CallbackQuery, account: AccountView | None, runtime: Runtime) -> None:
    """Menu → my data, in place of the menu."""
    if account is None:
        await query.answer(_("Send /start to begin."), show_alert=True)
        return
    mine = await on_tap(query, _mine(account, runtime))
    if mine is not None:
        await data_screen(mine).edit(message_of(query))


async def erase(
    query: CallbackQuery, callback_data: Erase, state: FSMContext, account: AccountView | None, runtime: Runtime
) -> None:
    """Asks first, saying what stays and for how long; on the second tap erases, and forgets the conversation."""
    if account is None:  # erased already, or never registered: an old button
        await query.answer(_("No account is stored for you. Send /start to begin."), show_alert=True)
        return
    if not callback_data.confirmed:
        mine = await on_tap(query, _mine(account, runtime))
        if mine is not None:
            await erase_question(mine).edit(message_of(query))
        return
    await leave(state, account, runtime)  # places held on a summary go back first
    erased = await on_tap(query, privacy.erase_account(runtime.uow(), account.id, runtime.clock.now()))
    if erased is None:
        return
    await state.clear()  # nothing of the conversation is kept either, not even the language
    kept = (
        _("The booking on {day} keeps its applicants' names until that day. ").format(
            day=texts.long_date(erased.kept_until)
        )
        if erased.kept_until is not None
        else ""
    )
    await message_of(query).edit_text(
        _("Your account and data are deleted. {kept}Send /start if you want to register again.").format(kept=kept)
    )


async def erase_questions(
    query: CallbackQuery, callback_data: EraseQuestions, state: FSMContext, runtime: Runtime
) -> None:
    """A chat without an account: asked first; then its questions to staff, their answers, the unanswered ones and
    what the conversation kept of them (the last question, the last refusal), deleted."""
    if not callback_data.confirmed:
        await query.answer()
        yes = InlineKeyboardButton(text=_("🗑 Yes, delete them"), callback_data=EraseQuestions(confirmed=True).pack())
        no = InlineKeyboardButton(text=_("◀ No, keep them"), callback_data=kb.Menu(item="menu").pack())
        await Screen(
            _("Delete your questions to our staff, their answers, and the questions the help could not answer?"),
            InlineKeyboardMarkup(inline_keyboard=[[yes], [no]]),
        ).edit(message_of(query))
        return
    await query.answer()
    await privacy.forget_questions(runtime.uow(), query.from_user.id, runtime.clock.now())
    await state.clear()
    await message_of(query).edit_text(_("Your questions and their answers are deleted."))


def router() -> Router:
    """A fresh router of the data screen and erasure (/mydata is with the other commands, which come first)."""
    r = Router(name="my_data")
    r.callback_query.register(show, kb.Menu.filter(F.item == "mydata"))
    r.callback_query.register(erase, Erase.filter())
    r.callback_query.register(erase_questions, EraseQuestions.filter())
    return r
