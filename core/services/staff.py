"""Staff accounts: making them, signing in, and reading who someone is on each request."""

from __future__ import annotations

import asyncio
from collections.abc import Sequence
from datetime import datetime
from typing import Any

from core.crypto import Passwords
from core.domain.staff import USERNAME, InvalidStaffAccount, Role, StaffMember, check_new_account
from core.services import audit
from core.services.errors import OfficeNotFound, StaffNotFound
from core.services.uow import UnitOfWork


def _member(row: Any, office_ids: set[int]) -> StaffMember:
    return StaffMember(row.id, row.username, row.display_name, Role(row.role), frozenset(office_ids), row.active)


async def create_staff(
    uow: UnitOfWork,
    passwords: Passwords,
    *,
    username: str,
    display_name: str,
    password: str,
    role: Role,
    office_codes: Sequence[str],
    now: datetime,
    actor: StaffMember | None = None,
) -> StaffMember:
    """Makes a staff account (an administrator's act, or the command line's for the first one)."""
    name = check_new_account(username, password, role, len(office_codes))
    hashed = await asyncio.to_thread(passwords.hash, password)  # ~0.1 s of CPU: not on the event loop
    shown = display_name.strip() or name
    async with uow:
        if await uow.staff.by_username(name) is not None:
            raise InvalidStaffAccount("taken")
        office_ids: set[int] = set()
        for code in office_codes:
            office = await uow.offices.get(code)
            if office is None or office.id is None:
                raise OfficeNotFound(code)
            office_ids.add(office.id)
        values = {
            "username": name,
            "display_name": shown,
            "password_hash": hashed,
            "role": role.value,
            "active": True,
            "created_at": now,
        }
        staff_id = await uow.staff.add(values, office_ids)
        await audit.record(
            uow,
            actor,
            "staff_created",
            f"staff {name}",
            now,
            after={"role": role.value, "offices": sorted(c.strip().upper() for c in office_codes)},
        )
        await uow.commit()
    return StaffMember(staff_id, name, shown, role, frozenset(office_ids))


async def authenticate(uow: UnitOfWork, passwords: Passwords, username: str, password: str) -> StaffMember | None:
    """The active member with this username and password, or None; the caller throttles repeated failures."""
    name = username.strip().lower()
    row = None
    office_ids: set[int] = set()
    # A name no account can have is not looked up (PostgreSQL refuses a NUL in text), but still costs a hash:
    # the time of the answer must not tell a malformed name from an unknown one or a wrong password.
    if USERNAME.fullmatch(name):
        async with uow:
            row = await uow.staff.by_username(name)
            office_ids = (await uow.staff.office_ids([row.id]))[row.id] if row is not None else set()
    stored = row.password_hash if row is not None else passwords.nobody
    ok = await asyncio.to_thread(passwords.verify, stored, password)
    if row is None or not ok or not row.active:
        return None
    return _member(row, office_ids)


async def get_member(uow: UnitOfWork, staff_id: int) -> tuple[StaffMember, str] | None:
    """The member and their password hash (a session is only valid for the hash it was issued with)."""
    async with uow:
        row = await uow.staff.get(staff_id)
        if row is None:
            return None
        office_ids = (await uow.staff.office_ids([row.id]))[row.id]
    return _member(row, office_ids), row.password_hash


async def list_staff(uow: UnitOfWork) -> list[StaffMember]:
    async with uow:
        rows = await uow.staff.list()
        offices = await uow.staff.office_ids([r.id for r in rows])
    return [_member(r, offices[r.id]) for r in rows]


async def set_active(uow: UnitOfWork, staff_id: int, active: bool, now: datetime, actor: StaffMember) -> None:
    """Turns an account off (its sessions end at their next request) or back on."""
    async with uow:
        row = await uow.staff.get(staff_id)
        if row is None:
            raise StaffNotFound(staff_id)
        if row.id == actor.id and not active:
            raise InvalidStaffAccount("self")  # an administrator cannot lock themselves out
        await uow.staff.update(staff_id, active=active)
        await audit.record(
            uow,
            actor,
            "staff_activated" if active else "staff_deactivated",
            f"staff {row.username}",
            now,
            before={"active": row.active},
            after={"active": active},
        )
        await uow.commit()
