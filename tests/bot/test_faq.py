"""Help: the common questions answered in the chat, in the applicant's language, in one edited message."""

from __future__ import annotations

from core.crypto import Vault
from core.services.accounts import set_language
from tests.bot.conftest import BotWorld
from tests.conftest import SECRET
from tests.factories import register

USER = 8101


async def test_an_applicant_reads_an_answer_and_goes_back_to_the_questions(world: BotWorld) -> None:
    await register(world.runtime, Vault(SECRET), USER)
    await world.text(USER, "/menu")
    await world.tap(USER, "❓ Bantuan dan FAQ", calls=2)
    assert await world.last(USER) == "Bantuan: pilih pertanyaan."
    await world.tap(USER, "Kapan kuota baru dibuka?", calls=2)
    assert "Setiap Jumat pukul 14.00 sampai Minggu pukul 16.00" in await world.last(USER)
    await world.tap(USER, "◀ Pertanyaan lain", calls=2)
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
