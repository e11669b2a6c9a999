"""The pace of messages to Telegram, with two classes of callers, and Telegram's rule kept exactly.

Telegram counts new messages per second: about 30 a second to different chats
(https://core.telegram.org/bots/faq#my-bot-is-hitting-limits-how-do-i-avoid-this), counted as they arrive. A gate
made `within(limit)` keeps that rule as it is written, whatever the network and the event loops do to the requests
on their way: a request holds its place from the moment it is let out until its answer is back, and for a second
after; a new one goes only while fewer than `limit` places are held. A message arrives after it was let out and
before its answer, so any two in one second of arrivals were both held when the later of them was let out: no
second of arrivals can hold more than `limit` (a log of the times requests were let out, as this gate kept before,
let 1,025 into one second of the stand-in's at 1,000 a second: the requests of one moment arrive spread out).
A leaky bucket (aiolimiter) cannot keep the rule and come close to the limit at once: it keeps it only when burst
+ rate fits the limit, and at a burst of one it loses every late wake-up of the event loop for good
(bench/broadcast.py measured 0.92 of 30 a second); here a late request is made up by the next.

Interactive callers (a reply to someone's tap) are smoothed by aiolimiter's leaky bucket and pass first. Background
callers (the outbox's sender) take a place only when no interactive caller is waiting and there is room at once,
one of them at a time, so a broadcast of thousands never stands between an applicant and their answer. aiolimiter
has no priorities of its own; this is the layer over it.
"""

from __future__ import annotations

import asyncio
import time
from collections import deque
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import TYPE_CHECKING

from aiolimiter import AsyncLimiter

if TYPE_CHECKING:
    from core.shared_pace import SharedWindow

# The window Telegram counts in. No margin for the network: a place is held until the answer is back (above).
WINDOW = 1.0
GAPLESS = 200
# When every place is held by a request on its way, how soon a caller looks again (one lands any moment).
LANDING_POLL = 0.001


class RateGate:
    def __init__(
        self, rate: float, burst: int = 1, *, per_window: int | None = None, shared: SharedWindow | None = None
    ) -> None:
        """`rate` a second after a `burst`; with `per_window`, never more than that many places held in any
        `WINDOW`; with `shared`, those places are kept in Redis with every other process's (core/shared_pace.py)."""
        self.rate = rate
        self.burst = burst
        self.per_window = per_window
        self.shared = shared
        self._bucket = AsyncLimiter(burst, burst / rate)
        self._in_flight = 0  # places held by requests on their way
        self._landed: deque[float] = deque()  # when the answers of the last WINDOW came back, oldest first
        self._latest = float("-inf")  # when the latest request was let out
        self._primed = per_window is None
        self._paused_until = 0.0
        self._interactive_waiting = 0
        self._background_turn = asyncio.Lock()

    @classmethod
    def within(cls, limit: float, *, shared: SharedWindow | None = None) -> RateGate:
        """A gate that never lets more than `limit` messages arrive in any one second, and comes close to it."""
        return cls(limit, 1, per_window=max(1, int(limit)), shared=shared)

    def _now(self) -> float:
        # Not the loop's time: uvloop's counts whole milliseconds, so an answer was logged up to one early and its
        # place freed that much early (1,002 messages in one second at 1,000 a second in bench/broadcast.py).
        # The clock asyncio's own loop reads, at full resolution.
        return time.monotonic()

    def pause(self, seconds: float) -> None:
        """Telegram said to wait: nobody, interactive or not, passes before then."""
        self._paused_until = max(self._paused_until, self._now() + seconds)

    @property
    def paused_for(self) -> float:
        return max(0.0, self._paused_until - self._now())

    async def _wait_out_pause(self) -> None:
        while (left := self.paused_for) > 0:  # noqa: ASYNC110 - a pause may be extended while waited out
            await asyncio.sleep(left)

    def _until_window_room(self) -> float:
        """Seconds until a place is free (0: now)."""
        if self.per_window is None:
            return 0.0
        now = self._now()
        while self._landed and self._landed[0] <= now - WINDOW:
            self._landed.popleft()
        # Places held beyond the one wanted; the landed ones free theirs oldest first, and the one at this index
        # is the last that must go.
        over = self._in_flight + len(self._landed) - self.per_window
        if over < 0:
            return 0.0
        if over < len(self._landed):
            return self._landed[over] + WINDOW - now
        return LANDING_POLL

    def _take(self) -> None:
        self._in_flight += 1
        self._latest = self._now()

    def _land(self) -> None:
        self._in_flight -= 1
        if self.per_window is not None:
            self._landed.append(self._now())

    def _prime(self) -> None:
        """A new gate takes the second before it as full, evenly: the sender it replaces (a restart after a crash)
        may have sent a whole second's worth just before, and Telegram counts them."""
        if self._primed:
            return
        self._primed = True
        assert self.per_window is not None
        now = self._now()
        step = WINDOW / self.per_window
        self._landed.extend(now - WINDOW + step * (i + 1) for i in range(self.per_window))

    @asynccontextmanager
    async def sending(self, *, interactive: bool) -> AsyncIterator[None]:
        """Holds a place for the request made inside, until its answer is back (or it failed) and a second after.

        Interactive callers (a reply to a tap) go first; a background caller (the outbox) takes a place only when
        no reply waits, here or, with Redis, anywhere in the deployment."""
        member = await (self._acquire_interactive() if interactive else self._acquire_background())
        try:
            yield
        finally:
            self._land()
            if member is not None:
                assert self.shared is not None
                await self.shared.land(member)

    async def _acquire_interactive(self) -> str | None:
        self._prime()
        self._interactive_waiting += 1
        # Counted as waiting across the deployment from the start, the bucket's wait included: five replies
        # spaced by it are five replies waiting, not one at a time with the outbox slipping in between.
        if self.shared is not None:
            await self.shared.reply_waits(True)
        try:
            await self._wait_out_pause()
            await self._bucket.acquire()
            member = await self._take_shared() if self.shared is not None else None
            if member is None:
                while (room := self._until_window_room()) > 0:  # noqa: ASYNC110 - the window is a log, not an event
                    await asyncio.sleep(room)
            self._take()
            return member
        finally:
            self._interactive_waiting -= 1
            if self.shared is not None:
                await self.shared.reply_waits(False)

    async def _acquire_background(self) -> str | None:
        self._prime()
        async with self._background_turn:
            while True:
                await self._wait_out_pause()
                if self._interactive_waiting or self._until_gap() > 0:
                    await asyncio.sleep(self._until_room())
                    continue
                if self.shared is not None:
                    taken = await self.shared.take(background=True)
                    if isinstance(taken, str):
                        self._take()
                        return taken
                    if taken is not None:
                        await asyncio.sleep(taken)
                        continue
                # No await between the check and the take: nobody else can take the room meanwhile.
                if self._has_room():
                    if self.per_window is None:
                        await self._bucket.acquire()  # its fast path: there is capacity, it takes it at once
                    self._take()
                    return None
                await asyncio.sleep(self._until_room())

    async def _take_shared(self) -> str | None:
        """A reply's place in the deployment's window; None when Redis cannot be asked (the local window decides
        then)."""
        assert self.shared is not None
        while True:
            taken = await self.shared.take(background=False)
            if taken is None or isinstance(taken, str):
                return taken
            await asyncio.sleep(taken)

    def _has_room(self) -> bool:
        """Room now, the gap having been kept already (acquire looks at it first)."""
        if self.per_window is not None:  # the window is the rule; the bucket smooths interactive callers only
            return self._until_window_room() <= 0
        return self._bucket.has_capacity()

    def _until_gap(self) -> float:
        """A background caller keeps half a place's time after the latest request: a late one is made up at twice
        the rate, not all at once (the window alone would let a whole second's worth out together). Not above
        `GAPLESS` a second, where half a place is less than the event loop's timers can wait (a millisecond):
        there the gap would set the pace instead of the window."""
        if self.per_window is None or self.per_window > GAPLESS:
            return 0.0
        return self._latest + 0.5 / self.per_window - self._now()

    def _until_room(self) -> float:
        """Seconds until a background caller looks again."""
        step = 1 / self.rate
        if self._interactive_waiting:
            return step  # the room that comes goes to them: look again a place later
        if self.per_window is not None:
            return max(self._until_window_room(), self._until_gap(), 0.0005)
        # The bucket, full at most at the latest request, has room 1/rate after it; not less than a twentieth of
        # a place, as the bucket's float arithmetic may want a hair more than 1/rate.
        return max(self._latest + step - self._now(), step / 20)
