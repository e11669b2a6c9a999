"""The audit log's entries: who changed what, when, from what to what, and why."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any


@dataclass(frozen=True, slots=True)
class AuditEntry:
    id: int
    at: datetime
    actor: str  # the username at the time, or "command-line"
    action: str
    office_code: str | None
    booking_code: str | None
    subject: str
    before: dict[str, Any]  # as JSON keeps it: NIKs masked, never a password
    after: dict[str, Any]
    reason: str | None


@dataclass(frozen=True, slots=True)
class NewAuditEntry:
    """An entry about to be written: who by id and name, the office by id; values already safe to keep."""

    at: datetime
    staff_id: int | None
    actor: str
    action: str
    subject: str
    before: dict[str, Any]
    after: dict[str, Any]
    office_id: int | None
    booking_code: str | None
    reason: str | None
