"""Help topics written by staff, and the questions the help did not answer."""

from __future__ import annotations

import json
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import Row, delete, func, insert, select, update
from sqlalchemy.ext.asyncio import AsyncConnection

from core.domain.faq_entries import FaqEntry, FaqText
from core.persistence.database import LoopConnection
from core.persistence.tables import faq_entries, staff, unanswered_questions

_Row = Row[*tuple[Any, ...]]

_ENTRY = select(faq_entries, staff.c.display_name).outerjoin(staff, staff.c.id == faq_entries.c.created_by)


def _entry(r: _Row) -> FaqEntry:
    texts = {lang: FaqText(t["question"], t["answer"]) for lang, t in json.loads(r.texts).items()}
    asked = tuple(line for line in r.asked.split("\n") if line)
    return FaqEntry(
        r.id, texts, asked, r.ticket_id, r.display_name, r.created_at, r.updated_at, r.retired_at
    )  # fmt: skip


def _texts(texts: dict[str, FaqText]) -> str:
    return json.dumps({lang: {"question": t.question, "answer": t.answer} for lang, t in texts.items()}, sort_keys=True)


class FaqEntryRepository:
    def __init__(self, conn: AsyncConnection | LoopConnection) -> None:
        self._conn = conn

    async def add(
        self,
        texts: dict[str, FaqText],
        asked: Sequence[str],
        ticket_id: int | None,
        staff_id: int | None,
        now: datetime,
    ) -> int:
        new = await self._conn.execute(
            insert(faq_entries)
            .values(
                texts=_texts(texts),
                asked="\n".join(asked),
                ticket_id=ticket_id,
                created_by=staff_id,
                created_at=now,
                updated_at=now,
                version=1,
            )
            .returning(faq_entries.c.id)
        )
        return int(new.scalar_one())

    async def get(self, entry_id: int) -> FaqEntry | None:
        row = (await self._conn.execute(_ENTRY.where(faq_entries.c.id == entry_id))).first()
        return None if row is None else _entry(row)

    async def change(self, entry_id: int, texts: dict[str, FaqText], asked: Sequence[str], now: datetime) -> None:
        await self._conn.execute(
            update(faq_entries)
            .where(faq_entries.c.id == entry_id)
            .values(texts=_texts(texts), asked="\n".join(asked), updated_at=now, version=faq_entries.c.version + 1)
        )

    async def retire(self, entry_id: int, now: datetime) -> None:
        await self._conn.execute(
            update(faq_entries)
            .where(faq_entries.c.id == entry_id)
            .values(retired_at=now, updated_at=now, version=faq_entries.c.version + 1)
        )

    async def all(self, *, retired: bool = False) -> list[FaqEntry]:
        """The entries in force (or the retired ones), oldest first: the order of the help's list."""
        query = _ENTRY.where(faq_entries.c.retired_at.is_not(None) if retired else faq_entries.c.retired_at.is_(None))
        return [_entry(r) for r in await self._conn.execute(query.order_by(faq_entries.c.id))]

    async def revision(self) -> tuple[int, int]:
        """What changes whenever an entry is written, changed or retired: the help's index is rebuilt on it."""
        query = select(func.count().label("n"), func.coalesce(func.sum(faq_entries.c.version), 0).label("changes"))
        row = (await self._conn.execute(query)).one()
        return int(row.n), int(row.changes)


@dataclass(frozen=True, slots=True)
class UnansweredQuestion:
    id: int
    language: str
    text: str
    reason: str  # "unsure", "outside" or "not_helped"
    topic: str | None
    asked_at: datetime


class UnansweredRepository:
    def __init__(self, conn: AsyncConnection | LoopConnection) -> None:
        self._conn = conn

    async def add(self, chat_id: int, language: str, text: str, reason: str, topic: str | None, now: datetime) -> None:
        await self._conn.execute(
            insert(unanswered_questions).values(
                chat_id=chat_id, language=language, text=text, reason=reason, topic=topic, asked_at=now
            )
        )

    async def waiting(self, since: datetime, limit: int) -> list[UnansweredQuestion]:
        """Questions not settled yet, asked since `since`, the newest first."""
        u = unanswered_questions
        rows = await self._conn.execute(
            select(u.c.id, u.c.language, u.c.text, u.c.reason, u.c.topic, u.c.asked_at)
            .where(u.c.settled_at.is_(None), u.c.asked_at >= since)
            .order_by(u.c.asked_at.desc(), u.c.id.desc())
            .limit(limit)
        )
        return [UnansweredQuestion(*r) for r in rows]

    async def of_ids(self, ids: Sequence[int]) -> list[UnansweredQuestion]:
        u = unanswered_questions
        rows = await self._conn.execute(
            select(u.c.id, u.c.language, u.c.text, u.c.reason, u.c.topic, u.c.asked_at)
            .where(u.c.id.in_(ids), u.c.settled_at.is_(None))
            .order_by(u.c.id)
        )
        return [UnansweredQuestion(*r) for r in rows]

    async def settle(self, ids: Sequence[int], entry_id: int | None, now: datetime) -> int:
        """Questions answered by an entry (or set aside, `entry_id` None): off the page."""
        result = await self._conn.execute(
            update(unanswered_questions)
            .where(unanswered_questions.c.id.in_(ids), unanswered_questions.c.settled_at.is_(None))
            .values(settled_at=now, entry_id=entry_id)
        )
        return int(result.rowcount)

    async def count_of_chat(self, chat_id: int) -> int:
        u = unanswered_questions
        return int((await self._conn.execute(select(func.count()).where(u.c.chat_id == chat_id))).scalar_one())

    async def forget_chat(self, chat_id: int) -> int:
        result = await self._conn.execute(delete(unanswered_questions).where(unanswered_questions.c.chat_id == chat_id))
        return int(result.rowcount)

    async def forget_before(self, before: datetime) -> int:
        """Questions asked before `before`: what people asked long ago says little of what the help lacks now."""
        result = await self._conn.execute(delete(unanswered_questions).where(unanswered_questions.c.asked_at < before))
        return int(result.rowcount)
