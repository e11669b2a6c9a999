"""Booking, the summary: places held; confirm, and the code and the PDF proof in the chat."""

from __future__ import annotations

from datetime import date, datetime
from typing import Any
from zoneinfo import ZoneInfo

from aiogram import Router
from aiogram.filters.callback_data import CallbackData
from aiogram.fsm.context import FSMContext
from aiogram.types import BufferedInputFile, CallbackQuery, InlineKeyboardMarkup, Message
from aiogram.utils.i18n import gettext as _

from bot import keyboards as kb
from bot import texts
from bot.handlers.booking.shared import kind_label
from bot.handlers.parts import Screen, forget, message_of, on_tap
from bot.states import Booking
from core.documents.proof import ProofData
from core.documents.rendering import render_proof_off_loop
from core.domain.booking import ApplicationType, format_booking_code
from core.domain.requirements import any_child, documents_to_bring
from core.runtime import Runtime
from core.services.accounts import AccountView
from core.services.booking import Hold
from core.services.proofs import proof_data


class Confirm(CallbackData, prefix="confirm"):
    booking_id: int


class OtherTimes(CallbackData, prefix="times"):
    """From the summary back to the date's times; the hold is let go."""


def held(hold: Hold) -> dict[str, Any]:
    """What the summary shows of a hold, kept with the conversation so the summary can be shown again."""
    return {
        "booking_id": hold.booking_id,
        "held_day": hold.day.isoformat(),
        "held_start": f"{hold.start:%H:%M}",
        "held_end": f"{hold.end:%H:%M}",
        "held_until": hold.held_until.isoformat(),
        "last_cancel": hold.last_cancel_day.isoformat(),
        "frozen_until": hold.frozen_until.isoformat(),
    }


async def summary_screen(state: FSMContext, account: AccountView, now: datetime) -> Screen:
    """What confirming means, before the tap: where, when, who, the cancellation deadline and the freeze."""
    data = await state.get_data()
    zone = ZoneInfo(data["tz"])
    saved = {a.id: a for a in account.applicants}
    party: list[int] = data["party"]
    kinds = [ApplicationType(data["kinds"].get(str(a), ApplicationType.NEW)) for a in party]
    people = "\n".join(
        f"{i}. {saved[a].full_name} — {kind_label(k)}" for i, (a, k) in enumerate(zip(party, kinds, strict=True), 1)
    )
    day = date.fromisoformat(data["held_day"])
    births = [saved[a].birth_date for a in party]
    bring = texts.to_bring(
        [
            (saved[a].full_name, documents_to_bring(born, k, day))
            for a, k, born in zip(party, kinds, births, strict=True)
        ],
        child=any_child(births, day),
    )
    last_cancel = date.fromisoformat(data["last_cancel"])
    frozen = texts.long_date(datetime.fromisoformat(data["frozen_until"]).astimezone(zone).date())
    if now.astimezone(zone).date() <= last_cancel:
        terms = _(
            "You can cancel until {last_cancel}. After this booking your account can book again from {frozen}, "
            "whether you come, miss it or cancel."
        ).format(last_cancel=texts.long_date(last_cancel), frozen=frozen)
    else:  # an arrival within two days: the deadline passed before the booking is made
        terms = _(
            "⚠️ This booking cannot be cancelled: cancelling closes two days before the arrival date. "
            "Even so, after this booking your account can book again only from {frozen}, whether you come or not."
        ).format(frozen=frozen)
    text = _(
        "Please check, then confirm:\n\n{office}\n{address}\n{day}, {start}–{end} {zone}\n\n{people}\n\n"
        "{bring}\n\n{terms}\nThe places are held for you until {held} {zone}."
    ).format(
        office=data["office_name"],
        address=data["office_address"],
        day=texts.long_date(day),
        start=data["held_start"],
        end=data["held_end"],
        zone=data["zone"],
        people=people,
        bring=bring,
        terms=terms,
        held=f"{datetime.fromisoformat(data['held_until']).astimezone(zone):%H:%M}",
    )
    markup = InlineKeyboardMarkup(
        inline_keyboard=[
            [kb.tap(_("✅ Confirm booking"), Confirm(booking_id=data["booking_id"]).pack())],
            [kb.tap(_("◀ Other times"), OtherTimes().pack())],
        ]
    )
    return Screen(text, markup)


async def show(message: Message, state: FSMContext, account: AccountView, hold: Hold, now: datetime) -> None:
    """Enters the summary step with the places just held, in place of the message tapped."""
    await state.update_data(**held(hold))  # the step's data before the step (see calendar_screen)
    await state.set_state(Booking.summary)
    await (await summary_screen(state, account, now)).edit(message)


async def ask(message: Message, state: FSMContext, account: AccountView | None, runtime: Runtime) -> None:
    """The summary again as a new message (its confirm button still holds the same places)."""
    if account is not None:
        await (await summary_screen(state, account, runtime.clock.now())).send(message)


async def confirm(
    query: CallbackQuery, callback_data: Confirm, state: FSMContext, account: AccountView | None, runtime: Runtime
) -> None:
    """Books: the code in the chat, and the proof as a PDF document.

    Taken in any state: an old summary's button, after the flow moved on, is told what became of its booking.
    """
    if account is None:
        await query.answer()
        return
    booked = await on_tap(query, runtime.desk.confirm(account.id, callback_data.booking_id), quiet=True)
    if booked is None:
        return
    if booked.replayed:  # a double tap, or another copy of the summary: the first tap said everything
        code = format_booking_code(booked.code)
        await query.answer(_("This booking is confirmed already: code {code}.").format(code=code), show_alert=True)
        if (await state.get_data()).get("booking_id") == booked.booking_id:
            await forget(state)
        return
    await query.answer()
    if (await state.get_data()).get("booking_id") == booked.booking_id:
        await forget(state)  # a summary of another flow may be open since: left alone
    # The proof follows through the outbox, written with the booking: a crash now delays it, never loses it.
    await message_of(query).edit_text(booked_text(booked.code))


def booked_text(code: str) -> str:
    """What a new booking's owner reads: the code, and the proof on its way."""
    return _(
        "Booked ✅\nBooking code: {code}\nThe proof follows in a moment as a PDF: show it (printed or on your "
        "phone) at the office."
    ).format(code=format_booking_code(code))


async def proof_file(runtime: Runtime, account_id: int | None, booking_id: int) -> BufferedInputFile:
    """A confirmed booking's proof as a PDF file, in the current language, rendered off the event loop."""
    return (await proof_with_data(runtime, account_id, booking_id))[1]


async def proof_with_data(
    runtime: Runtime, account_id: int | None, booking_id: int
) -> tuple[ProofData, BufferedInputFile]:
    """The proof, with what it shows (a reminder's caption says part of it again)."""
    lang = texts.locale()
    data = await proof_data(runtime.reader(), account_id, booking_id, lang)
    pdf = await render_proof_off_loop(
        data, texts.proof_labels(), signing_key=runtime.vault.signing_key, workers=runtime.settings.proof_workers
    )
    name = f"bukti-{data.code}.pdf" if lang == "id" else f"proof-{data.code}.pdf"
    return data, BufferedInputFile(pdf, filename=name)


async def send_proof(message: Message, account: AccountView, runtime: Runtime, booking_id: int) -> None:
    """The proof again, as the reply to a tap (my bookings)."""
    await message.answer_document(await proof_file(runtime, account.id, booking_id))


def router() -> Router:
    """A fresh router of this step (a router belongs to one dispatcher)."""
    r = Router(name="booking.confirm")
    r.callback_query.register(confirm, Confirm.filter())
    return r
