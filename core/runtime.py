"""The engine's composition: settings in, database engine, ledger and booking desk out."""

from __future__ import annotations

import time
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import dataclass, field
from pathlib import Path

from alembic import command
from alembic.config import Config
from sqlalchemy import Engine, text
from sqlalchemy.ext.asyncio import AsyncEngine

from core.clock import Clock
from core.config import Settings
from core.crypto import Vault
from core.faq.catalogs import catalog_gettext, office_places
from core.persistence.database import is_sqlite, make_async_engine, make_sqlite_reader
from core.persistence.inbox import Inbox, SqliteInbox
from core.persistence.ledger import Ledger
from core.persistence.ledger_postgres import PostgresLedger
from core.persistence.ledger_sqlite import SqliteLedger
from core.services import closures
from core.services.booking import BookingDesk
from core.services.faq import HelpTopics
from core.services.offices import OfficeDirectory
from core.services.uow import SqlUnitOfWork

# Telegram keeps an update it could not deliver for a day at most: a handled one is remembered that long.
REDELIVERY_SECONDS = 24 * 3600
MIGRATIONS = Path(__file__).resolve().parent.parent / "migrations"


def upgrade_database(url: str) -> None:
    """Bring the schema to the newest migration; the only way the schema is made or changed."""
    cfg = Config()
    cfg.set_main_option("script_location", str(MIGRATIONS))
    cfg.attributes["database_url"] = url
    command.upgrade(cfg, "head")


def make_ledger(url: str, engine: AsyncEngine) -> Ledger:
    return SqliteLedger(url) if is_sqlite(url) else PostgresLedger(engine)


@dataclass
class Runtime:
    settings: Settings
    clock: Clock
    engine: AsyncEngine
    ledger: Ledger
    vault: Vault
    desk: BookingDesk
    read_engine: Engine | None = None  # SQLite: reads on the loop's thread (see make_sqlite_reader)
    directory: OfficeDirectory = field(init=False)
    help: HelpTopics = field(init=False)
    inbox: Inbox = field(init=False)

    def __post_init__(self) -> None:
        self.directory = OfficeDirectory(self.reader)
        # SQLite: on the ledger's connection, in its batches; PostgreSQL: statements of its own.
        ledger = self.ledger
        self.inbox = SqliteInbox(self.engine, ledger) if isinstance(ledger, SqliteLedger) else Inbox(self.engine)
        self.help = HelpTopics(self.reader, catalog_gettext, office_places)

    def uow(self, *, write: bool = True) -> SqlUnitOfWork:
        return SqlUnitOfWork(self.engine, write=write, reader=self.read_engine)

    def reader(self) -> SqlUnitOfWork:
        return SqlUnitOfWork(self.engine, write=False, reader=self.read_engine)

    async def forget_handled_updates(self) -> int:
        """Updates handled more than a day ago: Telegram delivers none again after that (the worker, hourly)."""
        return await self.inbox.forget_handled(time.time() - REDELIVERY_SECONDS)

    async def depths(self) -> dict[str, int]:
        """Rows waiting in the inbox (updates not handled yet) and in the outbox (messages not sent yet)."""
        async with self.reader() as uow:
            outbox = await uow.outbox.depth()
        return {"inbox": await self.inbox.depth(), "outbox": outbox}

    async def ping(self) -> None:
        """One round trip to the database (a new connection if the pool holds none): raises if it is down."""
        async with self.engine.connect() as conn:
            await conn.execute(text("SELECT 1"))


@asynccontextmanager
async def open_runtime(settings: Settings, clock: Clock, *, pool_size: int = 20) -> AsyncIterator[Runtime]:
    closures.warm_up(clock.now().date())
    engine = make_async_engine(settings.database_url, pool_size=pool_size)
    read_engine = make_sqlite_reader(settings.database_url)
    ledger = make_ledger(settings.database_url, engine)
    await ledger.start()
    desk = BookingDesk(
        lambda: SqlUnitOfWork(engine, write=False, reader=read_engine),
        ledger,
        clock,
        hold_minutes=settings.hold_minutes,
    )
    try:
        yield Runtime(settings, clock, engine, ledger, Vault(settings.secret_key), desk, read_engine)
    finally:
        await ledger.close()
        await engine.dispose()
        if read_engine is not None:
            read_engine.dispose()
