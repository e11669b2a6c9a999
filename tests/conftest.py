"""Shared fixtures: real databases (a SQLite file and PostgreSQL), a fixed clock, a ready runtime."""

from __future__ import annotations

import os
import shutil
import uuid
from collections.abc import AsyncIterator, Iterator
from contextlib import contextmanager
from datetime import date, datetime
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest
from sqlalchemy import create_engine, text
from sqlalchemy.engine import make_url

from core.clock import FixedClock
from core.config import Settings
from core.crypto import Vault
from core.persistence.tables import metadata
from core.runtime import Runtime, open_runtime, upgrade_database

POSTGRES_URL = os.environ.get("ANTREAN_TEST_POSTGRES_URL", "postgresql://postgres@127.0.0.1:5432/test")
IN_CI = os.environ.get("CI", "").lower() == "true"
JAKARTA = ZoneInfo("Asia/Jakarta")
SECRET = "test-secret-0123456789abcdef"

# Friday 27 November 2026, 15:00 WIB: the weekly window is open and releases 30 Nov – 4 Dec.
FRIDAY_AFTERNOON = datetime(2026, 11, 27, 15, 0, tzinfo=JAKARTA)
NEXT_MONDAY = date(2026, 11, 30)


def _postgres_available() -> str | None:
    """None if PostgreSQL answers, else the reason it does not."""
    try:
        engine = create_engine(make_url(POSTGRES_URL).set(drivername="postgresql+psycopg"))
        with engine.connect() as conn:
            conn.execute(text("SELECT 1"))
        engine.dispose()
    except Exception as exc:
        return f"PostgreSQL at {POSTGRES_URL} is not reachable: {exc.__class__.__name__}"
    return None


@pytest.fixture(scope="session")
def postgres_url() -> Iterator[str]:
    """A fresh database on the PostgreSQL server, migrated once, dropped at the end."""
    reason = _postgres_available()
    if reason:
        if IN_CI:
            pytest.fail(f"{reason}; CI must run the PostgreSQL tests")
        pytest.skip(reason)
    with migrated_postgres("antrean_test") as (url, _):
        yield url


@contextmanager
def migrated_postgres(prefix: str) -> Iterator[tuple[str, str]]:
    """A new database on the PostgreSQL server, migrated; its URL and name. Dropped afterwards."""
    name = f"{prefix}_{uuid.uuid4().hex[:8]}"
    admin = create_engine(make_url(POSTGRES_URL).set(drivername="postgresql+psycopg"), isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(text(f'CREATE DATABASE "{name}"'))
    try:
        url = make_url(POSTGRES_URL).set(database=name).render_as_string(hide_password=False)
        upgrade_database(url)
        yield url, name
    finally:
        with admin.connect() as conn:
            conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        admin.dispose()


@pytest.fixture(scope="session")
def sqlite_template(tmp_path_factory: pytest.TempPathFactory) -> Path:
    path = tmp_path_factory.mktemp("template") / "antrean.sqlite3"
    upgrade_database(f"sqlite:///{path}")
    return path


def truncate_postgres(url: str) -> None:
    """Empty every table of the test database, so each test starts from nothing."""
    engine = create_engine(make_url(url).set(drivername="postgresql+psycopg"))
    names = ", ".join(t.name for t in metadata.sorted_tables)
    with engine.begin() as conn:
        conn.execute(text(f"TRUNCATE {names} RESTART IDENTITY CASCADE"))
    engine.dispose()


def empty_database(kind: str, request: pytest.FixtureRequest, tmp_path: Path) -> str:
    """A migrated, empty database of `kind` ("sqlite": a fresh file; "postgres": the session's, emptied)."""
    if kind == "sqlite":
        path = tmp_path / "antrean.sqlite3"
        shutil.copy(request.getfixturevalue("sqlite_template"), path)
        return f"sqlite:///{path}"
    url: str = request.getfixturevalue("postgres_url")
    truncate_postgres(url)
    return url


@pytest.fixture(params=["sqlite", pytest.param("postgres", marks=pytest.mark.postgres)])
def database_url(request: pytest.FixtureRequest, tmp_path: Path) -> str:
    """Each test that asks for it runs twice: on a SQLite file, and on PostgreSQL."""
    return empty_database(request.param, request, tmp_path)


@pytest.fixture
def clock() -> FixedClock:
    return FixedClock(FRIDAY_AFTERNOON)


@pytest.fixture
def vault() -> Vault:
    return Vault(SECRET)


@pytest.fixture
async def runtime(database_url: str, clock: FixedClock) -> AsyncIterator[Runtime]:
    settings = Settings(database_url=database_url, environment="test", secret_key=SECRET)
    async with open_runtime(settings, clock) as rt:
        yield rt


REDIS_URL = os.environ.get("ANTREAN_TEST_REDIS_URL", "redis://127.0.0.1:6379/15")


@pytest.fixture
def redis_url() -> str:
    """A Redis database for this test, emptied first; required in CI, skipped with the reason elsewhere."""
    import redis

    client = redis.Redis.from_url(REDIS_URL)
    try:
        client.flushdb()
    except Exception as exc:
        reason = f"Redis at {REDIS_URL} is not reachable: {exc.__class__.__name__}"
        if IN_CI:
            pytest.fail(f"{reason}; CI must run the Redis tests")
        pytest.skip(reason)
    finally:
        client.close()
    return REDIS_URL
