"""The audit log: who changed what, when, from what to what, and why; written inside the change's own unit."""

from __future__ import annotations

from datetime import datetime
from typing import Any

# The entry is a domain record; named here as well, where the adapters have always found it.
from core.domain.audit import AuditEntry as AuditEntry
from core.domain.audit import NewAuditEntry
from core.domain.staff import StaffMember
from core.services.uow import UnitOfWork

COMMAND_LINE = "command-line"  # the actor of changes made with `antrean` on the server


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
    by: str | None = None,
) -> None:
    """Adds one entry to the open unit; the caller commits it with the change it describes. `by`: who, when it
    is no staff account (a member of the staff group in Telegram).

    Values must already be safe to keep: NIKs masked, never a password.
    """
    await uow.audit.add(
        NewAuditEntry(
            at=now,
            staff_id=None if actor is None else actor.id,
            actor=by or (COMMAND_LINE if actor is None else actor.username),
            action=action,
            subject=subject,
            before=before or {},
            after=after or {},
            office_id=office_id,
            booking_code=booking_code,
            reason=reason,
        )
    )


async def recent(
    uow: UnitOfWork, *, limit: int = 100, before_id: int | None = None, booking_code: str | None = None
) -> list[AuditEntry]:
    """The newest entries first, a page at a time (`before_id`: the last id of the previous page)."""
    async with uow:
        return await uow.audit.recent(limit=limit, before_id=before_id, booking_code=booking_code)
