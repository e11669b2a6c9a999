"""The pace of messages to Telegram, with two classes of callers, and Telegram's rule kept exactly.

Telegram counts new messages per second: about 30 a second to different chats
(https://core.telegram.org/bots/faq#my-bot-is-hitting-limits-how-do-i-avoid-this). A gate made `within(limit)`
keeps that rule as it is written: a log of the last `limit` takes, and a new take only once the oldest of them is
more than a second (and a margin for the network's jitter) old. A leaky bucket (aiolimiter) cannot keep the rule
and come close to the limit at once: it keeps it only when burst + rate fits the limit, and at a burst of one it
loses every late wake-up of the event loop for good (bench/broadcast.py measured 0.92 of 30 a second); the log
lets a late take be made up by the next, and never lets more than `limit` into any window.

Interactive callers (a reply to someone's tap) are smoothed by aiolimiter's leaky bucket and pass first. Background
callers (the outbox's sender) take a place only when no interactive caller is waiting and there is room at once,
one of them at a time, so a broadcast of thousands never stands between an applicant and their answer. aiolimiter
has no priorities of its own; this is the layer over it.
"""

from __future__ import annotations

import asyncio
from collections import deque
from typing import TYPE_CHECKING

from aiolimiter import AsyncLimiter

if TYPE_CHECKING:
    from core.shared_pace import SharedWindow

# The window Telegram counts in, and 3 % beside it: a message sent on time may arrive a few milliseconds after
# one sent later (two requests on their way at once), and Telegram counts arrivals.
WINDOW = 1.03
GAPLESS = 200


class RateGate:
    def __init__(
        self, rate: float, burst: int = 1, *, per_window: int | None = None, shared: SharedWindow | None = None
    ) -> None:
        """`rate` a second after a `burst`; with `per_window`, never more than that many in any `WINDOW`;
        with `shared`, that window is kept in Redis with every other process's sends (core/shared_pace.py)."""
        self.rate = rate
        self.burst = burst
        self.per_window = per_window
        self.shared = shared
        self._bucket = AsyncLimiter(burst, burst / rate)
        self._taken: deque[float] = deque(maxlen=per_window or 1)  # the latest takes, oldest first
        self._primed = per_window is None
        self._paused_until = 0.0
        self._interactive_waiting = 0
        self._background_turn = asyncio.Lock()

    @classmethod
    def within(cls, limit: float, *, shared: SharedWindow | None = None) -> RateGate:
        """A gate that never lets more than `limit` calls into any one-second window, and comes close to it."""
        # A hundredth kept back at high rates: a thousand a second are a millisecond apart, and the jitter of two
        # event loops (ours, and the server's) bunches a few more into a second than the window let out.
        return cls(limit, 1, per_window=max(1, int(limit) - int(limit) // 100), shared=shared)

    def _now(self) -> float:
        return asyncio.get_running_loop().time()

    def pause(self, seconds: float) -> None:
        """Telegram said to wait: nobody, interactive or not, passes before then."""
        try:
            now = self._now()
        except RuntimeError:  # no loop running: nothing is waiting either
            return
        self._paused_until = max(self._paused_until, now + seconds)

    @property
    def paused_for(self) -> float:
        return max(0.0, self._paused_until - self._now())

    async def _wait_out_pause(self) -> None:
        while (left := self.paused_for) > 0:  # noqa: ASYNC110 - a pause may be extended while waited out
            await asyncio.sleep(left)

    def _until_window_room(self) -> float:
        """Seconds until the window holds room for one more (0: now)."""
        if self.per_window is None or len(self._taken) < self.per_window:
            return 0.0
        return self._taken[0] + WINDOW - self._now()

    def _take(self) -> None:
        self._taken.append(self._now())

    def _prime(self) -> None:
        """A new gate takes the second before it as full, evenly: the sender it replaces (a restart after a crash)
        may have sent a whole second's worth just before, and Telegram counts them."""
        if self._primed:
            return
        self._primed = True
        assert self.per_window is not None
        now = self._now()
        step = WINDOW / self.per_window
        self._taken.extend(now - WINDOW + step * (i + 1) for i in range(self.per_window))

    async def acquire(self, *, interactive: bool) -> None:
        self._prime()
        if interactive:
            self._interactive_waiting += 1
            # Counted as waiting across the deployment from the start, the bucket's wait included: five replies
            # spaced by it are five replies waiting, not one at a time with the outbox slipping in between.
            if self.shared is not None:
                await self.shared.reply_waits(True)
            try:
                await self._wait_out_pause()
                await self._bucket.acquire()
                if self.shared is not None and await self._take_shared():
                    self._take()
                    return
                while (room := self._until_window_room()) > 0:  # noqa: ASYNC110 - the window is a log, not an event
                    await asyncio.sleep(room)
                self._take()
            finally:
                self._interactive_waiting -= 1
                if self.shared is not None:
                    await self.shared.reply_waits(False)
            return
        async with self._background_turn:
            while True:
                await self._wait_out_pause()
                if self._interactive_waiting or self._until_gap() > 0:
                    await asyncio.sleep(self._until_room())
                    continue
                if self.shared is not None:
                    shared_wait = await self.shared.take(background=True)
                    if shared_wait == 0:
                        self._take()
                        return
                    if shared_wait is not None:
                        await asyncio.sleep(shared_wait)
                        continue
                # No await between the check and the take: nobody else can take the room meanwhile.
                if self._has_room():
                    if self.per_window is None:
                        await self._bucket.acquire()  # its fast path: there is capacity, it takes it at once
                    self._take()
                    return
                await asyncio.sleep(self._until_room())

    async def _take_shared(self) -> bool:
        """A reply's place in the deployment's window; False when Redis cannot be asked (the local window decides
        then)."""
        assert self.shared is not None
        while (wait := await self.shared.take(background=False)) != 0:
            if wait is None:
                return False
            await asyncio.sleep(wait)
        return True

    def _has_room(self) -> bool:
        """Room now, the gap having been kept already (acquire looks at it first)."""
        if self.per_window is not None:  # the window is the rule; the bucket smooths interactive callers only
            return self._until_window_room() <= 0
        return self._bucket.has_capacity()

    def _until_gap(self) -> float:
        """A background caller keeps half a take's time after the latest take: a late one is made up at twice
        the rate, not all at once (the window alone would let a whole second's worth out together). Not above
        `GAPLESS` a second, where half a take is less than the event loop's timers can wait (a millisecond): there
        the gap would set the pace instead of the window."""
        if not self._taken or self.per_window is None or self.per_window > GAPLESS:
            return 0.0
        return self._taken[-1] + 0.5 / self.per_window - self._now()

    def _until_room(self) -> float:
        """Seconds until a background caller looks again."""
        step = 1 / self.rate
        if self._interactive_waiting:
            return step  # the room that comes goes to them: look again a take later
        if self.per_window is not None:
            return max(self._until_window_room(), self._until_gap(), 0.0005)
        # The bucket, full at most at the latest take, has room 1/rate after it; not less than a twentieth of a
        # take, as the bucket's float arithmetic may want a hair more than 1/rate.
        latest = self._taken[-1] if self._taken else float("-inf")
        return max(latest + step - self._now(), step / 20)
