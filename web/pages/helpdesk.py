"""The help desk: applicants' questions the help topics did not answer, the longest waiting first; a ticket with
its question, what staff need to know and the conversation so far; an answer box that sends into the applicant's
chat; close and reopen. For the roles with the help-desk permission (support staff, administrators)."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Form
from fastapi.responses import Response

from core.domain.errors import DomainError
from core.domain.helpdesk import MAX_TEXT, TicketState
from core.domain.staff import Permission
from core.services import helpdesk, office_day
from web.api.fields import IdPath
from web.deps import DeskDep, FormStaff, PageStaff
from web.errors import explain, status_of
from web.i18n import translator
from web.pages.common import back, notice, render

router = APIRouter()


@router.get("/support")
async def queue_page(
    desk: DeskDep, member: PageStaff, state: TicketState = TicketState.OPEN, office: str = ""
) -> Response:
    member.require(Permission.HELP_DESK)
    tickets, counts = await helpdesk.queue(desk.reader, member, state, office.upper() or None)
    return render(
        desk.request,
        "helpdesk.html",
        member,
        nav="support",
        tickets=tickets,
        counts=counts,
        state=state,
        office=office.upper(),
        offices=await office_day.offices_of(desk.reader, member),
        now=desk.now,
    )


async def _ticket_page(desk: DeskDep, member: PageStaff, ticket_id: int, **extra: object) -> Response:
    talk = await helpdesk.conversation(desk.reader, member, ticket_id)
    return render(
        desk.request,
        "ticket.html",
        member,
        nav="support",
        t=talk.ticket,
        messages=talk.messages,
        max_text=MAX_TEXT,
        notice=notice(desk.request),
        **extra,
    )


@router.get("/support/{ticket_id}")
async def ticket_page(desk: DeskDep, member: PageStaff, ticket_id: IdPath) -> Response:
    return await _ticket_page(desk, member, ticket_id, typed="")


@router.post("/support/{ticket_id}/answer")
async def answer(
    desk: DeskDep, member: FormStaff, ticket_id: IdPath, text: Annotated[str, Form(max_length=2 * MAX_TEXT)] = ""
) -> Response:
    try:
        await helpdesk.answer(desk.uow, member, ticket_id, text, desk.now)
    except DomainError as err:  # the page again, the answer as typed, the refusal in the officer's language
        error = explain(err, translator(desk.request))
        return await _ticket_page(desk, member, ticket_id, typed=text, error=error, status_code=status_of(err))
    return back(f"/support/{ticket_id}", done="answered")


@router.post("/support/{ticket_id}/close")
async def close(desk: DeskDep, member: FormStaff, ticket_id: IdPath) -> Response:
    await helpdesk.close(desk.uow, member, ticket_id, desk.now)
    return back(f"/support/{ticket_id}", done="ticket_closed")


@router.post("/support/{ticket_id}/reopen")
async def reopen(desk: DeskDep, member: FormStaff, ticket_id: IdPath) -> Response:
    await helpdesk.reopen(desk.uow, member, ticket_id, desk.now)
    return back(f"/support/{ticket_id}", done="ticket_reopened")
