"""My bookings end to end: the list, details, the proof again, cancelling and its deadline."""

from __future__ import annotations

import io
from datetime import timedelta

from pypdf import PdfReader

from tests.bot.conftest import BotWorld
from tests.bot.test_booking import USER, _ready, _to_summary


async def _booked(world: BotWorld) -> None:
    await _ready(world)
    await _to_summary(world)
    await world.tap(USER, "✅ Konfirmasi pesanan", calls=3)
    await world.text(USER, "/menu")
    await world.tap(USER, "🧾 Pesanan saya", calls=2)


async def test_a_booking_is_listed_and_its_proof_can_be_sent_again(world: BotWorld) -> None:
    await _booked(world)
    await world.tap(USER, "30-11-2026 08:00 WIB · Kantor Imigrasi Uji TST · terjadwal", calls=2)
    details = await world.last(USER)
    assert "Senin, 30 November 2026, 08:00–09:00 WIB" in details and "2 pemohon" in details
    assert "atau membatalkannya, sampai Sabtu, 28 November 2026." in details
    await world.tap(USER, "📄 Kirim ulang bukti", calls=2)
    documents = [m for m in await world.telegram.chat(USER) if m.get("document")]
    assert len(documents) == 2


async def test_cancelling_asks_first_then_returns_the_places_and_states_the_freeze(world: BotWorld) -> None:
    await _booked(world)
    await world.tap(USER, "30-11-2026 08:00 WIB · Kantor Imigrasi Uji TST · terjadwal", calls=2)
    await world.tap(USER, "✖ Batalkan pesanan ini", calls=2)
    assert "belum bisa memesan lagi sebelum Rabu, 30 Desember 2026" in await world.last(USER)
    await world.tap(USER, "Ya, batalkan", calls=2)
    assert await world.last(USER) == "Pesanan dibatalkan. Akun Anda bisa memesan lagi mulai Rabu, 30 Desember 2026."
    async with world.runtime.reader() as uow:
        slots = await uow.slots.in_range(
            1, world.clock.now().date() + timedelta(days=3), world.clock.now().date() + timedelta(days=3)
        )
    assert all(s.taken == 0 for day in slots.values() for s in day)


async def test_after_the_deadline_the_booking_shows_the_last_day_and_no_cancel_button(world: BotWorld) -> None:
    await _booked(world)
    world.clock.advance(timedelta(days=1, hours=10))  # Saturday night: Sunday 29 November, 01:00 WIB
    await world.tap(USER, "30-11-2026 08:00 WIB · Kantor Imigrasi Uji TST · terjadwal", calls=2)
    message = await world.telegram.last_bot_message(USER)
    assert message is not None
    assert "Pesanan ini tidak bisa dibatalkan lagi" in message["text"]
    assert "(batas terakhirnya Sabtu, 28 November 2026)" in message["text"]
    labels = [b["text"] for row in message["reply_markup"]["inline_keyboard"] for b in row]
    assert "✖ Batalkan pesanan ini" not in labels


async def test_a_booking_made_after_its_last_day_to_cancel_says_so_before_the_tap_and_after(world: BotWorld) -> None:
    await _ready(world)
    world.clock.advance(timedelta(days=1, hours=19))  # Sunday 29 November, 10:00 WIB: the window still open
    await _to_summary(world)  # for Monday 30 November, whose last day to cancel was Saturday
    summary = await world.last(USER)
    assert "Pesanan ini tidak bisa dibatalkan" in summary and "Pembatalan bisa dilakukan" not in summary
    assert "mulai Rabu, 30 Desember 2026" in summary  # the 30-day wait starts anyway
    await world.tap(USER, "✅ Konfirmasi pesanan", calls=3)
    proof = (await world.telegram.chat(USER))[-1]
    pdf = await world.telegram.document_bytes(proof["document"]["file_id"])
    text = " ".join(PdfReader(io.BytesIO(pdf)).pages[0].extract_text().split())
    assert "tidak bisa dibatalkan" in text and "Pembatalan bisa dilakukan" not in text
    await world.text(USER, "/menu")
    await world.tap(USER, "🧾 Pesanan saya", calls=2)
    await world.tap(USER, "30-11-2026 08:00 WIB · Kantor Imigrasi Uji TST · terjadwal", calls=2)
    assert "Pesanan ini tidak bisa dibatalkan lagi" in await world.last(USER)


async def _button(world: BotWorld, label: str) -> tuple[int, str]:
    """The message id and callback data of a button of the bot's newest message."""
    message = await world.telegram.last_bot_message(USER)
    assert message is not None
    (data,) = [
        b["callback_data"] for row in message["reply_markup"]["inline_keyboard"] for b in row if b["text"] == label
    ]
    return message["message_id"], data


async def test_an_old_cancel_button_of_a_booking_cancelled_since_says_so_at_the_first_tap(world: BotWorld) -> None:
    await _booked(world)
    await world.tap(USER, "30-11-2026 08:00 WIB · Kantor Imigrasi Uji TST · terjadwal", calls=2)
    message_id, cancel = await _button(world, "✖ Batalkan pesanan ini")
    await world.tap(USER, "✖ Batalkan pesanan ini", calls=2)
    await world.tap(USER, "Ya, batalkan", calls=2)
    query = await world.telegram.user_taps(USER, message_id, cancel)  # the old button, tapped again
    await world.telegram.wait_for_bot(USER, calls=2)  # the alert, and the booking as it stands
    answer = await world.telegram.answered(query)
    assert answer is not None and answer.get("show_alert") and "sudah dibatalkan" in answer["text"]
    shown = await world.last(USER)
    assert "Batalkan pesanan" not in shown and "(dibatalkan)" in shown  # no confirmation asked
    assert world.errors == []


async def test_an_old_cancel_button_after_the_deadline_is_refused_at_the_first_tap(world: BotWorld) -> None:
    await _booked(world)
    await world.tap(USER, "30-11-2026 08:00 WIB · Kantor Imigrasi Uji TST · terjadwal", calls=2)
    world.clock.advance(timedelta(days=1, hours=10))  # Sunday 29 November: the last day to cancel has passed
    query = await world.telegram.user_taps_button(USER, "✖ Batalkan pesanan ini")
    await world.telegram.wait_for_bot(USER, calls=2)
    answer = await world.telegram.answered(query)
    assert answer is not None and "tidak bisa dibatalkan lagi" in answer["text"]
    assert "Sabtu, 28 November 2026" in answer["text"]
    message = await world.telegram.last_bot_message(USER)
    assert message is not None and "Batalkan pesanan" not in message["text"]
    labels = [b["text"] for row in message["reply_markup"]["inline_keyboard"] for b in row]
    assert "✖ Batalkan pesanan ini" not in labels


async def test_an_old_send_the_proof_button_of_a_cancelled_booking_says_it_was_cancelled(world: BotWorld) -> None:
    await _booked(world)
    await world.tap(USER, "30-11-2026 08:00 WIB · Kantor Imigrasi Uji TST · terjadwal", calls=2)
    message_id, pdf = await _button(world, "📄 Kirim ulang bukti")
    await world.tap(USER, "✖ Batalkan pesanan ini", calls=2)
    await world.tap(USER, "Ya, batalkan", calls=2)
    query = await world.telegram.user_taps(USER, message_id, pdf)
    await world.telegram.wait_for_bot(USER, calls=2)
    answer = await world.telegram.answered(query)
    assert answer is not None and "sudah dibatalkan" in answer["text"]
    assert world.errors == [] and len([m for m in await world.telegram.chat(USER) if m.get("document")]) == 1
