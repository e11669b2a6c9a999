"""Conversation state survives a restart: in the database by default, in Redis when configured."""

from __future__ import annotations

import asyncio
from dataclasses import replace

import pytest
from aiogram.fsm.storage.base import BaseStorage, StorageKey

from bot.factory import build_dispatcher, make_bot, poll
from bot.states import Registration
from bot.storage import SqlStorage, make_storage
from core.services.accounts import account_by_telegram_user
from tests.bot.conftest import BotWorld

KEY = StorageKey(bot_id=1, chat_id=42, user_id=42)


async def _round_trip(first: BaseStorage, second: BaseStorage) -> None:
    await first.set_state(KEY, Registration.nik)
    await first.set_data(KEY, {"full_name": "SITI", "party": [1, 2]})
    await first.close()
    assert await second.get_state(KEY) == Registration.nik.state
    assert await second.get_data(KEY) == {"full_name": "SITI", "party": [1, 2]}
    await second.set_state(KEY, None)
    assert await second.get_state(KEY) is None
    assert await second.get_data(KEY) == {"full_name": "SITI", "party": [1, 2]}
    await second.close()


async def test_the_database_storage_keeps_state_and_data_across_instances(world: BotWorld) -> None:
    rt = world.runtime
    await _round_trip(SqlStorage(rt.engine, rt.ledger, rt.clock), SqlStorage(rt.engine, rt.ledger, rt.clock))


async def test_the_redis_storage_keeps_state_and_data_across_instances(redis_url: str, world: BotWorld) -> None:
    rt = replace(world.runtime, settings=world.runtime.settings.model_copy(update={"redis_url": redis_url}))
    await _round_trip(make_storage(rt), make_storage(rt))


@pytest.mark.parametrize("backend", ["database", "redis"])
async def test_an_applicant_half_way_resumes_after_the_bot_restarts(
    backend: str, world: BotWorld, request: pytest.FixtureRequest
) -> None:
    user = 5151
    redis_url = request.getfixturevalue("redis_url") if backend == "redis" else None
    settings = world.runtime.settings.model_copy(update={"redis_url": redis_url})
    rt = replace(world.runtime, settings=settings)
    # The world's own bot process is stopped: this test plays two, one after the other.
    await world.stop()
    for attempt in range(2):
        bot = make_bot(settings)
        dp = build_dispatcher(rt, make_storage(rt))
        polling = asyncio.create_task(poll(dp, bot, settings, handle_signals=False, polling_timeout=1))
        if attempt == 0:
            await world.text(user, "/start", calls=2)
            await world.tap(user, "✅ Saya setuju", calls=3)
            await world.text(user, "Budi Santoso")
        else:
            await world.text(user, "3174010107850001", calls=2)  # the NIK step, where the first process left off
            assert "Menurut NIK, Anda lahir pada Senin, 1 Juli 1985" in await world.last(user)
        await dp.stop_polling()
        await polling
        await dp.storage.close()
        await bot.session.close()
    assert await account_by_telegram_user(rt.reader(), user) is None  # not registered: still half-way


async def test_a_change_is_written_behind_without_waiting_for_a_close(world: BotWorld) -> None:
    rt = world.runtime
    first = SqlStorage(rt.engine, rt.ledger, rt.clock, reader=rt.read_engine)
    await first.set_state(KEY, Registration.phone)
    await first.set_data(KEY, {"step": 5})
    await first.flush()  # what the background writer does a moment after a change
    fresh = SqlStorage(rt.engine, rt.ledger, rt.clock)
    assert await fresh.get_state(KEY) == Registration.phone.state
    assert await fresh.get_data(KEY) == {"step": 5}
    await first.close()
    await fresh.close()


async def test_the_data_a_handler_changes_is_not_stored_until_it_is_set(world: BotWorld) -> None:
    storage = SqlStorage(world.runtime.engine, world.runtime.ledger, world.runtime.clock)
    await storage.set_data(KEY, {"party": [1]})
    (await storage.get_data(KEY))["party"].append(2)
    assert await storage.get_data(KEY) == {"party": [1]}
    await storage.close()


async def test_the_memory_keeps_a_bounded_number_of_conversations_and_forgets_none_unwritten(world: BotWorld) -> None:
    rt = world.runtime
    storage = SqlStorage(rt.engine, rt.ledger, rt.clock, max_cached=3)
    keys = [StorageKey(bot_id=1, chat_id=n, user_id=n) for n in range(10)]
    for n, key in enumerate(keys):
        await storage.set_data(key, {"n": n})
    await storage.flush()
    assert len(storage._rows) <= 3
    for n, key in enumerate(keys):  # the forgotten ones come back from the database
        assert await storage.get_data(key) == {"n": n}
    await storage.close()


async def test_an_update_reads_its_conversation_from_redis_once_and_writes_through(redis_url: str) -> None:
    import redis.asyncio as aioredis
    from aiogram.fsm.storage.base import DefaultKeyBuilder
    from aiogram.fsm.storage.redis import RedisStorage

    from bot.storage import ReadOnce, remember_reads

    client = aioredis.Redis.from_url(redis_url)
    storage = ReadOnce(RedisStorage(client, key_builder=DefaultKeyBuilder(prefix="antrean")))

    async def gets() -> int:
        stats = await client.info("commandstats")
        return sum(int(stats.get(f"cmdstat_{c}", {}).get("calls", 0)) for c in ("get", "mget"))

    async def one_update() -> dict[str, object]:
        remember_reads()
        for _ in range(3):  # as aiogram and a handler do
            await storage.get_state(KEY)
            await storage.get_data(KEY)
        await storage.update_data(KEY, {"day": "2026-11-30"})
        await storage.set_state(KEY, Registration.nik)
        assert await storage.get_state(KEY) == Registration.nik.state  # its own writes, read back
        return await storage.get_data(KEY)

    before = await gets()
    assert await asyncio.create_task(one_update()) == {"day": "2026-11-30"}
    assert await gets() - before == 1  # the state and the data, once, together
    await RedisStorage(client, key_builder=DefaultKeyBuilder(prefix="antrean")).set_data(KEY, {"day": "2026-12-01"})
    assert await asyncio.create_task(storage.get_data(KEY)) == {"day": "2026-12-01"}  # the next update: Redis's now
    await storage.close()
