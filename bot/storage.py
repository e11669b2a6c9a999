"""Conversation state that survives a restart: in the project's database, or in Redis when configured."""

from __future__ import annotations

import asyncio
import json
import logging
from collections import OrderedDict
from collections.abc import Mapping
from contextvars import ContextVar
from typing import Any

from aiogram.fsm.state import State
from aiogram.fsm.storage.base import BaseStorage, DefaultKeyBuilder, StorageKey
from aiogram.fsm.storage.redis import RedisStorage
from sqlalchemy import Engine, select
from sqlalchemy.ext.asyncio import AsyncEngine

from core.clock import Clock
from core.persistence.ledger import Ledger
from core.persistence.tables import conversations
from core.runtime import Runtime

log = logging.getLogger(__name__)

_EMPTY = "{}"


def _key(key: StorageKey) -> str:
    return ":".join(
        str(part)
        for part in (key.bot_id, key.chat_id, key.user_id, key.thread_id, key.business_connection_id, key.destiny)
    )


class SqlStorage(BaseStorage):
    """aiogram's FSM storage in the `conversations` table: one row a conversation, data as JSON.

    The conversations of this process are kept in memory as well, and written behind: a change returns at
    once and a background task writes all changes made meanwhile in one transaction, a few milliseconds
    later. An update used to cost four round trips (state and data, read and written); now it costs none
    on the way and a share of one group write. A crash loses at most the changes of that last moment;
    `close()` writes everything out. One process owns its conversations: bots that run as several
    workers share their state through Redis instead (make_storage).
    """

    def __init__(
        self,
        engine: AsyncEngine,
        ledger: Ledger,
        clock: Clock,
        *,
        reader: Engine | None = None,
        max_cached: int = 100_000,
    ) -> None:
        self._engine = engine
        self._ledger = ledger
        self._reader = reader
        self._clock = clock
        self._max_cached = max_cached
        self._rows: OrderedDict[str, tuple[str | None, str]] = OrderedDict()  # key -> (state, data as JSON)
        self._dirty: set[str] = set()
        self._wake = asyncio.Event()
        self._flusher: asyncio.Task[None] | None = None
        self._closed = False

    async def _row(self, key: StorageKey) -> tuple[str, tuple[str | None, str]]:
        k = _key(key)
        row = self._rows.get(k)
        if row is not None:
            self._rows.move_to_end(k)
            return k, row
        stmt = select(conversations.c.state, conversations.c.data).where(conversations.c.key == k)
        if self._reader is not None:
            with self._reader.connect() as sync:
                found = sync.execute(stmt).first()
        else:
            async with self._engine.connect() as conn:
                found = (await conn.execute(stmt)).first()
        loaded = (None, _EMPTY) if found is None else (found.state, found.data)
        row = self._rows.setdefault(k, loaded)  # another task may have loaded or changed it meanwhile
        self._evict()
        return k, row

    def _change(self, k: str, row: tuple[str | None, str]) -> None:
        self._rows[k] = row
        self._rows.move_to_end(k)
        self._dirty.add(k)
        if self._flusher is None or self._flusher.done():
            self._flusher = asyncio.create_task(self._flush_forever(), name="fsm-write-behind")
        self._wake.set()

    def _evict(self) -> None:
        """Forgets the least recently used conversations that are written out, beyond the bound."""
        excess = len(self._rows) - self._max_cached
        if excess <= 0:
            return
        for k in list(self._rows)[: excess + len(self._dirty)]:
            if excess <= 0:
                break
            if k not in self._dirty:
                del self._rows[k]
                excess -= 1

    async def _flush_forever(self) -> None:
        while not self._closed:
            await self._wake.wait()
            self._wake.clear()
            try:
                await self.flush()
            except Exception:
                log.exception("writing conversation state failed; retrying")
                await asyncio.sleep(0.5)
                self._wake.set()

    async def flush(self) -> None:
        """Writes every change not written yet, in one transaction."""
        if not self._dirty:
            return
        keys, self._dirty = self._dirty, set()
        try:
            await self._ledger.save_conversations([(k, *self._rows[k]) for k in keys], self._clock.now())
        except BaseException:
            self._dirty.update(keys)  # newer changes are in _rows already
            raise
        self._evict()

    async def set_state(self, key: StorageKey, state: str | State | None = None) -> None:
        value = state.state if isinstance(state, State) else state
        k, (_, data) = await self._row(key)
        self._change(k, (value, data))

    async def get_state(self, key: StorageKey) -> str | None:
        return (await self._row(key))[1][0]

    async def set_data(self, key: StorageKey, data: Mapping[str, Any]) -> None:
        encoded = json.dumps(dict(data))
        k, (state, _) = await self._row(key)
        self._change(k, (state, encoded))

    async def get_data(self, key: StorageKey) -> dict[str, Any]:
        # Decoded anew each time: a handler may change the dict it gets without changing the stored one.
        return dict(json.loads((await self._row(key))[1][1]))

    async def close(self) -> None:
        self._closed = True
        self._wake.set()
        if self._flusher is not None:
            await asyncio.gather(self._flusher, return_exceptions=True)
        await self.flush()


# The conversations read while one update is handled (its task's own): key -> (state, data as JSON).
_READ: ContextVar[dict[str, tuple[str | None, str]] | None] = ContextVar("antrean_fsm_read", default=None)


def remember_reads() -> None:
    """From now until the current update's task ends, a conversation is read from Redis once: called as the update's
    task starts (bot/inbox.py), else by the first of our middlewares (bot/middlewares.py)."""
    if _READ.get() is None:
        _READ.set({})


def _text(value: bytes | str | None) -> str | None:
    return value.decode("utf-8") if isinstance(value, bytes) else value


class ReadOnce(BaseStorage):
    """Redis storage that reads each conversation once an update: aiogram and the handlers ask for the state and the
    data about six times an update, each a round trip to Redis, the most CPU an update spent after the handlers.

    Only the update's own reads are kept, for as long as it is handled: a chat's updates are handled one at a time
    (the webhook's inbox), so nothing else writes the conversation meanwhile; writes go through to Redis at once.
    """

    def __init__(self, inner: RedisStorage) -> None:
        self._inner = inner

    async def _read(self, key: StorageKey) -> tuple[dict[str, tuple[str | None, str]] | None, tuple[str | None, str]]:
        seen = _READ.get()
        k = _key(key)
        if seen is not None and k in seen:
            return seen, seen[k]
        # The state and the data in one round trip, as RedisStorage would read and decode each.
        build = self._inner.key_builder.build
        state, data = await self._inner.redis.mget(build(key, "state"), build(key, "data"))
        row = (_text(state), _text(data) or _EMPTY)
        if seen is not None:
            seen[k] = row
        return seen, row

    async def set_state(self, key: StorageKey, state: str | State | None = None) -> None:
        await self._inner.set_state(key, state)
        seen = _READ.get()
        if seen is not None and _key(key) in seen:
            seen[_key(key)] = (state.state if isinstance(state, State) else state, seen[_key(key)][1])

    async def get_state(self, key: StorageKey) -> str | None:
        return (await self._read(key))[1][0]

    async def set_data(self, key: StorageKey, data: Mapping[str, Any]) -> None:
        await self._inner.set_data(key, data)
        seen = _READ.get()
        if seen is not None and _key(key) in seen:
            seen[_key(key)] = (seen[_key(key)][0], json.dumps(dict(data)))

    async def get_data(self, key: StorageKey) -> dict[str, Any]:
        # Decoded anew each time: a handler may change the dict it gets without changing the stored one.
        return dict(json.loads((await self._read(key))[1][1]))

    async def close(self) -> None:
        await self._inner.close()


def make_storage(runtime: Runtime) -> BaseStorage:
    """Redis when ANTREAN_REDIS_URL is set (several workers share it), else the project's database."""
    if runtime.settings.redis_url:
        return ReadOnce(
            RedisStorage.from_url(runtime.settings.redis_url, key_builder=DefaultKeyBuilder(prefix="antrean"))
        )
    return SqlStorage(runtime.engine, runtime.ledger, runtime.clock, reader=runtime.read_engine)
