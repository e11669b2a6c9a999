"""The outgoing gate: Telegram's 429 waited out, the rate kept, interactive replies before broadcasts."""

from __future__ import annotations

import asyncio
import time

from bot.limiter import background
from core.config import Settings
from core.pacing import RateGate
from tests.bot.conftest import BotWorld


async def test_a_429_from_telegram_is_waited_out_and_the_reply_still_arrives(world: BotWorld) -> None:
    world.telegram.flood(retry_after=1, times=1, method="sendMessage")
    started = time.monotonic()
    await world.text(4242, "/start", calls=3)  # the refused send, then welcome and consent
    assert time.monotonic() - started >= 1.0
    assert "Apakah Anda setuju?" in await world.last(4242)


async def test_the_gate_keeps_to_its_rate_after_the_burst() -> None:
    gate = RateGate(rate=50, burst=5)
    started = time.monotonic()
    for _ in range(30):
        async with gate.sending(interactive=True):
            pass
    assert time.monotonic() - started >= (30 - 5) / 50 * 0.9


async def test_an_interactive_reply_goes_ahead_of_a_waiting_broadcast() -> None:
    gate = RateGate(rate=20, burst=1)
    order: list[str] = []

    async def send(name: str, interactive: bool) -> None:
        async with gate.sending(interactive=interactive):
            pass
        order.append(name)

    def broadcast(i: int) -> asyncio.Task[None]:
        with background():  # the context a broadcast task runs in
            return asyncio.create_task(send(f"b{i}", interactive=False))

    waiting = [broadcast(i) for i in range(8)]
    await asyncio.sleep(0.01)
    reply = asyncio.create_task(send("reply", interactive=True))
    await asyncio.gather(*waiting, reply)
    assert order.index("reply") <= 2


async def test_an_edit_to_what_the_message_already_shows_is_not_an_error(world: BotWorld) -> None:
    await world.text(4343, "/start", calls=2)
    message = await world.telegram.last_bot_message(4343)
    assert message is not None
    for _ in range(2):  # the second is what a double tap makes: Telegram says "message is not modified"
        await world.bot.edit_message_text(chat_id=4343, message_id=message["message_id"], text="Sama")
    assert world.telegram.errors[-1][2].startswith("Bad Request: message is not modified")


async def test_a_rush_is_taken_from_telegram_a_few_updates_at_a_time_and_every_one_is_answered(
    world: BotWorld,
) -> None:
    users = range(7000, 7040)
    # Queued in one go (no await yields to the bot meanwhile): forty updates wait when the bot next asks.
    update_ids = [await world.telegram.user_sends_text(u, "/start") for u in users]
    for u in users:
        await world.telegram.wait_for_bot(u, calls=2, timeout=20)
    batches: dict[float, int] = {}  # the updates one getUpdates handed over share its time
    for update_id in update_ids:
        delivered = await world.telegram.delivered_at(update_id)
        assert delivered is not None
        batches[delivered] = batches.get(delivered, 0) + 1
    assert max(batches.values()) <= Settings().updates_per_fetch < len(update_ids)
    assert not world.errors
