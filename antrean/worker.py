"""`antrean worker`: the process that runs every background job, one active across a deployment.

Start one on each of two machines for safety: the first to take the lock runs the jobs, the other waits and
takes over within seconds when the first dies.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging

from prometheus_client import start_http_server

from antrean.bootstrap import outbox_courier, outbox_sender, worker_jobs
from core.clock import Clock
from core.config import Settings
from core.documents import rendering
from core.persistence.leadership import RETRY_SECONDS, Leadership, leadership_for, wait_to_lead
from core.runtime import open_runtime
from core.services.jobs import Job, run_jobs
from core.shared_pace import shared_window

log = logging.getLogger(__name__)


async def lead(leadership: Leadership, jobs: list[Job], stop: asyncio.Event, *, check_every: float) -> None:
    """Runs the jobs while this process holds the lock, until `stop` is set or the lock is lost.

    A lost lock stops the jobs at their next round; a run already under way finishes, so for a moment a new
    leader's jobs and the old one's last run may overlap. Every job here is safe to run twice (each is one
    conditional statement, or idempotent); a job that must never run twice has to claim its work in the database
    itself, not rely on this lock alone.
    """
    jobs_stop = asyncio.Event()
    running = asyncio.create_task(run_jobs(jobs, jobs_stop))
    try:
        while not stop.is_set() and not running.done():
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(stop.wait(), timeout=check_every)
            if stop.is_set():
                break
            if not await leadership.still_held():
                log.warning("worker lock lost (database connection gone); stopping the jobs")
                break
    finally:
        jobs_stop.set()
        try:
            await running
        finally:
            await leadership.release()


async def run_worker(settings: Settings, clock: Clock, stop: asyncio.Event, *, retry: float = RETRY_SECONDS) -> None:
    """Waits to become the active worker, runs the jobs while it is, and waits again if it stops being so."""
    async with contextlib.AsyncExitStack() as stack:
        runtime = await stack.enter_async_context(open_runtime(settings, clock, pool_size=5))
        if settings.worker_metrics_port is not None:
            # What this process counts (the outbox's messages, its errors), for Prometheus; the depths are the app's.
            start_http_server(settings.worker_metrics_port, addr=settings.web_host)
        courier = None
        shared = await stack.enter_async_context(shared_window(settings))  # with Redis: the bot's replies go first
        if settings.bot_token:
            courier = await stack.enter_async_context(outbox_courier(runtime))
            stack.callback(rendering.shut_down)
        else:
            log.warning("ANTREAN_BOT_TOKEN is not set: proofs, alerts and notices wait in the outbox unsent")
        leadership = leadership_for(settings.database_url, runtime.engine)
        log.info("worker started; waiting to become the active one")
        while await wait_to_lead(leadership, stop, retry):
            # A new sender for each term: it first sends again what a sender that died left in flight.
            sender = None if courier is None else outbox_sender(runtime, courier, shared=shared)
            jobs = worker_jobs(runtime, sender)
            log.info("worker active: running %s", ", ".join(job.name for job in jobs))
            await lead(leadership, jobs, stop, check_every=retry)
        log.info("worker stopped")
