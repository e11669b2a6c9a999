"""Booking, one router per step: office, party and application types, calendar, arrival time, summary and confirm;
moving a booking, through the same calendar and times; the waiting list offered on a full date; and the draw of an
office with a fair opening.

After the first typed search, every step edits one message in place: at opening time Telegram's
message limit, not our database, is the tightest resource.
"""

from __future__ import annotations

from aiogram import Router

from bot.handlers.booking import calendar, confirm, draw, move, office, party, slot, wait
from bot.handlers.booking.office import start_at
from bot.handlers.parts import Ask
from bot.states import Booking

__all__ = ["PROMPTS", "router", "start_at"]

PROMPTS: dict[str | None, Ask] = {
    Booking.office.state: office.ask,
    Booking.party.state: party.ask,
    Booking.calendar.state: calendar.ask,
    Booking.slot.state: slot.ask,
    Booking.summary.state: confirm.ask,
    Booking.move.state: move.ask,
}


def router() -> Router:
    """A fresh router for the whole booking, its steps as sub-routers (a router belongs to one dispatcher)."""
    r = Router(name="booking")
    # The move's router before the times': a time tapped while moving asks the move's question, it holds nothing.
    r.include_routers(
        office.router(),
        party.router(),
        calendar.router(),
        move.router(),
        slot.router(),
        confirm.router(),
        wait.router(),
        draw.router(),
    )
    return r
