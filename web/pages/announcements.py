"""Announcements: an office's own message to its subscribers or to a date's booked applicants, previewed before it
is sent, then watched going out (sent, waiting, failed, blocked), with pause, resume and cancel."""

from __future__ import annotations

from datetime import date
from typing import Annotated, Any, Literal

from fastapi import APIRouter, Form
from fastapi.responses import Response

from core.domain.errors import DomainError
from core.domain.offices import Office
from core.domain.staff import Permission, StaffMember
from core.services import broadcasts, office_day
from core.services.broadcasts import MAX_TEXT, Audience, Draft
from web.deps import Desk, DeskDep, FormStaff, PageStaff
from web.errors import explain, status_of
from web.i18n import translator
from web.pages.common import back, notice, render

router = APIRouter()

FormText = Annotated[str, Form(max_length=MAX_TEXT)]


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


def _draft(office: str, audience: Audience, day: date | None, text_id: str, text_en: str) -> Draft:
    return Draft(office, audience, text_id, text_en, day if audience is Audience.BOOKED else None)


@router.post("/announcements/preview")
async def preview(
    desk: DeskDep,
    member: FormStaff,
    office: Annotated[str, Form(max_length=16)],
    audience: Annotated[Audience, Form()],
    text_id: FormText = "",
    text_en: FormText = "",
    day: Annotated[date | None, Form()] = None,
) -> Response:
    """The message as applicants will see it in each language, and how many chats it reaches now."""
    form = {"office": office, "audience": audience.value, "day": day.isoformat() if day else "", "text_id": text_id,
            "text_en": text_en}  # fmt: skip
    draft = _draft(office, audience, day, text_id, text_en)
    try:
        reach = await broadcasts.audience_size(desk.reader, draft, member)
        checked = draft.checked()
    except DomainError as err:
        return await _page(desk, member, form, error=explain(err, translator(desk.request)), status_code=status_of(err))
    chosen = next(o for o in await _offices(desk, member) if o.code == office.strip().upper())
    return await _page(desk, member, form, preview=checked, office_shown=chosen, reach=reach)


@router.post("/announcements")
async def send(
    desk: DeskDep,
    member: FormStaff,
    office: Annotated[str, Form(max_length=16)],
    audience: Annotated[Audience, Form()],
    text_id: FormText = "",
    text_en: FormText = "",
    day: Annotated[date | None, Form()] = None,
) -> Response:
    form = {"office": office, "audience": audience.value, "day": day.isoformat() if day else "", "text_id": text_id,
            "text_en": text_en}  # fmt: skip
    try:
        sent = await broadcasts.send(desk.uow, _draft(office, audience, day, text_id, text_en), desk.now, member)
    except DomainError as err:
        return await _page(desk, member, form, error=explain(err, translator(desk.request)), status_code=status_of(err))
    return back(f"/announcements/{sent.id}")


@router.get("/announcements/{broadcast_id}")
async def progress_page(desk: DeskDep, member: PageStaff, broadcast_id: int) -> Response:
    progress = await broadcasts.progress(desk.reader, broadcast_id, member)
    return render(desk.request, "broadcast.html", member, nav="announcements", p=progress, notice=notice(desk.request))


@router.post("/announcements/{broadcast_id}/{action}")
async def control(
    desk: DeskDep, member: FormStaff, broadcast_id: int, action: Literal["pause", "resume", "cancel"]
) -> Response:
    await broadcasts.control(desk.uow, broadcast_id, action, desk.now, member)
    return back(f"/announcements/{broadcast_id}", done=f"broadcast_{action}")
