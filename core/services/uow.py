"""The unit of work: one connection and one transaction per update or request, committed once."""

from __future__ import annotations

from types import TracebackType
from typing import Protocol, Self

from sqlalchemy.ext.asyncio import AsyncConnection, AsyncEngine, AsyncTransaction

from core.persistence.database import WRITE
from core.persistence.repositories import (
    AccountRepository,
    BookingRepository,
    OfficeRepository,
    SlotRepository,
)


class UnitOfWork(Protocol):
    offices: OfficeRepository
    slots: SlotRepository
    accounts: AccountRepository
    bookings: BookingRepository

    async def __aenter__(self) -> Self: ...

    async def __aexit__(
        self, exc_type: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None: ...

    async def commit(self) -> None: ...


class SqlUnitOfWork:
    """Opens a connection and a transaction on enter; rolls back on exit unless committed."""

    def __init__(self, engine: AsyncEngine, *, write: bool = True) -> None:
        self._engine = engine
        self._write = write
        self._conn: AsyncConnection | None = None
        self._tx: AsyncTransaction | None = None

    async def __aenter__(self) -> Self:
        conn = await self._engine.connect()
        if self._write:
            conn = await conn.execution_options(**{WRITE: True})
        self._conn = conn
        self._tx = await conn.begin()
        self.offices = OfficeRepository(conn)
        self.slots = SlotRepository(conn)
        self.accounts = AccountRepository(conn)
        self.bookings = BookingRepository(conn)
        return self

    async def __aexit__(
        self, exc_type: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        assert self._conn is not None and self._tx is not None
        try:
            if self._tx.is_active:
                await self._tx.rollback()
        finally:
            await self._conn.close()

    async def commit(self) -> None:
        assert self._tx is not None
        await self._tx.commit()
