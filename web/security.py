"""Staff sign-in: CSRF tokens for forms (the login form's before any session) and login throttling."""

from __future__ import annotations

import hashlib
import hmac
import math
import secrets
import time
from collections.abc import Callable
from typing import Any, Protocol

from itsdangerous import BadSignature, SignatureExpired, URLSafeTimedSerializer

from core.domain.staff import SESSION_LENGTH

SESSION_COOKIE = "antrean_staff"
LOGIN_COOKIE = "antrean_login"  # the login form's CSRF token, before there is a session
SESSION_SECONDS = int(SESSION_LENGTH.total_seconds())
LOGIN_FORM_SECONDS = 2 * 3600  # a login form left open longer is shown again with a new token


class Sessions:
    """CSRF tokens: one bound to each session, and one for the login form before any session exists.

    The session token itself is random and kept on the server (core.services.staff.start_session).
    """

    def __init__(self, key: bytes) -> None:
        self._csrf_key = hashlib.sha256(key + b"csrf").digest()
        self._login = URLSafeTimedSerializer(key, salt="antrean-login-form")

    def csrf(self, token: str) -> str:
        """The form token of a session: bound to it, so a page from one session cannot post for another."""
        return hmac.new(self._csrf_key, token.encode(), hashlib.sha256).hexdigest()[:32]

    def csrf_ok(self, token: str, presented: str | None) -> bool:
        return presented is not None and hmac.compare_digest(self.csrf(token), presented)

    def login_cookie(self) -> str:
        """A signed random value for the login form's cookie; its form field is `csrf` of it."""
        return str(self._login.dumps(secrets.token_urlsafe(16)))

    def login_ok(self, cookie: str | None, presented: str | None) -> bool:
        """Whether the login form came from a page this browser was given (signed double-submit)."""
        if not cookie:
            return False
        try:
            self._login.loads(cookie, max_age=LOGIN_FORM_SECONDS)
        except (BadSignature, SignatureExpired):
            return False
        return self.csrf_ok(cookie, presented)


class Counter(Protocol):
    async def hit(self, key: str, window: int) -> int: ...
    async def count(self, key: str) -> tuple[int, int]: ...
    async def clear(self, key: str) -> None: ...


class MemoryCounter:
    """Failures per key in fixed windows, in this process (one web worker)."""

    def __init__(self, clock: Callable[[], float] = time.monotonic) -> None:
        self._clock = clock
        self._counts: dict[str, tuple[int, float]] = {}

    async def hit(self, key: str, window: int) -> int:
        now = self._clock()
        n, until = self._counts.get(key, (0, now + window))
        if until <= now:
            n, until = 0, now + window
        self._counts[key] = (n + 1, until)
        if len(self._counts) > 100_000:  # an attack on many names: drop the ones that expired
            self._counts = {k: v for k, v in self._counts.items() if v[1] > now}
        return n + 1

    async def count(self, key: str) -> tuple[int, int]:
        now = self._clock()
        n, until = self._counts.get(key, (0, now))
        return (n, math.ceil(until - now)) if until > now else (0, 0)

    async def clear(self, key: str) -> None:
        self._counts.pop(key, None)


class RedisCounter:
    """The same windows in Redis, shared by every web worker."""

    def __init__(self, client: Any) -> None:
        self._redis = client

    async def hit(self, key: str, window: int) -> int:
        pipe = self._redis.pipeline()
        pipe.incr(key)
        pipe.expire(key, window, nx=True)
        n, _ = await pipe.execute()
        return int(n)

    async def count(self, key: str) -> tuple[int, int]:
        pipe = self._redis.pipeline()
        pipe.get(key)
        pipe.ttl(key)
        n, ttl = await pipe.execute()
        return (int(n or 0), max(int(ttl), 0))

    async def clear(self, key: str) -> None:
        await self._redis.delete(key)


class LoginThrottle:
    """After 5 wrong passwords for one username from one address, or 30 from one address, wait 15 minutes.

    Both limits: the first stops guessing one account's password, the second stops trying one password on
    many accounts. A success clears the username's count.
    """

    PER_NAME = 5
    PER_ADDRESS = 30
    WINDOW = 15 * 60

    def __init__(self, counter: Counter) -> None:
        self._counter = counter

    @staticmethod
    def _keys(username: str, address: str) -> tuple[str, str]:
        return f"antrean:login:{address}:{username.strip().lower()}", f"antrean:login:{address}"

    async def wait_seconds(self, username: str, address: str) -> int:
        """0 if a try is allowed now, else how long until it is."""
        by_name, by_address = self._keys(username, address)
        n1, t1 = await self._counter.count(by_name)
        n2, t2 = await self._counter.count(by_address)
        waits = [t for n, t, limit in ((n1, t1, self.PER_NAME), (n2, t2, self.PER_ADDRESS)) if n >= limit]
        return max(waits, default=0)

    async def failed(self, username: str, address: str) -> None:
        for key in self._keys(username, address):
            await self._counter.hit(key, self.WINDOW)

    async def succeeded(self, username: str, address: str) -> None:
        await self._counter.clear(self._keys(username, address)[0])
