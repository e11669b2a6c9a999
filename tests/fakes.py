"""An in-memory unit of work for use-case tests: the repositories' contract without a database.

The fakes keep domain records in dicts. What the database enforces and the use cases rely on is written out
below as each fake's contract (which values are unique, what is refused), raising the domain error the real
repository raises for it; tests/integration/test_repository_contracts.py runs the same checks on both.
"""

from __future__ import annotations

import copy
import json
from collections.abc import Iterable, Sequence
from dataclasses import asdict, dataclass, field, fields, replace
from datetime import UTC, date, datetime, time
from types import TracebackType
from typing import TYPE_CHECKING, Any, NoReturn, Self

from core.domain.accounts import (
    Account,
    ApplicantAlreadySaved,
    NewAccount,
    NewApplicant,
    NikOwnsAnotherAccount,
    SavedApplicant,
)
from core.domain.announcements import Kind
from core.domain.audit import AuditEntry, NewAuditEntry
from core.domain.booking import BookingRecord
from core.domain.calendar import NewSlot, ReleasedSlot, SlotState
from core.domain.offices import Office, format_working_days, parse_working_days
from core.domain.staff import InvalidStaffAccount, NewStaff, StaffRecord, StaffSession
from core.persistence.faq import FaqEntryRepository, UnansweredRepository
from core.persistence.helpdesk import TicketRepository
from core.persistence.outbox import Announcement, OutboxRepository, SubscriptionRepository
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

if TYPE_CHECKING:
    from core.services.uow import UnitOfWork


class ConstraintViolation(Exception):
    """A write the database refuses and no use case expects (the real path raises SQLAlchemy's IntegrityError)."""


@dataclass
class FakeStore:
    """What the fakes keep: domain records by id (offices, closures and overrides by their natural keys)."""

    offices: dict[int, Office] = field(default_factory=dict)
    closures: dict[tuple[int, date], str] = field(default_factory=dict)
    capacity_overrides: dict[tuple[int, date, time], int] = field(default_factory=dict)
    slots: dict[int, ReleasedSlot] = field(default_factory=dict)
    accounts: dict[int, Account] = field(default_factory=dict)
    applicants: dict[int, SavedApplicant] = field(default_factory=dict)
    staff: dict[int, StaffRecord] = field(default_factory=dict)
    staff_offices: dict[int, frozenset[int]] = field(default_factory=dict)
    audit: dict[int, AuditEntry] = field(default_factory=dict)
    staff_sessions: dict[str, StaffSession] = field(default_factory=dict)
    nik_freezes: dict[str, datetime] = field(default_factory=dict)
    last_ids: dict[str, int] = field(default_factory=dict)

    def next_id(self, kind: str) -> int:
        self.last_ids[kind] = self.last_ids.get(kind, 0) + 1
        return self.last_ids[kind]


class _NotFaked:
    """Stands where the real repositories keep their connection: a query the fakes lack fails loudly."""

    def __init__(self, repository: str) -> None:
        self._repository = repository

    def __getattr__(self, name: str) -> NoReturn:
        raise NotImplementedError(f"the fake {self._repository} repository does not implement this query")


def _no_connection(repository: str) -> Any:
    return _NotFaked(repository)


def _utc(value: datetime) -> datetime:
    """An instant as the database reads it back: in UTC; a naive one is refused, as by the real column type."""
    if value.tzinfo is None:
        raise ValueError("naive datetimes are refused: every instant carries its zone")
    return value.astimezone(UTC)


class FakeOfficeRepository(OfficeRepository):
    """Contract: one office per code; a capacity is never negative."""

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
            raise ConstraintViolation("CHECK constraint failed: capacity_overrides.capacity >= 0")
        self._store.capacity_overrides[(office_id, day, start)] = capacity


class FakeSlotRepository(SlotRepository):
    """Contract: one slot per office, date and start time; `taken` never above `capacity`."""

    def __init__(self, store: FakeStore) -> None:
        self._conn = _no_connection("slot")
        self._store = store

    def _of(self, office_id: int) -> list[ReleasedSlot]:
        mine = (s for s in self._store.slots.values() if s.office_id == office_id)
        return sorted(mine, key=lambda s: (s.day, s.state.start))

    async def in_range(self, office_id: int, first: date, last: date) -> dict[date, list[SlotState]]:
        out: dict[date, list[SlotState]] = {}
        for s in self._of(office_id):
            if first <= s.day <= last:
                out.setdefault(s.day, []).append(s.state)
        return out

    async def days(
        self, office_id: int, first: date, last: date
    ) -> tuple[dict[date, str], dict[date, list[SlotState]]]:
        closed = await FakeOfficeRepository(self._store).closures(office_id, first, last)
        return closed, await self.in_range(office_id, first, last)

    async def get(self, slot_id: int) -> ReleasedSlot | None:
        return self._store.slots.get(slot_id)

    async def existing_days(self, office_id: int, days: Sequence[date]) -> set[date]:
        return {s.day for s in self._of(office_id) if s.day in days}

    async def add(self, new: Sequence[NewSlot]) -> int:
        taken = {(s.office_id, s.day, s.state.start) for s in self._store.slots.values()}
        for n in new:
            if (n.office_id, n.day, n.start) in taken:
                raise ConstraintViolation("UNIQUE constraint failed: slots.office_id, slots.day, slots.start_time")
            taken.add((n.office_id, n.day, n.start))
        for n in new:
            slot_id = self._store.next_id("slots")
            state = SlotState(slot_id, n.start, n.end, n.capacity, 0, _utc(n.bookable_from), _utc(n.bookable_until))
            self._store.slots[slot_id] = ReleasedSlot(n.office_id, n.day, state)
        return len(new)

    async def open_now(self, office_id: int, days: Sequence[date], now: datetime, until: datetime) -> int:
        """Open already scheduled slots of these days for booking from `now` until `until` (a release by hand)."""
        # The same condition as the real UPDATE: every slot that closes before `until`, opened no later than now.
        changed = [s for s in self._of(office_id) if s.day in days and s.state.bookable_until < until]
        for s in changed:
            state = replace(s.state, bookable_from=min(s.state.bookable_from, _utc(now)), bookable_until=_utc(until))
            self._store.slots[state.slot_id] = replace(s, state=state)
        return len(changed)

    async def set_capacity(self, slot_id: int, capacity: int) -> bool:
        """Change a released slot's capacity; never below what is already taken."""
        s = self._store.slots.get(slot_id)
        if s is None or s.state.taken > capacity:
            return False
        self._store.slots[slot_id] = replace(s, state=replace(s.state, capacity=capacity))
        return True


class FakeAccountRepository(AccountRepository):
    """Contract: one account per Telegram user and owner NIK; each NIK saved once per account."""

    # The refusals are the real repository's: NikOwnsAnotherAccount from `add`, ApplicantAlreadySaved from
    # `add_applicant`; an applicant of an account that does not exist is a ConstraintViolation.

    def __init__(self, store: FakeStore) -> None:
        self._conn = _no_connection("account")
        self._store = store

    async def by_telegram_user(self, telegram_user_id: int) -> Account | None:
        return next((a for a in self._store.accounts.values() if a.telegram_user_id == telegram_user_id), None)

    async def with_people(self, telegram_user_id: int) -> tuple[Account, list[SavedApplicant]] | None:
        account = await self.by_telegram_user(telegram_user_id)
        return None if account is None else (account, await self.applicants(account.id))

    async def get(self, account_id: int) -> Account | None:
        return self._store.accounts.get(account_id)

    async def owner_hash_taken(self, nik_hash: str) -> bool:
        return any(a.owner_nik_hash == nik_hash for a in self._store.accounts.values())

    async def add(self, new: NewAccount) -> Account:
        """A new account; NikOwnsAnotherAccount if the owner's NIK (or the Telegram account) has one already."""
        for a in self._store.accounts.values():
            if a.owner_nik_hash == new.owner_nik_hash or a.telegram_user_id == new.telegram_user_id:
                raise NikOwnsAnotherAccount()
        values = {**asdict(new), "consented_at": _utc(new.consented_at), "created_at": _utc(new.created_at)}
        account = Account(id=self._store.next_id("accounts"), **values)
        self._store.accounts[account.id] = account
        return account

    async def set_language(self, account_id: int, language: str) -> None:
        self._store.accounts[account_id] = replace(self._store.accounts[account_id], language=language)

    async def add_applicant(self, account_id: int, applicant: NewApplicant, *, is_owner: bool) -> SavedApplicant:
        """Saves a person on the account; ApplicantAlreadySaved if their NIK is on it already."""
        if account_id not in self._store.accounts:
            raise ConstraintViolation("FOREIGN KEY constraint failed: applicants.account_id")
        for saved in self._store.applicants.values():
            if saved.account_id == account_id and saved.nik_hash == applicant.nik_hash:
                raise ApplicantAlreadySaved()
        values = {**asdict(applicant), "created_at": _utc(applicant.created_at)}
        record = SavedApplicant(
            id=self._store.next_id("applicants"), account_id=account_id, is_owner=is_owner, **values
        )
        self._store.applicants[record.id] = record
        return record

    async def applicants(self, account_id: int) -> list[SavedApplicant]:
        """The owner first, then family members in the order they were saved."""
        mine = (a for a in self._store.applicants.values() if a.account_id == account_id)
        return sorted(mine, key=lambda a: (not a.is_owner, a.id))

    async def keep_freeze(self, nik_hash: str, until: datetime) -> None:
        """Remembers an erased owner's 30-day wait by the NIK's keyed hash (the later end, if one is kept)."""
        self._store.nik_freezes[nik_hash] = max(_utc(until), self._store.nik_freezes.get(nik_hash, _utc(until)))

    async def freeze_of(self, nik_hash: str) -> datetime | None:
        return self._store.nik_freezes.get(nik_hash)

    async def drop_freezes(self, now: datetime) -> int:
        """Forgets the waits that are over."""
        over = [h for h, until in self._store.nik_freezes.items() if until <= now]
        for h in over:
            del self._store.nik_freezes[h]
        return len(over)


class FakeBookingRepository(BookingRepository):
    """Bookings go through the ledger; none of the use cases faked here reads them.

    Closing a date empties its slots as the real one does; having no bookings, it cancels none.
    """

    def __init__(self, store: FakeStore) -> None:
        self._conn = _no_connection("booking")
        self._store = store

    async def cancel_day(self, office_id: int, day: date, now: datetime) -> list[BookingRecord]:
        for slot_id, s in list(self._store.slots.items()):
            if s.office_id == office_id and s.day == day:
                self._store.slots[slot_id] = replace(s, state=replace(s.state, capacity=0, taken=0))
        return []

    async def waive_freezes(self, account_ids: Sequence[int]) -> None:
        return None


class FakeStaffRepository(StaffRepository):
    """Contract: usernames are unique (InvalidStaffAccount("taken"), as the real `add`)."""

    def __init__(self, store: FakeStore) -> None:
        self._conn = _no_connection("staff")
        self._store = store

    async def by_username(self, username: str) -> StaffRecord | None:
        return next((s for s in self._store.staff.values() if s.username == username), None)

    async def get(self, staff_id: int) -> StaffRecord | None:
        return self._store.staff.get(staff_id)

    async def list(self) -> list[StaffRecord]:
        return sorted(self._store.staff.values(), key=lambda s: s.username)

    async def office_ids(self, staff_ids: Sequence[int]) -> dict[int, set[int]]:
        return {i: set(self._store.staff_offices.get(i, ())) for i in staff_ids}

    async def add(self, new: NewStaff, office_ids: Iterable[int]) -> StaffRecord:
        """A new active account working for these offices; InvalidStaffAccount("taken") if the name is."""
        if any(s.username == new.username for s in self._store.staff.values()):
            raise InvalidStaffAccount("taken")
        values = {**asdict(new), "created_at": _utc(new.created_at)}
        made = StaffRecord(id=self._store.next_id("staff"), active=True, **values)
        self._store.staff[made.id] = made
        await self.set_offices(made.id, office_ids)
        return made

    async def set_offices(self, staff_id: int, office_ids: Iterable[int]) -> None:
        chosen = frozenset(office_ids)
        if not chosen <= self._store.offices.keys():
            raise ConstraintViolation("FOREIGN KEY constraint failed: staff_offices.office_id")
        self._store.staff_offices[staff_id] = chosen

    async def set_active(self, staff_id: int, active: bool) -> None:
        self._store.staff[staff_id] = replace(self._store.staff[staff_id], active=active)

    async def set_password_hash(self, staff_id: int, password_hash: str) -> None:
        self._store.staff[staff_id] = replace(self._store.staff[staff_id], password_hash=password_hash)

    async def add_session(self, session: StaffSession) -> None:
        if session.token_hash in self._store.staff_sessions:
            raise ConstraintViolation("UNIQUE constraint failed: staff_sessions.token_hash")
        if session.staff_id not in self._store.staff:
            raise ConstraintViolation("FOREIGN KEY constraint failed: staff_sessions.staff_id")
        kept = replace(session, created_at=_utc(session.created_at), expires_at=_utc(session.expires_at))
        self._store.staff_sessions[session.token_hash] = kept

    async def session(self, token_hash: str) -> StaffSession | None:
        return self._store.staff_sessions.get(token_hash)

    async def end_session(self, token_hash: str) -> None:
        self._store.staff_sessions.pop(token_hash, None)

    async def end_sessions(self, staff_id: int, *, expired_by: datetime | None = None) -> int:
        """Ends the member's sessions (only those expired by then, if given); how many there were."""
        ending = [
            k
            for k, s in self._store.staff_sessions.items()
            if s.staff_id == staff_id and (expired_by is None or s.expires_at <= expired_by)
        ]
        for k in ending:
            del self._store.staff_sessions[k]
        return len(ending)


class FakeAuditRepository(AuditRepository):
    """Keeps the entries in order, read back newest first as JSON keeps them."""

    def __init__(self, store: FakeStore) -> None:
        self._conn = _no_connection("audit")
        self._store = store

    async def add(self, new: NewAuditEntry) -> None:
        office = None if new.office_id is None else self._store.offices.get(new.office_id)
        if new.office_id is not None and office is None:
            raise ConstraintViolation("FOREIGN KEY constraint failed: audit_log.office_id")
        entry = AuditEntry(
            self._store.next_id("audit"), _utc(new.at), new.actor, new.action, None if office is None else office.code,
            new.booking_code, new.subject, _as_json_keeps(new.before), _as_json_keeps(new.after), new.reason,
        )  # fmt: skip
        self._store.audit[entry.id] = entry

    async def recent(
        self, *, limit: int, before_id: int | None = None, booking_code: str | None = None
    ) -> list[AuditEntry]:
        found = [
            e
            for e in self._store.audit.values()
            if (before_id is None or e.id < before_id) and (booking_code is None or e.booking_code == booking_code)
        ]
        return sorted(found, key=lambda e: e.id, reverse=True)[:limit]


def _as_json_keeps(values: dict[str, Any]) -> dict[str, Any]:
    """What the log's JSON column gives back: dates and other values as their text."""
    kept: dict[str, Any] = json.loads(json.dumps(values, default=str))
    return kept


class FakeOutbox:
    """Keeps the announcements and no recipients: fan-out and sending are checked on the database
    (tests/bot/test_alerts.py)."""

    def __init__(self) -> None:
        self.announcements: dict[int, Announcement] = {}

    async def announce(
        self,
        kind: Kind,
        now: datetime,
        *,
        office_id: int | None = None,
        payload: dict[str, Any] | None = None,
        paid: bool = False,
        fan_out_at: datetime | None = None,
        dedupe_key: str | None = None,
        staff_id: int | None = None,
    ) -> int | None:
        new = len(self.announcements) + 1
        self.announcements[new] = Announcement(
            new, kind, office_id, payload or {}, now, "sending", paid, fan_out_at, None
        )
        return new

    async def get(self, announcement_id: int) -> Announcement | None:
        return self.announcements.get(announcement_id)

    async def fan_out_to_subscribers(self, announcement: Announcement, now: datetime) -> int:
        return 0

    async def fan_out_to_bookings(self, announcement: Announcement, booking_ids: Sequence[int], now: datetime) -> int:
        return 0

    async def fanned_out(self, announcement_id: int, now: datetime) -> None:
        return None


class FakeUnitOfWork:
    """Keeps what was committed, rolls back the rest on exit; `committed`: did the last use commit."""

    def __init__(self, store: FakeStore | None = None) -> None:
        self.store = store if store is not None else FakeStore()
        self.offices: OfficeRepository = FakeOfficeRepository(self.store)
        self.slots: SlotRepository = FakeSlotRepository(self.store)
        self.accounts: AccountRepository = FakeAccountRepository(self.store)
        self.bookings: BookingRepository = FakeBookingRepository(self.store)
        self.staff: StaffRepository = FakeStaffRepository(self.store)
        self.audit: AuditRepository = FakeAuditRepository(self.store)
        self.office_day: OfficeDayRepository = OfficeDayRepository(_no_connection("office day"))
        # Announcements are rows for the sender: the fakes keep none (tests/bot/test_alerts.py runs them for real).
        self.outbox: OutboxRepository = FakeOutbox()  # type: ignore[assignment]
        self.subscriptions: SubscriptionRepository = SubscriptionRepository(_no_connection("subscriptions"))
        self.tickets: TicketRepository = TicketRepository(_no_connection("tickets"))
        self.faq_entries: FaqEntryRepository = FaqEntryRepository(_no_connection("faq entries"))
        self.unanswered: UnansweredRepository = UnansweredRepository(_no_connection("unanswered questions"))
        self.waitlist: WaitlistRepository = WaitlistRepository(_no_connection("waiting list"))
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
