"""The bot's HTTP session: long polling's taps arrive without the keyboard they were tapped on, and nothing else
of them is lost."""

from __future__ import annotations

import json
from typing import Any

from aiogram import Bot
from aiogram.methods import GetUpdates
from aiogram.types import Update

from bot.session import LeanSession, without_tapped_keyboard

CALENDAR = {"inline_keyboard": [[{"text": str(d), "callback_data": f"day:{d}"} for d in range(1, 8)]] * 6}


def tap(update_id: int) -> dict[str, Any]:
    user = {"id": 7, "is_bot": False, "first_name": "Budi"}
    message = {"message_id": 3, "date": 0, "chat": {"id": 7, "type": "private"}, "text": "Pilih tanggal",
               "reply_markup": CALENDAR}  # fmt: skip
    return {"update_id": update_id, "callback_query": {"id": "q1", "from": user, "chat_instance": "c", "data": "day:5",
                                                       "message": message}}  # fmt: skip


async def test_polled_taps_come_without_the_keyboard_they_were_tapped_on_and_keep_the_rest() -> None:
    session = LeanSession()
    bot = Bot("42:TEST", session=session)
    try:
        content = json.dumps(
            {"ok": True, "result": [tap(1), {"update_id": 2, "message": tap(2)["callback_query"]["message"]}]}
        )
        updates: list[Update] = session.check_response(bot, GetUpdates(), 200, content).result
    finally:
        await session.close()

    query = updates[0].callback_query
    assert query is not None and query.message is not None
    assert query.data == "day:5" and query.message.text == "Pilih tanggal"  # type: ignore[union-attr]
    assert query.message.reply_markup is None  # type: ignore[union-attr]
    # A message with a keyboard (not a tap) keeps it: only a tap's own message loses it.
    assert updates[1].message is not None and updates[1].message.reply_markup is not None


def test_an_update_without_a_tap_is_left_as_it_is() -> None:
    message = {"update_id": 1, "message": {"message_id": 1, "reply_markup": CALENDAR}}
    assert without_tapped_keyboard(json.loads(json.dumps(message))) == message
