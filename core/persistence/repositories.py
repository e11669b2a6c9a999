"""Repositories over one open connection: Core statements in, domain records out.

Each record is made from its row by one small function here; nothing outside this module sees a row.
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Sequence
from dataclasses import asdict
from datetime import date, datetime, time
from typing import Any

from sqlalchemy import (
    ColumnElement,
    Executable,
    Row,
    Table,
    and_,
    bindparam,
    case,
    cast,
    delete,
    exists,
    func,
    insert,
    null,
    or_,
    select,
    union_all,
    update,
)
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncConnection

from core.domain.accounts import (
    Account,
    ApplicantAlreadySaved,
    NewAccount,
    NewApplicant,
    NikOwnsAnotherAccount,
    SavedApplicant,
)
from core.domain.audit import AuditEntry, NewAuditEntry
from core.domain.booking import ApplicationType, BookingRecord, BookingStatus, ExpectedApplicant, NikHolder, PartyMember
from core.domain.calendar import NewSlot, ReleasedSlot, SlotState
from core.domain.identity import Gender
from core.domain.offices import (
    AlertPolicy,
    Office,
    OfficeKind,
    ReleasePolicy,
    SlotTime,
    format_working_days,
    parse_working_days,
)
from core.domain.staff import InvalidStaffAccount, NewStaff, Role, StaffRecord, StaffSession
from core.persistence.database import LoopConnection
from core.persistence.tables import (
    accounts,
    applicants,
    audit_log,
    booking_applicants,
    bookings,
    capacity_overrides,
    closures,
    nik_freezes,
    offices,
    slot_templates,
    slots,
    staff,
    staff_offices,
    staff_sessions,
)

# Rows of any shape: each mapping function below reads the columns its statement selected.
_Row = Row[*tuple[Any, ...]]


def _new_id(result: Any) -> int:
    key = result.inserted_primary_key
    assert key is not None
    return int(key[0])


def _office(row: _Row, template: Sequence[SlotTime]) -> Office:
    return Office(
        id=row.id,
        code=row.code,
        kind=OfficeKind(row.kind),
        name=row.name,
        kanwil=row.kanwil,
        province=row.province,
        city=row.city,
        address=row.address,
        timezone=row.timezone,
        working_days=parse_working_days(row.working_days),
        slots=tuple(template),
        release=ReleasePolicy(
            row.release_opens_weekday, row.release_opens_at, row.release_closes_weekday, row.release_closes_at
        ),
        alerts=AlertPolicy(row.alert_lead_minutes, row.paid_alerts),
        fair_opening=row.fair_opening,
    )


def _office_values(office: Office) -> dict[str, Any]:
    r = office.release
    return {
        "code": office.code,
        "kind": office.kind.value,
        "name": office.name,
        "kanwil": office.kanwil,
        "province": office.province,
        "city": office.city,
        "address": office.address,
        "timezone": office.timezone,
        "working_days": format_working_days(office.working_days),
        "release_opens_weekday": r.opens_weekday,
        "release_opens_at": r.opens_at,
        "release_closes_weekday": r.closes_weekday,
        "release_closes_at": r.closes_at,
        "alert_lead_minutes": office.alerts.lead_minutes,
        "paid_alerts": office.alerts.paid,
        "fair_opening": office.fair_opening,
    }


class OfficeRepository:
    def __init__(self, conn: AsyncConnection | LoopConnection) -> None:
        self._conn = conn

    async def _templates(self, office_ids: Iterable[int]) -> dict[int, list[SlotTime]]:
        rows = await self._conn.execute(
            select(slot_templates)
            .where(slot_templates.c.office_id.in_(list(office_ids)))
            .order_by(slot_templates.c.start_time)
        )
        out: dict[int, list[SlotTime]] = {}
        for r in rows:
            out.setdefault(r.office_id, []).append(SlotTime(r.start_time, r.end_time, r.capacity))
        return out

    async def _load(self, stmt: Any) -> list[Office]:
        rows = (await self._conn.execute(stmt)).all()
        templates = await self._templates(r.id for r in rows)
        return [_office(r, templates.get(r.id, [])) for r in rows]

    async def get(self, code: str) -> Office | None:
        """The office with this code as people type it (any case, spaces around), or None."""
        found = await self._load(select(offices).where(offices.c.code == code.strip().upper()))
        return found[0] if found else None

    async def get_by_id(self, office_id: int) -> Office | None:
        found = await self._load(select(offices).where(offices.c.id == office_id))
        return found[0] if found else None

    async def list(self, query: str | None = None) -> list[Office]:
        stmt = select(offices).where(offices.c.active.is_(True)).order_by(offices.c.province, offices.c.name)
        if query:
            like = f"%{query.strip().lower()}%"
            stmt = stmt.where(
                or_(
                    func.lower(offices.c.city).like(like),
                    func.lower(offices.c.province).like(like),
                    func.lower(offices.c.name).like(like),
                    func.lower(offices.c.code).like(like),
                )
            )
        return await self._load(stmt)

    async def save(self, office: Office) -> Office:
        """Insert or update by code, replacing the slot template."""
        values = _office_values(office)
        existing = (
            await self._conn.execute(select(offices.c.id).where(offices.c.code == office.code))
        ).scalar_one_or_none()
        if existing is None:
            office_id = _new_id(await self._conn.execute(insert(offices).values(active=True, **values)))
        else:
            office_id = existing
            await self._conn.execute(update(offices).where(offices.c.id == office_id).values(**values))
            await self._conn.execute(delete(slot_templates).where(slot_templates.c.office_id == office_id))
        if office.slots:
            await self._conn.execute(
                insert(slot_templates),
                [
                    {"office_id": office_id, "start_time": s.start, "end_time": s.end, "capacity": s.capacity}
                    for s in office.slots
                ],
            )
        saved = await self.get_by_id(int(office_id))
        assert saved is not None
        return saved

    async def closures(self, office_id: int, first: date, last: date) -> dict[date, str]:
        rows = await self._conn.execute(_CLOSURES, {"office": office_id, "first": first, "last": last})
        return {r.day: r.reason for r in rows}

    async def add_closure(self, office_id: int, day: date, reason: str) -> None:
        await self._conn.execute(delete(closures).where(closures.c.office_id == office_id, closures.c.day == day))
        await self._conn.execute(insert(closures).values(office_id=office_id, day=day, reason=reason))

    async def capacity_overrides(self, office_id: int, first: date, last: date) -> dict[tuple[date, time], int]:
        rows = await self._conn.execute(
            select(capacity_overrides).where(
                capacity_overrides.c.office_id == office_id, capacity_overrides.c.day.between(first, last)
            )
        )
        return {(r.day, r.start_time): r.capacity for r in rows}

    async def set_capacity_override(self, office_id: int, day: date, start: time, capacity: int) -> None:
        await self._conn.execute(
            delete(capacity_overrides).where(
                capacity_overrides.c.office_id == office_id,
                capacity_overrides.c.day == day,
                capacity_overrides.c.start_time == start,
            )
        )
        await self._conn.execute(
            insert(capacity_overrides).values(office_id=office_id, day=day, start_time=start, capacity=capacity)
        )


def _slot_state(r: _Row) -> SlotState:
    return SlotState(r.id, r.start_time, r.end_time, r.capacity, r.taken, r.bookable_from, r.bookable_until)


class SlotRepository:
    def __init__(self, conn: AsyncConnection | LoopConnection) -> None:
        self._conn = conn

    async def in_range(self, office_id: int, first: date, last: date) -> dict[date, list[SlotState]]:
        rows = await self._conn.execute(_SLOTS_IN_RANGE, {"office": office_id, "first": first, "last": last})
        out: dict[date, list[SlotState]] = {}
        for r in rows:
            out.setdefault(r.day, []).append(_slot_state(r))
        return out

    async def days(
        self, office_id: int, first: date, last: date
    ) -> tuple[dict[date, str], dict[date, list[SlotState]]]:
        """The office's closures (date -> reason) and released slots between two dates, in one statement: each
        calendar and date the bot shows reads both, and each statement is a round trip to the server."""
        rows = await self._conn.execute(_DAYS, {"office": office_id, "first": first, "last": last})
        closed: dict[date, str] = {}
        out: dict[date, list[SlotState]] = {}
        for r in rows:
            if r.reason is not None:
                closed[r.day] = r.reason
            else:
                out.setdefault(r.day, []).append(_slot_state(r))
        return closed, out

    async def get(self, slot_id: int) -> ReleasedSlot | None:
        r = (await self._conn.execute(select(slots).where(slots.c.id == slot_id))).first()
        return None if r is None else ReleasedSlot(r.office_id, r.day, _slot_state(r))

    async def existing_days(self, office_id: int, days: Sequence[date]) -> set[date]:
        rows = await self._conn.execute(
            select(slots.c.day).where(slots.c.office_id == office_id, slots.c.day.in_(list(days))).distinct()
        )
        return {r.day for r in rows}

    async def add(self, new: Sequence[NewSlot]) -> int:
        if not new:
            return 0
        await self._conn.execute(
            insert(slots),
            [
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
                }
                for s in new
            ],
        )
        return len(new)

    async def open_now(self, office_id: int, days: Sequence[date], now: datetime, until: datetime) -> int:
        """Open already scheduled slots of these days for booking from `now` until `until` (a release by hand)."""
        result = await self._conn.execute(
            update(slots)
            .where(slots.c.office_id == office_id, slots.c.day.in_(list(days)), slots.c.bookable_until < until)
            .values(
                bookable_from=case((slots.c.bookable_from > now, now), else_=slots.c.bookable_from),
                bookable_until=until,
            )
        )
        return int(result.rowcount)

    async def set_capacity(self, slot_id: int, capacity: int) -> bool:
        """Change a released slot's capacity; never below what is already taken."""
        result = await self._conn.execute(
            update(slots).where(slots.c.id == slot_id, slots.c.taken <= capacity).values(capacity=capacity)
        )
        return result.rowcount == 1


def _account(r: _Row) -> Account:
    return Account(
        r.id, r.telegram_user_id, r.owner_nik_hash, r.kk_hash, r.kk_enc, r.kk_masked, r.phone, r.language,
        r.frozen_until, r.consented_at, r.created_at,
    )  # fmt: skip


def _applicant(r: _Row | _Person) -> SavedApplicant:
    return SavedApplicant(
        r.id, r.account_id, r.is_owner, r.full_name, r.nik_hash, r.nik_enc, r.nik_masked, r.birth_date,
        Gender(r.gender), r.created_at,
    )  # fmt: skip


# The statements the bot runs on every update (or every calendar it shows), built once: building a select costs
# about as much as running it on SQLite, and a statement kept is compiled once (its cache key computed once too).
_PERSON_COLUMNS = [c.name for c in applicants.c]
_WITH_PEOPLE = (
    select(*accounts.c, *(c.label(f"person_{c.name}") for c in applicants.c))
    .select_from(accounts.outerjoin(applicants, applicants.c.account_id == accounts.c.id))
    .where(accounts.c.telegram_user_id == bindparam("user"))
    .order_by(applicants.c.is_owner.desc(), applicants.c.id)
)


def _office_days(table: Table) -> tuple[ColumnElement[bool], ColumnElement[bool]]:
    """A table's rows of one office (:office) between two days (:first, :last)."""
    return table.c.office_id == bindparam("office"), table.c.day.between(bindparam("first"), bindparam("last"))


_CLOSURES = select(closures.c.day, closures.c.reason).where(*_office_days(closures))
_SLOTS_IN_RANGE = select(slots).where(*_office_days(slots)).order_by(slots.c.day, slots.c.start_time)
# Slots and closures as one list of rows: a closure's row has its reason and no slot; a slot's, no reason.
_SLOT_COLUMNS = (slots.c.id, slots.c.start_time, slots.c.end_time, slots.c.capacity, slots.c.taken,
                 slots.c.bookable_from, slots.c.bookable_until)  # fmt: skip
_DAYS: Executable = union_all(
    select(slots.c.day, *_SLOT_COLUMNS, cast(null(), closures.c.reason.type).label("reason")).where(
        *_office_days(slots)
    ),
    select(closures.c.day, *(cast(null(), c.type) for c in _SLOT_COLUMNS), closures.c.reason).where(
        *_office_days(closures)
    ),
).order_by("day", "start_time")


class _Person(dict[str, Any]):
    """A saved person's columns out of a joined row, read as a row's attributes are."""

    def __getattr__(self, name: str) -> Any:
        return self[name]


class AccountRepository:
    def __init__(self, conn: AsyncConnection | LoopConnection) -> None:
        self._conn = conn

    async def by_telegram_user(self, telegram_user_id: int) -> Account | None:
        stmt = select(accounts).where(accounts.c.telegram_user_id == telegram_user_id)
        r = (await self._conn.execute(stmt)).first()
        return None if r is None else _account(r)

    async def with_people(self, telegram_user_id: int) -> tuple[Account, list[SavedApplicant]] | None:
        """The account of a Telegram user with its saved people (as `applicants` orders them), in one query: every
        update the bot handles reads them."""
        rows = (await self._conn.execute(_WITH_PEOPLE, {"user": telegram_user_id})).all()
        if not rows:
            return None
        first = len(accounts.c)
        people = [_applicant(_Person(zip(_PERSON_COLUMNS, r[first:], strict=True))) for r in rows if r.person_id]
        return _account(rows[0]), people

    async def get(self, account_id: int) -> Account | None:
        """The account, unless it was erased."""
        stmt = select(accounts).where(accounts.c.id == account_id, accounts.c.erased_at.is_(None))
        r = (await self._conn.execute(stmt)).first()
        return None if r is None else _account(r)

    async def owner_hash_taken(self, nik_hash: str) -> bool:
        stmt = select(accounts.c.id).where(accounts.c.owner_nik_hash == nik_hash)
        return (await self._conn.execute(stmt)).first() is not None

    async def add(self, new: NewAccount) -> Account:
        """A new account; NikOwnsAnotherAccount if the owner's NIK (or the Telegram account) has one already."""
        # A new record's fields are named as the columns they fill: a name that drifts fails the insert loudly.
        stmt = insert(accounts).values(**asdict(new)).returning(*accounts.c)
        try:
            return _account((await self._conn.execute(stmt)).one())
        except IntegrityError:  # a concurrent registration won the unique index
            raise NikOwnsAnotherAccount() from None

    async def set_language(self, account_id: int, language: str) -> None:
        await self._conn.execute(update(accounts).where(accounts.c.id == account_id).values(language=language))

    async def add_applicant(self, account_id: int, applicant: NewApplicant, *, is_owner: bool) -> SavedApplicant:
        """Saves a person on the account; ApplicantAlreadySaved if their NIK is on it already."""
        values = {**asdict(applicant), "gender": applicant.gender.value}
        stmt = insert(applicants).values(account_id=account_id, is_owner=is_owner, **values).returning(*applicants.c)
        try:
            return _applicant((await self._conn.execute(stmt)).one())
        except IntegrityError:  # saved concurrently: the unique (account, NIK) index decided
            raise ApplicantAlreadySaved() from None

    async def applicants(self, account_id: int) -> list[SavedApplicant]:
        """The owner first, then family members in the order they were saved."""
        stmt = (
            select(applicants)
            .where(applicants.c.account_id == account_id)
            .order_by(applicants.c.is_owner.desc(), applicants.c.id)
        )
        return [_applicant(r) for r in await self._conn.execute(stmt)]

    async def remove_applicants(self, applicant_ids: Sequence[int]) -> None:
        """Deletes saved people that no booking refers to any more."""
        if applicant_ids:
            await self._conn.execute(delete(applicants).where(applicants.c.id.in_(applicant_ids)))

    async def erase(self, account_id: int, now: datetime) -> None:
        """Keeps the row for a booking still to come, and nothing that says whose it was."""
        gone = dict.fromkeys(("telegram_user_id", "owner_nik_hash", "kk_hash", "kk_enc", "kk_masked", "phone"))
        await self._conn.execute(update(accounts).where(accounts.c.id == account_id).values(**gone, erased_at=now))

    async def delete(self, account_id: int) -> None:
        """The account and its saved people (no booking may refer to either any more)."""
        await self._conn.execute(delete(applicants).where(applicants.c.account_id == account_id))
        await self._conn.execute(delete(accounts).where(accounts.c.id == account_id))

    async def purge_erased(self) -> int:
        """Deletes what is left of erased accounts once no booking refers to it; how many accounts went."""
        referred = select(booking_applicants.c.applicant_id).where(booking_applicants.c.applicant_id.is_not(None))
        erased = select(accounts.c.id).where(accounts.c.erased_at.is_not(None))
        await self._conn.execute(
            delete(applicants).where(applicants.c.account_id.in_(erased), applicants.c.id.not_in(referred))
        )
        booked = select(bookings.c.account_id).where(bookings.c.account_id.is_not(None))
        unused = ~exists().where(applicants.c.account_id == accounts.c.id)
        stmt = delete(accounts).where(accounts.c.erased_at.is_not(None), accounts.c.id.not_in(booked), unused)
        return (await self._conn.execute(stmt)).rowcount or 0

    async def keep_freeze(self, nik_hash: str, until: datetime) -> None:
        """Remembers an erased owner's 30-day wait by the NIK's keyed hash (the later end, if one is kept)."""
        known = await self.freeze_of(nik_hash)
        if known is None:
            await self._conn.execute(insert(nik_freezes).values(nik_hash=nik_hash, until=until))
        elif known < until:
            await self._conn.execute(update(nik_freezes).where(nik_freezes.c.nik_hash == nik_hash).values(until=until))

    async def freeze_of(self, nik_hash: str) -> datetime | None:
        stmt = select(nik_freezes.c.until).where(nik_freezes.c.nik_hash == nik_hash)
        until: datetime | None = (await self._conn.execute(stmt)).scalar()
        return until

    async def drop_freezes(self, now: datetime) -> int:
        """Forgets the waits that are over."""
        return (await self._conn.execute(delete(nik_freezes).where(nik_freezes.c.until <= now))).rowcount or 0


# A booking is read with its slot's arrival times: every use case that shows one needs them.
_BOOKINGS = select(bookings, slots.c.start_time, slots.c.end_time).join(slots, slots.c.id == bookings.c.slot_id)


def _booking(r: _Row) -> BookingRecord:
    return BookingRecord(
        r.id, r.code, r.account_id, r.office_id, r.slot_id, r.day, r.start_time, r.end_time, r.party_size,
        r.queue_start, BookingStatus(r.status), r.idempotency_key, r.held_until, r.cancel_until, r.frozen_until,
        r.ends_at, r.created_at, r.confirmed_at, r.ended_at, r.cancelled_by_office_at, r.moved_from,
        r.move_anywhere,
    )  # fmt: skip


def _party_member(r: _Row) -> PartyMember:
    return PartyMember(
        r.booking_id, r.position, r.applicant_id, ApplicationType(r.application_type), r.queue_no, r.checked_in_at,
        r.full_name, r.nik_masked, r.nik_enc, r.birth_date,
    )  # fmt: skip


def _nik_holder(r: _Row) -> NikHolder:
    return NikHolder(r.active_nik, r.id, BookingStatus(r.status), r.held_until, r.ends_at)


class BookingRepository:
    def __init__(self, conn: AsyncConnection | LoopConnection) -> None:
        self._conn = conn

    async def _one(self, stmt: Any) -> BookingRecord | None:
        r = (await self._conn.execute(stmt)).first()
        return None if r is None else _booking(r)

    async def get(self, booking_id: int) -> BookingRecord | None:
        return await self._one(_BOOKINGS.where(bookings.c.id == booking_id))

    async def allow_move_anywhere(self, booking_id: int) -> bool:
        """Its owner may move it to another office (staff decided); False when it was allowed already."""
        stmt = (
            update(bookings)
            .where(bookings.c.id == booking_id, bookings.c.move_anywhere.is_(False))
            .values(move_anywhere=True)
        )
        return bool((await self._conn.execute(stmt)).rowcount)

    async def by_code(self, code: str) -> BookingRecord | None:
        return await self._one(_BOOKINGS.where(bookings.c.code == code))

    async def for_account(self, account_id: int, *, lapsed: bool = False) -> list[BookingRecord]:
        """The account's bookings that were made (held, confirmed, cancelled or moved), newest arrival first.

        `lapsed`: holds that ran out (expired) as well, for what must reach every booking of an account.
        """
        made = [s.value for s in BookingStatus if s is not BookingStatus.EXPIRED]
        if lapsed:
            made.append(BookingStatus.EXPIRED.value)
        stmt = _BOOKINGS.where(bookings.c.account_id == account_id, bookings.c.status.in_(made)).order_by(
            bookings.c.day.desc(), bookings.c.id.desc()
        )
        return [_booking(r) for r in await self._conn.execute(stmt)]

    async def to_anonymise(self, ended_before: datetime, now: datetime) -> list[int]:
        """Bookings whose people may go: over before `ended_before`; or of an erased account and over (or ended)."""
        held = BookingStatus.HELD.value
        gone = (BookingStatus.CANCELLED.value, BookingStatus.EXPIRED.value, BookingStatus.MOVED.value)
        of_erased = bookings.c.account_id.in_(select(accounts.c.id).where(accounts.c.erased_at.is_not(None)))
        stmt = select(bookings.c.id).where(
            bookings.c.anonymised_at.is_(None),
            bookings.c.status != held,
            or_(
                bookings.c.ends_at < ended_before,
                and_(of_erased, or_(bookings.c.ends_at <= now, bookings.c.status.in_(gone))),
            ),
        )
        return list((await self._conn.execute(stmt)).scalars())

    async def _forget_people(self, which: Any) -> None:
        """The rows `which` picks stop saying who they were; position, type and arrival stay for the counts."""
        await self._conn.execute(update(booking_applicants).where(which).values(applicant_id=None, active_nik=None))

    async def let_go_of(self, applicant_id: int) -> None:
        """A person removed from an account leaves the bookings they were in; each keeps its size and arrivals."""
        await self._forget_people(booking_applicants.c.applicant_id == applicant_id)

    async def anonymise(self, booking_ids: Sequence[int], now: datetime) -> int:
        """Lets go of the bookings' account and people; their office, day, slot, size, status and arrivals stay."""
        if not booking_ids:
            return 0
        await self._forget_people(booking_applicants.c.booking_id.in_(booking_ids))
        stmt = update(bookings).where(bookings.c.id.in_(booking_ids)).values(account_id=None, anonymised_at=now)
        return (await self._conn.execute(stmt)).rowcount or 0

    async def latest_attempt(self, account_id: int) -> BookingRecord | None:
        """The account's newest booking in any state, a lapsed hold included."""
        newest = _BOOKINGS.where(bookings.c.account_id == account_id).order_by(bookings.c.id.desc()).limit(1)
        return await self._one(newest)

    async def by_key(self, account_id: int, key: str) -> BookingRecord | None:
        return await self._one(_BOOKINGS.where(bookings.c.account_id == account_id, bookings.c.idempotency_key == key))

    async def party(self, booking_id: int) -> list[PartyMember]:
        """The booking's applicants in order, with what the proof and the counter show (the NIK encrypted)."""
        stmt = (
            select(
                booking_applicants.c.booking_id,
                booking_applicants.c.position,
                booking_applicants.c.application_type,
                booking_applicants.c.queue_no,
                booking_applicants.c.checked_in_at,
                applicants.c.id.label("applicant_id"),
                applicants.c.full_name,
                applicants.c.nik_masked,
                applicants.c.nik_enc,
                applicants.c.birth_date,
            )
            .join(applicants, applicants.c.id == booking_applicants.c.applicant_id)
            .where(booking_applicants.c.booking_id == booking_id)
            .order_by(booking_applicants.c.position)
        )
        return [_party_member(r) for r in await self._conn.execute(stmt)]

    async def cancel_day(self, office_id: int, day: date, now: datetime) -> list[BookingRecord]:
        """The office closes the date: every standing booking on it ends, its places go, its NIKs are free.

        Confirmed bookings are cancelled by the office (returned, as they were); holds simply lapse. The slots are
        emptied first: their rows locked, a hold racing this on PostgreSQL waits and then finds no room, so no
        booking appears on the date after it is read here. The owners' 30-day waits are worked out again without
        these bookings (`waive_freezes`).
        """
        emptied = (
            update(slots)
            .where(slots.c.office_id == office_id, slots.c.day == day)
            .values(capacity=0, taken=0)
            .returning(slots.c.id)
        )
        slot_ids = list((await self._conn.execute(emptied)).scalars())
        if not slot_ids:
            return []
        on_day = bookings.c.slot_id.in_(slot_ids)
        lapsed = (
            update(bookings)
            .where(on_day, bookings.c.status == BookingStatus.HELD.value)
            .values(status=BookingStatus.EXPIRED.value, ended_at=now)
            .returning(bookings.c.id)
        )
        let_go = list((await self._conn.execute(lapsed)).scalars())
        cancelled = (
            update(bookings)
            .where(on_day, bookings.c.status == BookingStatus.CONFIRMED.value)
            .values(status=BookingStatus.CANCELLED.value, ended_at=now, cancelled_by_office_at=now)
            .returning(bookings.c.id)
        )
        ids = list((await self._conn.execute(cancelled)).scalars())
        if not ids and not let_go:
            return []
        await self._conn.execute(
            update(booking_applicants)
            .where(booking_applicants.c.booking_id.in_([*ids, *let_go]))
            .values(active_nik=None)
        )
        return [_booking(r) for r in await self._conn.execute(_BOOKINGS.where(bookings.c.id.in_(ids)))]

    async def waive_freezes(self, account_ids: Sequence[int]) -> None:
        """Each account's wait as its bookings that count make it: confirmed, or cancelled by the owner.

        A booking the office cancelled never counts (DOMAIN: closure by the office); None when nothing counts.
        """
        if not account_ids:
            return
        counts = or_(
            bookings.c.status == BookingStatus.CONFIRMED.value,
            and_(bookings.c.status == BookingStatus.CANCELLED.value, bookings.c.cancelled_by_office_at.is_(None)),
        )
        latest = (
            select(func.max(bookings.c.frozen_until))
            .where(bookings.c.account_id == accounts.c.id, counts)
            .scalar_subquery()
        )
        await self._conn.execute(
            update(accounts).where(accounts.c.id.in_(list(account_ids))).values(frozen_until=latest)
        )

    async def active_holders(self, nik_hashes: Sequence[str]) -> list[NikHolder]:
        """Bookings that hold any of these NIKs active right now, with their status and end."""
        stmt = (
            select(
                booking_applicants.c.active_nik,
                bookings.c.id,
                bookings.c.status,
                bookings.c.held_until,
                bookings.c.ends_at,
            )
            .join(bookings, bookings.c.id == booking_applicants.c.booking_id)
            .where(booking_applicants.c.active_nik.in_(list(nik_hashes)))
        )
        return [_nik_holder(r) for r in await self._conn.execute(stmt)]


def _staff(r: _Row) -> StaffRecord:
    return StaffRecord(r.id, r.username, r.display_name, r.password_hash, Role(r.role), r.active, r.created_at)


class StaffRepository:
    def __init__(self, conn: AsyncConnection | LoopConnection) -> None:
        self._conn = conn

    async def by_username(self, username: str) -> StaffRecord | None:
        r = (await self._conn.execute(select(staff).where(staff.c.username == username))).first()
        return None if r is None else _staff(r)

    async def get(self, staff_id: int) -> StaffRecord | None:
        r = (await self._conn.execute(select(staff).where(staff.c.id == staff_id))).first()
        return None if r is None else _staff(r)

    async def list(self) -> list[StaffRecord]:
        return [_staff(r) for r in await self._conn.execute(select(staff).order_by(staff.c.username))]

    async def office_ids(self, staff_ids: Sequence[int]) -> dict[int, set[int]]:
        rows = await self._conn.execute(select(staff_offices).where(staff_offices.c.staff_id.in_(list(staff_ids))))
        out: dict[int, set[int]] = {i: set() for i in staff_ids}
        for r in rows:
            out[r.staff_id].add(r.office_id)
        return out

    async def add(self, new: NewStaff, office_ids: Iterable[int]) -> StaffRecord:
        """A new active account working for these offices; InvalidStaffAccount("taken") if the name is."""
        values = {**asdict(new), "role": new.role.value}
        stmt = insert(staff).values(active=True, **values).returning(*staff.c)
        try:
            made = _staff((await self._conn.execute(stmt)).one())
        except IntegrityError:  # made concurrently under the same name: the unique index decided
            raise InvalidStaffAccount("taken") from None
        await self.set_offices(made.id, office_ids)
        return made

    async def set_offices(self, staff_id: int, office_ids: Iterable[int]) -> None:
        await self._conn.execute(delete(staff_offices).where(staff_offices.c.staff_id == staff_id))
        rows = [{"staff_id": staff_id, "office_id": o} for o in sorted(set(office_ids))]
        if rows:
            await self._conn.execute(insert(staff_offices), rows)

    async def set_active(self, staff_id: int, active: bool) -> None:
        await self._conn.execute(update(staff).where(staff.c.id == staff_id).values(active=active))

    async def set_password_hash(self, staff_id: int, password_hash: str) -> None:
        await self._conn.execute(update(staff).where(staff.c.id == staff_id).values(password_hash=password_hash))

    async def add_session(self, session: StaffSession) -> None:
        await self._conn.execute(insert(staff_sessions).values(**asdict(session)))

    async def session(self, token_hash: str) -> StaffSession | None:
        r = (await self._conn.execute(select(staff_sessions).where(staff_sessions.c.token_hash == token_hash))).first()
        return None if r is None else StaffSession(r.token_hash, r.staff_id, r.created_at, r.expires_at)

    async def end_session(self, token_hash: str) -> None:
        await self._conn.execute(delete(staff_sessions).where(staff_sessions.c.token_hash == token_hash))

    async def end_sessions(self, staff_id: int, *, expired_by: datetime | None = None) -> int:
        """Ends the member's sessions (only those expired by then, if given); how many there were."""
        stmt = delete(staff_sessions).where(staff_sessions.c.staff_id == staff_id)
        if expired_by is not None:
            stmt = stmt.where(staff_sessions.c.expires_at <= expired_by)
        return int((await self._conn.execute(stmt)).rowcount or 0)


def _json(values: dict[str, Any]) -> str:
    # Dates and times are kept as their ISO text: the log is read by people, and never computed on.
    return json.dumps(values, ensure_ascii=False, sort_keys=True, default=str)


def _audit_entry(r: _Row) -> AuditEntry:
    return AuditEntry(
        r.id, r.at, r.actor, r.action, r.office_code, r.booking_code, r.subject, json.loads(r.before),
        json.loads(r.after), r.reason,
    )  # fmt: skip


class AuditRepository:
    def __init__(self, conn: AsyncConnection | LoopConnection) -> None:
        self._conn = conn

    async def add(self, new: NewAuditEntry) -> None:
        values = {**asdict(new), "before": _json(new.before), "after": _json(new.after)}
        await self._conn.execute(insert(audit_log).values(**values))

    async def recent(
        self, *, limit: int, before_id: int | None = None, booking_code: str | None = None
    ) -> list[AuditEntry]:
        stmt = select(audit_log, offices.c.code.label("office_code")).outerjoin(
            offices, offices.c.id == audit_log.c.office_id
        )
        if before_id is not None:
            stmt = stmt.where(audit_log.c.id < before_id)
        if booking_code is not None:
            stmt = stmt.where(audit_log.c.booking_code == booking_code)
        rows = await self._conn.execute(stmt.order_by(audit_log.c.id.desc()).limit(limit))
        return [_audit_entry(r) for r in rows]


def _live(now: datetime) -> Any:
    """Bookings the office expects: confirmed ones, and holds that have not lapsed (they may still confirm)."""
    return or_(
        bookings.c.status == BookingStatus.CONFIRMED.value,
        (bookings.c.status == BookingStatus.HELD.value) & (bookings.c.held_until > now),
    )


def _expected(r: _Row) -> ExpectedApplicant:
    return ExpectedApplicant(
        r.slot_id, r.code, BookingStatus(r.status), r.position, r.queue_no, ApplicationType(r.application_type),
        r.checked_in_at, r.full_name, r.nik_masked, r.nik_enc,
    )  # fmt: skip


class OfficeDayRepository:
    """What an office's day looks like from behind the counter: bookings by slot, and arrivals."""

    def __init__(self, conn: AsyncConnection | LoopConnection) -> None:
        self._conn = conn

    async def party_counts(self, office_id: int, day: date, now: datetime) -> dict[tuple[int, BookingStatus], int]:
        """(slot id, held or confirmed) → applicants, counting only holds that have not lapsed."""
        stmt = (
            select(bookings.c.slot_id, bookings.c.status, func.sum(bookings.c.party_size).label("n"))
            .where(bookings.c.office_id == office_id, bookings.c.day == day, _live(now))
            .group_by(bookings.c.slot_id, bookings.c.status)
        )
        return {(r.slot_id, BookingStatus(r.status)): int(r.n) for r in await self._conn.execute(stmt)}

    async def arrival_counts(self, office_id: int, day: date) -> dict[int, int]:
        """Slot id → applicants marked as arrived."""
        stmt = (
            select(bookings.c.slot_id, func.count().label("n"))
            .join(booking_applicants, booking_applicants.c.booking_id == bookings.c.id)
            .where(
                bookings.c.office_id == office_id,
                bookings.c.day == day,
                booking_applicants.c.checked_in_at.is_not(None),
            )
            .group_by(bookings.c.slot_id)
        )
        return {int(r.slot_id): int(r.n) for r in await self._conn.execute(stmt)}

    async def listed(self, office_id: int, day: date, now: datetime) -> list[ExpectedApplicant]:
        """Every applicant of the day's confirmed bookings and live holds, in slot and queue order."""
        stmt = (
            select(
                bookings.c.slot_id,
                bookings.c.code,
                bookings.c.status,
                booking_applicants.c.position,
                booking_applicants.c.queue_no,
                booking_applicants.c.application_type,
                booking_applicants.c.checked_in_at,
                applicants.c.full_name,
                applicants.c.nik_masked,
                applicants.c.nik_enc,
            )
            .join(booking_applicants, booking_applicants.c.booking_id == bookings.c.id)
            .join(applicants, applicants.c.id == booking_applicants.c.applicant_id)
            .where(bookings.c.office_id == office_id, bookings.c.day == day, _live(now))
            .order_by(bookings.c.slot_id, bookings.c.queue_start, booking_applicants.c.position)
        )
        return [_expected(r) for r in await self._conn.execute(stmt)]

    async def mark_arrived(self, booking_id: int, positions: Sequence[int], at: datetime) -> list[int]:
        """Sets the arrival time of these applicants who had none; returns the positions it set."""
        stmt = (
            update(booking_applicants)
            .where(
                booking_applicants.c.booking_id == booking_id,
                booking_applicants.c.position.in_(list(positions)),
                booking_applicants.c.checked_in_at.is_(None),
            )
            .values(checked_in_at=at)
            .returning(booking_applicants.c.position)
        )
        return sorted(int(r.position) for r in await self._conn.execute(stmt))

    async def set_application_type(self, booking_id: int, position: int, kind: ApplicationType) -> None:
        await self._conn.execute(
            update(booking_applicants)
            .where(booking_applicants.c.booking_id == booking_id, booking_applicants.c.position == position)
            .values(application_type=kind.value)
        )

    async def rename_applicant(self, applicant_id: int, full_name: str) -> None:
        await self._conn.execute(update(applicants).where(applicants.c.id == applicant_id).values(full_name=full_name))
