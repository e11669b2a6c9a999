"""Moving a booking end to end: from its details to the calendar, a new time, the question, and the new proof."""

from __future__ import annotations

import io
from datetime import timedelta

from pypdf import PdfReader

from core.crypto import Vault
from tests.bot.conftest import BotWorld
from tests.bot.test_booking import USER, _to_summary
from tests.conftest import NEXT_MONDAY, SECRET
from tests.factories import add_office, register, release_days, sample_office

BOOKED = "30-11-2026 08:00 WIB · Kantor Imigrasi Uji TST · terjadwal"
MOVE = "🔁 Pindah ke tanggal atau jam lain"


def _labels(message: dict[str, object]) -> list[str]:
    markup = message.get("reply_markup") or {}
    assert isinstance(markup, dict)
    return [b["text"] for row in markup.get("inline_keyboard", []) for b in row]


async def _booked_with_tuesday_free(world: BotWorld, capacity: int = 10) -> None:
    office = await add_office(world.runtime, sample_office(capacity=capacity))
    await release_days(world.runtime, office, [NEXT_MONDAY, NEXT_MONDAY + timedelta(days=1)])
    await register(world.runtime, Vault(SECRET), USER, family=1)
    await _to_summary(world)
    await world.tap(USER, "✅ Konfirmasi pesanan", calls=3)
    await world.text(USER, "/menu")
    await world.tap(USER, "🧾 Pesanan saya", calls=2)
    await world.tap(USER, BOOKED, calls=2)


async def _to_question(world: BotWorld) -> None:
    await world.tap(USER, MOVE, calls=2)  # the calendar at the booking's month, November
    await world.tap(USER, "▶", calls=2)
    await world.tap(USER, "1✅", calls=2)  # Tuesday 1 December
    await world.tap(USER, "09:00–10:00 · sisa 10", calls=2)


async def test_an_owner_moves_a_booking_and_gets_a_new_code_and_proof_and_the_old_places_return(
    world: BotWorld,
) -> None:
    await _booked_with_tuesday_free(world)
    details = await world.last(USER)
    can = "Anda bisa memindahnya satu kali ke tanggal atau jam lain, atau membatalkannya, sampai Sabtu, 28 November"
    assert can in details
    await world.tap(USER, MOVE, calls=2)
    calendar = await world.telegram.last_bot_message(USER)
    assert calendar is not None
    assert calendar["text"].startswith("Memindah pesanan ")
    assert "Sekarang: Senin, 30 November 2026, 08:00–09:00 WIB" in calendar["text"]
    assert "👥 Siapa yang datang" not in _labels(calendar)  # the party stays
    assert "◀ Biarkan pesanan saya seperti semula" in _labels(calendar)
    await world.tap(USER, "30✅", calls=2)  # the same date: its other time only, not the booking's own
    times = await world.telegram.last_bot_message(USER)
    assert times is not None
    assert [t for t in _labels(times) if "sisa" in t] == ["09:00–10:00 · sisa 10"]
    await world.tap(USER, "◀ Tanggal lain", calls=2)
    await world.tap(USER, "▶", calls=2)
    await world.tap(USER, "1✅", calls=2)
    await world.tap(USER, "09:00–10:00 · sisa 10", calls=2)
    question = await world.last(USER)
    assert "Baru: Selasa, 1 Desember 2026, 09:00–10:00 WIB" in question
    assert "Pesanan hanya bisa dipindah satu kali." in question
    assert "Akun Anda bisa memesan lagi mulai Kamis, 31 Desember 2026." in question  # counted from the new date
    await world.tap(USER, "✅ Ya, pindahkan", calls=3)
    chat = await world.telegram.chat(USER)
    moved_text, proof = chat[-2]["text"], chat[-1]
    assert moved_text.startswith("Pesanan dipindah ✅")
    code = moved_text.split("Kode pesanan baru: ")[1].split("\n")[0]
    pdf = await world.telegram.document_bytes(proof["document"]["file_id"])
    text = PdfReader(io.BytesIO(pdf)).pages[0].extract_text()
    assert code in text and "Selasa, 1 Desember 2026" in text
    assert await world.state_of(USER) is None
    async with world.runtime.reader() as uow:
        days = await uow.slots.in_range(1, NEXT_MONDAY, NEXT_MONDAY + timedelta(days=1))
    assert [s.taken for s in days[NEXT_MONDAY]] == [0, 0]
    assert [s.taken for s in days[NEXT_MONDAY + timedelta(days=1)]] == [0, 2]
    await world.text(USER, "/menu")
    await world.tap(USER, "🧾 Pesanan saya", calls=2)
    listing = await world.telegram.last_bot_message(USER)
    assert listing is not None
    assert _labels(listing)[:2] == [
        "01-12-2026 09:00 WIB · Kantor Imigrasi Uji TST · terjadwal",
        "30-11-2026 08:00 WIB · Kantor Imigrasi Uji TST · dipindah",
    ]
    await world.tap(USER, "01-12-2026 09:00 WIB · Kantor Imigrasi Uji TST · terjadwal", calls=2)
    new = await world.telegram.last_bot_message(USER)
    assert new is not None and MOVE not in _labels(new) and "✖ Batalkan pesanan ini" in _labels(new)


async def test_the_question_a_second_time_does_not_move_twice(world: BotWorld) -> None:
    await _booked_with_tuesday_free(world)
    await _to_question(world)
    question = await world.telegram.last_bot_message(USER)
    assert question is not None
    await world.tap(USER, "✅ Ya, pindahkan", calls=3)
    rows = question["reply_markup"]["inline_keyboard"]
    (button,) = [b for row in rows for b in row if b["text"] == "✅ Ya, pindahkan"]
    await world.telegram.user_taps(USER, question["message_id"], button["callback_data"])
    (answer,) = await world.telegram.wait_for_bot(USER, calls=1)
    assert "Pesanan ini sudah dipindah: kode barunya" in str(answer)


async def test_a_time_taken_meanwhile_shows_the_times_still_free(world: BotWorld) -> None:
    await _booked_with_tuesday_free(world)
    await _to_question(world)
    async with world.runtime.reader() as uow:
        tuesday = await uow.slots.in_range(1, NEXT_MONDAY + timedelta(days=1), NEXT_MONDAY + timedelta(days=1))
    late = tuesday[NEXT_MONDAY + timedelta(days=1)][1].slot_id
    async with world.runtime.uow() as uow:  # the office cut the time to one place meanwhile
        await uow.slots.set_capacity(late, 1)
        await uow.commit()
    await world.tap(USER, "✅ Ya, pindahkan", calls=2)
    assert (await world.last(USER)).startswith("Tempat itu baru saja diambil orang lain.")
    assert await world.state_of(USER) == "Booking:slot"


async def test_a_moved_booking_and_one_past_its_deadline_show_no_move_button(world: BotWorld) -> None:
    await _booked_with_tuesday_free(world)
    world.clock.advance(timedelta(days=1, hours=10))  # Sunday 01:00 WIB: the last day to cancel was Saturday
    await world.tap(USER, "◀ Pesanan saya", calls=2)
    await world.tap(USER, BOOKED, calls=2)
    details = await world.telegram.last_bot_message(USER)
    assert details is not None and MOVE not in _labels(details)


async def test_an_old_move_button_after_the_deadline_says_why(world: BotWorld) -> None:
    await _booked_with_tuesday_free(world)
    world.clock.advance(timedelta(days=1, hours=10))
    await world.tap(USER, MOVE)
    answers = [c for c in world.telegram.calls if c[0] == "answerCallbackQuery"]
    assert "batas memindah sama dengan batas pembatalan, dan hari terakhirnya Sabtu, 28 November 2026" in str(
        answers[-1]
    )


async def test_keeping_the_booking_leaves_the_move_and_shows_it_as_it_was(world: BotWorld) -> None:
    await _booked_with_tuesday_free(world)
    await _to_question(world)
    await world.tap(USER, "◀ Biarkan pesanan saya seperti semula", calls=2)
    assert await world.state_of(USER) is None
    assert "Senin, 30 November 2026, 08:00–09:00 WIB" in await world.last(USER)


async def test_an_older_question_tapped_after_the_move_began_again_answers_with_an_alert(world: BotWorld) -> None:
    await _booked_with_tuesday_free(world)
    await _to_question(world)
    question = await world.telegram.last_bot_message(USER)
    assert question is not None
    yes = question["reply_markup"]["inline_keyboard"][0][0]["callback_data"]
    await world.text(USER, "/menu")
    await world.tap(USER, "🧾 Pesanan saya", calls=2)
    await world.tap(USER, BOOKED, calls=2)
    await world.tap(USER, MOVE, calls=2)  # the move begun again: its calendar, no date chosen yet
    async with world.runtime.reader() as uow:
        tuesday = await uow.slots.in_range(1, NEXT_MONDAY + timedelta(days=1), NEXT_MONDAY + timedelta(days=1))
    async with world.runtime.uow() as uow:
        await uow.slots.set_capacity(tuesday[NEXT_MONDAY + timedelta(days=1)][1].slot_id, 1)
        await uow.commit()
    await world.telegram.user_taps(USER, question["message_id"], yes)
    (answer,) = await world.telegram.wait_for_bot(USER, calls=1)
    assert answer[0] == "answerCallbackQuery" and "Tempat itu baru saja diambil orang lain." in str(answer)
    assert world.errors == []


async def test_a_booking_staff_allowed_elsewhere_moves_to_an_office_chosen_by_province(world: BotWorld) -> None:
    from core.domain.staff import Role
    from core.services import helpdesk
    from tests.integration.test_helpdesk import _member

    elsewhere = await add_office(world.runtime, sample_office("OTH", capacity=4))
    await release_days(world.runtime, elsewhere, [NEXT_MONDAY + timedelta(days=1)])
    await _booked_with_tuesday_free(world)
    async with world.runtime.reader() as uow:
        booking = await uow.bookings.get(1)  # the first and only one
    assert booking is not None
    now = world.clock.now()
    ticket = await helpdesk.escalate(
        world.runtime.uow, USER, 1, None, "id", "Saya pindah ke kota lain", {"booking": {"code": booking.code}}, now
    )
    await helpdesk.allow_move_elsewhere(world.runtime.uow(), await _member(world.runtime, "bantuan", Role.SUPPORT),
                                        ticket.id, now)  # fmt: skip
    await world.text(USER, "/menu")
    await world.tap(USER, "🧾 Pesanan saya", calls=2)
    await world.tap(USER, BOOKED, calls=2)
    await world.tap(USER, MOVE, calls=2)
    calendar = await world.telegram.last_bot_message(USER)
    assert calendar is not None and "🏢 Kantor lain" in _labels(calendar)
    await world.tap(USER, "🏢 Kantor lain", calls=2)
    await world.tap(USER, "DKI Jakarta", calls=2)
    await world.tap(USER, "Jakarta Selatan · Kanim Uji OTH", calls=2)
    shown = await world.last(USER)
    assert "Kantor Imigrasi Uji OTH" in shown
    assert "Sekarang: Kantor Imigrasi Uji TST, Senin, 30 November 2026, 08:00–09:00 WIB" in shown  # from where
    await world.tap(USER, "▶", calls=2)
    await world.tap(USER, "1✅", calls=2)
    await world.tap(USER, "08:00–09:00 · sisa 4", calls=2)
    assert "Kantor Imigrasi Uji OTH" in await world.last(USER)
    await world.tap(USER, "✅ Ya, pindahkan", calls=3)
    chat = await world.telegram.chat(USER)
    assert chat[-2]["text"].startswith("Pesanan dipindah ✅")
    assert "Kantor Imigrasi Uji OTH" in chat[-2]["text"]
