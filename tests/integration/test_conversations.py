"""Conversation state rows written through the ledger, on both databases."""

from __future__ import annotations

from sqlalchemy import select

from core.persistence.tables import conversations
from core.runtime import Runtime


async def test_conversation_rows_are_inserted_then_replaced_whole(runtime: Runtime) -> None:
    now = runtime.clock.now()
    await runtime.ledger.save_conversations(
        [("1:2:2", "Booking:calendar", '{"party": [1]}'), ("1:3:3", None, "{}")], now
    )
    await runtime.ledger.save_conversations([("1:2:2", None, '{"party": [1, 2]}')], now)
    async with runtime.engine.connect() as conn:
        rows = (await conn.execute(select(conversations).order_by(conversations.c.key))).all()
    assert [(r.key, r.state, r.data, r.updated_at) for r in rows] == [
        ("1:2:2", None, '{"party": [1, 2]}', now),
        ("1:3:3", None, "{}", now),
    ]
