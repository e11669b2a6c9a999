"""Tickets and their messages: the help desk's rows."""

from __future__ import annotations

import json
from collections.abc import Sequence
from datetime import datetime
from typing import Any

from sqlalchemy import Row, case, delete, func, insert, select, update
from sqlalchemy.ext.asyncio import AsyncConnection

from core.domain.helpdesk import Author, Ticket, TicketMessage, TicketState
from core.persistence.database import LoopConnection
from core.persistence.tables import offices, staff, ticket_messages, tickets

_Row = Row[*tuple[Any, ...]]


def _ticket(r: _Row) -> Ticket:
    return Ticket(
        r.id, r.chat_id, r.account_id, r.office_id, r.office_code, r.language, TicketState(r.state), r.question,
        json.loads(r.context), r.created_at, r.updated_at, r.closed_at, r.waiting_since, r.forum_topic,
        r.forum_group,
    )  # fmt: skip


_TICKET = select(tickets, offices.c.code.label("office_code")).outerjoin(offices, offices.c.id == tickets.c.office_id)

# A message with who wrote it: the staff account's name, or the staff group member's as kept with the message.
_MESSAGE = select(
    ticket_messages, func.coalesce(staff.c.display_name, ticket_messages.c.author_name).label("name")
).outerjoin(staff, staff.c.id == ticket_messages.c.staff_id)


def _message(r: _Row) -> TicketMessage:
    return TicketMessage(r.id, r.ticket_id, Author(r.author), r.name, r.text, r.created_at)


class TicketRepository:
    def __init__(self, conn: AsyncConnection | LoopConnection) -> None:
        self._conn = conn

    async def open(
        self,
        chat_id: int,
        account_id: int | None,
        office_id: int | None,
        language: str,
        question: str,
        context: dict[str, Any],
        now: datetime,
    ) -> int:
        new = await self._conn.execute(
            insert(tickets)
            .values(
                chat_id=chat_id,
                account_id=account_id,
                office_id=office_id,
                language=language,
                state=TicketState.OPEN.value,
                question=question,
                context=json.dumps(context, sort_keys=True),
                created_at=now,
                updated_at=now,
                waiting_since=now,
            )
            .returning(tickets.c.id)
        )
        return int(new.scalar_one())

    async def get(self, ticket_id: int) -> Ticket | None:
        row = (await self._conn.execute(_TICKET.where(tickets.c.id == ticket_id))).first()
        return None if row is None else _ticket(row)

    async def latest_of_chat(self, chat_id: int) -> Ticket | None:
        """The chat's most recent ticket, in whatever state."""
        row = (
            await self._conn.execute(_TICKET.where(tickets.c.chat_id == chat_id).order_by(tickets.c.id.desc()).limit(1))
        ).first()
        return None if row is None else _ticket(row)

    async def set_state(self, ticket_id: int, state: TicketState, now: datetime) -> None:
        """A ticket moving to `state`; one that starts waiting for staff waits from now, one that waited already
        keeps its place."""
        closed = now if state is TicketState.CLOSED else None
        waiting = case((tickets.c.state == TicketState.OPEN.value, tickets.c.waiting_since), else_=now)
        await self._conn.execute(
            update(tickets)
            .where(tickets.c.id == ticket_id)
            .values(state=state.value, updated_at=now, closed_at=closed, waiting_since=waiting)
        )

    async def add_message(
        self,
        ticket_id: int,
        author: Author,
        text: str,
        now: datetime,
        *,
        staff_id: int | None = None,
        author_name: str | None = None,
    ) -> int:
        added = await self._conn.execute(
            insert(ticket_messages)
            .values(
                ticket_id=ticket_id,
                author=author.value,
                staff_id=staff_id,
                author_name=author_name,
                text=text,
                created_at=now,
            )
            .returning(ticket_messages.c.id)
        )
        return int(added.scalar_one())

    async def set_forum_topic(self, ticket_id: int, group: int | None, topic: int | None) -> None:
        await self._conn.execute(
            update(tickets).where(tickets.c.id == ticket_id).values(forum_group=group, forum_topic=topic)
        )

    async def by_forum_topic(self, group: int, topic: int) -> Ticket | None:
        """The ticket whose topic in the staff group this is (the latest, should a topic id come back)."""
        row = (
            await self._conn.execute(
                _TICKET.where(tickets.c.forum_group == group, tickets.c.forum_topic == topic)
                .order_by(tickets.c.id.desc())
                .limit(1)
            )
        ).first()
        return None if row is None else _ticket(row)

    async def topics(
        self, *, chat_id: int | None = None, closed_before: datetime | None = None
    ) -> list[tuple[int, int]]:
        """(group, topic) of the tickets of a chat, or of those closed before a moment: their topics go with them."""
        query = select(tickets.c.forum_group, tickets.c.forum_topic).where(
            tickets.c.forum_group.is_not(None), tickets.c.forum_topic.is_not(None)
        )
        if chat_id is not None:
            query = query.where(tickets.c.chat_id == chat_id)
        if closed_before is not None:
            query = query.where(tickets.c.state == TicketState.CLOSED.value, tickets.c.closed_at < closed_before)
        return [(int(r.forum_group), int(r.forum_topic)) for r in await self._conn.execute(query)]

    async def close_if_quiet(self, ticket_id: int, before: datetime, now: datetime) -> bool:
        """Closes the ticket only if it still waits for the applicant, untouched since `before`: an applicant who
        wrote meanwhile keeps it open."""
        result = await self._conn.execute(
            update(tickets)
            .where(
                tickets.c.id == ticket_id,
                tickets.c.state == TicketState.ANSWERED.value,
                tickets.c.updated_at < before,
            )
            .values(state=TicketState.CLOSED.value, updated_at=now, closed_at=now)
        )
        return bool(result.rowcount)

    async def message(self, message_id: int) -> TicketMessage | None:
        """One message, with who wrote it."""
        row = (await self._conn.execute(_MESSAGE.where(ticket_messages.c.id == message_id))).first()
        return None if row is None else _message(row)

    async def message_text(self, message_id: int) -> str | None:
        """One message's words (None once its ticket is gone: an erased account's, or past the retention)."""
        found = await self._conn.execute(select(ticket_messages.c.text).where(ticket_messages.c.id == message_id))
        return found.scalar_one_or_none()

    async def last_from(self, ticket_id: int, author: Author) -> int | None:
        """The id of the ticket's latest message by `author` (ids grow with time)."""
        found = await self._conn.execute(
            select(func.max(ticket_messages.c.id)).where(
                ticket_messages.c.ticket_id == ticket_id, ticket_messages.c.author == author.value
            )
        )
        return found.scalar_one_or_none()

    async def messages(self, ticket_id: int) -> list[TicketMessage]:
        rows = await self._conn.execute(
            _MESSAGE.where(ticket_messages.c.ticket_id == ticket_id).order_by(ticket_messages.c.id)
        )
        return [_message(r) for r in rows]

    async def queue(self, state: TicketState, office_ids: Sequence[int] | None, limit: int) -> list[tuple[Ticket, int]]:
        """Tickets in `state`, the longest waiting first, with how many messages each holds."""
        count = (
            select(func.count())
            .where(ticket_messages.c.ticket_id == tickets.c.id)
            .correlate(tickets)
            .scalar_subquery()
            .label("messages")
        )
        query = _TICKET.add_columns(count).where(tickets.c.state == state.value)
        if office_ids is not None:
            query = query.where(tickets.c.office_id.in_(office_ids))
        order = {
            TicketState.OPEN: tickets.c.waiting_since,  # the longest waiting for us first
            TicketState.ANSWERED: tickets.c.updated_at,  # the longest waiting for the applicant first
            TicketState.CLOSED: tickets.c.updated_at.desc(),  # the latest closed first
        }[state]
        rows = await self._conn.execute(query.order_by(order, tickets.c.id).limit(limit))
        return [(_ticket(r), int(r.messages)) for r in rows]

    async def counts(self, office_ids: Sequence[int] | None) -> dict[TicketState, int]:
        query = select(tickets.c.state, func.count()).group_by(tickets.c.state)
        if office_ids is not None:
            query = query.where(tickets.c.office_id.in_(office_ids))
        return {TicketState(state): int(n) for state, n in await self._conn.execute(query)}

    async def quiet(self, before: datetime, limit: int) -> list[Ticket]:
        """Answered tickets not touched since `before`, the oldest first."""
        rows = await self._conn.execute(
            _TICKET.where(tickets.c.state == TicketState.ANSWERED.value, tickets.c.updated_at < before)
            .order_by(tickets.c.updated_at, tickets.c.id)
            .limit(limit)
        )
        return [_ticket(r) for r in rows]

    async def count_of_chat(self, chat_id: int) -> int:
        found = await self._conn.execute(select(func.count()).where(tickets.c.chat_id == chat_id))
        return int(found.scalar_one())

    async def forget_chat(self, chat_id: int) -> int:
        """An erased account's conversations with staff (their messages go with them)."""
        result = await self._conn.execute(delete(tickets).where(tickets.c.chat_id == chat_id))
        return int(result.rowcount)

    async def forget_closed(self, before: datetime) -> int:
        """Tickets closed before `before`, with their messages: kept as long as the bookings they were about."""
        result = await self._conn.execute(
            delete(tickets).where(tickets.c.state == TicketState.CLOSED.value, tickets.c.closed_at < before)
        )
        return int(result.rowcount)
