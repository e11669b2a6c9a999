"""The pace of messages to Telegram: a leaky bucket (aiolimiter) with two classes of callers.

Interactive callers (a reply to someone's tap) queue at the bucket directly. Background callers (the outbox's
sender) take a token only when no interactive caller is waiting and the bucket has room at once, one of them at a
time, so a broadcast of thousands never stands between an applicant and their answer. aiolimiter has no priorities
of its own; this is the layer over it.
"""

from __future__ import annotations

import asyncio

from aiolimiter import AsyncLimiter

from core.domain.announcements import Pace


class RateGate:
    def __init__(self, rate: float, burst: int = 1) -> None:
        self.rate = rate
        self.burst = burst
        self._bucket = AsyncLimiter(burst, burst / rate)
        self._paused_until = 0.0
        self._taken_at = float("-inf")  # when the latest token was taken, by either class of caller
        self._interactive_waiting = 0
        self._background_turn = asyncio.Lock()

    @classmethod
    def within(cls, limit: float) -> RateGate:
        """A gate that never lets more than `limit` calls into any one-second window (see Pace)."""
        pace = Pace.within(limit)
        return cls(pace.rate, pace.burst)

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

    async def acquire(self, *, interactive: bool) -> None:
        if interactive:
            self._interactive_waiting += 1
            try:
                await self._wait_out_pause()
                await self._bucket.acquire()
                self._taken_at = self._now()
            finally:
                self._interactive_waiting -= 1
            return
        async with self._background_turn:
            while True:
                await self._wait_out_pause()
                # No await between the check and the take: the bucket's fast path takes the token at once.
                if not self._interactive_waiting and self._bucket.has_capacity():
                    await self._bucket.acquire()
                    self._taken_at = self._now()
                    if not self.paused_for:
                        return
                    continue  # a 429 arrived meanwhile: the token is spent, wait the pause out and take another
                await asyncio.sleep(self._until_room())

    def _until_room(self) -> float:
        """Seconds until a background caller looks again: when the bucket will have room for one more token."""
        step = 1 / self.rate
        if self._interactive_waiting:
            return step  # the room that comes goes to them: look again a token later
        # The bucket, full at most at the latest take, has room 1/rate after it. Counted from that take, not from
        # this look, which comes after whatever the last caller did with its token before it yielded: at 30 a
        # second, counting from the look lost 3 % of the rate (bench/broadcast.py). Not less than a twentieth of
        # a token, as the bucket's float arithmetic may want a hair more than 1/rate.
        return max(self._taken_at + step - self._now(), step / 20)
