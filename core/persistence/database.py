"""Engine factories: SQLite in WAL with a busy timeout by default, PostgreSQL through asyncpg."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from sqlalchemy import Engine, create_engine, event
from sqlalchemy.engine import URL, Connection, CursorResult, make_url
from sqlalchemy.ext.asyncio import AsyncEngine, create_async_engine

BUSY_TIMEOUT_MS = 10_000
# Execution option that makes a SQLite transaction take the write lock at BEGIN, so two writers never
# deadlock upgrading read locks (https://www.sqlite.org/lang_transaction.html#immediate).
WRITE = "antrean_write"


def async_url(url: str) -> URL:
    """The URL with the async driver this project uses for its dialect."""
    u = make_url(url)
    if u.drivername in ("sqlite", "sqlite+pysqlite"):
        u = u.set(drivername="sqlite+aiosqlite")
    elif u.drivername in ("postgresql", "postgres", "postgresql+psycopg2", "postgresql+psycopg"):
        u = u.set(drivername="postgresql+asyncpg")
    return u


def is_sqlite(url: str | URL) -> bool:
    return make_url(str(url) if isinstance(url, URL) else url).get_backend_name() == "sqlite"


def ensure_sqlite_dir(u: URL) -> None:
    if u.database and u.database != ":memory:":
        Path(u.database).parent.mkdir(parents=True, exist_ok=True)


def sqlite_pragmas(dbapi_connection: Any) -> None:
    # Python's sqlite3 opens transactions on its own; turn that off and let SQLAlchemy's begin event do it.
    dbapi_connection.isolation_level = None
    cursor = dbapi_connection.cursor()
    cursor.execute("PRAGMA journal_mode=WAL")
    # In WAL mode NORMAL is durable against application crashes; only an OS crash can lose the last commits.
    cursor.execute("PRAGMA synchronous=NORMAL")
    cursor.execute(f"PRAGMA busy_timeout={BUSY_TIMEOUT_MS}")
    cursor.execute("PRAGMA foreign_keys=ON")
    cursor.close()


def _install_sqlite_events(sync_engine: Engine) -> None:
    @event.listens_for(sync_engine, "connect")
    def on_connect(dbapi_connection: Any, _record: Any) -> None:
        sqlite_pragmas(dbapi_connection)

    @event.listens_for(sync_engine, "begin")
    def on_begin(conn: Any) -> None:
        # On the driver's cursor: through exec_driver_sql, SQLAlchemy's statement machinery costs more than
        # SQLite's BEGIN itself, and a read unit begins one on every update.
        cursor = conn.connection.dbapi_connection.cursor()
        try:
            cursor.execute("BEGIN IMMEDIATE" if conn.get_execution_options().get(WRITE) else "BEGIN")
        finally:
            cursor.close()


def make_async_engine(url: str, *, pool_size: int = 10, echo: bool = False) -> AsyncEngine:
    u = async_url(url)
    if u.get_backend_name() == "sqlite":
        ensure_sqlite_dir(u)
        engine = create_async_engine(u, echo=echo)
        _install_sqlite_events(engine.sync_engine)
        return engine
    # No pre-ping: it costs a round trip on every checkout; a dropped connection is recycled by age instead,
    # and a statement on a dead one fails and invalidates it like any other error.
    return create_async_engine(u, echo=echo, pool_size=pool_size, max_overflow=pool_size, pool_recycle=1800)


def make_sqlite_reader(url: str) -> Engine | None:
    """A plain (blocking) engine on the same SQLite file, for reads on the event loop's own thread.

    A point read in SQLite takes tens of microseconds; through aiosqlite each statement is several hand-offs
    to a worker thread and back, and under load each hand-off waits a full turn of the busy loop. In WAL
    mode readers never wait for the writer, so a read on the loop does not block it. None for other
    databases, and for an in-memory SQLite database (a second engine would see another database).
    """
    u = make_url(url)
    if u.get_backend_name() != "sqlite" or not u.database or u.database == ":memory:":
        return None
    # Overflow without bound: a checkout that waited for a free connection would block the whole loop.
    engine = create_engine(u.set(drivername="sqlite+pysqlite"), pool_size=20, max_overflow=-1)
    _install_sqlite_events(engine)
    return engine


class LoopConnection:
    """The part of AsyncConnection the repositories use, over a blocking connection (see make_sqlite_reader)."""

    def __init__(self, conn: Connection) -> None:
        self.sync_connection = conn

    async def execute(self, statement: Any, parameters: Any = None) -> CursorResult[Any]:
        return self.sync_connection.execute(statement, parameters)
