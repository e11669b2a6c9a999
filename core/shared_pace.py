"""Telegram's limit shared by every process of a deployment: the bot's (or the web workers') replies and the
worker's outbox send for one bot, and Telegram counts them together.

One set of places per bot in Redis (held while a request is on its way and a second after, as core/pacing.py
keeps them), kept by scripts that run whole on the server (no two processes take the same place), timed by the
server's clock (the machines' clocks may differ). A reply waiting anywhere is counted, and the
outbox takes no place while one waits: the applicant in front of a chat goes first across processes as within one.
"""

from __future__ import annotations

import itertools
import logging
import os
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import Any

from redis.exceptions import RedisError

from core.config import Settings

log = logging.getLogger(__name__)

# A place is held from its take until its request's answer is back, and a window after (core/pacing.py says why).
# KEYS[1] the places (a sorted set: a landed one scored by its landing, ms; one on its way by when it would be given
# up, should its process die), KEYS[2] how many replies wait for a place.
# ARGV[1] window (ms), ARGV[2] limit, ARGV[3] 1 for the outbox (steps back while a reply waits), ARGV[4] a member,
# ARGV[5] how long a request on its way may hold its place at most (ms).
# Returns 0 when a place was taken, else the ms to wait before asking again (-1: a reply waits first).
_TAKE = """
local t = redis.call('TIME')
local now = tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000)
local window = tonumber(ARGV[1])
redis.call('ZREMRANGEBYSCORE', KEYS[1], '-inf', now - window)
if ARGV[3] == '1' and tonumber(redis.call('GET', KEYS[2]) or '0') > 0 then
  return -1
end
local over = redis.call('ZCARD', KEYS[1]) - tonumber(ARGV[2])
if over < 0 then
  redis.call('ZADD', KEYS[1], now + tonumber(ARGV[5]), ARGV[4])
  redis.call('PEXPIRE', KEYS[1], tonumber(ARGV[5]) + window * 2)
  return 0
end
local last = tonumber(redis.call('ZRANGE', KEYS[1], over, over, 'WITHSCORES')[2])
if last > now then
  return 1
end
return math.max(1, last + window - now)
"""

# KEYS[1] the places, ARGV[1] a member whose request's answer is back: its place is held a window from now.
_LAND = """
local t = redis.call('TIME')
redis.call('ZADD', KEYS[1], 'XX', tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000), ARGV[1])
return 0
"""

# A request on its way longer than this (the bot's requests time out well before) is taken to have died with its
# process: its place is given up, a window later.
ON_ITS_WAY_MS = 60_000


class SharedWindow:
    """At most `limit` sends of one bot in any `window` seconds, across processes and machines."""

    def __init__(self, redis: Any, bot_id: str, limit: int, window: float) -> None:
        self._redis = redis
        self._log = f"antrean:telegram:{bot_id}:places"
        self._asking = f"antrean:telegram:{bot_id}:replies-waiting"
        self.limit = limit
        self._window_ms = round(window * 1000)
        self._take_script = redis.register_script(_TAKE)
        self._land_script = redis.register_script(_LAND)
        self._members = (f"{os.getpid()}:{id(self)}:{n}" for n in itertools.count())
        self._warned = False

    async def take(self, *, background: bool) -> str | float | None:
        """The place's name once one is taken (`land` it when the request's answer is back); else seconds to wait
        before asking again; None when Redis cannot be asked (the caller keeps its own window meanwhile: a message
        is not held back by a Redis outage)."""
        member = next(self._members)
        args = [self._window_ms, self.limit, int(background), member, ON_ITS_WAY_MS]
        try:
            answer = int(await self._take_script(keys=[self._log, self._asking], args=args))
        except (RedisError, OSError) as err:
            self._unreachable(err)
            return None
        if answer == 0:
            return member
        return 0.005 if answer < 0 else answer / 1000

    async def land(self, member: str) -> None:
        """The request that took `member` has its answer: its place is free a window from now."""
        try:
            await self._land_script(keys=[self._log], args=[member])
        except (RedisError, OSError) as err:  # the place is given up after ON_ITS_WAY_MS instead
            self._unreachable(err)

    async def reply_waits(self, waiting: bool) -> None:
        """A reply starts (or stops) waiting for a place; kept a minute at most, should a process die meanwhile."""
        pipe = self._redis.pipeline()
        if waiting:
            pipe.incr(self._asking)
        else:
            pipe.decr(self._asking)
        pipe.expire(self._asking, 60)
        try:
            await pipe.execute()
        except (RedisError, OSError) as err:
            self._unreachable(err)

    def _unreachable(self, err: BaseException) -> None:
        if not self._warned:
            log.warning("Redis cannot keep the shared pace (%r): each process keeps its own meanwhile", err)
            self._warned = True


@asynccontextmanager
async def shared_window(settings: Settings) -> AsyncIterator[SharedWindow | None]:
    """The deployment's window for its bot when Redis is configured (several processes); None otherwise."""
    if not settings.redis_url or not settings.bot_token:
        yield None
        return
    from redis.asyncio import Redis

    from core.pacing import WINDOW

    client = Redis.from_url(settings.redis_url)
    try:
        bot_id = settings.bot_token.split(":", 1)[0]
        yield SharedWindow(client, bot_id, max(1, int(settings.outbox_messages_per_second)), WINDOW)
    finally:
        await client.aclose()
