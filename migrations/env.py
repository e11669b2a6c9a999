"""Alembic environment: runs migrations on the project's async engine for whichever database is set."""

from __future__ import annotations

import asyncio

from alembic import context
from sqlalchemy import Connection
from sqlalchemy.ext.asyncio import AsyncConnection

from core.config import Settings
from core.persistence.database import make_async_engine
from core.persistence.tables import metadata

config = context.config


def _url() -> str:
    # `antrean db upgrade` passes the URL in; a bare `alembic upgrade head` reads the settings.
    return config.attributes.get("database_url") or Settings().database_url


def _run(connection: Connection) -> None:
    context.configure(
        connection=connection,
        target_metadata=metadata,
        render_as_batch=connection.dialect.name == "sqlite",  # SQLite alters tables by copying them
        compare_type=True,
    )
    with context.begin_transaction():
        context.run_migrations()


async def _sqlite_foreign_keys(conn: AsyncConnection, on: bool) -> None:
    """Turns SQLite's foreign keys off for a migration and on again after it, checking every reference then.

    SQLite changes a column by copying its table, and dropping the old copy of a table that others refer to
    would cascade into them (applicants are ON DELETE CASCADE of accounts). The pragma is a no-op inside a
    transaction, so it goes to the driver's connection before any begins
    (https://alembic.sqlalchemy.org/en/latest/batch.html#dealing-with-referencing-foreign-keys).
    """
    driver = (await conn.get_raw_connection()).driver_connection
    assert driver is not None
    await driver.execute(f"PRAGMA foreign_keys={'ON' if on else 'OFF'}")
    if on:
        broken = await (await driver.execute("PRAGMA foreign_key_check")).fetchall()
        if broken:
            raise RuntimeError(f"the migration left {len(broken)} broken references, e.g. {broken[0]}")


async def _online() -> None:
    engine = make_async_engine(_url())
    async with engine.connect() as conn:
        sqlite = conn.dialect.name == "sqlite"
        if sqlite:
            await _sqlite_foreign_keys(conn, on=False)
        await conn.run_sync(_run)
        await conn.commit()
        if sqlite:
            await _sqlite_foreign_keys(conn, on=True)
    await engine.dispose()


if context.is_offline_mode():
    context.configure(url=_url(), target_metadata=metadata, literal_binds=True)
    with context.begin_transaction():
        context.run_migrations()
else:
    asyncio.run(_online())
