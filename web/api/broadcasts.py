"""Staff broadcasts: an office's own message to its subscribers or to a date's booked applicants, and its progress."""

from __future__ import annotations

from datetime import date, datetime
from typing import Annotated, Literal

from fastapi import APIRouter, Path, status
from pydantic import BaseModel, Field

from core.services import broadcasts
from core.services.broadcasts import MAX_TEXT, Audience, Draft, Progress
from web.api.fields import Day, IdPath, OfficePath
from web.api.refusals import refusals
from web.api.schemas import Out
from web.deps import ApiStaff, DeskDep

router = APIRouter(tags=["broadcasts"])

# Typed by staff, several lines allowed: no other control character.
_MESSAGE = r"^[^\x00-\x09\x0b-\x1f\x7f]*$"
Message = Annotated[str, Field(max_length=MAX_TEXT, pattern=_MESSAGE)]


class BroadcastIn(BaseModel):
    audience: Audience = Field(description="subscribers: who follows the office's openings; booked: a date's owners")
    day: Day | None = Field(None, description="with audience booked: the date whose bookings get it")
    text_id: Message = Field(description="in Indonesian: required", examples=["Layanan paspor Sabtu ini dibuka."])
    text_en: Message = Field("", description="in English, for who chose English; empty: they get the Indonesian")


class BroadcastOut(Out):
    id: int
    office_code: str
    audience: Audience
    day: date | None
    state: str = Field(description="sending, paused or cancelled")
    created_at: datetime
    total: int = Field(description="recipients")
    sent: int
    pending: int = Field(description="waiting, being sent, or paused")
    failed: int
    blocked: int = Field(description="the chat blocked the bot or is gone")
    cancelled: int
    percent: int = Field(description="settled, 0 to 100")


def _out(p: Progress) -> BroadcastOut:
    return BroadcastOut(
        id=p.id, office_code=p.office.code, audience=p.audience, day=p.day, state=p.state, created_at=p.created_at,
        total=p.total, sent=p.sent, pending=p.pending, failed=p.failed, blocked=p.blocked, cancelled=p.cancelled,
        percent=p.percent,
    )  # fmt: skip


@router.post(
    "/offices/{code}/broadcasts",
    response_model=BroadcastOut,
    status_code=status.HTTP_201_CREATED,
    summary="Send a message to the office's subscribers or to a date's booked applicants",
    responses=refusals(403, 404, body=True),
)
async def send(desk: DeskDep, member: ApiStaff, code: OfficePath, body: BroadcastIn) -> BroadcastOut:
    """Written with one outbox row per recipient at once; the worker sends it behind proofs and alerts."""
    draft = Draft(code, body.audience, body.text_id, body.text_en, body.day)
    return _out(await broadcasts.send(desk.uow, draft, desk.now, actor=member))


@router.get(
    "/broadcasts/{broadcast_id}",
    response_model=BroadcastOut,
    summary="A broadcast's progress",
    responses=refusals(404),
)
async def progress(desk: DeskDep, member: ApiStaff, broadcast_id: IdPath) -> BroadcastOut:
    return _out(await broadcasts.progress(desk.reader, broadcast_id, actor=member))


@router.post(
    "/broadcasts/{broadcast_id}/{action}",
    response_model=BroadcastOut,
    summary="Pause, resume or cancel what is not yet sent",
    responses=refusals(404),
)
async def control(
    desk: DeskDep,
    member: ApiStaff,
    broadcast_id: IdPath,
    action: Annotated[Literal["pause", "resume", "cancel"], Path()],
) -> BroadcastOut:
    """Rows already handed to Telegram finish; cancelling is final."""
    return _out(await broadcasts.control(desk.uow, broadcast_id, action, desk.now, actor=member))
