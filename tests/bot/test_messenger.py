"""The engine's messaging port on the bot's side: a notice reaches the chat, a chat that is gone says so."""

from __future__ import annotations

import pytest
from aiogram.exceptions import TelegramNetworkError

from bot.messenger import TelegramMessenger
from core.services.messaging import Delivery, Notice
from tests.bot.conftest import BotWorld


async def test_a_notice_arrives_in_the_applicants_chat_as_a_message_from_the_bot(world: BotWorld) -> None:
    await world.text(7, "/start")  # the applicant has talked to the bot, so it may write to them
    delivered = await TelegramMessenger(world.bot).send(Notice(7, "Jawaban petugas: bawa KK asli."))
    assert delivered is Delivery.SENT
    assert await world.last(7) == "Jawaban petugas: bawa KK asli."


async def test_a_chat_that_blocked_the_bot_is_unreachable_and_not_an_error(world: BotWorld) -> None:
    await world.text(8, "/start")
    await world.telegram.user_blocks_bot(8)
    assert await TelegramMessenger(world.bot).send(Notice(8, "Kuota dibuka")) is Delivery.UNREACHABLE


async def test_a_chat_telegram_does_not_know_is_unreachable(world: BotWorld) -> None:
    assert await TelegramMessenger(world.bot).send(Notice(999_999, "Kuota dibuka")) is Delivery.UNREACHABLE


async def test_a_passing_failure_raises_so_that_the_notice_is_tried_again(world: BotWorld) -> None:
    await world.text(9, "/start")
    await world.telegram.stop()
    with pytest.raises(TelegramNetworkError):
        await TelegramMessenger(world.bot).send(Notice(9, "Kuota dibuka"))
