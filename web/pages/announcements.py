"""Announcements: an office's own message to its subscribers or to a date's booked applicants, previewed before it
is sent, then watched going out (sent, waiting, failed, blocked), with pause, resume and cancel."""

from __future__ import annotations

from datetime import date
from typing import Annotated, Any, Literal

from fastapi import APIRouter, Form
from fastapi.responses import Response
from pydantic import BaseModel, Field

from core.domain.errors import DomainError
from core.domain.offices import Office
from core.domain.staff import Permission, StaffMember
from core.services import broadcasts, office_day
from core.services.broadcasts import MAX_TEXT, Audience, Draft
from web.api.fields import IdPath
from web.deps import Desk, DeskDep, FormStaff, PageStaff
from web.errors import explain, status_of
from web.i18n import translator
from web.pages.common import back, notice, render

router = APIRouter()


async def _offices(desk: Desk, member: StaffMember) -> list[Office]:
    return [o for o in await office_day.offices_of(desk.reader, member) if member.may(Permission.BROADCAST, o.id)]


async def _page(desk: Desk, member: StaffMember, form: dict[str, Any], **extra: Any) -> Response:
    return render(
        desk.request,
        "announcements.html",
        member,
        nav="announcements",
        offices=await _offices(desk, member),
        recent=await broadcasts.recent(desk.reader, member),
        form=form,
        max_text=MAX_TEXT,
        notice=notice(desk.request),
        **extra,
    )


@router.get("/announcements")
async def announcements_page(desk: DeskDep, member: PageStaff, office: str = "") -> Response:
    member.require(Permission.BROADCAST)
    form = {"office": office.upper(), "audience": Audience.SUBSCRIBERS.value, "day": "", "text_id": "", "text_en": ""}
    return await _page(desk, member, form)


class DraftForm(BaseModel):
    """The compose form as posted (its CSRF field is read by FormStaff)."""

    office: str = Field(max_length=16)
    audience: Audience
    text_id: str = Field("", max_length=MAX_TEXT)
    text_en: str = Field("", max_length=MAX_TEXT)
    day: date | None = None

    def draft(self) -> Draft:
        return Draft(self.office, self.audience, self.text_id, self.text_en, self.day if self.booked else None)

    @property
    def booked(self) -> bool:
        return self.audience is Audience.BOOKED

    def shown(self) -> dict[str, str]:
        """The form filled again as it was typed."""
        day = self.day.isoformat() if self.day else ""
        return {"office": self.office, "audience": self.audience.value, "day": day, "text_id": self.text_id,
                "text_en": self.text_en}  # fmt: skip


PostedDraft = Annotated[DraftForm, Form()]


@router.post("/announcements/preview")
async def preview(desk: DeskDep, member: FormStaff, posted: PostedDraft) -> Response:
    """The message as applicants will see it in each language, and how many chats it reaches now."""
    draft = posted.draft()
    try:
        reach = await broadcasts.audience_size(desk.reader, draft, member)
        checked = draft.checked()
    except DomainError as err:
        return await _refused(desk, member, posted, err)
    chosen = next(o for o in await _offices(desk, member) if o.code == checked.office_code.strip().upper())
    return await _page(desk, member, posted.shown(), preview=checked, office_shown=chosen, reach=reach)


@router.post("/announcements")
async def send(desk: DeskDep, member: FormStaff, posted: PostedDraft) -> Response:
    try:
        sent = await broadcasts.send(desk.uow, posted.draft(), desk.now, member)
    except DomainError as err:
        return await _refused(desk, member, posted, err)
    return back(f"/announcements/{sent.id}")


async def _refused(desk: Desk, member: StaffMember, posted: DraftForm, err: DomainError) -> Response:
    """The same page, the form as typed, the refusal in the officer's language."""
    error = explain(err, translator(desk.request))
    return await _page(desk, member, posted.shown(), error=error, status_code=status_of(err))


@router.get("/announcements/{broadcast_id}")
async def progress_page(desk: DeskDep, member: PageStaff, broadcast_id: IdPath) -> Response:
    progress = await broadcasts.progress(desk.reader, broadcast_id, member)
    return render(desk.request, "broadcast.html", member, nav="announcements", p=progress, notice=notice(desk.request))


@router.post("/announcements/{broadcast_id}/{action}")
async def control(
    desk: DeskDep, member: FormStaff, broadcast_id: IdPath, action: Literal["pause", "resume", "cancel"]
) -> Response:
    await broadcasts.control(desk.uow, broadcast_id, action, desk.now, member)
    return back(f"/announcements/{broadcast_id}", done=f"broadcast_{action}")
