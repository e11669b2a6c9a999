"""The outbox's sender: every message that is not the reply to a tap, at Telegram's pace, surviving a crash.

One sender runs across a deployment (in `antrean worker`, which holds the worker lock). It takes due rows a small
chunk at a time, marks them `sending` in the same statement, sends each as the gates allow and records the outcome
with Telegram's message id. At most two chunks are in flight at once: a kill -9 leaves only their rows uncertain,
and the next sender to start sends those again (`in_flight_bound`).
"""

from __future__ import annotations

import asyncio
import logging
import time
from collections import deque
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import timedelta
from typing import Any, Protocol

from core import metrics
from core.clock import Clock
from core.domain.announcements import MAX_ATTEMPTS, Outgoing, Pace, RowState
from core.pacing import RateGate
from core.persistence.outbox import Announcement, Claimed
from core.services import announcements
from core.services.uow import UnitOfWork

log = logging.getLogger(__name__)

# Telegram: about 30 new messages a second to different chats, about one a second in one chat, and up to 1,000 a
# second for paid broadcasts (https://core.telegram.org/bots/faq#my-bot-is-hitting-limits-how-do-i-avoid-this).
PER_SECOND = 30.0
PAID_PER_SECOND = 1000.0
CHAT_INTERVAL = 1.0
# A group (a negative chat id: the staff group of the help desk) takes about 20 messages a minute.
GROUP_INTERVAL = 3.0
CHUNKS_IN_FLIGHT = 2
IDLE_EVERY = 0.25  # seconds between looks at an empty outbox


class ChatUnreachable(Exception):
    """The chat blocked the bot, deactivated, or never existed: never try it again."""


class NothingToSay(Exception):
    """The row has nothing left to tell (its booking was cancelled before the proof went out): dropped."""


class TryLater(Exception):
    """Telegram said 429: the whole bot waits `retry_after` seconds."""

    def __init__(self, retry_after: float) -> None:
        super().__init__(f"retry after {retry_after}")
        self.retry_after = retry_after


class Courier(Protocol):
    """The chat side of the sender: renders an outbox row in its language, then sends it.

    Two steps, so that the pace is taken between them: what is measured against Telegram's limit is the moment of
    sending, not that plus however long a PDF took to render.
    """

    async def prepare(self, item: Outgoing) -> Any:
        """What to send; raises NothingToSay when there is nothing left to tell (a booking cancelled since)."""
        ...

    async def send(self, prepared: Any) -> int:
        """Telegram's message id; raises ChatUnreachable, TryLater, or anything else for a passing failure."""
        ...


@dataclass
class SenderStats:
    sent: int = 0
    blocked: int = 0
    failed: int = 0
    retried: int = 0
    throttled: int = 0  # 429s received
    reset: int = 0  # rows found `sending` at start: in flight when the last sender died


@dataclass
class _Outcome:
    row: Claimed
    state: RowState
    message_id: int | None = None
    error: str | None = None
    retry_after: float | None = None  # a 429: back to pending, not counted as an attempt
    opened: bool = False  # into a group: sending it opened a topic first (two calls into the group)


@dataclass
class OutboxSender:
    uow: Callable[[], UnitOfWork]
    courier: Courier
    clock: Clock
    # Where it looks for work: a read-only unit, so an idle outbox, looked at four times a second, never takes
    # SQLite's write lock from a booking. None: `uow`.
    reader: Callable[[], UnitOfWork] | None = None
    per_second: float = PER_SECOND
    paid_per_second: float = PAID_PER_SECOND
    chat_interval: float = CHAT_INTERVAL
    group_interval: float = GROUP_INTERVAL
    # In the bot's own process (the demo, the tests), the bot's gate: its replies go first. Else one of its own.
    gate: RateGate | None = None
    stats: SenderStats = field(default_factory=SenderStats)

    def __post_init__(self) -> None:
        self._free = self.gate or RateGate.within(self.per_second)
        self._paid = RateGate.within(self.paid_per_second)
        self._chunks = {False: Pace.within(self.per_second).chunk(), True: Pace.within(self.paid_per_second).chunk()}
        self._last_in_chat: dict[int, float] = {}
        self._group_free_at = 0.0  # time.monotonic() from which the next row may go into a group
        self._announcements: dict[int, Announcement] = {}
        self._started = False
        self._stopping = False

    @property
    def in_flight_bound(self) -> int:
        """The most rows that can be `sending` at once: what a kill -9 can leave uncertain."""
        return CHUNKS_IN_FLIGHT * max(self._chunks.values())

    def interrupt(self) -> None:
        """Take no new rows; the chunks in flight finish and are recorded."""
        self._stopping = True

    async def run(self) -> int:
        """One round: rows a dead sender left behind, announcements whose moment came, then every due row."""
        self._stopping = False
        if not self._started:
            async with self.uow() as uow:
                self.stats.reset += await uow.outbox.reset_in_flight()
                await uow.commit()
            if self.stats.reset:
                log.warning("%d messages were being sent when the last sender stopped: sending them again",
                            self.stats.reset)  # fmt: skip
            self._started = True
        await announcements.fan_out_due(self.uow, self.clock.now(), reader=self._reader())
        sent, _ = await asyncio.gather(self.drain(), self._one_into_a_group())
        return sent

    async def _one_into_a_group(self) -> None:
        """At most one row into a group (the staff group) a round, once the group's pace allows: its rows never
        take a place in the chunks the other chats' rows share, nor make them wait (a round comes every fraction
        of a second, far more often than a group may take a message)."""
        if self._stopping or time.monotonic() < self._group_free_at:
            return
        async with self.uow() as uow:
            claimed = await uow.outbox.claim(self.clock.now(), 1, groups=True)
            missing = {c.announcement_id for c in claimed} - self._announcements.keys()
            if missing:
                self._announcements.update(await uow.outbox.many(sorted(missing)))
            await uow.commit()
        if not claimed:
            return
        outcome = await self._send(claimed[0], group=True)
        # The group's pace is kept here alone: the next one a group's interval later, twice that when this one
        # opened a topic (two calls), and no sooner than Telegram asked after a 429 there (which stops no other chat).
        wait = (2 if outcome.opened else 1) * self.group_interval
        self._group_free_at = time.monotonic() + max(wait, outcome.retry_after or 0.0)
        await self._record([outcome])

    def _reader(self) -> UnitOfWork:
        return (self.reader or self.uow)()

    async def drain(self) -> int:
        """Sends until nothing is due (or interrupted); how many were sent."""
        sent_before = self.stats.sent
        in_flight: deque[asyncio.Task[list[_Outcome]]] = deque()
        try:
            while True:
                while len(in_flight) < CHUNKS_IN_FLIGHT and not self._stopping:
                    chunk = await self._claim()
                    if not chunk:
                        break
                    in_flight.append(asyncio.create_task(self._send_chunk(chunk)))
                if not in_flight:
                    break
                await self._record(await in_flight.popleft())
        finally:
            for task in in_flight:  # cancelled from outside: what was sent is still recorded
                try:
                    await self._record(await task)
                except Exception:  # the row stays `sending`: sent again by the next sender
                    log.exception("could not record a chunk of the outbox")
            self._forget_old_chats()
            self._announcements.clear()  # one per proof: read again next round rather than kept for ever
        return self.stats.sent - sent_before

    async def _claim(self) -> list[Claimed]:
        now = self.clock.now()
        async with self._reader() as reader:
            paid = await reader.outbox.next_is_paid(now)
        if paid is None:
            return []
        async with self.uow() as uow:
            chunk = await uow.outbox.claim(now, self._chunks[paid], paid=paid)  # no group's rows: they have a lane
            missing = {c.announcement_id for c in chunk} - self._announcements.keys()
            if missing:
                self._announcements.update(await uow.outbox.many(sorted(missing)))
            await uow.commit()
        return chunk

    async def _send_chunk(self, chunk: list[Claimed]) -> list[_Outcome]:
        return list(await asyncio.gather(*(self._send(row) for row in chunk)))

    async def _send(self, row: Claimed, *, group: bool = False) -> _Outcome:
        a = self._announcements[row.announcement_id]
        item = Outgoing(
            row.id, a.id, a.kind, row.chat_id, row.language, a.office_id, row.booking_id, row.paid, a.payload
        )
        # One a second in a chat: a proof and a reminder for the same person wait their turn, nobody else does (a
        # group's pace is its lane's, _one_into_a_group).
        last = None if group else self._last_in_chat.get(row.chat_id)
        if last is not None and (wait := last + self.chat_interval - time.monotonic()) > 0:
            await asyncio.sleep(wait)
        try:
            prepared = await self.courier.prepare(item)
        except NothingToSay as moot:
            return _Outcome(row, RowState.CANCELLED, error=str(moot)[:200])
        except TryLater as flood:  # a group's limit met while preparing (opening a topic): later, not a failure
            return _Outcome(row, RowState.PENDING, error="429", retry_after=flood.retry_after)
        except Exception as exc:
            return self._failed(row, exc)
        opened = bool(getattr(prepared, "opened", False))
        gate = self._paid if row.paid else self._free
        try:
            async with gate.sending(interactive=False):
                self._last_in_chat[row.chat_id] = time.monotonic()
                message_id = await self.courier.send(prepared)
        except TryLater as flood:
            if group:  # a group's own limit: only the group waits
                return _Outcome(row, RowState.PENDING, error="429", retry_after=flood.retry_after, opened=opened)
            gate.pause(flood.retry_after)
            if gate is not self._free:
                self._free.pause(flood.retry_after)
            return _Outcome(row, RowState.PENDING, error="429", retry_after=flood.retry_after)
        except ChatUnreachable as gone:
            return _Outcome(row, RowState.BLOCKED, error=str(gone)[:200] or "unreachable")
        except Exception as exc:
            return self._failed(row, exc)
        return _Outcome(row, RowState.SENT, message_id=message_id, opened=opened)

    def _failed(self, row: Claimed, exc: Exception) -> _Outcome:
        log.warning("outbox row %d to chat %d failed: %r", row.id, row.chat_id, exc)
        state = RowState.FAILED if row.attempts >= MAX_ATTEMPTS else RowState.PENDING
        return _Outcome(row, state, error=repr(exc)[:200])

    async def _record(self, outcomes: list[_Outcome]) -> None:
        now = self.clock.now()
        done = [o for o in outcomes if o.state is not RowState.PENDING]
        throttled = [o.row.id for o in outcomes if o.state is RowState.PENDING and o.retry_after is not None]
        failing = [o for o in outcomes if o.state is RowState.PENDING and o.retry_after is None]
        async with self.uow() as uow:
            await uow.outbox.record(
                [(o.row.id, o.state, o.message_id, now if o.state is RowState.SENT else None, o.error) for o in done]
            )
            for o in done:
                if o.state is RowState.BLOCKED:
                    await uow.subscriptions.blocked(o.row.chat_id, now)
            await uow.outbox.retry(throttled, now, "429", count=False)
            for o in failing:  # 2, 4, 8 … seconds: a network hiccup passes, an outage is not hammered
                await uow.outbox.retry([o.row.id], now + timedelta(seconds=2**o.row.attempts), o.error, count=True)
            await uow.commit()
        for o in done:
            metrics.OUTBOX_SENT.labels(o.state.value).inc()
        if failing:
            metrics.ERRORS.labels("outbox").inc(len(failing))
        self.stats.sent += sum(o.state is RowState.SENT for o in done)
        self.stats.blocked += sum(o.state is RowState.BLOCKED for o in done)
        self.stats.failed += sum(o.state is RowState.FAILED for o in done)
        self.stats.throttled += len(throttled)
        self.stats.retried += len(failing)

    def _forget_old_chats(self) -> None:
        horizon = time.monotonic() - self.chat_interval
        self._last_in_chat = {c: t for c, t in self._last_in_chat.items() if t > horizon}
