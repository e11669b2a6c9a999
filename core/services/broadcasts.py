"""Staff broadcasts: an office's own message to its subscribers, or to everyone booked on a date, through the outbox.

Written and fanned out in one transaction (the recipients are who they are at that moment); the worker's sender
delivers it behind every proof, closure, reminder and opening alert. Staff watch its progress, and may pause, resume
or cancel what is not yet sent.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime
from enum import StrEnum

from core.domain.announcements import Kind, RowState
from core.domain.errors import DomainError
from core.domain.offices import Office
from core.domain.staff import Permission, StaffMember
from core.persistence.outbox import Announcement
from core.services import audit
from core.services.offices import office_for
from core.services.uow import UnitOfWork

# Telegram takes 4,096 characters a message; the office's name heads it.
MAX_TEXT = 3500


class Audience(StrEnum):
    SUBSCRIBERS = "subscribers"  # the chats following the office's quota openings
    BOOKED = "booked"  # the owners of the bookings confirmed at the office on a date


class BroadcastText(DomainError):
    """The Indonesian text is required (every applicant reads it; English is for who chose English)."""

    code = "broadcast_text"

    def __init__(self, language: str, problem: str) -> None:
        self.language = language
        self.problem = problem  # "empty" | "too_long"
        super().__init__(f"{language}: {problem}")


class BroadcastNeedsDay(DomainError):
    code = "broadcast_needs_day"


class NoSuchBroadcast(DomainError):
    code = "no_such_broadcast"


@dataclass(frozen=True, slots=True)
class Draft:
    office_code: str
    audience: Audience
    text_id: str
    text_en: str = ""  # empty: English readers get the Indonesian text
    day: date | None = None  # Audience.BOOKED: whose bookings

    def checked(self) -> Draft:
        text_id, text_en = self.text_id.strip(), self.text_en.strip()
        if not text_id:
            raise BroadcastText("id", "empty")
        for language, text in (("id", text_id), ("en", text_en)):
            if len(text) > MAX_TEXT:
                raise BroadcastText(language, "too_long")
        if self.audience is Audience.BOOKED and self.day is None:
            raise BroadcastNeedsDay()
        return Draft(self.office_code, self.audience, text_id, text_en, self.day)


@dataclass(frozen=True, slots=True)
class Progress:
    """Where one broadcast stands; `pending` counts rows waiting or being sent."""

    id: int
    office: Office
    audience: Audience
    day: date | None
    text_id: str
    text_en: str
    created_at: datetime
    state: str  # sending | paused | cancelled
    total: int
    sent: int
    pending: int
    failed: int
    blocked: int
    cancelled: int

    @property
    def done(self) -> int:
        return self.total - self.pending

    @property
    def percent(self) -> int:
        """How much of it is settled (sent, failed, blocked or cancelled): 100 when nothing is left to send."""
        return 100 if self.total == 0 else self.done * 100 // self.total

    @property
    def finished(self) -> bool:
        return self.pending == 0

    @property
    def status(self) -> str:
        """What staff read: done once nothing is left to send, else its state (sending, paused, cancelled)."""
        return "done" if self.finished and self.state == "sending" else self.state


def _progress(a: Announcement, office: Office, counts: dict[RowState, int]) -> Progress:
    p = a.payload
    pending = sum(counts.get(s, 0) for s in (RowState.PENDING, RowState.SENDING, RowState.PAUSED))
    return Progress(
        id=a.id,
        office=office,
        audience=Audience(p["audience"]),
        day=date.fromisoformat(p["day"]) if p.get("day") else None,
        text_id=p["text"]["id"],
        text_en=p["text"].get("en", ""),
        created_at=a.created_at,
        state=a.state,
        total=sum(counts.values()),
        sent=counts.get(RowState.SENT, 0),
        pending=pending,
        failed=counts.get(RowState.FAILED, 0),
        blocked=counts.get(RowState.BLOCKED, 0),
        cancelled=counts.get(RowState.CANCELLED, 0),
    )


async def audience_size(uow: UnitOfWork, draft: Draft, actor: StaffMember | None) -> int:
    """How many chats the draft would reach now: what the preview says before it is sent."""
    draft = draft.checked()
    async with uow:
        office = await office_for(uow, draft.office_code, actor, Permission.BROADCAST)
        assert office.id is not None
        if draft.audience is Audience.SUBSCRIBERS:
            return await uow.subscriptions.count(office.id)
        assert draft.day is not None
        return await uow.outbox.booked_on(office.id, draft.day)


async def send(uow: UnitOfWork, draft: Draft, now: datetime, actor: StaffMember | None = None) -> Progress:
    """Writes the broadcast and one outbox row per recipient, in one transaction; the sender takes it from there."""
    draft = draft.checked()
    async with uow:
        office = await office_for(uow, draft.office_code, actor, Permission.BROADCAST)
        assert office.id is not None
        payload = {"audience": draft.audience.value, "text": {"id": draft.text_id, "en": draft.text_en}}
        if draft.day is not None:
            payload["day"] = draft.day.isoformat()
        new = await uow.outbox.announce(
            Kind.BROADCAST, now, office_id=office.id, payload=payload, staff_id=None if actor is None else actor.id
        )
        assert new is not None  # no dedupe key: always new
        announcement = await uow.outbox.get(new)
        assert announcement is not None
        if draft.audience is Audience.SUBSCRIBERS:
            n = await uow.outbox.fan_out_to_subscribers(announcement, now)
        else:
            assert draft.day is not None
            n = await uow.outbox.fan_out_to_day(announcement, draft.day, now)
        await uow.outbox.fanned_out(new, now)
        await audit.record(
            uow,
            actor,
            "broadcast_sent",
            f"{office.code} #{new}",
            now,
            after={"audience": draft.audience.value, "day": payload.get("day"), "recipients": n},
            office_id=office.id,
        )
        await uow.commit()
        counts = await uow.outbox.progress([new])
    return _progress(announcement, office, counts[new])


async def _broadcast(uow: UnitOfWork, broadcast_id: int, actor: StaffMember | None) -> tuple[Announcement, Office]:
    announcement = await uow.outbox.get(broadcast_id)
    if announcement is None or announcement.kind is not Kind.BROADCAST or announcement.office_id is None:
        raise NoSuchBroadcast()
    office = await uow.offices.get_by_id(announcement.office_id)
    assert office is not None
    if actor is not None and not actor.may(Permission.BROADCAST, office.id):
        raise NoSuchBroadcast()  # another office's: as if it did not exist
    return announcement, office


async def progress(uow: UnitOfWork, broadcast_id: int, actor: StaffMember | None = None) -> Progress:
    async with uow:
        announcement, office = await _broadcast(uow, broadcast_id, actor)
        counts = await uow.outbox.progress([broadcast_id])
    return _progress(announcement, office, counts[broadcast_id])


async def recent(uow: UnitOfWork, actor: StaffMember, limit: int = 20) -> list[Progress]:
    """The newest broadcasts of the offices the member may broadcast for."""
    async with uow:
        offices = {
            o.id: o for o in await uow.offices.list() if o.id is not None and actor.may(Permission.BROADCAST, o.id)
        }
        found = await uow.outbox.broadcasts(None if actor.every_office else list(offices), limit)
        counts = await uow.outbox.progress([a.id for a in found])
    return [_progress(a, offices[a.office_id], counts[a.id]) for a in found if a.office_id in offices]


# What each control does to the rows not yet handed to Telegram, what the broadcast is then, and its audit action.
CONTROLS = {
    "pause": ((RowState.PENDING,), RowState.PAUSED, "paused", "broadcast_paused"),
    "resume": ((RowState.PAUSED,), RowState.PENDING, "sending", "broadcast_resumed"),
    "cancel": ((RowState.PENDING, RowState.PAUSED), RowState.CANCELLED, "cancelled", "broadcast_cancelled"),
}


async def control(
    uow: UnitOfWork, broadcast_id: int, action: str, now: datetime, actor: StaffMember | None = None
) -> Progress:
    """Pause, resume or cancel what is not yet sent; rows being sent finish. Cancelling is final."""
    from_states, to_state, state, recorded = CONTROLS[action]
    async with uow:
        announcement, office = await _broadcast(uow, broadcast_id, actor)
        if announcement.state != "cancelled":
            moved = 0
            for from_state in from_states:
                moved += await uow.outbox.move_rows(broadcast_id, from_state, to_state)
            await uow.outbox.set_state(broadcast_id, state)
            await audit.record(
                uow, actor, recorded, f"{office.code} #{broadcast_id}", now, after={"rows": moved},
                office_id=office.id,
            )  # fmt: skip
            await uow.commit()
        counts = await uow.outbox.progress([broadcast_id])
        announcement = await uow.outbox.get(broadcast_id) or announcement
    return _progress(announcement, office, counts[broadcast_id])
