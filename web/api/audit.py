"""The audit log, for administrators: who changed what, when, from what to what, and why."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Query

from core.domain.booking import normalize_booking_code
from core.domain.staff import Permission
from core.services import audit
from web.api.fields import BookingCode, Id
from web.api.refusals import refusals
from web.api.schemas import AuditEntryOut, AuditPage
from web.deps import ApiStaff, ReaderDep

router = APIRouter(tags=["audit"])


@router.get("/audit", response_model=AuditPage, summary="The audit log, newest first", responses=refusals(403))
async def audit_log(
    reader: ReaderDep,
    member: ApiStaff,
    before_id: Annotated[Id | None, Query(description="the previous page's next_before_id")] = None,
    booking_code: Annotated[BookingCode | None, Query(description="only entries about this booking")] = None,
    limit: Annotated[int, Query(ge=1, le=200)] = 50,
) -> AuditPage:
    """Who changed what, when, from what to what, and why; administrators only."""
    member.require(Permission.READ_AUDIT)
    wanted = normalize_booking_code(booking_code) if booking_code else None
    entries = await audit.recent(reader, limit=limit, before_id=before_id, booking_code=wanted or None)
    return AuditPage(
        entries=[AuditEntryOut.model_validate(e, from_attributes=True) for e in entries],
        next_before_id=entries[-1].id if len(entries) == limit else None,
    )
