"""The audit log: who changed what, when, from what to what, and why; written inside the change's own unit."""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from core.domain.staff import StaffMember
from core.services.uow import UnitOfWork

COMMAND_LINE = "command-line"  # the actor of changes made with `antrean` on the server


@dataclass(frozen=True, slots=True)
class AuditEntry:
    id: int
    at: datetime
    actor: str
    action: str
    office_code: str | None
    booking_code: str | None
    subject: str
    before: dict[str, Any]
    after: dict[str, Any]
    reason: str | None


async def record(
    uow: UnitOfWork,
    actor: StaffMember | None,
    action: str,
    subject: str,
    now: datetime,
    *,
    before: dict[str, Any] | None = None,
    after: dict[str, Any] | None = None,
    office_id: int | None = None,
    booking_code: str | None = None,
    reason: str | None = None,
) -> None:
    """Adds one entry to the open unit; the caller commits it with the change it describes.

    Values must already be safe to keep: NIKs masked, never a password.
    """
    await uow.audit.add(
        {
            "at": now,
            "staff_id": None if actor is None else actor.id,
            "actor": COMMAND_LINE if actor is None else actor.username,
            "action": action,
            "office_id": office_id,
            "booking_code": booking_code,
            "subject": subject,
            "before": json.dumps(before or {}, ensure_ascii=False, sort_keys=True, default=str),
            "after": json.dumps(after or {}, ensure_ascii=False, sort_keys=True, default=str),
            "reason": reason,
        }
    )


async def recent(
    uow: UnitOfWork, *, limit: int = 100, before_id: int | None = None, booking_code: str | None = None
) -> list[AuditEntry]:
    """The newest entries first, a page at a time (`before_id`: the last id of the previous page)."""
    async with uow:
        rows = await uow.audit.recent(limit=limit, before_id=before_id, booking_code=booking_code)
    return [
        AuditEntry(
            r.id,
            r.at,
            r.actor,
            r.action,
            r.office_code,
            r.booking_code,
            r.subject,
            json.loads(r.before),
            json.loads(r.after),
            r.reason,
        )
        for r in rows
    ]
