"""Telegram's limit kept across processes in a real Redis: the bot's replies and the worker's outbox share one
window per bot, and a reply waiting in one process holds the outbox back in another."""

from __future__ import annotations

import asyncio
import random

from redis.asyncio import Redis

from core.pacing import WINDOW, RateGate
from core.shared_pace import SharedWindow


def _busiest(stamps: list[float]) -> int:
    ordered = sorted(stamps)
    return max((sum(1 for t in ordered if s <= t < s + 1.0) for s in ordered), default=0)


async def _background(gate: RateGate, stamps: list[float], seconds: float, on_its_way: float = 0.0) -> None:
    """Sends for `seconds`, each request arriving (its stamp) up to `on_its_way` after it was let out, and its
    answer back as long again."""
    loop = asyncio.get_running_loop()
    until = loop.time() + seconds
    rng = random.Random(id(stamps))
    while loop.time() < until:
        async with gate.sending(interactive=False):
            await asyncio.sleep(on_its_way * rng.random())
            stamps.append(loop.time())
            await asyncio.sleep(on_its_way * rng.random())


async def test_two_processes_sharing_the_window_never_send_more_than_the_limit_together(redis_url: str) -> None:
    client = Redis.from_url(redis_url)
    try:
        # Two workers' gates, as two processes would have them: each its own window object, one log in Redis.
        gates = [RateGate.within(30, shared=SharedWindow(client, "4242", 30, WINDOW)) for _ in range(2)]
        stamps: list[list[float]] = [[], [], [], []]
        # Two senders in each, their requests taking up to 60 ms to arrive: places are held until answers are back.
        await asyncio.gather(*(_background(g, s, 2.5, 0.06) for g, s in zip(gates * 2, stamps, strict=True)))
        together = [t for s in stamps for t in s]
        assert _busiest(together) <= 30
        assert len(together) >= 0.85 * 30 * 2.5  # and together they do go at about the limit
        assert stamps[0] and stamps[1]
    finally:
        await client.aclose()


async def test_a_reply_waiting_in_the_bot_holds_the_outbox_of_the_worker_back(redis_url: str) -> None:
    client = Redis.from_url(redis_url)
    try:
        worker = RateGate.within(30, shared=SharedWindow(client, "4243", 30, WINDOW))
        bot = RateGate.within(30, shared=SharedWindow(client, "4243", 30, WINDOW))
        sent: list[float] = []
        outbox = asyncio.create_task(_background(worker, sent, 3.0))
        await asyncio.sleep(1.2)  # the window is full of the outbox's sends by now
        loop = asyncio.get_running_loop()

        async def reply() -> float:
            async with bot.sending(interactive=True):
                pass
            return loop.time()

        waits: list[tuple[float, float]] = []
        for _ in range(3):  # five replies at once, in a window the outbox keeps full
            asked = loop.time()
            answered = await asyncio.gather(*(reply() for _ in range(5)))
            waits.append((asked, max(answered)))
            await asyncio.sleep(0.2)
        await outbox
        for asked, done in waits:
            assert done - asked < 0.5  # the next five places that come are the replies'
            # Meanwhile the outbox took at most the place it was already taking when they came.
            assert sum(1 for t in sent if asked < t < done) <= 1, (asked, done, sent)
        assert _busiest(sent) <= 30
    finally:
        await client.aclose()


async def test_without_redis_each_process_keeps_its_own_window_and_nothing_is_held_back() -> None:
    client = Redis.from_url("redis://127.0.0.1:1/0", socket_connect_timeout=0.2)
    try:
        gate = RateGate.within(20, shared=SharedWindow(client, "4244", 20, WINDOW))
        stamps: list[float] = []
        await _background(gate, stamps, 1.2)
        async with gate.sending(interactive=True):
            pass
        assert _busiest(stamps) <= 20 and len(stamps) >= 15
    finally:
        await client.aclose()
