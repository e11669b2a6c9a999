"""The engine's background jobs, and the loop that runs each at its own pace until told to stop.

`antrean worker` runs them, one active worker per deployment (core/persistence/leadership.py); the demo runs
them inside its single process.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import Awaitable, Callable, Sequence
from dataclasses import dataclass
from datetime import timedelta

from core.clock import Clock
from core.services import fair_opening, helpdesk, privacy, release, waitlist
from core.services.booking import BookingDesk
from core.services.uow import UnitOfWork

log = logging.getLogger(__name__)

# A full slot sweeps its own lapsed holds before it refuses anyone, so no place is ever lost; the sweep keeps
# the calendar honest in between. NIKs of past days are freed hourly: nobody books again within the hour anyway.
# The weekly release is idempotent, so running it every quarter hour (and at start) schedules the next window
# long before it opens, and picks up a new office or slot template the same day.
HOLDS_EVERY = 5.0
RETIRE_EVERY = 3600.0
RELEASE_EVERY = 900.0
ANONYMISE_EVERY = 3600.0  # a retention counted in days loses nothing to an hour's lag; erased accounts neither
QUIET_EVERY = 3600.0  # tickets close after days of quiet: an hour more is nothing
# A freed place waits at most this long for the next waiting party that fits; an offer holds places for minutes.
WAITLIST_EVERY = 10.0
# A fair opening's draw runs at most this long after the opening; its dates stay shut to everyone until it has.
DRAWS_EVERY = 5.0


@dataclass(frozen=True, slots=True)
class Job:
    name: str
    every: float  # seconds between the end of one run and the start of the next
    run: Callable[[], Awaitable[int]]  # how much it did, for the log
    done: str  # the log line when it did something, with %d for the count
    # Told when the worker stops, for a run that could last minutes (the outbox draining a broadcast): it should
    # take no new work and return soon. The other jobs' runs are short and simply finish.
    interrupt: Callable[[], None] | None = None


def engine_jobs(
    desk: BookingDesk,
    uow: Callable[[], UnitOfWork],
    clock: Clock,
    *,
    holds_every: float = HOLDS_EVERY,
    retire_every: float = RETIRE_EVERY,
    release_every: float = RELEASE_EVERY,
    anonymise_every: float = ANONYMISE_EVERY,
    quiet_every: float = QUIET_EVERY,
    waitlist_every: float = WAITLIST_EVERY,
    draws_every: float = DRAWS_EVERY,
    retention: timedelta = timedelta(days=90),
    relay: int | None = None,
) -> list[Job]:
    """Holds back to the quota, ended bookings' NIKs freed, the weekly window, bookings past retention anonymised,
    answered tickets left quiet closed (`relay`: the staff group in Telegram, told in the ticket's topic), freed
    places offered to waiting parties, fair openings' draws opened, frozen and drawn."""

    async def weekly_release() -> int:
        scheduled = await release.schedule_weekly_release(uow(), clock.now())
        return sum(len(r.days) for r in scheduled)

    async def anonymise() -> int:
        return await privacy.anonymise_ended(uow(), clock.now(), retention)

    async def close_quiet() -> int:
        return await helpdesk.close_quiet(uow(), clock.now(), relay=relay)

    async def offer_freed() -> int:
        done = await waitlist.sweep(uow, desk, clock)
        return done.offered + done.lapsed + done.ended

    async def draws() -> int:
        return await fair_opening.run(uow, desk, clock)

    return [
        Job("expire holds", holds_every, desk.expire_holds, "gave back the places of %d lapsed holds"),
        Job("retire ended", retire_every, desk.retire_ended, "freed %d NIKs of bookings whose day is over"),
        Job("weekly release", release_every, weekly_release, "scheduled %d office days of the weekly release"),
        Job("anonymise", anonymise_every, anonymise, "anonymised %d bookings past their retention or erased"),
        Job("close quiet tickets", quiet_every, close_quiet, "closed %d answered tickets the applicant left quiet"),
        Job("waiting list", waitlist_every, offer_freed, "waiting list: %d offers made, lapsed or ended"),
        Job("fair openings", draws_every, draws, "fair openings: %d draws opened, frozen or drawn"),
    ]


async def _keep_running(job: Job, stop: asyncio.Event) -> None:
    failing = False
    while not stop.is_set():
        try:
            count = await job.run()
            if count:
                log.info(job.done, count)
            if failing:
                log.info("background job %r works again", job.name)
                failing = False
        except Exception as exc:
            # A failed run (the database restarting, say) is tried again next round, never fatal. The first
            # failure of an outage is logged whole; the rest in a line each, not a traceback every 5 s.
            if failing:
                log.warning("background job %r failed again: %s", job.name, exc.__class__.__name__)
            else:
                log.exception("background job %r failed; trying again every %.0f s", job.name, job.every)
                failing = True
        with contextlib.suppress(TimeoutError):
            await asyncio.wait_for(stop.wait(), timeout=job.every)


async def run_jobs(jobs: Sequence[Job], stop: asyncio.Event) -> None:
    """Runs every job at once and again after its interval, until `stop` is set; each run finishes first."""

    async def interrupt_on_stop() -> None:
        await stop.wait()
        for job in jobs:
            if job.interrupt is not None:
                job.interrupt()

    interrupting = asyncio.create_task(interrupt_on_stop())
    try:
        await asyncio.gather(*(_keep_running(job, stop) for job in jobs))
    finally:
        interrupting.cancel()
