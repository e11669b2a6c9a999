"""The migrations: the schema they build is the tables' own, and changing a column on SQLite loses no row."""

from __future__ import annotations

import asyncio
import sqlite3
from pathlib import Path

import pytest
from alembic import command
from alembic.autogenerate import compare_metadata
from alembic.config import Config
from alembic.migration import MigrationContext
from sqlalchemy import create_engine
from sqlalchemy.engine import make_url

from core.persistence.tables import metadata
from core.runtime import MIGRATIONS, upgrade_database


def _config(url: str) -> Config:
    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS))
    config.attributes["database_url"] = url
    return config


def _differences(sync_url: str) -> list[object]:
    engine = create_engine(sync_url)
    try:
        with engine.connect() as conn:
            return list(compare_metadata(MigrationContext.configure(conn, opts={"compare_type": True}), metadata))
    finally:
        engine.dispose()


@pytest.mark.parametrize("kind", ["sqlite", "postgres"])
def test_the_migrated_schema_is_the_one_the_tables_describe(kind: str, request: pytest.FixtureRequest) -> None:
    if kind == "sqlite":
        sync_url = f"sqlite:///{request.getfixturevalue('sqlite_template')}"
    else:
        sync_url = make_url(request.getfixturevalue("postgres_url")).set(drivername="postgresql+psycopg")
        sync_url = sync_url.render_as_string(hide_password=False)
    assert _differences(sync_url) == []


def test_changing_referenced_tables_on_sqlite_keeps_every_account_applicant_and_reference(tmp_path: Path) -> None:
    # 0005 copies accounts and bookings to change their columns; dropping an old copy with foreign keys on
    # would have cascaded into applicants and booking_applicants.
    path = tmp_path / "old.sqlite3"
    command.upgrade(_config(f"sqlite:///{path}"), "0004")
    with sqlite3.connect(path) as db:
        db.execute(
            "INSERT INTO accounts (telegram_user_id, owner_nik_hash, kk_hash, kk_enc, kk_masked, language, "
            "consented_at, created_at) VALUES (7, 'h', 'k', x'00', '3174********0001', 'id', '2026-01-01', "
            "'2026-01-01')"
        )
        db.execute(
            "INSERT INTO applicants (account_id, is_owner, full_name, nik_hash, nik_enc, nik_masked, birth_date, "
            "gender, created_at) VALUES (1, 1, 'BUDI', 'h', x'00', '3174********0001', '1985-03-14', 'male', "
            "'2026-01-01')"
        )
    upgrade_database(f"sqlite:///{path}")
    with sqlite3.connect(path) as db:
        assert db.execute("SELECT COUNT(*) FROM accounts").fetchone() == (1,)
        assert db.execute("SELECT COUNT(*) FROM applicants").fetchone() == (1,)
        assert db.execute("PRAGMA foreign_key_check").fetchall() == []
    command.downgrade(_config(f"sqlite:///{path}"), "0004")  # and back, as an operator rolling back would
    with sqlite3.connect(path) as db:
        assert db.execute("SELECT COUNT(*) FROM applicants").fetchone() == (1,)


async def test_rolling_back_the_move_migration_keeps_a_moved_booking_as_cancelled(tmp_path: Path) -> None:
    from core.clock import FixedClock
    from core.config import Settings
    from core.crypto import Vault
    from core.runtime import open_runtime
    from tests.conftest import FRIDAY_AFTERNOON, NEXT_MONDAY, SECRET
    from tests.factories import add_office, register, release_days, sample_office, slot_ids

    path = tmp_path / "moved.sqlite3"
    await asyncio.to_thread(upgrade_database, f"sqlite:///{path}")  # migrations run a loop of their own
    settings = Settings(database_url=f"sqlite:///{path}", environment="test", secret_key=SECRET)
    async with open_runtime(settings, FixedClock(FRIDAY_AFTERNOON)) as rt:
        office = await add_office(rt, sample_office())
        await release_days(rt, office, [NEXT_MONDAY])
        first, later = await slot_ids(rt, office, NEXT_MONDAY)
        account = await register(rt, Vault(SECRET), 1)
        hold = await rt.desk.hold(account.id, first, [account.applicants[0].id], ["new"], "k")
        await rt.desk.confirm(account.id, hold.booking_id)
        await rt.desk.move(account.id, hold.booking_id, later)
    await asyncio.to_thread(command.downgrade, _config(f"sqlite:///{path}"), "0011")
    with sqlite3.connect(path) as db:
        assert db.execute("SELECT status FROM bookings ORDER BY id").fetchall() == [("cancelled",), ("confirmed",)]
