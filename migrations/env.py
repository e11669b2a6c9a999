"""Alembic environment: runs migrations on the project's async engine for whichever database is set."""

from __future__ import annotations

import asyncio

from alembic import context
from sqlalchemy import Connection

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


async def _online() -> None:
    engine = make_async_engine(_url())
    async with engine.connect() as conn:
        await conn.run_sync(_run)
        await conn.commit()
    await engine.dispose()


if context.is_offline_mode():
    context.configure(url=_url(), target_metadata=metadata, literal_binds=True)
    with context.begin_transaction():
        context.run_migrations()
else:
    asyncio.run(_online())
