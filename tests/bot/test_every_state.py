"""In every state: odd input gets the step's question again, commands work, long text gets a short answer."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from datetime import date, timedelta

import pytest
from aiogram.fsm.state import State

from bot.states import Alerts, Asking, Booking, Family, Registration
from core.crypto import Vault
from tests.bot.conftest import BotWorld
from tests.bot.test_fuzz import _settle
from tests.conftest import NEXT_MONDAY, SECRET
from tests.factories import add_office, make_nik, register, release_days, sample_office

USER = 8301
OWNER_NIK = make_nik(date(1985, 3, 14), female=True, serial=12)
CHILD_NIK = make_nik(date(2016, 8, 9), female=True, serial=77)
NOT_THIS_STEP = "Itu bukan yang diperlukan pada langkah ini."
LONG = "a" * 5000


async def _consent(world: BotWorld) -> None:
    await world.text(USER, "/start", calls=2)


async def _full_name(world: BotWorld) -> None:
    await _consent(world)
    await world.tap(USER, "✅ Saya setuju", calls=3)


async def _nik(world: BotWorld) -> None:
    await _full_name(world)
    await world.text(USER, "Siti Rahmawati")


async def _birth_date(world: BotWorld) -> None:
    await _nik(world)
    await world.text(USER, OWNER_NIK, calls=2)  # the NIK's message deleted, the date asked


async def _family_card(world: BotWorld) -> None:
    await _birth_date(world)
    await world.tap(USER, "✅ Ya, Kamis, 14 Maret 1985", calls=3)


async def _phone(world: BotWorld) -> None:
    await _family_card(world)
    await world.text(USER, "3174 0101 0120 0001", calls=2)


async def _member_name(world: BotWorld) -> None:
    await register(world.runtime, Vault(SECRET), USER)
    await world.text(USER, "/menu")
    await world.tap(USER, "👨‍👩‍👧 Anggota keluarga", calls=2)
    await world.tap(USER, "➕ Tambah anggota keluarga", calls=2)


async def _member_nik(world: BotWorld) -> None:
    await _member_name(world)
    await world.text(USER, "Putri Ayu Lestari")


async def _member_birth_date(world: BotWorld) -> None:
    await _member_nik(world)
    await world.text(USER, CHILD_NIK, calls=2)


async def _office(world: BotWorld) -> None:
    office = await add_office(world.runtime, sample_office())
    await release_days(world.runtime, office, [NEXT_MONDAY])
    await register(world.runtime, Vault(SECRET), USER, family=1)
    await world.text(USER, "/menu")
    await world.tap(USER, "📅 Pesan antrean", calls=2)


async def _alerts_office(world: BotWorld) -> None:
    await add_office(world.runtime, sample_office())
    await register(world.runtime, Vault(SECRET), USER)
    await world.text(USER, "/menu")
    await world.tap(USER, "🔔 Pemberitahuan kuota", calls=2)
    await world.tap(USER, "➕ Ikuti kantor", calls=2)


async def _asking(world: BotWorld) -> None:
    await register(world.runtime, Vault(SECRET), USER)
    await world.text(USER, "/help")
    await world.tap(USER, "Saya ingin bicara dengan petugas.", calls=2)
    await world.tap(USER, "🙋 Tanya petugas", calls=2)


async def _party(world: BotWorld) -> None:
    await _office(world)
    await world.tap(USER, "Jakarta Selatan · Kanim Uji TST", calls=2)


async def _calendar(world: BotWorld) -> None:
    await _party(world)
    await world.tap(USER, "Lanjut ▶", calls=2)


async def _slot(world: BotWorld) -> None:
    await _calendar(world)
    await world.tap(USER, "30✅", calls=2)


async def _summary(world: BotWorld) -> None:
    await _slot(world)
    await world.tap(USER, "08:00–09:00 · sisa 10", calls=2)


async def _move(world: BotWorld) -> None:
    office = await add_office(world.runtime, sample_office())
    await release_days(world.runtime, office, [NEXT_MONDAY, NEXT_MONDAY + timedelta(days=1)])
    account = await register(world.runtime, Vault(SECRET), USER)
    async with world.runtime.reader() as uow:
        assert office.id is not None
        monday = (await uow.slots.in_range(office.id, NEXT_MONDAY, NEXT_MONDAY))[NEXT_MONDAY][0].slot_id
    await world.text(USER, "/menu")
    hold = await world.runtime.desk.hold(account.id, monday, [account.applicants[0].id], ["new"], "k")
    await world.runtime.desk.confirm(account.id, hold.booking_id)
    await world.unasked(USER)  # the proof, through the outbox
    await world.tap(USER, "🧾 Pesanan saya", calls=2)
    await world.tap(USER, "30-11-2026 08:00 WIB · Kantor Imigrasi Uji TST · terjadwal", calls=2)
    await world.tap(USER, "🔁 Pindah ke tanggal atau jam lain", calls=2)
    await world.tap(USER, "▶", calls=2)
    await world.tap(USER, "1✅", calls=2)
    await world.tap(USER, "09:00–10:00 · sisa 10", calls=2)


@dataclass(frozen=True)
class Step:
    state: State
    reach: Callable[[BotWorld], Awaitable[None]]
    question: str  # a part of the step's question, in Indonesian
    button: str | None = None  # a button its keyboard shows
    registered: bool = True


STEPS = [
    Step(Registration.consent, _consent, "Apakah Anda setuju?", "✅ Saya setuju", registered=False),
    Step(Registration.full_name, _full_name, "Nama lengkap Anda, persis seperti di e-KTP:", registered=False),
    Step(Registration.nik, _nik, "NIK Anda (16 angka yang tertera di e-KTP):", registered=False),
    Step(
        Registration.birth_date,
        _birth_date,
        "Menurut NIK, Anda lahir pada Kamis, 14 Maret 1985",
        "✅ Ya, Kamis, 14 Maret 1985",
        registered=False,
    ),
    Step(Registration.family_card, _family_card, "Nomor Kartu Keluarga (KK) Anda, 16 angka:", registered=False),
    Step(Registration.phone, _phone, "Langkah terakhir", "📱 Bagikan nomor telepon saya", registered=False),
    Step(Family.full_name, _member_name, "Nama lengkap anggota keluarga"),
    Step(Family.nik, _member_nik, "NIK-nya (16 angka, tercantum juga di Kartu Keluarga):"),
    Step(
        Family.birth_date,
        _member_birth_date,
        "Menurut NIK, ia lahir pada Selasa, 9 Agustus 2016",
        "✅ Ya, Selasa, 9 Agustus 2016",
    ),
    Step(Booking.office, _office, "Pilih kantor.", "Jakarta Selatan · Kanim Uji TST"),
    Step(Alerts.office, _alerts_office, "Kantor yang mana?", "Jakarta Selatan · Kanim Uji TST"),
    Step(Asking.question, _asking, "Tulis pertanyaan Anda untuk petugas kami", "◀ Kembali"),
    Step(Booking.party, _party, "Siapa saja yang datang?", "Lanjut ▶"),
    Step(Booking.calendar, _calendar, "Pilih tanggal kedatangan.", "30✅"),
    Step(Booking.slot, _slot, "Senin, 30 November 2026: pilih jam kedatangan (WIB).", "08:00–09:00 · sisa 10"),
    Step(
        Booking.summary, _summary, "Pembatalan bisa dilakukan sampai Sabtu, 28 November 2026", "✅ Konfirmasi pesanan"
    ),
    Step(Booking.move, _move, "Baru: Selasa, 1 Desember 2026, 09:00–10:00 WIB", "✅ Ya, pindahkan"),
]
IDS = [s.state.state for s in STEPS]


def _buttons(message: dict[str, object]) -> list[str]:
    markup = message.get("reply_markup") or {}
    assert isinstance(markup, dict)
    rows = markup.get("inline_keyboard") or markup.get("keyboard") or []
    return [b["text"] for row in rows for b in row]


async def _asked_again(world: BotWorld, step: Step) -> None:
    chat = await world.telegram.chat(USER)
    assert chat[-2]["text"] == NOT_THIS_STEP
    assert step.question in chat[-1]["text"]
    if step.button is not None:
        assert step.button in _buttons(chat[-1])
    assert await world.state_of(USER) == step.state.state


def test_every_state_of_the_conversation_is_driven_here() -> None:
    from tests.bot.test_states import _all_states

    assert {s.state for s in _all_states()} == set(IDS)


@pytest.mark.parametrize("step", STEPS, ids=IDS)
async def test_a_sticker_in_any_step_gets_that_steps_question_again(world: BotWorld, step: Step) -> None:
    await step.reach(world)
    assert await world.state_of(USER) == step.state.state
    await world.telegram.user_sends_sticker(USER)
    await world.telegram.wait_for_bot(USER, calls=2)
    await _asked_again(world, step)
    assert world.errors == []


@pytest.mark.parametrize("step", STEPS, ids=IDS)
async def test_a_photo_or_a_voice_note_in_any_step_gets_that_steps_question_again(world: BotWorld, step: Step) -> None:
    await step.reach(world)
    photo = [{"file_id": "AgACAgIAAxkBAAIB", "file_unique_id": "AQADphoto", "width": 90, "height": 90}]
    for content in (
        {"photo": photo},
        {"voice": {"file_id": "AwACAgIAAxkBAAIC", "file_unique_id": "v1", "duration": 2}},
    ):
        calls = await world.feed(USER, content)
        assert [c[0] for c in calls] == ["sendMessage", "sendMessage"]
        await _asked_again(world, step)
    assert world.errors == []


@pytest.mark.parametrize("step", STEPS, ids=IDS)
async def test_menu_in_any_step_leaves_it_and_shows_the_menu(world: BotWorld, step: Step) -> None:
    await step.reach(world)
    await world.text(USER, "/menu")
    message = await world.telegram.last_bot_message(USER)
    assert message is not None
    if step.registered:
        assert message["text"] == "Apa yang ingin Anda lakukan?"
        assert "📅 Pesan antrean" in _buttons(message)
    else:
        assert message["text"] == "Kirim /start untuk memulai."
        assert await world.telegram.keyboard(USER) is None  # the share-contact button is gone too
    assert await world.state_of(USER) is None
    if step.state == Booking.summary:  # the places held for the summary went back at once
        async with world.runtime.reader() as uow:
            slots = (await uow.slots.in_range(1, NEXT_MONDAY, NEXT_MONDAY))[NEXT_MONDAY]
        assert all(s.taken == 0 for s in slots)


@pytest.mark.parametrize("step", STEPS, ids=IDS)
async def test_help_and_language_answer_beside_any_step_which_stays_open(world: BotWorld, step: Step) -> None:
    await step.reach(world)
    await world.text(USER, "/help")
    assert await world.last(USER) == "Bantuan: ketik pertanyaan Anda dengan kata-kata sendiri, atau pilih topik."
    await world.text(USER, "/language")
    assert await world.last(USER) == "Pilih bahasa:"
    assert await world.state_of(USER) == step.state.state
    await world.tap(USER, "English", calls=3)  # answer, "Language set.", the step's question in English
    assert (await world.telegram.chat(USER))[-2]["text"] == "Language set."
    assert await world.state_of(USER) == step.state.state


@pytest.mark.parametrize("step", STEPS, ids=IDS)
async def test_five_thousand_letters_in_any_step_get_a_short_answer(world: BotWorld, step: Step) -> None:
    await step.reach(world)
    before = len(world.telegram.calls)
    await world.telegram.user_sends_text(USER, LONG)
    await world.telegram.wait_for_bot(USER)
    await _settle(world)
    sent = [p["text"] for m, p in world.telegram.calls[before:] if m == "sendMessage" and p["chat_id"] == USER]
    assert sent
    assert all(len(text) <= 700 for text in sent), [len(t) for t in sent]
    assert not any("a" * 50 in text for text in sent)  # the input is not echoed, at most a short excerpt
    assert world.telegram.errors == [] and world.errors == []
    assert await world.state_of(USER) == step.state.state
