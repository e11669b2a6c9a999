"""An in-memory unit of work for use-case tests: the repositories' contract without a database."""

from __future__ import annotations

import copy
from collections.abc import Sequence
from dataclasses import dataclass, field, fields, replace
from datetime import UTC, date, datetime, time
from types import TracebackType
from typing import TYPE_CHECKING, Any, NoReturn, Self, cast

from sqlalchemy import Row, Table, UniqueConstraint
from sqlalchemy.engine import result_tuple
from sqlalchemy.exc import CompileError, IntegrityError
from sqlalchemy.ext.asyncio import AsyncConnection
from sqlalchemy.sql.schema import ScalarElementColumnDefault

from core.domain.calendar import SlotState
from core.domain.offices import Office, format_working_days, parse_working_days
from core.persistence import tables
from core.persistence.repositories import (
    AccountRepository,
    AuditRepository,
    BookingRepository,
    NewSlot,
    OfficeDayRepository,
    OfficeRepository,
    SlotRepository,
    StaffRepository,
)
from core.persistence.tables import UtcDateTime

if TYPE_CHECKING:
    from core.services.uow import UnitOfWork


@dataclass
class FakeStore:
    """The tables the fakes keep: rows as dicts keyed by id, offices as domain objects."""

    offices: dict[int, Office] = field(default_factory=dict)
    closures: dict[tuple[int, date], str] = field(default_factory=dict)
    capacity_overrides: dict[tuple[int, date, time], int] = field(default_factory=dict)
    slots: dict[int, dict[str, Any]] = field(default_factory=dict)
    accounts: dict[int, dict[str, Any]] = field(default_factory=dict)
    applicants: dict[int, dict[str, Any]] = field(default_factory=dict)
    audit: list[dict[str, Any]] = field(default_factory=list)
    last_ids: dict[str, int] = field(default_factory=dict)
    # The keys each unique constraint has seen, by table and columns: a unique index, as in the database.
    unique_keys: dict[tuple[str, tuple[str, ...]], set[tuple[Any, ...]]] = field(default_factory=dict)

    def next_id(self, table: str) -> int:
        self.last_ids[table] = self.last_ids.get(table, 0) + 1
        return self.last_ids[table]


class _NotFaked:
    """Stands where the real repositories keep their connection: a query the fakes lack fails loudly."""

    def __init__(self, repository: str) -> None:
        self._repository = repository

    def __getattr__(self, name: str) -> NoReturn:
        raise NotImplementedError(f"the fake {self._repository} repository does not implement this query")


def _no_connection(repository: str) -> AsyncConnection:
    return cast(AsyncConnection, _NotFaked(repository))


def _insert(store: FakeStore, table: Table, values: dict[str, Any]) -> dict[str, Any]:
    """A row as the database would store it: defaults filled, instants in UTC, constraints kept."""
    rows: dict[int, dict[str, Any]] = getattr(store, table.name)
    unknown = set(values) - set(table.columns.keys())
    if unknown:
        raise CompileError(f"Unconsumed column names: {', '.join(sorted(unknown))}")
    row: dict[str, Any] = {}
    for column in table.columns:
        if column.name in values:
            value = values[column.name]
        elif column.primary_key:
            value = store.next_id(table.name)
        elif isinstance(column.default, ScalarElementColumnDefault):
            value = column.default.arg
        else:
            value = None
        if value is None and not column.nullable:
            raise _integrity(table, f"NOT NULL constraint failed: {table.name}.{column.name}")
        if isinstance(column.type, UtcDateTime) and value is not None:
            if value.tzinfo is None:
                raise ValueError("naive datetimes are refused: every instant carries its zone")
            value = value.astimezone(UTC)
        row[column.name] = value
    keys: list[tuple[set[tuple[Any, ...]], tuple[Any, ...]]] = []
    for constraint in table.constraints:
        if isinstance(constraint, UniqueConstraint):
            names = tuple(c.name for c in constraint.columns)
            seen = store.unique_keys.setdefault((table.name, names), set())
            key = tuple(row[n] for n in names)
            if None in key:  # NULLs never collide in a unique index
                continue
            if key in seen:
                raise _integrity(table, f"UNIQUE constraint failed: {table.name}.{', '.join(names)}")
            keys.append((seen, key))
    for seen, key in keys:
        seen.add(key)
    rows[row["id"]] = row
    return row


def _integrity(table: Table, message: str) -> IntegrityError:
    return IntegrityError(f"INSERT INTO {table.name}", None, Exception(message))


def _row(table: Table, values: dict[str, Any]) -> Row[Any]:
    names = list(table.columns.keys())
    return result_tuple(names)(values[n] for n in names)


def _slot_state(row: dict[str, Any]) -> SlotState:
    return SlotState(
        row["id"],
        row["start_time"],
        row["end_time"],
        row["capacity"],
        row["taken"],
        row["bookable_from"],
        row["bookable_until"],
    )


class FakeOfficeRepository(OfficeRepository):
    def __init__(self, store: FakeStore) -> None:
        self._conn = _no_connection("office")
        self._store = store

    async def get(self, code: str) -> Office | None:
        return next((o for o in self._store.offices.values() if o.code == code.strip().upper()), None)

    async def get_by_id(self, office_id: int) -> Office | None:
        return self._store.offices.get(office_id)

    async def list(self, query: str | None = None) -> list[Office]:
        found = list(self._store.offices.values())
        if query:
            found = [o for o in found if o.matches(query)]
        return sorted(found, key=lambda o: (o.province, o.name))

    async def save(self, office: Office) -> Office:
        """Insert or update by code, replacing the slot template."""
        existing = next((o.id for o in self._store.offices.values() if o.code == office.code), None)
        office_id = self._store.next_id("offices") if existing is None else existing
        # Read back as the database would: working days through their text column, slots ordered by start.
        saved = replace(
            office,
            id=office_id,
            working_days=parse_working_days(format_working_days(office.working_days)),
            slots=tuple(sorted(office.slots, key=lambda s: s.start)),
        )
        self._store.offices[office_id] = saved
        return saved

    async def closures(self, office_id: int, first: date, last: date) -> dict[date, str]:
        return {d: r for (o, d), r in self._store.closures.items() if o == office_id and first <= d <= last}

    async def add_closure(self, office_id: int, day: date, reason: str) -> None:
        self._store.closures[(office_id, day)] = reason

    async def capacity_overrides(self, office_id: int, first: date, last: date) -> dict[tuple[date, time], int]:
        return {
            (d, start): capacity
            for (o, d, start), capacity in self._store.capacity_overrides.items()
            if o == office_id and first <= d <= last
        }

    async def set_capacity_override(self, office_id: int, day: date, start: time, capacity: int) -> None:
        if capacity < 0:
            raise _integrity(tables.capacity_overrides, "CHECK constraint failed: capacity")
        self._store.capacity_overrides[(office_id, day, start)] = capacity


class FakeSlotRepository(SlotRepository):
    def __init__(self, store: FakeStore) -> None:
        self._conn = _no_connection("slot")
        self._store = store

    def _rows(self, office_id: int) -> list[dict[str, Any]]:
        rows = (r for r in self._store.slots.values() if r["office_id"] == office_id)
        return sorted(rows, key=lambda r: (r["day"], r["start_time"]))

    async def in_range(self, office_id: int, first: date, last: date) -> dict[date, list[SlotState]]:
        out: dict[date, list[SlotState]] = {}
        for r in self._rows(office_id):
            if first <= r["day"] <= last:
                out.setdefault(r["day"], []).append(_slot_state(r))
        return out

    async def get(self, slot_id: int) -> tuple[int, date, SlotState] | None:
        r = self._store.slots.get(slot_id)
        return None if r is None else (r["office_id"], r["day"], _slot_state(r))

    async def existing_days(self, office_id: int, days: Sequence[date]) -> set[date]:
        return {r["day"] for r in self._rows(office_id) if r["day"] in days}

    async def add(self, new: Sequence[NewSlot]) -> int:
        for s in new:
            _insert(
                self._store,
                tables.slots,
                {
                    "office_id": s.office_id,
                    "day": s.day,
                    "start_time": s.start,
                    "end_time": s.end,
                    "capacity": s.capacity,
                    "taken": 0,
                    "queue_seq": 0,
                    "bookable_from": s.bookable_from,
                    "bookable_until": s.bookable_until,
                },
            )
        return len(new)

    async def open_now(self, office_id: int, days: Sequence[date], now: datetime, until: datetime) -> int:
        """Open already scheduled slots of these days for booking from `now` until `until` (a release by hand)."""
        # The same condition as the real UPDATE: every slot that closes before `until`, opened no later than now.
        rows = [r for r in self._rows(office_id) if r["day"] in days and r["bookable_until"] < until]
        for r in rows:
            r["bookable_from"] = min(r["bookable_from"], now.astimezone(UTC))
            r["bookable_until"] = until.astimezone(UTC)
        return len(rows)

    async def set_capacity(self, slot_id: int, capacity: int) -> bool:
        """Change a released slot's capacity; never below what is already taken."""
        r = self._store.slots.get(slot_id)
        if r is None or r["taken"] > capacity:
            return False
        r["capacity"] = capacity
        return True


class FakeAccountRepository(AccountRepository):
    def __init__(self, store: FakeStore) -> None:
        self._conn = _no_connection("account")
        self._store = store

    async def by_telegram_user(self, telegram_user_id: int) -> Row[Any] | None:
        found = (a for a in self._store.accounts.values() if a["telegram_user_id"] == telegram_user_id)
        return next((_row(tables.accounts, a) for a in found), None)

    async def get(self, account_id: int) -> Row[Any] | None:
        a = self._store.accounts.get(account_id)
        return None if a is None else _row(tables.accounts, a)

    async def owner_hash_taken(self, nik_hash: str) -> bool:
        return any(a["owner_nik_hash"] == nik_hash for a in self._store.accounts.values())

    async def add(self, values: dict[str, Any]) -> int:
        return int(_insert(self._store, tables.accounts, values)["id"])

    async def set_language(self, account_id: int, language: str) -> None:
        self._store.accounts[account_id]["language"] = language

    async def add_applicant(self, values: dict[str, Any]) -> int:
        if values.get("account_id") not in self._store.accounts:
            raise _integrity(tables.applicants, "FOREIGN KEY constraint failed")
        return int(_insert(self._store, tables.applicants, values)["id"])

    async def applicants(self, account_id: int) -> list[Any]:
        mine = (a for a in self._store.applicants.values() if a["account_id"] == account_id)
        ordered = sorted(mine, key=lambda a: (not a["is_owner"], a["id"]))
        return [_row(tables.applicants, a) for a in ordered]


class FakeBookingRepository(BookingRepository):
    """Bookings go through the ledger; none of the use cases faked here reads them."""

    def __init__(self, store: FakeStore) -> None:
        self._conn = _no_connection("booking")
        self._store = store


class FakeAuditRepository(AuditRepository):
    """Keeps the entries in order; reading them back is the real repository's job, tested on a database."""

    def __init__(self, store: FakeStore) -> None:
        self._conn = _no_connection("audit")
        self._store = store

    async def add(self, values: dict[str, Any]) -> None:
        self._store.audit.append(dict(values))


class FakeUnitOfWork:
    """Keeps what was committed, rolls back the rest on exit; `committed`: did the last use commit."""

    def __init__(self, store: FakeStore | None = None) -> None:
        self.store = store if store is not None else FakeStore()
        self.offices: OfficeRepository = FakeOfficeRepository(self.store)
        self.slots: SlotRepository = FakeSlotRepository(self.store)
        self.accounts: AccountRepository = FakeAccountRepository(self.store)
        self.bookings: BookingRepository = FakeBookingRepository(self.store)
        self.audit: AuditRepository = FakeAuditRepository(self.store)
        self.staff: StaffRepository = StaffRepository(_no_connection("staff"))
        self.office_day: OfficeDayRepository = OfficeDayRepository(_no_connection("office day"))
        self.committed = False
        self._last_commit = copy.deepcopy(self.store)

    async def __aenter__(self) -> Self:
        self.committed = False
        self._last_commit = copy.deepcopy(self.store)
        return self

    async def __aexit__(
        self, exc_type: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        # Like the real transaction: whatever was written after the last commit is lost.
        for f in fields(FakeStore):
            setattr(self.store, f.name, getattr(self._last_commit, f.name))

    async def commit(self) -> None:
        self.committed = True
        self._last_commit = copy.deepcopy(self.store)


if TYPE_CHECKING:
    # mypy checks here that the fake has the shape of the protocol the use cases ask for.
    _conforms: UnitOfWork = FakeUnitOfWork()
