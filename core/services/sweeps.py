"""The background sweeps a running process keeps going: lapsed holds back to the quota, ended bookings retired."""

from __future__ import annotations

import asyncio
import logging

from core.services.booking import BookingDesk

log = logging.getLogger(__name__)


async def run_sweeps(
    desk: BookingDesk, stop: asyncio.Event, *, holds_every: float = 5.0, retire_every: float = 3600.0
) -> None:
    """Until `stop` is set: every few seconds give back lapsed holds, every hour free the NIKs of past days.

    A full slot sweeps its own lapsed holds before it refuses anyone, so no place is ever lost; this keeps
    the calendar honest in between. A failed sweep is logged and tried again next round, never fatal.
    """
    since_retire = retire_every  # retire once at start-up
    while not stop.is_set():
        try:
            expired = await desk.expire_holds()
            if expired:
                log.info("gave back the places of %d lapsed holds", expired)
            if since_retire >= retire_every:
                since_retire = 0.0
                retired = await desk.retire_ended()
                if retired:
                    log.info("freed %d NIKs of bookings whose day is over", retired)
        except Exception:
            log.exception("a sweep failed; trying again next round")
        try:
            await asyncio.wait_for(stop.wait(), timeout=holds_every)
        except TimeoutError:
            since_retire += holds_every
