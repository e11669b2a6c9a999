"""The webhook's inbox: Telegram's updates kept in the database before Telegram is told they arrived.

Every worker of the deployment shares it. A worker takes only the oldest unhandled update of a chat, so a chat's
updates are handled one after the other and in order whichever worker received them; it holds what it took for a
lease it renews while handling, so a worker that dies leaves its updates to the others when the lease runs out.
"""

from __future__ import annotations

import json
import logging
import sqlite3
from collections.abc import AsyncIterator, Mapping, Sequence
from contextlib import asynccontextmanager
from dataclasses import dataclass
from typing import Any

from sqlalchemy import and_, bindparam, delete, exists, func, or_, select, text, update
from sqlalchemy.ext.asyncio import AsyncConnection, AsyncEngine

from core.persistence.database import WRITE
from core.persistence.ledger_sqlite import SqliteLedger
from core.persistence.tables import inbox

log = logging.getLogger(__name__)

# An update taken this often without being handled killed its worker each time (or a worker died each time):
# it is put aside, so that one poisoned update cannot stop its chat, or take every worker down in turn.
MAX_TAKES = 3

# Where Telegram puts the chat (or, for updates without one, the user) an update belongs to.
_CHAT_IN = ("message", "edited_message", "channel_post", "edited_channel_post", "business_message",
            "my_chat_member", "chat_member", "chat_join_request", "message_reaction")  # fmt: skip


def chat_of(update: Mapping[str, Any]) -> int:
    """The chat whose updates are kept in order: the chat of a message or a tap, else the user, else 0 (one line
    for whatever names neither, which we do not ask Telegram for)."""
    for kind in _CHAT_IN:
        event = update.get(kind)
        if isinstance(event, dict):
            chat = event.get("chat")
            if isinstance(chat, dict) and isinstance(chat.get("id"), int):
                return int(chat["id"])
    query = update.get("callback_query")
    if isinstance(query, dict):
        message = query.get("message")
        if isinstance(message, dict) and isinstance(message.get("chat"), dict):
            chat_id = message["chat"].get("id")
            if isinstance(chat_id, int):
                return chat_id
    for event in update.values():
        if isinstance(event, dict) and isinstance(event.get("from"), dict):
            user_id = event["from"].get("id")
            if isinstance(user_id, int):
                return user_id
    return 0


@dataclass(frozen=True, slots=True)
class Arrival:
    update_id: int
    chat: int
    body: str
    received_at: float
    answered: bool = False

    @classmethod
    def of(
        cls, update: Mapping[str, Any], received_at: float, *, answered: bool = False, body: str | None = None
    ) -> Arrival:
        """`body`: the update as the text Telegram sent, kept as it is (else written anew from `update`)."""
        text = json.dumps(update) if body is None else body
        return cls(int(update["update_id"]), chat_of(update), text, received_at, answered)


@dataclass(frozen=True, slots=True)
class Taken:
    update_id: int
    body: str
    received_at: float
    answered: bool
    takes: int  # counting this one: more than one, and a worker died holding it

    def update(self) -> dict[str, Any]:
        value: dict[str, Any] = json.loads(self.body)
        return value


@dataclass(frozen=True, slots=True)
class Round:
    """What one turn of a worker got: the updates it now holds, and since when the oldest update not taken by
    anyone has waited (None: nothing waits that could have been taken)."""

    taken: list[Taken]
    waiting_since: float | None


def _put_aside(taken: list[Taken]) -> tuple[list[Taken], list[int]]:
    """The updates to hand over, and those taken too often (their workers died each time) to put aside."""
    poisoned = [t.update_id for t in taken if t.takes > MAX_TAKES]
    if poisoned:
        log.error("updates %s put aside: their workers stopped each of the %d times", poisoned, MAX_TAKES)
    return [t for t in taken if t.takes <= MAX_TAKES], poisoned


# PostgreSQL's statements, built once. The rows to keep go in as arrays (one text whatever their number: a
# multi-row VALUES was a new statement for every count, compiled anew each time).
_PG_PUT = text(
    "INSERT INTO inbox (update_id, chat, body, received_at, answered, takes)"
    " SELECT u, c, b, r, a, 0 FROM unnest(CAST(:ids AS BIGINT[]), CAST(:chats AS BIGINT[]), CAST(:bodies AS TEXT[]),"
    " CAST(:received AS FLOAT8[]), CAST(:answered AS BOOLEAN[])) AS t (u, c, b, r, a)"
    " ON CONFLICT (update_id) DO NOTHING RETURNING update_id"
)
_REPEATS_ANSWERED = select(inbox.c.update_id).where(
    inbox.c.update_id.in_(bindparam("ids", expanding=True)), inbox.c.answered
)
_MARK_DONE = (
    update(inbox)
    .where(inbox.c.update_id.in_(bindparam("ids", expanding=True)))
    .values(done_at=bindparam("now"), taken_until=None)
)
_RENEW_MINE = (
    update(inbox)
    .where(inbox.c.update_id.in_(bindparam("ids", expanding=True)), inbox.c.taken_by == bindparam("me"),
           inbox.c.done_at.is_(None))
    .values(taken_until=bindparam("until"))
)  # fmt: skip
_OLDEST_WAITING = (
    select(inbox.c.received_at)
    .where(inbox.c.done_at.is_(None), inbox.c.taken_until.is_(None))
    .order_by(inbox.c.update_id)
    .limit(1)
)


def _taking() -> Any:
    earlier = inbox.alias("earlier")
    behind = exists().where(
        earlier.c.chat == inbox.c.chat, earlier.c.done_at.is_(None), earlier.c.update_id < inbox.c.update_id
    )
    free = (
        select(inbox.c.update_id)
        .where(inbox.c.done_at.is_(None), or_(inbox.c.taken_until.is_(None), inbox.c.taken_until < bindparam("now")),
               ~behind)
        .order_by(inbox.c.update_id)
        .limit(bindparam("limit"))
        # Another worker's turn skips what this one is taking, and takes the next chats instead.
        .with_for_update(skip_locked=True)
    )  # fmt: skip
    return (
        update(inbox)
        .where(inbox.c.update_id.in_(free.scalar_subquery()))
        .values(taken_by=bindparam("me"), taken_until=bindparam("until"), takes=inbox.c.takes + 1)
        .returning(inbox.c.update_id, inbox.c.body, inbox.c.received_at, inbox.c.answered, inbox.c.takes)
    )


_PG_TAKE = _taking()


class Inbox:
    """The inbox on PostgreSQL (SqliteInbox has its own put, take and let_go; it shares forgetting and depth).

    Each method's statements stand alone: each is right by itself, whatever happens between them (a worker that
    dies after marking its updates handled and before taking more leaves nothing wrong). On PostgreSQL they run
    outside a transaction, as BEGIN and COMMIT were two more round trips for every write and every turn; on SQLite,
    in one write transaction."""

    def __init__(self, engine: AsyncEngine) -> None:
        self._engine = engine
        self._postgres = engine.dialect.name == "postgresql"

    @asynccontextmanager
    async def _writing(self) -> AsyncIterator[AsyncConnection]:
        """PostgreSQL: a connection in autocommit; else one in a write transaction (on SQLite, one that takes the
        write lock as it begins)."""
        async with self._engine.connect() as conn:
            if self._postgres:
                yield await conn.execution_options(isolation_level="AUTOCOMMIT")
                return
            conn = await conn.execution_options(**{WRITE: True})
            async with conn.begin():
                yield conn

    async def put(self, arrivals: Sequence[Arrival]) -> tuple[set[int], set[int]]:
        """Keeps the updates not kept yet; returns the ids of those that were new, and of the repeats whose first copy
        was answered at once (a tap): Telegram sends an update again when our reply did not reach it, and that reply
        carried the answer."""
        if not arrivals:
            return set(), set()
        columns = {"ids": [a.update_id for a in arrivals], "chats": [a.chat for a in arrivals],
                   "bodies": [a.body for a in arrivals], "received": [a.received_at for a in arrivals],
                   "answered": [a.answered for a in arrivals]}  # fmt: skip
        async with self._writing() as conn:
            result = await conn.execute(_PG_PUT, columns)
            new = {int(r[0]) for r in result}
            repeats = {a.update_id for a in arrivals} - new
            if not repeats:
                return new, set()
            return new, {int(r[0]) for r in await conn.execute(_REPEATS_ANSWERED, {"ids": sorted(repeats)})}

    async def take(
        self,
        me: str,
        limit: int,
        now: float,
        lease: float,
        *,
        handled: Sequence[int] = (),
        holding: Sequence[int] = (),
    ) -> Round:
        """One turn of a worker: marks `handled` done, renews the lease of the updates it is still `holding`, puts
        aside updates taken too often, and takes up to `limit` more."""
        async with self._writing() as conn:
            if handled:
                await conn.execute(_MARK_DONE, {"ids": list(handled), "now": now})
            if holding:
                await conn.execute(_RENEW_MINE, {"ids": list(holding), "me": me, "until": now + lease})
            if limit <= 0:
                return Round([], None)
            taken = await self._take(conn, me, limit, now, lease)
            if len(taken) < limit:
                return Round(taken, None)
            since = (await conn.execute(_OLDEST_WAITING)).scalar_one_or_none()
            return Round(taken, since)

    async def _take(self, conn: AsyncConnection, me: str, limit: int, now: float, lease: float) -> list[Taken]:
        params = {"me": me, "until": now + lease, "now": now, "limit": limit}
        rows = sorted(await conn.execute(_PG_TAKE, params), key=lambda r: r.update_id)  # RETURNING: no order
        kept, poisoned = _put_aside(
            [Taken(r.update_id, r.body, r.received_at, bool(r.answered), r.takes) for r in rows]
        )
        if not poisoned:
            return kept
        await conn.execute(_MARK_DONE, {"ids": poisoned, "now": now})
        # Their chats' next updates are free now.
        return kept + await self._take(conn, me, limit - len(kept), now, lease)

    async def let_go(self, me: str, update_ids: Sequence[int]) -> None:
        """Updates this worker took but will not handle (it is stopping): any worker may take them now."""
        if not update_ids:
            return
        async with self._writing() as conn:
            await conn.execute(
                update(inbox)
                .where(inbox.c.update_id.in_(update_ids), inbox.c.taken_by == me, inbox.c.done_at.is_(None))
                .values(taken_until=None, takes=inbox.c.takes - 1)
            )

    async def forget_handled(self, before: float) -> int:
        """Handled updates older than `before` (Telegram no longer delivers them again); how many went."""
        async with self._writing() as conn:
            result = await conn.execute(
                delete(inbox).where(and_(inbox.c.done_at.is_not(None), inbox.c.done_at < before))
            )
            return int(result.rowcount)

    async def depth(self) -> int:
        """Updates kept and not handled yet."""
        async with self._engine.connect() as conn:
            value = await conn.execute(select(func.count()).select_from(inbox).where(inbox.c.done_at.is_(None)))
            return int(value.scalar_one())


# The same statements for SQLite, on the ledger's own connection on the event loop (sqlite3, no thread hops; they
# share the ledger's next batch and its one commit): a rush's inbox costs tens of microseconds an update there.
_PUT = "INSERT OR IGNORE INTO inbox (update_id, chat, body, received_at, answered, takes) VALUES (?, ?, ?, ?, ?, 0)"
_ANSWERED = "SELECT 1 FROM inbox WHERE update_id = ? AND answered"
_DONE = "UPDATE inbox SET done_at = ?, taken_until = NULL WHERE update_id = ?"
_RENEW = "UPDATE inbox SET taken_until = ? WHERE update_id = ? AND taken_by = ? AND done_at IS NULL"
_TAKE = """
UPDATE inbox SET taken_by = ?, taken_until = ?, takes = takes + 1
WHERE update_id IN (
    SELECT i.update_id FROM inbox i
    WHERE i.done_at IS NULL AND (i.taken_until IS NULL OR i.taken_until < ?)
      AND NOT EXISTS (
          SELECT 1 FROM inbox e WHERE e.chat = i.chat AND e.done_at IS NULL AND e.update_id < i.update_id)
    ORDER BY i.update_id LIMIT ?)
RETURNING update_id, body, received_at, answered, takes
"""
_OLDEST = "SELECT received_at FROM inbox WHERE done_at IS NULL AND taken_until IS NULL ORDER BY update_id LIMIT 1"
_LET_GO = (
    "UPDATE inbox SET taken_until = NULL, takes = takes - 1 WHERE update_id = ? AND taken_by = ? AND done_at IS NULL"
)


class SqliteInbox(Inbox):
    def __init__(self, engine: AsyncEngine, ledger: SqliteLedger) -> None:
        super().__init__(engine)
        self._ledger = ledger

    async def put(self, arrivals: Sequence[Arrival]) -> tuple[set[int], set[int]]:
        if not arrivals:
            return set(), set()

        def put(db: sqlite3.Connection) -> tuple[set[int], set[int]]:
            new, answered = set(), set()
            for a in arrivals:  # one at a time: INSERT OR IGNORE says by its row count whether it was new
                if db.execute(_PUT, (a.update_id, a.chat, a.body, a.received_at, a.answered)).rowcount:
                    new.add(a.update_id)
                elif db.execute(_ANSWERED, (a.update_id,)).fetchone():
                    answered.add(a.update_id)
            return new, answered

        result: tuple[set[int], set[int]] = await self._ledger.run(put)
        return result

    async def take(
        self,
        me: str,
        limit: int,
        now: float,
        lease: float,
        *,
        handled: Sequence[int] = (),
        holding: Sequence[int] = (),
    ) -> Round:
        def turn(db: sqlite3.Connection) -> Round:
            db.executemany(_DONE, [(now, u) for u in handled])
            db.executemany(_RENEW, [(now + lease, u, me) for u in holding])
            if limit <= 0:
                return Round([], None)
            taken: list[Taken] = []
            while len(taken) < limit:
                rows = sorted(db.execute(_TAKE, (me, now + lease, now, limit - len(taken))).fetchall())
                kept, poisoned = _put_aside([Taken(r[0], r[1], r[2], bool(r[3]), r[4]) for r in rows])
                taken += kept
                db.executemany(_DONE, [(now, u) for u in poisoned])
                if not poisoned:
                    break
            if len(taken) < limit:
                return Round(taken, None)
            oldest = db.execute(_OLDEST).fetchone()
            return Round(taken, None if oldest is None else oldest[0])

        result: Round = await self._ledger.run(turn)
        return result

    async def let_go(self, me: str, update_ids: Sequence[int]) -> None:
        if update_ids:
            await self._ledger.run(lambda db: db.executemany(_LET_GO, [(u, me) for u in update_ids]))
