"""Staff accounts and what each role may do: the rules the web app enforces on every request."""

from __future__ import annotations

import hashlib
import re
from collections.abc import Set
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from enum import StrEnum

from core.domain.errors import DomainError


class Role(StrEnum):
    ADMIN = "admin"  # every office, staff accounts, the audit log
    OFFICE = "office"  # an office's quotas, live view, daily list and check-in
    COUNTER = "counter"  # the counter: daily list with whole NIKs (compared with the e-KTP) and check-in
    SUPPORT = "support"  # the help desk: looks bookings up at every office and corrects names


class Permission(StrEnum):
    MANAGE_STAFF = "manage_staff"
    READ_AUDIT = "read_audit"
    MANAGE_QUOTA = "manage_quota"
    VIEW_DAY = "view_day"  # the live view and the daily list
    CHECK_IN = "check_in"  # mark arrivals, revise the application type
    CORRECT_DATA = "correct_data"  # correct an applicant's name, with a reason
    SEE_FULL_NIK = "see_full_nik"
    BROADCAST = "broadcast"  # a message of the office's own to its subscribers, or to a date's bookings
    HELP_DESK = "help_desk"  # read applicants' questions with their context, answer them, close and reopen them


_GRANTS: dict[Role, frozenset[Permission]] = {
    Role.ADMIN: frozenset(Permission) - {Permission.SEE_FULL_NIK},
    Role.OFFICE: frozenset(
        {
            Permission.MANAGE_QUOTA,
            Permission.VIEW_DAY,
            Permission.CHECK_IN,
            Permission.CORRECT_DATA,
            Permission.BROADCAST,
        }
    ),
    Role.COUNTER: frozenset(
        {Permission.VIEW_DAY, Permission.CHECK_IN, Permission.CORRECT_DATA, Permission.SEE_FULL_NIK}
    ),
    Role.SUPPORT: frozenset({Permission.VIEW_DAY, Permission.CORRECT_DATA, Permission.HELP_DESK}),
}

# Roles whose reach is every office; the others work only for the offices given to them.
_EVERY_OFFICE = frozenset({Role.ADMIN, Role.SUPPORT})

USERNAME = re.compile(r"[a-z0-9][a-z0-9._-]{2,63}")
SESSION_LENGTH = timedelta(hours=12)  # one working day and a bit: the counter signs in each morning


class NotAllowed(DomainError):
    """A staff member asked for something their role or offices do not cover."""

    code = "not_allowed"

    def __init__(self, permission: Permission) -> None:
        self.permission = permission
        super().__init__(permission.value)


class InvalidStaffAccount(DomainError):
    code = "invalid_staff_account"

    def __init__(self, reason: str) -> None:
        self.reason = (
            reason  # "username", "password…" (see core.crypto.password_weakness), "offices", "taken" or "self"
        )
        super().__init__(reason)


@dataclass(frozen=True, slots=True)
class StaffMember:
    id: int
    username: str
    display_name: str
    role: Role
    office_ids: frozenset[int]
    active: bool = True

    @property
    def every_office(self) -> bool:
        return self.role in _EVERY_OFFICE

    def may(self, permission: Permission, office_id: int | None = None) -> bool:
        """Whether this member may do that, at that office when one is named."""
        if not self.active or permission not in _GRANTS[self.role]:
            return False
        return office_id is None or self.every_office or office_id in self.office_ids

    def require(self, permission: Permission, office_id: int | None = None) -> None:
        if not self.may(permission, office_id):
            raise NotAllowed(permission)


@dataclass(frozen=True, slots=True)
class NewStaff:
    """A staff account about to be made (active from the start)."""

    username: str
    display_name: str
    password_hash: str = field(repr=False)
    role: Role
    created_at: datetime


@dataclass(frozen=True, slots=True)
class StaffRecord:
    """A staff account as stored; `StaffMember` is who it is on a request (with its offices)."""

    id: int
    username: str  # lower-case, unique
    display_name: str
    password_hash: str = field(repr=False)  # argon2id; kept out of logs and tracebacks
    role: Role
    active: bool
    created_at: datetime

    def member(self, office_ids: Set[int]) -> StaffMember:
        return StaffMember(self.id, self.username, self.display_name, self.role, frozenset(office_ids), self.active)


def check_new_account(username: str, role: Role, office_count: int) -> str:
    """The username as stored (lower-case) if the account may be made; InvalidStaffAccount says what is wrong.

    Its password is judged by `core.crypto.check_password`, a strength estimator's work.
    """
    name = username.strip().lower()
    if not USERNAME.fullmatch(name):
        raise InvalidStaffAccount("username")
    if role not in _EVERY_OFFICE and office_count == 0:
        raise InvalidStaffAccount("offices")
    return name


@dataclass(frozen=True, slots=True)
class StaffSession:
    """A signed-in browser or API client; the token itself is never stored, only its hash."""

    token_hash: str
    staff_id: int
    created_at: datetime
    expires_at: datetime


def session_token_hash(token: str) -> str:
    """What is stored for a session token: a copy of the table gives nobody a way in."""
    # The token is 256 random bits, so a plain fast hash suffices (no password to guess).
    return hashlib.sha256(token.encode()).hexdigest()
