"""Which worker process is the active one: exactly one per deployment runs the background jobs.

On PostgreSQL a session-level advisory lock decides across machines: the holder keeps one connection open, and
when it dies (even by kill -9) the server ends that session and frees the lock, so a standby's next try takes it.
On SQLite, whose file lives on one machine, an exclusive lock on a file beside the database does the same.
"""

from __future__ import annotations

import asyncio
import contextlib
import fcntl
import logging
import os
from pathlib import Path
from typing import Protocol

from sqlalchemy import text
from sqlalchemy.engine import make_url
from sqlalchemy.ext.asyncio import AsyncConnection, AsyncEngine

from core.persistence.database import is_sqlite

log = logging.getLogger(__name__)

# pg_try_advisory_lock takes a 64-bit key; this one is "antrean" in ASCII, so it is recognisable in pg_locks.
LOCK_KEY = 0x616E747265616E
RETRY_SECONDS = 2.0
CHECK_TIMEOUT = 5.0  # seconds a check of the lock's session may take before the lock counts as lost


class Leadership(Protocol):
    async def acquire(self) -> bool:
        """Tries once to become the active worker; True if this process now is."""
        ...

    async def still_held(self) -> bool:
        """Whether this process is still the active worker (its lock's connection is alive)."""
        ...

    async def release(self) -> None: ...


class PostgresLeadership:
    """A session advisory lock on a connection of its own, held for as long as this worker leads."""

    def __init__(self, engine: AsyncEngine, key: int = LOCK_KEY) -> None:
        self._engine = engine
        self._key = key
        self._conn: AsyncConnection | None = None

    async def acquire(self) -> bool:
        conn = await self._engine.connect()
        try:
            # Autocommit: the lock belongs to the session, not to a transaction left open for hours.
            await conn.execution_options(isolation_level="AUTOCOMMIT")
            # The server frees a session's locks when it notices the session is gone. A killed process closes
            # its socket at once; a machine that dies or drops off the network does not, and by default the
            # server would wait out two hours of TCP keepalive. Probing this session after 10 s of silence, every
            # 5 s, three times, frees the lock for a standby within about 25 s.
            for setting, seconds in (("idle", 10), ("interval", 5), ("count", 3)):
                await conn.execute(text(f"SET tcp_keepalives_{setting} = {seconds}"))
            got = (await conn.execute(text("SELECT pg_try_advisory_lock(:key)"), {"key": self._key})).scalar()
        except BaseException:
            await conn.close()
            raise
        if not got:
            await conn.close()
            return False
        self._conn = conn
        return True

    async def still_held(self) -> bool:
        if self._conn is None:
            return False
        try:
            # Bounded: on a half-open link (the server's machine gone) a query would wait out the kernel's
            # retransmissions, about 15 minutes, while the jobs ran on without a lock.
            await asyncio.wait_for(self._conn.execute(text("SELECT 1")), timeout=CHECK_TIMEOUT)
        except (Exception, TimeoutError):
            # The server or the network went away: the session, and so the lock, may be gone with it.
            await self._drop()
            return False
        return True

    async def release(self) -> None:
        if self._conn is None:
            return
        with contextlib.suppress(Exception):
            await asyncio.wait_for(
                self._conn.execute(text("SELECT pg_advisory_unlock(:key)"), {"key": self._key}), CHECK_TIMEOUT
            )
        await self._drop()

    async def _drop(self) -> None:
        """Closes the lock's session for good: back in the pool, a connection could go on holding the lock."""
        conn, self._conn = self._conn, None
        if conn is None:
            return
        with contextlib.suppress(Exception):
            await conn.invalidate()
        with contextlib.suppress(Exception):
            await conn.close()


class FileLeadership:
    """An exclusive flock on `<database>.worker-lock`: the kernel frees it when the process dies."""

    def __init__(self, path: Path) -> None:
        self._path = path
        self._fd: int | None = None

    async def acquire(self) -> bool:
        self._path.parent.mkdir(parents=True, exist_ok=True)
        fd = os.open(self._path, os.O_RDWR | os.O_CREAT, 0o600)
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            os.close(fd)
            return False
        self._fd = fd
        return True

    async def still_held(self) -> bool:
        return self._fd is not None

    async def release(self) -> None:
        if self._fd is not None:
            fd, self._fd = self._fd, None
            fcntl.flock(fd, fcntl.LOCK_UN)
            os.close(fd)


def leadership_for(url: str, engine: AsyncEngine) -> Leadership:
    """The lock that fits the database: a file beside a SQLite database, an advisory lock on PostgreSQL."""
    if is_sqlite(url):
        database = make_url(url).database or "antrean.sqlite3"
        return FileLeadership(Path(database).resolve().with_name(Path(database).name + ".worker-lock"))
    return PostgresLeadership(engine)


async def wait_to_lead(leadership: Leadership, stop: asyncio.Event, retry: float = RETRY_SECONDS) -> bool:
    """Tries every `retry` seconds until this process leads (True) or `stop` is set (False)."""
    while not stop.is_set():
        try:
            if await leadership.acquire():
                return True
        except Exception as exc:  # the database is not reachable yet: a standby keeps trying
            log.warning("cannot take the worker lock yet (%s); trying again in %.0f s", exc.__class__.__name__, retry)
        with contextlib.suppress(TimeoutError):
            await asyncio.wait_for(stop.wait(), timeout=retry)
    return False
