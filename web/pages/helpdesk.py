"""The help desk: applicants' questions the help topics did not answer, the longest waiting first; a ticket with
its question, what staff need to know and the conversation so far; an answer box that sends into the applicant's
chat; close and reopen. For the roles with the help-desk permission (support staff, administrators)."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Form
from fastapi.responses import Response

from core.domain.errors import DomainError
from core.domain.helpdesk import MAX_TEXT, TicketState, WroteMeanwhile
from core.domain.staff import Permission
from core.services import helpdesk, office_day
from web.api.fields import IdPath
from web.deps import DeskDep, FormStaff, PageStaff
from web.errors import explain, status_of
from web.i18n import translator
from web.pages.common import back, notice, render

router = APIRouter()


def N_(text: str) -> str:
    """gettext's mark: extracted now, translated on the page."""
    return text


# Where the applicant was in the chat (the conversation's state), in the staff's words.
STEPS = {
    "Registration:consent": N_("registering: the consent to use their data"),
    "Registration:full_name": N_("registering: typing their name"),
    "Registration:nik": N_("registering: typing their NIK"),
    "Registration:birth_date": N_("registering: the date of birth"),
    "Registration:family_card": N_("registering: typing the family card number"),
    "Registration:phone": N_("registering: the phone number"),
    "Booking:office": N_("booking: choosing the office"),
    "Booking:party": N_("booking: choosing who comes"),
    "Booking:calendar": N_("booking: choosing a date"),
    "Booking:slot": N_("booking: choosing an arrival time"),
    "Booking:summary": N_("booking: places held, at the summary to confirm"),
    "Booking:move": N_("moving a booking: a new time chosen, asked to confirm the move"),
    "Family:full_name": N_("adding a family member: the name"),
    "Family:nik": N_("adding a family member: the NIK"),
    "Family:birth_date": N_("adding a family member: the date of birth"),
    "Alerts:office": N_("choosing an office to follow"),
    "Asking:question": N_("writing a question for staff"),
}
STATUSES = {
    "held": N_("places held, not confirmed"),
    "confirmed": N_("confirmed"),
    "cancelled": N_("cancelled by the applicant"),
    "expired": N_("lapsed before confirming"),
    "moved": N_("moved by the applicant to another date or time"),
    "cancelled_by_office": N_("cancelled by the office"),
}


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
        steps=STEPS,
        statuses=STATUSES,
        notice=notice(desk.request),
        **extra,
    )


@router.get("/support/{ticket_id}")
async def ticket_page(desk: DeskDep, member: PageStaff, ticket_id: IdPath) -> Response:
    return await _ticket_page(desk, member, ticket_id, typed="")


def _group(desk: DeskDep) -> int | None:
    """The staff group in Telegram, when configured: what staff do here is copied into the ticket's topic."""
    return desk.ctx.runtime.settings.support_group_id


# The last message the page showed: an answer or a close from a page older than the applicant's latest words is
# refused, and the page shown again with them (and the answer as typed).
SeenField = Annotated[int | None, Form(ge=0, le=2**63 - 1)]


@router.post("/support/{ticket_id}/answer")
async def answer(
    desk: DeskDep,
    member: FormStaff,
    ticket_id: IdPath,
    text: Annotated[str, Form(max_length=2 * MAX_TEXT)] = "",
    seen: SeenField = None,
) -> Response:
    try:
        await helpdesk.answer(desk.uow, member, ticket_id, text, desk.now, seen=seen, relay=_group(desk))
    except DomainError as err:  # the page again, the answer as typed, the refusal in the officer's language
        error = explain(err, translator(desk.request))
        return await _ticket_page(desk, member, ticket_id, typed=text, error=error, status_code=status_of(err))
    return back(f"/support/{ticket_id}", done="answered")


@router.post("/support/{ticket_id}/close")
async def close(desk: DeskDep, member: FormStaff, ticket_id: IdPath, seen: SeenField = None) -> Response:
    try:
        await helpdesk.close(desk.uow, member, ticket_id, desk.now, seen=seen, relay=_group(desk))
    except WroteMeanwhile as err:
        error = explain(err, translator(desk.request))
        return await _ticket_page(desk, member, ticket_id, typed="", error=error, status_code=status_of(err))
    return back(f"/support/{ticket_id}", done="ticket_closed")


@router.post("/support/{ticket_id}/reopen")
async def reopen(desk: DeskDep, member: FormStaff, ticket_id: IdPath) -> Response:
    await helpdesk.reopen(desk.uow, member, ticket_id, desk.now, relay=_group(desk))
    return back(f"/support/{ticket_id}", done="ticket_reopened")


@router.post("/support/{ticket_id}/allow-move")
async def allow_move(desk: DeskDep, member: FormStaff, ticket_id: IdPath) -> Response:
    """The applicant may move their latest booking to another office: a refusal says why not, on the same page."""
    try:
        await helpdesk.allow_move_elsewhere(desk.uow, member, ticket_id, desk.now)
    except DomainError as err:
        error = explain(err, translator(desk.request))
        return await _ticket_page(desk, member, ticket_id, typed="", error=error, status_code=status_of(err))
    return back(f"/support/{ticket_id}", done="move_allowed")
