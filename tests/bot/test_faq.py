"""Help: the common questions answered in the chat, in the applicant's language, in one edited message."""

from __future__ import annotations

from datetime import timedelta

import pytest

from core.crypto import Passwords, Vault
from core.domain.staff import Role
from core.services import faq, staff
from core.services.accounts import set_language
from tests.bot.conftest import BotWorld
from tests.conftest import SECRET
from tests.factories import register

USER = 8101
USER_IN_STEP = 8301  # the user of tests/bot/test_every_state.py, whose steps reach every state


async def test_an_applicant_reads_an_answer_and_goes_back_to_the_questions(world: BotWorld) -> None:
    await register(world.runtime, Vault(SECRET), USER)
    await world.text(USER, "/menu")
    await world.tap(USER, "❓ Bantuan dan FAQ", calls=2)
    assert await world.last(USER) == "Bantuan: ketik pertanyaan Anda dengan kata-kata sendiri, atau pilih topik."
    await world.tap(USER, "Kapan kuota baru dibuka?", calls=2)
    assert "Setiap Jumat pukul 14.00 sampai Minggu pukul 16.00" in await world.last(USER)
    await world.tap(USER, "◀ Semua topik", calls=2)
    await world.tap(USER, "Mengapa saya belum bisa memesan lagi?", calls=2)
    assert "30 hari setelah tanggal kedatangan" in await world.last(USER)
    sent = [c for c in world.telegram.calls if c[0] == "sendMessage" and c[1]["chat_id"] == USER]
    assert len(sent) == 1  # only the menu: every step after it edits that message
    assert await world.telegram.unanswered() == []


async def test_the_answers_follow_the_applicants_language(world: BotWorld) -> None:
    account = await register(world.runtime, Vault(SECRET), USER)
    await set_language(world.runtime.uow(), account.id, "en")
    await world.text(USER, "/menu")
    await world.tap(USER, "❓ Help and FAQ", calls=2)
    await world.tap(USER, "What should I bring?", calls=2)
    answer = await world.last(USER)
    assert "An adult (17 or older, or married): the e-KTP and the family card." in answer
    assert "A child under 17: the birth certificate (or baptism certificate)" in answer


def _buttons(message: dict[str, object] | None) -> list[str]:
    assert message is not None
    markup = message.get("reply_markup") or {}
    assert isinstance(markup, dict)
    return [b["text"] for row in markup.get("inline_keyboard", []) for b in row]


async def test_a_question_typed_in_chat_words_gets_its_answer_and_the_next_two_topics(world: BotWorld) -> None:
    await world.text(USER, "kok nik sy ditolak trs??")  # before registering: help is for everyone
    answer = await world.last(USER)
    assert answer.startswith("❓ Mengapa NIK saya ditolak?") and "16 angka" in answer
    offered = _buttons(await world.telegram.last_bot_message(USER))
    assert len([b for b in offered if b.startswith("❓ ")]) == 2 and "◀ Semua topik" in offered
    await world.tap(USER, next(b for b in offered if b.startswith("❓ ")), calls=2)  # the answer and its edit
    assert (await world.last(USER)).startswith("❓ ") and "16 angka" not in await world.last(USER)
    assert world.errors == []


async def test_help_with_a_question_answers_it_and_in_english_for_an_english_reader(world: BotWorld) -> None:
    account = await register(world.runtime, Vault(SECRET), USER)
    await world.text(USER, "/help kapan kuota dibuka")
    assert "Setiap Jumat pukul 14.00 sampai Minggu pukul 16.00" in await world.last(USER)
    await set_language(world.runtime.uow(), account.id, "en")
    await world.text(USER, "bisa batal gak?")  # asked in Indonesian, answered in the reader's language
    assert (await world.last(USER)).startswith("❓ How do I cancel?")


async def test_a_question_no_topic_answers_gets_the_closest_topics_not_a_wrong_answer(world: BotWorld) -> None:
    await world.text(USER, "kalo ujan deres gmn ya")  # no word the help knows
    assert await world.last(USER) == (
        "Saya tidak menemukannya di topik bantuan. Pilih salah satu di bawah, atau tanyakan dengan kata lain."
    )
    offered = _buttons(await world.telegram.last_bot_message(USER))
    assert "◀ Semua topik" in offered and "◀ Menu" in offered
    await world.text(USER, "biaya bikin paspor brp sih skrg")  # the fee: not ours to answer, and said so
    assert (await world.last(USER)).startswith("Itu perlu ditanyakan ke kantor imigrasi")


async def test_a_greeting_is_met_in_kind_with_the_way_to_start_or_the_menu(world: BotWorld) -> None:
    await world.text(USER, "halooo")
    assert (await world.last(USER)).startswith("Halo! 👋") and "/start" in await world.last(USER)
    await register(world.runtime, Vault(SECRET), USER)
    await world.text(USER, "makasih ya min")
    assert await world.last(USER) == "Halo! 👋 Ketik pertanyaan Anda, atau pilih dari menu:"
    assert "📅 Pesan antrean" in _buttons(await world.telegram.last_bot_message(USER))


async def test_a_question_typed_in_an_open_step_is_answered_and_the_step_is_one_tap_away(world: BotWorld) -> None:
    from tests.bot.test_every_state import STEPS

    calendar = next(s for s in STEPS if s.state.state == "Booking:calendar")
    await calendar.reach(world)
    await world.text(USER_IN_STEP, "gimana cara batalin bookingan nanti?")
    assert (await world.last(USER_IN_STEP)).startswith("❓ Bagaimana cara membatalkan?")
    assert await world.state_of(USER_IN_STEP) == "Booking:calendar"
    await world.tap(USER_IN_STEP, "↩ Kembali ke langkah tadi", calls=2)
    assert "Pilih tanggal kedatangan." in await world.last(USER_IN_STEP)
    assert await world.state_of(USER_IN_STEP) == "Booking:calendar" and world.errors == []


BUTTON_STEPS = ["Registration:consent", "Booking:party", "Booking:calendar", "Booking:slot", "Booking:summary"]


@pytest.mark.parametrize("state", BUTTON_STEPS)
async def test_words_typed_in_a_step_that_waits_for_a_tap_are_its_answer_unless_they_ask(
    world: BotWorld, state: str
) -> None:
    from tests.bot.test_every_state import NOT_THIS_STEP, STEPS

    step = next(s for s in STEPS if s.state.state == state)
    await step.reach(world)
    await world.text(USER_IN_STEP, "iya setuju jam 10 aja", calls=2)  # a wrong answer to the step, not a question
    chat = await world.telegram.chat(USER_IN_STEP)
    assert chat[-2]["text"] == NOT_THIS_STEP and step.question in chat[-1]["text"]
    await world.text(USER_IN_STEP, "kalau mau batal gimana caranya?")  # a question: answered, the step kept
    assert (await world.last(USER_IN_STEP)).startswith("❓ Bagaimana cara membatalkan?")
    assert await world.state_of(USER_IN_STEP) == state and world.errors == []


async def test_a_nik_typed_in_a_question_is_deleted_from_the_chat(world: BotWorld) -> None:
    await world.text(USER, "nik saya 3174014107900001 kok ditolak?", calls=3)  # deleted, told so, answered
    methods = [m for m, p in world.telegram.calls if p.get("chat_id") == USER]
    assert "deleteMessage" in methods
    chat = await world.telegram.chat(USER)
    assert not any("3174014107900001" in str(m.get("text", "")) for m in chat)
    assert (await world.last(USER)).startswith("❓ Mengapa NIK saya ditolak?")


async def test_an_answer_asks_whether_it_helped_and_a_yes_is_thanked(world: BotWorld) -> None:
    await world.text(USER, "kapan kuota dibuka?")
    assert (await world.last(USER)).endswith("Apakah ini membantu?")
    offered = _buttons(await world.telegram.last_bot_message(USER))
    assert "👍 Ya" in offered and "👎 Tidak, tanya petugas" in offered
    await world.tap(USER, "👍 Ya")
    answered = [p for m, p in world.telegram.calls if m == "answerCallbackQuery"]
    assert answered[-1].get("text") == "🙂 Senang bisa membantu."


async def _entry_written(world: BotWorld) -> None:
    """An FAQ entry as support staff write it on the help desk's pages."""
    support = await staff.create_staff(
        world.runtime.uow(), Passwords(time_cost=1, memory_kib=8192), username="bantuan", display_name="Bu Rina",
        password="kata-sandi-panjang", role=Role.SUPPORT, office_codes=[], now=world.clock.now(),
    )  # fmt: skip
    texts = {
        "id": ("Apakah ada tempat parkir motor?", "Ada, di belakang gedung kantor, gratis."),
        "en": ("Is there motorbike parking?", "Yes, behind the office building, free of charge."),
    }
    await faq.write_entry(world.runtime.uow(), support, texts, "parkiran motor\nparkir mobil", world.clock.now())


async def test_an_entry_staff_wrote_answers_questions_and_is_in_the_list_in_each_language(world: BotWorld) -> None:
    account = await register(world.runtime, Vault(SECRET), USER)
    world.runtime.help.REFRESH_SECONDS = 0  # at once: the wait is for the entry to reach other processes
    await _entry_written(world)
    await world.text(USER, "parkiran motor ada gk min")
    assert await world.last(USER) == (
        "❓ Apakah ada tempat parkir motor?\n\nAda, di belakang gedung kantor, gratis.\n\nApakah ini membantu?"
    )
    await set_language(world.runtime.uow(), account.id, "en")
    await world.text(USER, "/menu")
    await world.tap(USER, "❓ Help and FAQ", calls=2)
    assert "Is there motorbike parking?" in _buttons(await world.telegram.last_bot_message(USER))
    await world.tap(USER, "Is there motorbike parking?", calls=2)
    assert "Yes, behind the office building" in await world.last(USER)
    assert world.errors == []


async def test_a_retired_entrys_old_button_says_so_and_shows_the_list_as_it_stands(world: BotWorld) -> None:
    world.runtime.help.REFRESH_SECONDS = 0
    await _entry_written(world)
    await world.text(USER, "/help")
    support = (await staff.list_staff(world.runtime.reader()))[0]
    await faq.retire_entry(world.runtime.uow(), support, 1, world.clock.now())
    await world.tap(USER, "Apakah ada tempat parkir motor?", calls=2)
    alert = [p for m, p in world.telegram.calls if m == "answerCallbackQuery"][-1]
    assert alert.get("show_alert") and "sudah tidak ada di daftar" in str(alert.get("text"))
    assert "Apakah ada tempat parkir motor?" not in _buttons(await world.telegram.last_bot_message(USER))


async def test_questions_the_help_did_not_answer_are_kept_for_staff_with_the_numbers_masked(world: BotWorld) -> None:
    await world.text(USER, "kalo ujan deres gmn ya")  # no topic
    await world.text(USER, "biaya bikin paspor brp")  # not ours to answer
    await world.text(USER, "halo")  # a greeting: nothing to keep
    await world.text(USER, "kapan kuota dibuka?")  # answered...
    await world.tap(USER, "👎 Tidak, tanya petugas", calls=2)  # ...but it did not help
    async with world.runtime.reader() as uow:
        kept = await uow.unanswered.waiting(world.clock.now() - timedelta(days=1), 10)
    assert sorted((q.text, q.reason) for q in kept) == [
        ("biaya bikin paspor brp", "outside"),
        ("kalo ujan deres gmn ya", "unsure"),
        ("kapan kuota dibuka?", "not_helped"),
    ]
    assert {q.text: q.topic for q in kept}["kapan kuota dibuka?"] == "opening"  # the answer that did not help
    await world.text(USER, "nik 3174014107900001 kok gk bisa2 sih, ujan deres")
    async with world.runtime.reader() as uow:
        texts = [q.text for q in await uow.unanswered.waiting(world.clock.now() - timedelta(days=1), 10)]
    assert not any("3174014107900001" in t for t in texts)
