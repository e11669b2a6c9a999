"""Conversation state that survives a restart: in the project's database, or in Redis when configured."""

from __future__ import annotations

import json
from collections.abc import Mapping
from typing import Any

from aiogram.fsm.state import State
from aiogram.fsm.storage.base import BaseStorage, DefaultKeyBuilder, StorageKey
from aiogram.fsm.storage.redis import RedisStorage
from sqlalchemy import select, text
from sqlalchemy.ext.asyncio import AsyncEngine

from core.clock import Clock
from core.config import Settings
from core.persistence.database import WRITE
from core.persistence.tables import conversations

# Both SQLite and PostgreSQL take this upsert as written.
_UPSERT_STATE = text(
    "INSERT INTO conversations (key, state, data, updated_at) VALUES (:key, :state, '{}', :now) "
    "ON CONFLICT (key) DO UPDATE SET state = excluded.state, updated_at = excluded.updated_at"
)
_UPSERT_DATA = text(
    "INSERT INTO conversations (key, state, data, updated_at) VALUES (:key, NULL, :data, :now) "
    "ON CONFLICT (key) DO UPDATE SET data = excluded.data, updated_at = excluded.updated_at"
)


def _key(key: StorageKey) -> str:
    return ":".join(
        str(part)
        for part in (key.bot_id, key.chat_id, key.user_id, key.thread_id, key.business_connection_id, key.destiny)
    )


class SqlStorage(BaseStorage):
    """aiogram's FSM storage in the `conversations` table: one row a conversation, data as JSON."""

    def __init__(self, engine: AsyncEngine, clock: Clock) -> None:
        self._engine = engine
        self._clock = clock

    async def _write(self, stmt: Any, params: dict[str, Any]) -> None:
        async with self._engine.connect() as conn:
            conn = await conn.execution_options(**{WRITE: True})
            await conn.execute(stmt, params | {"now": self._clock.now()})
            await conn.commit()

    async def _read(self, key: StorageKey) -> Any:
        async with self._engine.connect() as conn:
            stmt = select(conversations.c.state, conversations.c.data).where(conversations.c.key == _key(key))
            return (await conn.execute(stmt)).first()

    async def set_state(self, key: StorageKey, state: str | State | None = None) -> None:
        value = state.state if isinstance(state, State) else state
        await self._write(_UPSERT_STATE, {"key": _key(key), "state": value})

    async def get_state(self, key: StorageKey) -> str | None:
        row = await self._read(key)
        return None if row is None else row.state

    async def set_data(self, key: StorageKey, data: Mapping[str, Any]) -> None:
        await self._write(_UPSERT_DATA, {"key": _key(key), "data": json.dumps(dict(data))})

    async def get_data(self, key: StorageKey) -> dict[str, Any]:
        row = await self._read(key)
        return {} if row is None else dict(json.loads(row.data))

    async def close(self) -> None:
        return None


def make_storage(settings: Settings, engine: AsyncEngine, clock: Clock) -> BaseStorage:
    """Redis when ANTREAN_REDIS_URL is set (several workers share it), else the project's database."""
    if settings.redis_url:
        return RedisStorage.from_url(settings.redis_url, key_builder=DefaultKeyBuilder(prefix="antrean"))
    return SqlStorage(engine, clock)
