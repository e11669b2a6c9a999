"""On PostgreSQL, a read unit holds no transaction open (BEGIN and ROLLBACK were two round trips of each read, and
under READ COMMITTED bought nothing); a write unit still holds one until it commits."""

from __future__ import annotations

from collections.abc import AsyncIterator
from pathlib import Path

import pytest
from sqlalchemy import create_engine, make_url, text

from core.clock import FixedClock
from core.config import Settings
from core.runtime import Runtime, open_runtime
from tests.conftest import FRIDAY_AFTERNOON, SECRET, empty_database

pytestmark = pytest.mark.postgres


@pytest.fixture
def url(request: pytest.FixtureRequest, tmp_path: Path) -> str:
    return empty_database("postgres", request, tmp_path)


@pytest.fixture
async def runtime(url: str) -> AsyncIterator[Runtime]:
    settings = Settings(database_url=url, environment="test", secret_key=SECRET)
    async with open_runtime(settings, FixedClock(FRIDAY_AFTERNOON)) as rt:
        yield rt


def open_transactions(url: str) -> int:
    """Connections to the test database that sit in an open transaction, as PostgreSQL sees them."""
    engine = create_engine(make_url(url).set(drivername="postgresql+psycopg"))
    try:
        with engine.connect() as conn:
            return int(conn.execute(text(
                "SELECT count(*) FROM pg_stat_activity WHERE datname = current_database()"
                " AND state = 'idle in transaction' AND pid <> pg_backend_pid()"
            )).scalar_one())  # fmt: skip
    finally:
        engine.dispose()


async def test_a_read_unit_on_postgresql_reads_without_holding_a_transaction(runtime: Runtime, url: str) -> None:
    async with runtime.reader() as uow:
        assert await uow.accounts.with_people(42) is None
        assert open_transactions(url) == 0


async def test_a_write_unit_on_postgresql_holds_its_transaction_until_it_commits(runtime: Runtime, url: str) -> None:
    async with runtime.uow() as uow:
        assert await uow.accounts.with_people(42) is None
        assert open_transactions(url) == 1
        await uow.commit()
        assert open_transactions(url) == 0
