"""Conversation state that survives a restart: in the project's database, or in Redis when configured."""

from __future__ import annotations

import asyncio
import json
import logging
from collections import OrderedDict
from collections.abc import Iterable, Mapping
from contextvars import ContextVar
from dataclasses import dataclass, field
from datetime import timedelta
from typing import Any

from aiogram import Bot
from aiogram.client.session.middlewares.base import BaseRequestMiddleware, NextRequestMiddlewareType
from aiogram.fsm.state import State
from aiogram.fsm.storage.base import BaseStorage, DefaultKeyBuilder, StorageKey
from aiogram.fsm.storage.redis import RedisStorage
from aiogram.methods import TelegramMethod
from aiogram.methods.base import Response, TelegramType
from redis.asyncio.client import Pipeline
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


class _Unset:
    """Not written in this update (a state or data of None is written: it deletes)."""


UNSET = _Unset()


@dataclass(slots=True)
class _Write:
    key: StorageKey
    state: str | _Unset | None = UNSET
    data: str | _Unset | None = UNSET  # JSON text; None for no data (the key is deleted)


@dataclass(slots=True)
class _Update:
    """One update's conversations: what it read (key -> state, data as JSON), what it wrote and has not yet sent."""

    reads: dict[str, tuple[str | None, str]] = field(default_factory=dict)
    writes: dict[str, _Write] = field(default_factory=dict)
    storage: ReadOnce | None = None
    ended: bool = False

    def reread(self, k: str, write: _Write) -> None:
        """What the update reads of a conversation it read before, after writing it."""
        if k in self.reads:
            self.reads[k] = _overlaid(self.reads[k], write)


# The current update's conversations (its task's own).
_UPDATE: ContextVar[_Update | None] = ContextVar("antrean_fsm_update", default=None)


def remember_reads() -> None:
    """From now until the current update's task ends, a conversation is read from Redis once and its writes wait
    for write_pending: called as the update's task starts (bot/inbox.py), else by the first of our middlewares
    (bot/middlewares.py)."""
    if _UPDATE.get() is None:
        _UPDATE.set(_Update())


async def write_pending(*, end: bool = False) -> None:
    """Sends the current update's conversation writes to Redis, all in one transaction: before each call to Telegram
    (what the applicant is shown never runs ahead of what is stored) and when the update ends (`end`: later writes
    of its task, or of tasks it started, go straight through)."""
    update = _UPDATE.get()
    if update is None:
        return
    if end:
        update.ended = True
    if update.writes and update.storage is not None:
        writes, update.writes = update.writes, {}
        await update.storage.write(writes.values())


def drop_pending() -> None:
    """Forgets the current update's writes not sent yet (it failed before showing them), and what it read: later
    writes of its task go straight through."""
    update = _UPDATE.get()
    if update is not None:
        update.ended = True
        update.writes.clear()
        update.reads.clear()


def _text(value: bytes | str | None) -> str | None:
    return value.decode("utf-8") if isinstance(value, bytes) else value


class ReadOnce(BaseStorage):
    """Redis storage that reads each conversation once an update and writes it once: aiogram and the handlers ask
    for the state and the data about six times an update, and a step sets both, each a round trip to Redis.

    Only the update's own reads are kept, for as long as it is handled: a chat's updates are handled one at a time
    (the webhook's inbox), so nothing else writes the conversation meanwhile. Its writes wait, and go together in one
    MULTI before the bot next calls Telegram or when the update ends (write_pending): a worker that dies before then
    has shown nothing of the step, and the update, handled again elsewhere, starts from the state before it.
    """

    def __init__(self, inner: RedisStorage) -> None:
        self._inner = inner

    async def _read(self, key: StorageKey) -> tuple[str | None, str]:
        update = _UPDATE.get()
        k = _key(key)
        if update is not None and k in update.reads:
            return update.reads[k]
        # The state and the data in one round trip, as RedisStorage would read and decode each.
        build = self._inner.key_builder.build
        state, data = await self._inner.redis.mget(build(key, "state"), build(key, "data"))
        row = (_text(state), _text(data) or _EMPTY)
        if update is not None and not update.ended:
            row = update.reads.setdefault(k, row)  # a write made while this read was under way wins
            pending = update.writes.get(k)
            if pending is not None:
                row = update.reads[k] = _overlaid(row, pending)
        return row

    def _pending(self, key: StorageKey) -> tuple[_Update, str, _Write] | None:
        """The current update's pending write of this conversation; None outside an update or after it."""
        update = _UPDATE.get()
        if update is None or update.ended:
            return None
        update.storage = self
        k = _key(key)
        return update, k, update.writes.setdefault(k, _Write(key))

    async def set_state(self, key: StorageKey, state: str | State | None = None) -> None:
        value = state.state if isinstance(state, State) else state
        pending = self._pending(key)
        if pending is None:
            await self._inner.set_state(key, value)
            return
        update, k, write = pending
        write.state = value
        update.reread(k, write)

    async def get_state(self, key: StorageKey) -> str | None:
        return (await self._read(key))[0]

    async def set_data(self, key: StorageKey, data: Mapping[str, Any]) -> None:
        pending = self._pending(key)
        if pending is None or not isinstance(data, dict):  # aiogram's own refusal of what is not a dict
            await self._inner.set_data(key, data)
            return
        update, k, write = pending
        write.data = self._inner.json_dumps(data) if data else None
        update.reread(k, write)

    async def get_data(self, key: StorageKey) -> dict[str, Any]:
        # Decoded anew each time: a handler may change the dict it gets without changing the stored one.
        return dict(json.loads((await self._read(key))[1]))

    async def write(self, writes: Iterable[_Write]) -> None:
        """Writes states and data as RedisStorage would (None deletes; its expiries), in one transaction."""
        build = self._inner.key_builder.build
        async with self._inner.redis.pipeline(transaction=True) as pipe:
            for w in writes:
                if not isinstance(w.state, _Unset):
                    _set_or_delete(pipe, build(w.key, "state"), w.state, self._inner.state_ttl)
                if not isinstance(w.data, _Unset):
                    _set_or_delete(pipe, build(w.key, "data"), w.data, self._inner.data_ttl)
            await pipe.execute()

    async def close(self) -> None:
        await self._inner.close()


class WritesFirst(BaseRequestMiddleware):
    """A session middleware: the update's conversation is written before the bot calls Telegram (write_pending)."""

    async def __call__(
        self, make_request: NextRequestMiddlewareType[TelegramType], bot: Bot, method: TelegramMethod[TelegramType]
    ) -> Response[TelegramType]:
        await write_pending()
        return await make_request(bot, method)


def _set_or_delete(pipe: Pipeline, key: str, value: str | None, ttl: int | timedelta | None) -> None:
    if value is None:
        pipe.delete(key)
    else:
        pipe.set(key, value, ex=ttl)


def _overlaid(row: tuple[str | None, str], write: _Write) -> tuple[str | None, str]:
    state = row[0] if isinstance(write.state, _Unset) else write.state
    data = row[1] if isinstance(write.data, _Unset) else (write.data or _EMPTY)
    return state, data


def make_storage(runtime: Runtime) -> BaseStorage:
    """Redis when ANTREAN_REDIS_URL is set (several workers share it), else the project's database."""
    if runtime.settings.redis_url:
        return ReadOnce(
            RedisStorage.from_url(runtime.settings.redis_url, key_builder=DefaultKeyBuilder(prefix="antrean"))
        )
    return SqlStorage(runtime.engine, runtime.ledger, runtime.clock, reader=runtime.read_engine)
