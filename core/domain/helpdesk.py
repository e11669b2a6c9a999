"""The help desk: an applicant's question the help topics did not answer, and the conversation with staff about it.

A ticket is open while it waits for staff, answered while it waits for the applicant, and closed when staff say
it is done. The applicant's next words go to their ticket while it is open or answered; a closed ticket opens
again when they reply to it within REOPEN_WITHIN, after which a new question is a new ticket.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from enum import StrEnum
from typing import Any

from core.domain.errors import DomainError

REOPEN_WITHIN = timedelta(days=3)
# An answered ticket with no word from the applicant for this long is done: it closes (and may still be reopened
# by a reply within REOPEN_WITHIN), so that the queue of tickets waiting for the applicant does not grow forever.
QUIET_AFTER = timedelta(days=7)
MAX_TEXT = 4000  # Telegram's message is 4,096 characters; the answer's heading takes the rest


class TicketState(StrEnum):
    OPEN = "open"  # waits for staff
    ANSWERED = "answered"  # waits for the applicant
    CLOSED = "closed"


class Author(StrEnum):
    APPLICANT = "applicant"
    STAFF = "staff"


@dataclass(frozen=True, slots=True)
class Ticket:
    id: int
    chat_id: int
    account_id: int | None
    office_id: int | None  # of the applicant's current or last booking: the queue's filter
    office_code: str | None
    language: str
    state: TicketState
    question: str
    context: dict[str, Any]  # what staff need to know, NIKs masked (see the bot's escalation)
    created_at: datetime
    updated_at: datetime
    closed_at: datetime | None
    waiting_since: datetime  # when it last began to wait for staff: writing again does not move it back
    forum_topic: int | None = None  # its topic in the staff group in Telegram, when there is one
    forum_group: int | None = None  # that group

    def reopenable(self, now: datetime) -> bool:
        """A closed ticket the applicant may take up again by replying."""
        return self.state is TicketState.CLOSED and self.closed_at is not None and now - self.closed_at <= REOPEN_WITHIN


@dataclass(frozen=True, slots=True)
class TicketMessage:
    id: int
    ticket_id: int
    author: Author
    staff_name: str | None  # who answered, as the staff page shows it
    text: str
    created_at: datetime


class TicketNotFound(DomainError):
    code = "ticket_not_found"


class NoBookingToMove(DomainError):
    """The ticket's applicant has no booking that may still move: none, moved once already, not confirmed, or past
    its last day to cancel."""

    code = "no_booking_to_move"


class TicketClosed(DomainError):
    """An answer to a closed ticket: reopen it first (the applicant was told it is done)."""

    code = "ticket_closed"


class AnotherTicketOpen(DomainError):
    """A closed ticket cannot be reopened while the same chat has a newer one going: that one is the conversation."""

    code = "another_ticket_open"

    def __init__(self, ticket_id: int) -> None:
        self.ticket_id = ticket_id
        super().__init__(str(ticket_id))


class WroteMeanwhile(DomainError):
    """The applicant wrote again after the page staff answered or closed from was shown: they read it first."""

    code = "applicant_wrote_meanwhile"


class AnswerTooLong(DomainError):
    code = "answer_too_long"


class EmptyMessage(DomainError):
    code = "empty_message"


def clean_text(text: str) -> str:
    """A message as it is kept: line breaks as "\n", trimmed, not empty, at most MAX_TEXT characters (an
    applicant's Telegram message is at most 4,096; staff's longer answers are refused before)."""
    text = text.replace("\r\n", "\n").strip()
    if not text:
        raise EmptyMessage()
    return text[:MAX_TEXT]
