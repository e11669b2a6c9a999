"""Taking Telegram's updates in through the inbox, and handing them to the bot in each chat's order.

The webhook keeps an update (Intake) before it answers Telegram; the pump of every worker takes what waits, any
worker's, at most `in_flight` at a time, and marks each handled when the bot is done with it. An update is
handled at least once (a worker that dies holding it leaves it to the others when its lease runs out) and, but for
that case, once: Telegram's repeats are recognised by their update_id.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import os
import socket
import time
from collections.abc import Awaitable, Callable
from dataclasses import dataclass

from core import metrics
from core.persistence.inbox import Arrival, Inbox, Taken

log = logging.getLogger(__name__)

Handle = Callable[[Taken], Awaitable[None]]
Now = Callable[[], float]


def worker_name() -> str:
    """How this process is named on the updates it holds: host and process id, unique in the deployment."""
    return f"{socket.gethostname()[:60]}:{os.getpid()}"


@dataclass(frozen=True, slots=True)
class Kept:
    new: bool  # False: a repeat, recognised by its update_id
    answered_before: bool  # a repeat whose first copy was a tap answered at once, in a reply that may be lost


class Intake:
    """Keeps arriving updates in the inbox. Updates that arrive while a write is under way share the next one
    (one transaction for a burst, not one each), and each caller returns once its update is kept."""

    def __init__(self, inbox: Inbox, *, kept: Callable[[], None] | None = None, gather: float = 0.004) -> None:
        self._inbox = inbox
        self._kept = kept
        # A write waits this long for more updates before it begins. Telegram sends a rush's updates a few
        # milliseconds apart, each by its own POST; without the wait nearly each one paid a transaction of its
        # own, and a transaction costs more CPU than the rows in it (bench/webhook_rush.py).
        self._gather = gather
        self._waiting: list[tuple[Arrival, asyncio.Future[Kept]]] = []
        self._writer: asyncio.Task[None] | None = None

    async def keep(self, arrival: Arrival) -> Kept:
        """Returns once the update is kept: whether it is new, and if not, whether its first copy was answered."""
        future: asyncio.Future[Kept] = asyncio.get_running_loop().create_future()
        self._waiting.append((arrival, future))
        if self._writer is None or self._writer.done():
            self._writer = asyncio.create_task(self._write(), name="inbox-intake")
        return await future

    async def _write(self) -> None:
        if self._gather > 0:
            await asyncio.sleep(self._gather)
        while self._waiting:
            batch, self._waiting = self._waiting, []
            first: dict[int, Arrival] = {}
            for arrival, _ in batch:
                first.setdefault(arrival.update_id, arrival)
            try:
                new, answered = await self._inbox.put(list(first.values()))
            except Exception as exc:  # each waiting request fails (Telegram gets a 500 and sends again)
                for _, future in batch:
                    if not future.done():
                        future.set_exception(exc)
                continue
            for arrival, future in batch:
                if future.done():
                    continue
                original = first[arrival.update_id]
                if original is arrival:
                    future.set_result(Kept(arrival.update_id in new, arrival.update_id in answered))
                else:  # a repeat inside the batch: its first copy was kept (or found) just now
                    was_answered = original.answered if original.update_id in new else original.update_id in answered
                    future.set_result(Kept(False, was_answered))
            if new and self._kept is not None:
                self._kept()


class InboxPump:
    """One worker's loop over the inbox: takes waiting updates as turns free up, hands each to `handle`, marks it
    handled, and renews the lease of what it holds. Woken by its own webhook and by each update it finishes; polls
    every `poll` seconds for what other workers received (or left behind when they died)."""

    def __init__(
        self,
        inbox: Inbox,
        handle: Handle,
        *,
        in_flight: int,
        lease: float,
        poll: float = 0.25,
        gap: float = 0.01,
        me: str | None = None,
        now: Now = time.time,
    ) -> None:
        self._inbox = inbox
        self._handle_one = handle
        self._in_flight = in_flight
        self._lease = lease
        self._poll = poll
        # Turns are at least `gap` seconds apart: in a rush an update finishes every few milliseconds, and a turn
        # for each (mark it handled, take the next) cost a transaction each; a turn now marks and takes several.
        self._gap = gap
        self.me = me or worker_name()
        self._now = now
        self._running: dict[int, asyncio.Task[None]] = {}
        self._handled: list[int] = []
        self._abandoned: list[int] = []
        self._renew_at = 0.0
        self._waiting_since: float | None = None
        self._woken = asyncio.Event()
        self._stopping = False
        self._loop: asyncio.Task[None] | None = None

    @property
    def lag(self) -> float:
        """Seconds the oldest update nobody has taken yet has waited, at the last turn (0: none waited)."""
        since = self._waiting_since
        return 0.0 if since is None else max(0.0, self._now() - since)

    @property
    def holding(self) -> int:
        return len(self._running)

    def wake(self) -> None:
        self._woken.set()

    def start(self) -> None:
        self._loop = asyncio.create_task(self._run(), name="inbox-pump")

    async def _run(self) -> None:
        last = 0.0
        while True:
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(self._woken.wait(), self._poll)
            wait = last + self._gap - time.monotonic()
            if wait > 0:
                await asyncio.sleep(wait)
            self._woken.clear()
            if self._stopping:  # set by stop(), while this waited
                return
            last = time.monotonic()
            try:
                await self._turn()
            except Exception:
                # The database blinked: what was handled is marked at the next turn; nothing is taken meanwhile.
                log.exception("the inbox could not be read; trying again")
                metrics.ERRORS.labels("inbox").inc()
                await asyncio.sleep(min(1.0, self._lease / 4))
                self._woken.set()

    async def _turn(self, *, take: bool = True) -> None:
        now = self._now()
        handled, self._handled = self._handled, []
        holding: list[int] = []
        if self._running and now >= self._renew_at:
            holding = list(self._running)
            self._renew_at = now + self._lease / 3
        free = self._in_flight - len(self._running) if take else 0
        if not handled and not holding and free <= 0:
            return
        try:
            got = await self._inbox.take(self.me, free, now, self._lease, handled=handled, holding=holding)
        except BaseException:
            self._handled = handled + self._handled
            raise
        if take:
            self._waiting_since = got.waiting_since
        for taken in got.taken:
            if taken.takes > 1:
                log.warning("update %d taken again (its worker stopped holding it)", taken.update_id)
            self._running[taken.update_id] = asyncio.create_task(self._handle(taken), name="inbox-update")

    async def _handle(self, taken: Taken) -> None:
        done = False
        try:
            await self._handle_one(taken)
            done = True
        except asyncio.CancelledError:
            raise
        except Exception:  # the bot reports its handlers' errors itself; an update that failed is not retried
            log.exception("update %d failed", taken.update_id)
            done = True
        finally:
            del self._running[taken.update_id]
            (self._handled if done else self._abandoned).append(taken.update_id)
            self._woken.set()

    async def stop(self, timeout: float = 30.0) -> None:  # noqa: ASYNC109 - a bound on shutdown, by design
        """Takes nothing more, lets the updates in hand finish (for up to `timeout` seconds), marks them handled
        and gives back any it could not finish."""
        self._stopping = True
        self._woken.set()
        if self._loop is not None:
            await asyncio.gather(self._loop, return_exceptions=True)
        if self._running:
            _, late = await asyncio.wait(set(self._running.values()), timeout=timeout)
            for task in late:
                task.cancel()
            await asyncio.gather(*late, return_exceptions=True)
        try:
            await self._turn(take=False)
            await self._inbox.let_go(self.me, self._abandoned)
        except Exception:
            log.exception("the inbox could not be told what this worker finished; its leases will run out")
