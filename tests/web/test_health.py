"""/healthz says the process answers; /readyz says it can serve, and which of its database and Redis is down."""

from __future__ import annotations

import shutil
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest
from sqlalchemy import create_engine, text
from sqlalchemy.engine import make_url

from antrean.bootstrap import web_app
from core.config import Settings
from tests.conftest import SECRET, migrated_postgres
from tests.web.serving import free_port, serving


def _sqlite(sqlite_template: Path, tmp_path: Path) -> str:
    path = tmp_path / "health.sqlite3"
    shutil.copy(sqlite_template, path)
    return f"sqlite:///{path}"


async def test_a_worker_whose_database_and_redis_answer_is_alive_and_ready(
    sqlite_template: Path, tmp_path: Path, redis_url: str
) -> None:
    settings = Settings(
        database_url=_sqlite(sqlite_template, tmp_path), redis_url=redis_url, environment="test", secret_key=SECRET
    )
    async with serving(web_app(settings)) as (url, _), httpx.AsyncClient(base_url=url) as client:
        assert (await client.get("/healthz")).json() == {"status": "ok"}
        ready = await client.get("/readyz")
    assert ready.status_code == 200
    assert ready.json() == {"status": "ok", "database": "ok", "redis": "ok"}


async def test_a_worker_whose_redis_is_down_is_alive_but_not_ready(sqlite_template: Path, tmp_path: Path) -> None:
    settings = Settings(
        database_url=_sqlite(sqlite_template, tmp_path), redis_url=f"redis://127.0.0.1:{free_port()}/0",
        environment="test", secret_key=SECRET,
    )  # fmt: skip
    async with serving(web_app(settings)) as (url, _), httpx.AsyncClient(base_url=url) as client:
        assert (await client.get("/healthz")).status_code == 200
        ready = await client.get("/readyz")
    assert ready.status_code == 503
    assert ready.json() == {"status": "down", "database": "ok", "redis": "down"}


@pytest.fixture
def own_postgres(postgres_url: str) -> Iterator[tuple[str, str]]:
    """A database of its own on the PostgreSQL server (this test takes it down): its URL and name."""
    with migrated_postgres("antrean_ready") as found:
        yield found


@pytest.mark.postgres
async def test_a_worker_whose_database_goes_down_stops_being_ready_and_says_so(own_postgres: tuple[str, str]) -> None:
    url, name = own_postgres
    settings = Settings(database_url=url, environment="test", secret_key=SECRET)
    async with serving(web_app(settings)) as (base, _), httpx.AsyncClient(base_url=base) as client:
        assert (await client.get("/readyz")).status_code == 200
        admin = create_engine(make_url(url).set(drivername="postgresql+psycopg", database="postgres"),
                              isolation_level="AUTOCOMMIT")  # fmt: skip
        with admin.connect() as conn:  # the database stops taking connections, and drops those it had
            conn.execute(text(f'ALTER DATABASE "{name}" ALLOW_CONNECTIONS false'))
            conn.execute(text(f"SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE datname = '{name}'"))
        try:
            down = await client.get("/readyz")
            alive = await client.get("/healthz")
        finally:
            with admin.connect() as conn:
                conn.execute(text(f'ALTER DATABASE "{name}" ALLOW_CONNECTIONS true'))
            admin.dispose()
        back = await client.get("/readyz")
    assert down.status_code == 503 and down.json() == {"status": "down", "database": "down"}
    assert alive.status_code == 200
    assert back.status_code == 200  # the pool's dead connections are replaced
