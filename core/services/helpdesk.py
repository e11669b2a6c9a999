"""The help desk: an applicant's question reaches support staff with its context, and their answer reaches the
applicant's chat through the outbox, in the same transaction as the answer is recorded.

The applicant's side is the bot's (escalate, and every later message while the ticket is open or answered, or a
reply that reopens it); the staff's side is the staff pages' (queue, ticket, answer, close, reopen).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, replace
from datetime import datetime
from typing import Any

from sqlalchemy.exc import IntegrityError

from core.domain.announcements import Kind
from core.domain.booking import BookingRecord
from core.domain.helpdesk import (
    MAX_TEXT,
    QUIET_AFTER,
    AnotherTicketOpen,
    AnswerTooLong,
    Author,
    NoBookingToMove,
    Ticket,
    TicketClosed,
    TicketMessage,
    TicketNotFound,
    TicketState,
    WroteMeanwhile,
    clean_text,
)
from core.domain.staff import Permission, StaffMember
from core.services import audit
from core.services.uow import UnitOfWork

QUEUE_LENGTH = 200


@dataclass(frozen=True, slots=True)
class Conversation:
    ticket: Ticket
    messages: list[TicketMessage]


# --- The applicant's side (the bot) ----------------------------------------------------------------------------


async def escalate(
    uow: Callable[[], UnitOfWork],
    chat_id: int,
    account_id: int | None,
    office_id: int | None,
    language: str,
    question: str,
    context: dict[str, Any],
    now: datetime,
    *,
    relay: int | None = None,
) -> Ticket:
    """A new ticket with the question; or, while the chat's ticket is still open or answered, the question added
    to it (one conversation at a time). `relay`: the staff group in Telegram, which gets a copy in the ticket's
    topic."""
    text = clean_text(question)
    try:
        return await _escalate(uow(), chat_id, account_id, office_id, language, text, context, now, relay)
    except IntegrityError:  # another message of the chat opened one meanwhile: join it
        return await _escalate(uow(), chat_id, account_id, office_id, language, text, context, now, relay)


async def _escalate(
    uow: UnitOfWork,
    chat_id: int,
    account_id: int | None,
    office_id: int | None,
    language: str,
    text: str,
    context: dict[str, Any],
    now: datetime,
    relay: int | None,
) -> Ticket:
    async with uow:
        current = await uow.tickets.latest_of_chat(chat_id)
        if current is not None and current.state is not TicketState.CLOSED:
            await _applicant_adds(uow, current, text, now, relay)
            ticket_id = current.id
        else:
            ticket_id = await uow.tickets.open(chat_id, account_id, office_id, language, text, context, now)
            said = await uow.tickets.add_message(ticket_id, Author.APPLICANT, text, now)
            await _relay(uow, relay, {"ticket": ticket_id, "message": said, "first": True}, now)
        await uow.commit()
        ticket = await uow.tickets.get(ticket_id)
    assert ticket is not None
    return ticket


async def latest_ticket(uow: UnitOfWork, chat_id: int) -> Ticket | None:
    """The chat's most recent ticket, in whatever state (on a read-only unit: looked at for most typed words)."""
    async with uow:
        return await uow.tickets.latest_of_chat(chat_id)


async def message_text(uow: UnitOfWork, message_id: int) -> str | None:
    """An answer's words as the courier sends them; None once the ticket is gone."""
    async with uow:
        return await uow.tickets.message_text(message_id)


async def active_ticket(uow: UnitOfWork, chat_id: int) -> Ticket | None:
    """The chat's ticket that is open or answered: the applicant's words go to it."""
    async with uow:
        current = await uow.tickets.latest_of_chat(chat_id)
    return current if current is not None and current.state is not TicketState.CLOSED else None


async def applicant_writes(
    uow: UnitOfWork, chat_id: int, text: str, now: datetime, *, reply: bool, relay: int | None = None
) -> Ticket | None:
    """The applicant's message added to their open or answered ticket, or, as a `reply` within REOPEN_WITHIN of its
    closing, to their closed one, which opens again; None when there is no such ticket."""
    text = clean_text(text)
    async with uow:
        current = await uow.tickets.latest_of_chat(chat_id)
        if current is None:
            return None
        if current.state is TicketState.CLOSED and not (reply and current.reopenable(now)):
            return None
        await _applicant_adds(uow, current, text, now, relay)
        await uow.commit()
        return await uow.tickets.get(current.id)


async def _applicant_adds(uow: UnitOfWork, ticket: Ticket, text: str, now: datetime, relay: int | None) -> None:
    said = await uow.tickets.add_message(ticket.id, Author.APPLICANT, text, now)
    await uow.tickets.set_state(ticket.id, TicketState.OPEN, now)
    await _relay(uow, relay, {"ticket": ticket.id, "message": said}, now)


async def _relay(uow: UnitOfWork, group: int | None, payload: dict[str, Any], now: datetime) -> None:
    """A copy into the ticket's topic of the staff group (through the outbox, which keeps the group's pace)."""
    if group is None:
        return
    announcement_id = await uow.outbox.announce(Kind.RELAY, now, payload=payload)
    assert announcement_id is not None
    await uow.outbox.add(announcement_id, Kind.RELAY, group, "id", now, booking_id=None)


# --- The staff's side (the pages) -------------------------------------------------------------------------------


async def queue(
    uow: UnitOfWork, actor: StaffMember, state: TicketState, office_code: str | None = None
) -> tuple[list[tuple[Ticket, int]], dict[TicketState, int]]:
    """The tickets in `state` (the longest waiting first; closed ones newest first) with their message counts, and
    how many there are in each state; of one office when named."""
    actor.require(Permission.HELP_DESK)
    async with uow:
        office_ids: list[int] | None = None
        if office_code:
            office = await uow.offices.get(office_code)
            office_ids = [office.id] if office is not None and office.id is not None else []
        found = await uow.tickets.queue(state, office_ids, QUEUE_LENGTH)
        counts = await uow.tickets.counts(office_ids)
    return found, counts


async def conversation(uow: UnitOfWork, actor: StaffMember, ticket_id: int) -> Conversation:
    actor.require(Permission.HELP_DESK)
    async with uow:
        ticket = await _ticket(uow, ticket_id)
        return Conversation(ticket, await uow.tickets.messages(ticket_id))


async def answer(
    uow: UnitOfWork,
    actor: StaffMember,
    ticket_id: int,
    text: str,
    now: datetime,
    *,
    seen: int | None = None,
    relay: int | None = None,
) -> Ticket:
    """Staff's answer, kept with the ticket and sent to the applicant's chat (through the outbox, in this same
    transaction: an answer recorded is an answer on its way). `seen`: the last message the answering page showed;
    when the applicant wrote after it, the answer is refused (WroteMeanwhile) so that staff read it first."""
    actor.require(Permission.HELP_DESK)
    text = _staff_words(text)
    async with uow:
        ticket = await _ticket(uow, ticket_id)
        if ticket.state is not TicketState.CLOSED:
            await _nothing_newer(uow, ticket.id, seen)
        await _answer(uow, ticket, text, now, actor=actor, relay=relay)
        await uow.commit()
        answered = await uow.tickets.get(ticket.id)
    assert answered is not None
    return answered


async def close(
    uow: UnitOfWork,
    actor: StaffMember,
    ticket_id: int,
    now: datetime,
    *,
    seen: int | None = None,
    relay: int | None = None,
) -> Ticket:
    """Done: the applicant is told, and may reopen it by replying within REOPEN_WITHIN. `seen` as for answer: a
    ticket is not closed on words staff have not read."""
    actor.require(Permission.HELP_DESK)
    async with uow:
        ticket = await _ticket(uow, ticket_id)
        if ticket.state is not TicketState.CLOSED:
            await _nothing_newer(uow, ticket.id, seen)
            await _close(uow, ticket, now, actor=actor, relay=relay)
            await uow.commit()
        closed = await uow.tickets.get(ticket.id)
    assert closed is not None
    return closed


async def reopen(
    uow: UnitOfWork, actor: StaffMember, ticket_id: int, now: datetime, *, relay: int | None = None
) -> Ticket:
    """Open again, waiting for staff (closed by mistake, or more to say)."""
    actor.require(Permission.HELP_DESK)
    async with uow:
        ticket = await _ticket(uow, ticket_id)
        if ticket.state is TicketState.CLOSED:
            await _reopen(uow, ticket, now, actor=actor, relay=relay)
            await uow.commit()
        opened = await uow.tickets.get(ticket.id)
    assert opened is not None
    return opened


async def close_quiet(uow: UnitOfWork, now: datetime, batch: int = 200, *, relay: int | None = None) -> int:
    """The worker's round: answered tickets the applicant left quiet for QUIET_AFTER are closed, and they are told
    (a reply within REOPEN_WITHIN still opens it again)."""
    async with uow:
        done = []
        for ticket in await uow.tickets.quiet(now - QUIET_AFTER, batch):
            # Closed only if still quiet at this moment: a message of the applicant's, arriving between the
            # look and the change, keeps it open.
            if not await uow.tickets.close_if_quiet(ticket.id, now - QUIET_AFTER, now):
                continue
            done.append(ticket)
            await _tell(uow, ticket, {"ticket": ticket.id, "closed": True, "quiet": True}, now)
            await _relay(uow, relay, {"ticket": ticket.id, "event": "closed_quiet"}, now)
            await audit.record(uow, None, "ticket_closed_quiet", f"#{ticket.id}", now, office_id=ticket.office_id)
        await uow.commit()
    return len(done)


# --- The staff group in Telegram (optional) ------------------------------------------------------------------------


async def topic_of(uow: UnitOfWork, ticket_id: int) -> Ticket | None:
    """The ticket, for the courier that copies its messages into the staff group."""
    async with uow:
        return await uow.tickets.get(ticket_id)


async def ticket_of_topic(uow: UnitOfWork, group: int, topic: int) -> Ticket | None:
    async with uow:
        return await uow.tickets.by_forum_topic(group, topic)


async def message(uow: UnitOfWork, message_id: int) -> TicketMessage | None:
    async with uow:
        return await uow.tickets.message(message_id)


async def set_forum_topic(uow: UnitOfWork, ticket_id: int, group: int | None, topic: int | None) -> None:
    """The ticket's topic in the staff group (None: gone, the next copy opens a new one)."""
    async with uow:
        await uow.tickets.set_forum_topic(ticket_id, group, topic)
        await uow.commit()


async def forget_topics(uow: UnitOfWork, topics: list[tuple[int, int]], now: datetime) -> None:
    """The staff group's topics of tickets being erased go too (through the outbox): names, masked numbers and
    the conversation were copied there. Called inside the erasing unit, before its tickets are deleted."""
    for group, topic in topics:
        await _relay(uow, group, {"event": "forget", "group": group, "topic": topic}, now)


async def answer_in_group(
    uow: UnitOfWork, group: int, topic: int, author: str, text: str, now: datetime
) -> Ticket | None:
    """A staff member's message in a ticket's topic of the staff group: the answer, to the applicant's chat (not
    copied back: it is in the topic already). None for a topic that is no ticket's (General, or one people opened
    themselves)."""
    text = _staff_words(text)
    async with uow:
        ticket = await uow.tickets.by_forum_topic(group, topic)
        if ticket is None:
            return None
        await _answer(uow, ticket, text, now, by=author)
        await uow.commit()
        return await uow.tickets.get(ticket.id)


async def close_in_group(uow: UnitOfWork, group: int, topic: int, author: str, now: datetime) -> Ticket | None:
    """/close in a ticket's topic: done, and the applicant told, as from the pages."""
    async with uow:
        ticket = await uow.tickets.by_forum_topic(group, topic)
        if ticket is None:
            return None
        if ticket.state is not TicketState.CLOSED:
            await _close(uow, ticket, now, by=author)
            await uow.commit()
        return await uow.tickets.get(ticket.id)


async def reopen_in_group(uow: UnitOfWork, group: int, topic: int, author: str, now: datetime) -> Ticket | None:
    """/reopen in a closed ticket's topic: it waits for staff again."""
    async with uow:
        ticket = await uow.tickets.by_forum_topic(group, topic)
        if ticket is None:
            return None
        if ticket.state is TicketState.CLOSED:
            await _reopen(uow, ticket, now, by=author)
            await uow.commit()
        return await uow.tickets.get(ticket.id)


# --- Staff's acts, the same from the pages (`actor`) and from the staff group (`by`: a member's name) -------------


def _staff_words(text: str) -> str:
    """Staff's words as kept; never cut short: too long, they are told, and shorten them."""
    if len(text.strip()) > MAX_TEXT:
        raise AnswerTooLong()
    return clean_text(text)


async def _answer(
    uow: UnitOfWork,
    ticket: Ticket,
    text: str,
    now: datetime,
    *,
    actor: StaffMember | None = None,
    by: str | None = None,
    relay: int | None = None,
) -> None:
    """The answer kept with the ticket and on its way to the applicant's chat (and copied into the staff group)."""
    if ticket.state is TicketState.CLOSED:
        raise TicketClosed()
    said = await uow.tickets.add_message(
        ticket.id, Author.STAFF, text, now, staff_id=actor.id if actor else None, author_name=by[:100] if by else None
    )
    await uow.tickets.set_state(ticket.id, TicketState.ANSWERED, now)
    # The words stay with the ticket, not in the outbox's payload: erasing the account erases them.
    await _tell(uow, ticket, {"ticket": ticket.id, "message": said}, now, actor)
    await _relay(uow, relay, {"ticket": ticket.id, "message": said}, now)
    await audit.record(uow, actor, "ticket_answered", f"#{ticket.id}", now, office_id=ticket.office_id, by=by)


async def _close(
    uow: UnitOfWork,
    ticket: Ticket,
    now: datetime,
    *,
    actor: StaffMember | None = None,
    by: str | None = None,
    relay: int | None = None,
) -> None:
    await uow.tickets.set_state(ticket.id, TicketState.CLOSED, now)
    await _tell(uow, ticket, {"ticket": ticket.id, "closed": True}, now, actor)
    if actor is not None:
        await _relay(uow, relay, {"ticket": ticket.id, "event": "closed", "by": actor.display_name}, now)
    await audit.record(uow, actor, "ticket_closed", f"#{ticket.id}", now, office_id=ticket.office_id, by=by)


async def _reopen(
    uow: UnitOfWork,
    ticket: Ticket,
    now: datetime,
    *,
    actor: StaffMember | None = None,
    by: str | None = None,
    relay: int | None = None,
) -> None:
    latest = await uow.tickets.latest_of_chat(ticket.chat_id)
    if latest is not None and latest.id != ticket.id and latest.state is not TicketState.CLOSED:
        raise AnotherTicketOpen(latest.id)
    await uow.tickets.set_state(ticket.id, TicketState.OPEN, now)
    if actor is not None:
        await _relay(uow, relay, {"ticket": ticket.id, "event": "reopened", "by": actor.display_name}, now)
    await audit.record(uow, actor, "ticket_reopened", f"#{ticket.id}", now, office_id=ticket.office_id, by=by)


async def allow_move_elsewhere(uow: UnitOfWork, actor: StaffMember, ticket_id: int, now: datetime) -> BookingRecord:
    """The ticket's applicant may move its latest booking to another office (they moved house, the office is far):
    still once, and only while the booking may move at all. The applicant sees the offices on the move's calendar;
    staff say so in their answer."""
    actor.require(Permission.HELP_DESK)
    async with uow:
        ticket = await _ticket(uow, ticket_id)
        code = (ticket.context.get("booking") or {}).get("code")
        booking = None if not code else await uow.bookings.by_code(str(code))
        if booking is None or booking.account_id != ticket.account_id or booking.why_not_movable(now) is not None:
            raise NoBookingToMove()
        if await uow.bookings.allow_move_anywhere(booking.id):
            await audit.record(
                uow, actor, "move_elsewhere_allowed", f"booking {booking.code}", now,
                before={"move_anywhere": False}, after={"move_anywhere": True}, office_id=booking.office_id,
            )  # fmt: skip
        await uow.commit()
    return replace(booking, move_anywhere=True)


async def _nothing_newer(uow: UnitOfWork, ticket_id: int, seen: int | None) -> None:
    if seen is None:
        return
    latest = await uow.tickets.last_from(ticket_id, Author.APPLICANT)
    if latest is not None and latest > seen:
        raise WroteMeanwhile()


async def _ticket(uow: UnitOfWork, ticket_id: int) -> Ticket:
    ticket = await uow.tickets.get(ticket_id)
    if ticket is None:
        raise TicketNotFound()
    return ticket


async def _tell(
    uow: UnitOfWork, ticket: Ticket, payload: dict[str, Any], now: datetime, actor: StaffMember | None = None
) -> None:
    """One message to the ticket's chat through the outbox, first in line (`actor`: the staff account, if any)."""
    staff_id = actor.id if actor is not None else None
    announcement_id = await uow.outbox.announce(Kind.ANSWER, now, payload=payload, staff_id=staff_id)
    assert announcement_id is not None  # no dedupe key: always new
    await uow.outbox.add(announcement_id, Kind.ANSWER, ticket.chat_id, ticket.language, now, booking_id=None)
