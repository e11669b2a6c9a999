"""An office's slot template: the arrival slots each release of its dates starts from."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from datetime import time
from typing import Annotated

from fastapi import APIRouter, Form, Request
from fastapi.responses import Response

from core.domain.errors import DomainError
from core.domain.offices import MAX_SLOT_CAPACITY, SlotTime
from core.domain.staff import Permission
from core.services import office_day, quota
from web.deps import FormStaff, Now, PageStaff, ReaderDep, UowDep
from web.errors import explain
from web.i18n import translator
from web.pages.common import back, notice, render

router = APIRouter()

Row = tuple[str, str, str]  # start, end and capacity as typed


def _slots(rows: Sequence[Row], _: Callable[[str], str]) -> tuple[list[SlotTime], str | None]:
    """The slots the rows describe, or the sentence saying which row is wrong."""
    slots: list[SlotTime] = []
    for start, end, cap in rows:
        if not start and not end:
            continue  # an empty row, or a slot removed by clearing it
        try:
            slots.append(SlotTime(time.fromisoformat(start), time.fromisoformat(end), int(cap or "0")))
        except (ValueError, DomainError):
            error = _("Row {start}–{end}: write times as HH:MM, the end after the start, and a capacity of 0 to {n}.")
            return [], error.format(start=start or "?", end=end or "?", n=MAX_SLOT_CAPACITY)
    if not slots:
        return [], _("An office needs at least one slot.")
    return slots, None


@router.get("/offices/{code}/template")
async def template_page(request: Request, reader: ReaderDep, member: PageStaff, code: str) -> Response:
    office = await office_day.find_office(reader, member, code)
    member.require(Permission.MANAGE_QUOTA, office.id)
    rows = [(f"{s.start:%H:%M}", f"{s.end:%H:%M}", str(s.capacity)) for s in office.slots]
    return render(
        request, "template.html", member, nav="home", office=office, rows=rows + [("", "", "")] * 3,
        notice=notice(request),
    )  # fmt: skip


@router.post("/offices/{code}/opening")
async def set_opening(
    request: Request, uow: UowDep, member: FormStaff, now: Now, code: str, fair: Annotated[bool, Form()] = False
) -> Response:
    """Whether the office's weekly openings go by a draw (a checkbox: absent when unticked)."""
    office = await quota.set_fair_opening(uow, code, fair, now=now, actor=member)
    return back(f"/offices/{office.code}/template", done="opening")


@router.post("/offices/{code}/template")
async def save_template(
    request: Request, uow: UowDep, reader: ReaderDep, member: FormStaff, now: Now, code: str
) -> Response:
    _ = translator(request)
    form = await request.form()
    starts, ends, caps = form.getlist("start"), form.getlist("end"), form.getlist("capacity")
    rows = [(str(a).strip(), str(b).strip(), str(c).strip()) for a, b, c in zip(starts, ends, caps, strict=False)]
    office = await office_day.find_office(reader, member, code)
    slots, error = _slots(rows, _)
    if error is None:
        try:
            await quota.set_slot_template(uow, code, slots, now=now, actor=member)
        except DomainError as err:
            error = explain(err, _)
    if error is not None:
        return render(
            request, "template.html", member, nav="home", office=office, rows=rows, error=error, status_code=422
        )
    return back(f"/offices/{office.code}/template", done="template")
