"""The waiting list end to end: a full date offers it, a cancellation becomes an offer in the chat, and its answers."""

from __future__ import annotations

from datetime import timedelta

from core.crypto import Vault
from core.services import waitlist
from core.services.accounts import AccountView
from core.services.booking import Booked
from tests.bot.conftest import BotWorld
from tests.conftest import NEXT_MONDAY, SECRET
from tests.factories import add_office, register, release_days, sample_office, slot_ids

USER = 8501
RIVAL = 8502


def _labels(message: dict[str, object] | None) -> list[str]:
    assert message is not None
    markup = message.get("reply_markup") or {}
    assert isinstance(markup, dict)
    return [b["text"] for row in markup.get("inline_keyboard", []) for b in row]


async def _full_monday(world: BotWorld) -> tuple[AccountView, Booked]:
    """One place on Monday, taken by a rival; the applicant registered alone."""
    office = await add_office(world.runtime, sample_office(capacity=1, slots=1))
    await release_days(world.runtime, office, [NEXT_MONDAY])
    rival = await register(world.runtime, Vault(SECRET), RIVAL)
    (slot,) = await slot_ids(world.runtime, office, NEXT_MONDAY)
    hold = await world.runtime.desk.hold(rival.id, slot, [rival.applicants[0].id], ["new"], "rival")
    booked = await world.runtime.desk.confirm(rival.id, hold.booking_id)
    await register(world.runtime, Vault(SECRET), USER)
    return rival, booked


async def _join(world: BotWorld) -> None:
    await world.text(USER, "/menu")
    await world.tap(USER, "📅 Pesan antrean", calls=2)
    await world.tap(USER, "Jakarta Selatan · Kanim Uji TST", calls=2)
    await world.tap(USER, "30❌", calls=2)


async def _offered(world: BotWorld, rival: AccountView, booked: Booked) -> None:
    """The rival cancels; the worker's sweep offers the place; the offer arrives."""
    await world.runtime.desk.cancel(rival.id, booked.booking_id)
    done = await waitlist.sweep(world.runtime.uow, world.runtime.desk, world.runtime.clock)
    assert done.offered == 1
    await world.unasked(USER)


async def test_a_full_date_offers_the_waiting_list_and_a_cancellation_becomes_a_booking_in_two_taps(
    world: BotWorld,
) -> None:
    rival, booked = await _full_monday(world)
    await _join(world)
    offer = await world.last(USER)
    assert offer.startswith("Senin, 30 November 2026 sudah penuh untuk 1 pemohon.")
    assert "paling lama 30 menit" in offer
    await world.tap(USER, "🕒 Tunggu Sen 30 Nov", calls=2)
    joined = await world.last(USER)
    assert "Anda masuk daftar tunggu Kantor Imigrasi Uji TST: nomor 1, untuk Senin, 30 November 2026" in joined
    assert await world.state_of(USER) is None
    await world.tap(USER, "🧾 Pesanan saya", calls=2)
    assert (await world.last(USER)).startswith("🕒 Di daftar tunggu Kantor Imigrasi Uji TST")
    await _offered(world, rival, booked)
    message = await world.telegram.last_bot_message(USER)
    assert message is not None and message["text"].startswith("🎉 Ada tempat kosong di Kantor Imigrasi Uji TST")
    assert "disimpan untuk Anda sampai 15:30 WIB" in message["text"]
    assert _labels(message) == ["✅ Pesan tempat ini", "✖ Tidak, keluar dari daftar tunggu"]
    await world.tap(USER, "✅ Pesan tempat ini", calls=3)
    chat = await world.telegram.chat(USER)
    assert chat[-2]["text"].startswith("Pesanan berhasil ✅\nKode booking: ")
    assert chat[-1].get("document")
    mine = await waitlist.my_place(world.runtime.reader(), (await _account(world)).id)
    assert mine is None


async def test_saying_no_passes_the_place_on_and_leaves_the_list(world: BotWorld) -> None:
    rival, booked = await _full_monday(world)
    await _join(world)
    await world.tap(USER, "🕒 Tunggu Sen 30 Nov", calls=2)
    await _offered(world, rival, booked)
    offer = await world.telegram.last_bot_message(USER)
    assert offer is not None
    yes = offer["reply_markup"]["inline_keyboard"][0][0]["callback_data"]
    await world.tap(USER, "✖ Tidak, keluar dari daftar tunggu", calls=2)
    assert (await world.last(USER)).startswith("Anda menolak: tempatnya diberikan kepada keluarga berikutnya")
    await world.telegram.user_taps(USER, offer["message_id"], yes)  # the other button, on an older copy
    await world.telegram.wait_for_bot(USER, calls=1)
    answers = [p for m, p in world.telegram.calls if m == "answerCallbackQuery"]
    assert "Tawaran ini sudah tidak berlaku" in str(answers[-1])


async def test_an_unanswered_offer_lapses_and_its_owner_is_told(world: BotWorld) -> None:
    rival, booked = await _full_monday(world)
    await _join(world)
    await world.tap(USER, "🕒 Tunggu Sen 30 Nov", calls=2)
    await _offered(world, rival, booked)
    world.clock.advance(timedelta(minutes=31))
    done = await waitlist.sweep(world.runtime.uow, world.runtime.desk, world.runtime.clock)
    assert done.lapsed == 1
    await world.unasked(USER)
    assert (await world.last(USER)).startswith("⌛ Tempat yang disimpan untuk Anda di Kantor Imigrasi Uji TST")


async def test_the_list_is_left_from_my_bookings(world: BotWorld) -> None:
    await _full_monday(world)
    await _join(world)
    await world.tap(USER, "🕒 Tunggu Sen 30 Nov", calls=2)
    await world.tap(USER, "🧾 Pesanan saya", calls=2)
    await world.tap(USER, "✖ Keluar dari daftar tunggu", calls=2)
    assert await world.last(USER) == "Anda sudah keluar dari daftar tunggu."
    assert await waitlist.my_place(world.runtime.reader(), (await _account(world)).id) is None


async def _account(world: BotWorld) -> AccountView:
    from core.services import accounts

    found = await accounts.account_by_telegram_user(world.runtime.reader(), USER)
    assert found is not None
    return found


async def test_a_full_date_too_close_for_an_offer_is_only_explained(world: BotWorld) -> None:
    await _full_monday(world)
    world.clock.advance(timedelta(days=1, hours=10))  # Sunday 01:00: Monday's last day to cancel was Saturday
    await world.text(USER, "/menu")
    await world.tap(USER, "📅 Pesan antrean", calls=2)
    await world.tap(USER, "Jakarta Selatan · Kanim Uji TST", calls=2)
    await world.tap(USER, "30❌")
    answers = [p for m, p in world.telegram.calls if m == "answerCallbackQuery"]
    assert "Pada tanggal itu sudah tidak ada jam kedatangan yang cukup untuk 1 pemohon." in str(answers[-1])
    assert await world.state_of(USER) == "Booking:calendar"


async def test_an_old_wait_button_after_choosing_another_office_says_the_booking_changed(world: BotWorld) -> None:
    await _full_monday(world)
    other = await add_office(world.runtime, sample_office("OTH"))
    await release_days(world.runtime, other, [NEXT_MONDAY])
    await _join(world)
    screen = await world.telegram.last_bot_message(USER)
    assert screen is not None
    wait_here = screen["reply_markup"]["inline_keyboard"][0][0]["callback_data"]
    await world.text(USER, "/menu")
    await world.tap(USER, "📅 Pesan antrean", calls=2)
    await world.tap(USER, "Jakarta Selatan · Kanim Uji OTH", calls=2)
    await world.telegram.user_taps(USER, screen["message_id"], wait_here)
    await world.telegram.wait_for_bot(USER, calls=1)
    answers = [p for m, p in world.telegram.calls if m == "answerCallbackQuery"]
    assert "Pesanan Anda sudah berubah sejak itu" in str(answers[-1])
    assert await waitlist.my_place(world.runtime.reader(), (await _account(world)).id) is None
