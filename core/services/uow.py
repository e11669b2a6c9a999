"""The unit of work: one connection and one transaction per update or request, committed once."""

from __future__ import annotations

from types import TracebackType
from typing import Protocol, Self

from sqlalchemy import Connection, Engine, RootTransaction
from sqlalchemy.ext.asyncio import AsyncConnection, AsyncEngine, AsyncTransaction

from core.persistence.database import WRITE, LoopConnection
from core.persistence.draws import DrawRepository
from core.persistence.faq import FaqEntryRepository, UnansweredRepository
from core.persistence.helpdesk import TicketRepository
from core.persistence.outbox import OutboxRepository, SubscriptionRepository
from core.persistence.repositories import (
    AccountRepository,
    AuditRepository,
    BookingRepository,
    OfficeDayRepository,
    OfficeRepository,
    SlotRepository,
    StaffRepository,
)
from core.persistence.waitlist import WaitlistRepository


class UnitOfWork(Protocol):
    offices: OfficeRepository
    slots: SlotRepository
    accounts: AccountRepository
    bookings: BookingRepository
    staff: StaffRepository
    audit: AuditRepository
    office_day: OfficeDayRepository
    subscriptions: SubscriptionRepository
    outbox: OutboxRepository
    tickets: TicketRepository
    faq_entries: FaqEntryRepository
    unanswered: UnansweredRepository
    waitlist: WaitlistRepository
    draws: DrawRepository

    async def __aenter__(self) -> Self: ...

    async def __aexit__(
        self, exc_type: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None: ...

    async def commit(self) -> None: ...


class SqlUnitOfWork:
    """Opens a connection and a transaction on enter; rolls back on exit unless committed.

    With `reader` (a blocking SQLite engine, see make_sqlite_reader), a read-only unit runs its statements on
    the event loop's thread instead of through the async driver.
    """

    def __init__(
        self,
        engine: AsyncEngine | None,
        *,
        write: bool = True,
        reader: Engine | None = None,
        joined: AsyncConnection | None = None,
    ) -> None:
        if engine is None and joined is None:
            raise ValueError("a unit of work needs an engine or a connection to join")
        self._engine = engine
        self._write = write
        self._reader = None if write else reader
        # A test's connection with its transaction open: the unit runs in a savepoint of it, and the test
        # rolls everything back at its end.
        self._joined = joined
        self._conn: AsyncConnection | None = None
        self._tx: AsyncTransaction | None = None
        self._sync: tuple[Connection, RootTransaction] | None = None

    async def __aenter__(self) -> Self:
        conn: AsyncConnection | LoopConnection
        if self._joined is not None:
            conn = self._joined
            self._tx = await conn.begin_nested()
        elif self._reader is not None:
            sync = self._reader.connect()
            self._sync = (sync, sync.begin())
            conn = LoopConnection(sync)
        else:
            assert self._engine is not None
            conn = await self._engine.connect()
            if self._write:
                conn = await conn.execution_options(**{WRITE: True})
            elif self._engine.dialect.name == "postgresql":
                # A read needs no transaction there: under READ COMMITTED each statement reads its own snapshot,
                # in a transaction or not, and BEGIN and ROLLBACK were two round trips of each read unit (most of
                # an update's statements in a rush).
                conn = await conn.execution_options(isolation_level="AUTOCOMMIT")
            self._conn = conn
            self._tx = await conn.begin()
        self.offices = OfficeRepository(conn)
        self.slots = SlotRepository(conn)
        self.accounts = AccountRepository(conn)
        self.bookings = BookingRepository(conn)
        self.staff = StaffRepository(conn)
        self.audit = AuditRepository(conn)
        self.office_day = OfficeDayRepository(conn)
        self.subscriptions = SubscriptionRepository(conn)
        self.outbox = OutboxRepository(conn)
        self.tickets = TicketRepository(conn)
        self.faq_entries = FaqEntryRepository(conn)
        self.unanswered = UnansweredRepository(conn)
        self.waitlist = WaitlistRepository(conn)
        self.draws = DrawRepository(conn)
        return self

    async def __aexit__(
        self, exc_type: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        if self._sync is not None:
            sync, tx = self._sync
            self._sync = None
            try:
                if tx.is_active:
                    tx.rollback()
            finally:
                sync.close()
            return
        if self._joined is not None:
            assert self._tx is not None
            if self._tx.is_active:
                await self._tx.rollback()
            return
        assert self._conn is not None and self._tx is not None
        try:
            if self._tx.is_active:
                await self._tx.rollback()
        finally:
            await self._conn.close()

    async def commit(self) -> None:
        if self._sync is not None:
            self._sync[1].commit()
            return
        assert self._tx is not None
        await self._tx.commit()
