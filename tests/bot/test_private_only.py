"""The conversation happens only in private chats: in a group the bot points there in one line and stores nothing."""

from __future__ import annotations

from typing import Any

from aiogram.exceptions import TelegramBadRequest
from sqlalchemy import select

from core.persistence.tables import conversations
from core.services.accounts import account_by_telegram_user
from tests.bot.conftest import BotWorld

USER = 8401
GROUP = {"id": -1001234567890, "type": "supergroup", "title": "Warga RT 05"}


def _command(text: str) -> dict[str, Any]:
    return {"text": text, "entities": [{"type": "bot_command", "offset": 0, "length": len(text.split()[0])}]}


async def _nothing_stored(world: BotWorld) -> None:
    assert await account_by_telegram_user(world.runtime.reader(), USER) is None
    fsm = world.dispatcher.fsm
    for chat_id in (GROUP["id"], USER):
        context = fsm.get_context(world.bot, chat_id=chat_id, user_id=USER)
        assert await context.get_state() is None and await context.get_data() == {}
    await world.dispatcher.storage.flush()  # type: ignore[attr-defined]  # SqlStorage writes behind
    async with world.runtime.engine.connect() as conn:
        rows = (await conn.execute(select(conversations.c.key))).scalars().all()
    assert not [key for key in rows if str(GROUP["id"]) in key or f":{USER}:" in key]


def _only_the_stand_in_refused(world: BotWorld) -> None:
    # The stand-in plays private chats only, so it refuses the bot's one line to the group as "chat not found".
    assert all(isinstance(e, TelegramBadRequest) and "chat not found" in e.message for e in world.errors)


async def test_start_in_a_group_gets_one_short_line_and_stores_nothing(world: BotWorld) -> None:
    calls = await world.feed(USER, _command("/start"), chat=GROUP)
    assert [method for method, _ in calls] == ["sendMessage"]
    text = calls[0][1]["text"]
    assert len(text) < 200 and "chat pribadi" in text and "@antrean_bot" in text
    assert "NIK" not in text and "setuju" not in text  # neither the consent nor the NIK question
    _only_the_stand_in_refused(world)
    await _nothing_stored(world)


async def test_in_a_group_the_bot_answers_only_what_is_addressed_to_it(world: BotWorld) -> None:
    assert await world.feed(USER, {"text": "Selamat pagi semua, ada yang sudah dapat antrean?"}, chat=GROUP) == []
    assert await world.feed(USER, _command("/start@another_bot"), chat=GROUP) == []
    assert await world.feed(USER, {"text": "3174010101200001"}, chat=GROUP) == []
    mention = {"text": "@antrean_bot cara daftar?", "entities": [{"type": "mention", "offset": 0, "length": 12}]}
    assert [method for method, _ in await world.feed(USER, mention, chat=GROUP)] == ["sendMessage"]
    assert [method for method, _ in await world.feed(USER, _command("/menu@antrean_bot"), chat=GROUP)] == [
        "sendMessage"
    ]
    _only_the_stand_in_refused(world)
    await _nothing_stored(world)


async def test_the_same_applicant_is_welcomed_in_the_private_chat(world: BotWorld) -> None:
    await world.feed(USER, _command("/start"), chat=GROUP)
    await world.text(USER, "/start", calls=2)  # welcome, consent question
    assert "Apakah Anda setuju?" in await world.last(USER)
