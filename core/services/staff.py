"""Staff accounts: making them, signing in, and reading who someone is on each request."""

from __future__ import annotations

import asyncio
import secrets
from collections.abc import Sequence
from datetime import datetime

from core.crypto import Passwords, check_password
from core.domain.staff import (
    SESSION_LENGTH,
    USERNAME,
    InvalidStaffAccount,
    NewStaff,
    Role,
    StaffMember,
    StaffRecord,
    StaffSession,
    check_new_account,
    session_token_hash,
)
from core.services import audit
from core.services.errors import OfficeNotFound, StaffNotFound
from core.services.uow import UnitOfWork


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
    name = check_new_account(username, role, len(office_codes))
    check_password(password, name)
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
        # Made concurrently under the same name, `add` raises InvalidStaffAccount("taken") too.
        made = await uow.staff.add(NewStaff(name, shown, hashed, role, now), office_ids)
        await audit.record(
            uow,
            actor,
            "staff_created",
            f"staff {name}",
            now,
            after={"role": role.value, "offices": sorted(c.strip().upper() for c in office_codes)},
        )
        await uow.commit()
    return made.member(office_ids)


async def authenticate(uow: UnitOfWork, passwords: Passwords, username: str, password: str) -> StaffMember | None:
    """The active member with this username and password, or None; the caller throttles repeated failures."""
    name = username.strip().lower()
    found: StaffRecord | None = None
    office_ids: set[int] = set()
    # A name no account can have is not looked up (PostgreSQL refuses a NUL in text), but still costs a hash:
    # the time of the answer must not tell a malformed name from an unknown one or a wrong password.
    if USERNAME.fullmatch(name):
        async with uow:
            found = await uow.staff.by_username(name)
            office_ids = (await uow.staff.office_ids([found.id]))[found.id] if found is not None else set()
    stored = found.password_hash if found is not None else passwords.nobody
    ok = await asyncio.to_thread(passwords.verify, stored, password)
    if found is None or not ok or not found.active:
        return None
    return found.member(office_ids)


async def start_session(uow: UnitOfWork, staff_id: int, now: datetime) -> str:
    """A new session token for the member (cookie or bearer token); only its hash is stored."""
    token = secrets.token_urlsafe(32)
    async with uow:
        await uow.staff.end_sessions(staff_id, expired_by=now)  # the member's old, expired rows go as they sign in
        await uow.staff.add_session(StaffSession(session_token_hash(token), staff_id, now, now + SESSION_LENGTH))
        await uow.commit()
    return token


async def session_member(uow: UnitOfWork, token: str, now: datetime) -> StaffMember | None:
    """The active member whose session this token is, or None: unknown, ended, expired, or account turned off."""
    async with uow:
        session = await uow.staff.session(session_token_hash(token))
        if session is None or session.expires_at <= now:
            return None
        found = await uow.staff.get(session.staff_id)
        if found is None or not found.active:
            return None
        office_ids = (await uow.staff.office_ids([found.id]))[found.id]
    return found.member(office_ids)


async def end_session(uow: UnitOfWork, token: str) -> None:
    """Signs this one session out (a token that is no session is no error: signing out twice is fine)."""
    async with uow:
        await uow.staff.end_session(session_token_hash(token))
        await uow.commit()


async def end_sessions(uow: UnitOfWork, staff_id: int, now: datetime, actor: StaffMember) -> int:
    """Signs the member out everywhere (an administrator's act, audited); how many sessions ended."""
    async with uow:
        found = await uow.staff.get(staff_id)
        if found is None:
            raise StaffNotFound(staff_id)
        ended = await uow.staff.end_sessions(staff_id)
        await audit.record(uow, actor, "staff_signed_out", f"staff {found.username}", now, after={"sessions": ended})
        await uow.commit()
    return ended


async def change_password(
    uow: UnitOfWork, passwords: Passwords, staff_id: int, password: str, now: datetime, actor: StaffMember | None
) -> None:
    """Gives the account a new password and ends every session it has (audited, without the password)."""
    check_password(password)  # before the ~0.1 s hash; the account's own name is checked once it is read
    hashed = await asyncio.to_thread(passwords.hash, password)
    async with uow:
        found = await uow.staff.get(staff_id)
        if found is None:
            raise StaffNotFound(staff_id)
        check_password(password, found.username)
        await uow.staff.set_password_hash(staff_id, hashed)
        ended = await uow.staff.end_sessions(staff_id)
        await audit.record(
            uow, actor, "staff_password_changed", f"staff {found.username}", now, after={"sessions": ended}
        )
        await uow.commit()


async def list_staff(uow: UnitOfWork) -> list[StaffMember]:
    async with uow:
        every = await uow.staff.list()
        offices = await uow.staff.office_ids([s.id for s in every])
    return [s.member(offices[s.id]) for s in every]


async def set_active(uow: UnitOfWork, staff_id: int, active: bool, now: datetime, actor: StaffMember) -> None:
    """Turns an account off (every session it has ends at once) or back on."""
    async with uow:
        found = await uow.staff.get(staff_id)
        if found is None:
            raise StaffNotFound(staff_id)
        if found.id == actor.id and not active:
            raise InvalidStaffAccount("self")  # an administrator cannot lock themselves out
        await uow.staff.set_active(staff_id, active)
        if not active:
            await uow.staff.end_sessions(staff_id)
        await audit.record(
            uow,
            actor,
            "staff_activated" if active else "staff_deactivated",
            f"staff {found.username}",
            now,
            before={"active": found.active},
            after={"active": active},
        )
        await uow.commit()
