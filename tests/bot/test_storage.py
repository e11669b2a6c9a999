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


async def test_an_update_reads_its_conversation_from_redis_once_and_writes_it_once(redis_url: str) -> None:
    import redis.asyncio as aioredis
    from aiogram.fsm.storage.base import DefaultKeyBuilder
    from aiogram.fsm.storage.redis import RedisStorage

    from bot.storage import ReadOnce, remember_reads, write_pending

    client = aioredis.Redis.from_url(redis_url)
    storage = ReadOnce(RedisStorage(client, key_builder=DefaultKeyBuilder(prefix="antrean")))
    other = RedisStorage(client, key_builder=DefaultKeyBuilder(prefix="antrean"))  # another worker's view
    await other.set_state(KEY, None)
    await other.set_data(KEY, {})

    async def calls(*commands: str) -> int:
        stats = await client.info("commandstats")
        return sum(int(stats.get(f"cmdstat_{c}", {}).get("calls", 0)) for c in commands)

    async def one_update() -> tuple[object, ...]:
        remember_reads()
        for _ in range(3):  # as aiogram and a handler do
            await storage.get_state(KEY)
            await storage.get_data(KEY)
        await storage.update_data(KEY, {"day": "2026-11-30"})
        await storage.set_state(KEY, Registration.nik)
        own = (await storage.get_state(KEY), await storage.get_data(KEY))  # its own writes, read back
        stored_meanwhile = (await other.get_state(KEY), await other.get_data(KEY))
        writes_before = await calls("set", "del", "exec")
        await write_pending(end=True)
        return own, stored_meanwhile, await calls("set", "del", "exec") - writes_before

    reads_before = await calls("get", "mget")
    own, meanwhile, writes = await asyncio.create_task(one_update())
    assert own == (Registration.nik.state, {"day": "2026-11-30"})
    assert meanwhile == (None, {})  # nothing is stored until the update sends it
    assert writes == 3  # the state and the data, together: SET, SET, EXEC
    assert await calls("get", "mget") - reads_before == 1 + 2  # one read by the update, two by `other` above
    assert (await other.get_state(KEY), await other.get_data(KEY)) == (Registration.nik.state, {"day": "2026-11-30"})
    await other.set_data(KEY, {"day": "2026-12-01"})
    assert await asyncio.create_task(storage.get_data(KEY)) == {"day": "2026-12-01"}  # the next update: Redis's now
    await storage.close()


async def test_a_step_that_fails_before_it_shows_anything_leaves_the_conversation_as_it_was(redis_url: str) -> None:
    import redis.asyncio as aioredis
    from aiogram.fsm.storage.base import DefaultKeyBuilder
    from aiogram.fsm.storage.redis import RedisStorage

    from bot.storage import ReadOnce, drop_pending, remember_reads

    client = aioredis.Redis.from_url(redis_url)
    storage = ReadOnce(RedisStorage(client, key_builder=DefaultKeyBuilder(prefix="antrean")))
    await storage.set_state(KEY, Registration.nik)  # outside any update: straight through
    await storage.set_data(KEY, {"full_name": "SITI"})

    async def failing_update() -> tuple[object, ...]:
        remember_reads()
        await storage.update_data(KEY, {"nik": "3171"})
        await storage.set_state(KEY, None)
        drop_pending()  # the handler raised here (bot/middlewares.py)
        after = (await storage.get_state(KEY), await storage.get_data(KEY))
        await storage.set_data(KEY, {"full_name": "SITI", "note": "the error handler's"})  # goes straight through
        return after

    assert await asyncio.create_task(failing_update()) == (Registration.nik.state, {"full_name": "SITI"})
    assert await storage.get_state(KEY) == Registration.nik.state
    assert await storage.get_data(KEY) == {"full_name": "SITI", "note": "the error handler's"}
    await storage.close()


async def test_the_conversation_is_stored_before_the_bot_calls_telegram(redis_url: str, world: BotWorld) -> None:
    import redis.asyncio as aioredis
    from aiogram.fsm.storage.base import DefaultKeyBuilder
    from aiogram.fsm.storage.redis import RedisStorage

    from bot.storage import ReadOnce, remember_reads

    client = aioredis.Redis.from_url(redis_url)
    storage = ReadOnce(RedisStorage(client, key_builder=DefaultKeyBuilder(prefix="antrean")))
    other = RedisStorage(client, key_builder=DefaultKeyBuilder(prefix="antrean"))
    await other.set_state(KEY, None)
    await world.telegram.user_sends_text(42, "/start")

    async def step() -> object:
        remember_reads()
        await storage.set_state(KEY, Registration.nik)
        await world.bot.send_message(42, "Ketik NIK Anda.")  # the step's screen
        return await other.get_state(KEY)  # the update has not ended yet

    assert await asyncio.create_task(step()) == Registration.nik.state
    await storage.close()
