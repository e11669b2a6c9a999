"""Opening alerts through the outbox at Telegram's limit, plainly and with a kill -9 of the sender half-way.

An office's subscribers hear of a release by hand (one announcement, one outbox row each), sent by the real
`antrean worker` in a process of its own, through the Bot API stand-in, which runs in this process, enforces the
limit (answering 429 beyond it) and records the time (time.monotonic()) of every message it accepts. Four
scenarios: `--subscribers` at the free limit (30 a second), plainly and with the worker killed (SIGKILL) once half
of them have their alert and a new worker started; then `--paid-subscribers` of an office whose alerts are paid
broadcasts (1,000 a second), the same two ways.

Each worker process is spawned beforehand and waits, its imports done, until told to start: the first one's start
is no part of the rate, and a restart costs what the worker does after its imports (opening the database, taking
the worker lock, putting back what the dead one left in flight), not the interpreter's start (printed apart).

For each scenario it prints the achieved rate from the first message to the last and its ratio to the limit
(over the sending time alone for a killed run, its restart gap taken out, and overall), the most messages in any
one-second window, 429s received, duplicates (chats with more than one alert), missing (recipients with none),
and the sender's in-flight bound; then the processor time of the worker and of this process, and how long this
process's event loop stalled at worst (a stall bunches the times the stand-in records; its garbage collector is
off meanwhile, as Telegram's servers do not pause for ours). It ends with one JSON line of those figures.
Targets: ratio at least 0.95, never more than the limit in any one-second window, nothing missing, no duplicate
in a plain run and no more than the in-flight bound in a killed one.

    .venv/bin/python bench/broadcast.py [--subscribers 1500] [--paid-subscribers 20000] [--db sqlite|postgres]
                                        [--profile PREFIX]
"""

from __future__ import annotations

import argparse
import asyncio
import bisect
import contextlib
import gc
import json
import multiprocessing
import sys
import tempfile
import threading
import time
from collections import Counter
from collections.abc import AsyncIterator, Callable, Iterator
from dataclasses import dataclass, field, replace
from datetime import time as dtime
from datetime import timedelta
from multiprocessing.connection import Connection
from multiprocessing.process import BaseProcess
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from sqlalchemy import func, insert, select

from antrean import eventloop
from antrean.bootstrap import outbox_sender
from bench.engine_rush import SECRET, drop_postgres, fresh_postgres, rush_office
from core.clock import SystemClock
from core.config import Settings
from core.domain.announcements import Outgoing, Pace
from core.domain.offices import AlertPolicy, ReleasePolicy
from core.persistence.tables import announcements as announcements_table
from core.persistence.tables import outbox, subscriptions
from core.runtime import Runtime, open_runtime, upgrade_database
from core.services import announcements, offices
from core.services.outbox import CHUNKS_IN_FLIGHT
from devtools.standin import BotApiStandin, Sent

TOKEN = "123456:BENCH-antrean"
FREE_CHATS = 1_000_000  # the free office's subscribers are chats 1,000,000 …; the paid office's 2,000,000 …
PAID_CHATS = 2_000_000


def _settings(url: str, api: str = "http://127.0.0.1:1") -> Settings:
    # proof_workers=0: a worker killed with SIGKILL must leave no rendering process of its own behind.
    return Settings(
        database_url=url,
        environment="test",
        secret_key=SECRET,
        bot_token=TOKEN,
        telegram_api_url=api,
        proof_workers=0,
    )


# --- The worker, in a process of its own ----------------------------------------------------------------------


def worker_process(conn: Connection, profile: str | None) -> None:
    """`antrean worker`'s own code, started when the parent sends its settings; stopped by anything sent next.

    Sends back, once stopped, the processor time it spent from its start to its stop.
    """
    started = time.perf_counter()
    import cProfile
    import logging

    from antrean.worker import run_worker

    conn.send(time.perf_counter() - started)  # ready: the imports are done
    fields = conn.recv()
    if fields is None:
        return
    logging.basicConfig(level=logging.WARNING, format="  [worker %(process)d] %(levelname)s %(message)s")
    settings = Settings(**fields)
    cpu = time.process_time()

    async def serve() -> None:
        stop = asyncio.Event()
        loop = asyncio.get_running_loop()

        def wait_for_stop() -> None:
            with contextlib.suppress(EOFError, OSError):
                conn.recv()
            loop.call_soon_threadsafe(stop.set)

        threading.Thread(target=wait_for_stop, daemon=True).start()
        await run_worker(settings, SystemClock(), stop)

    if profile:
        cProfile.runctx("eventloop.run(serve())", globals(), locals(), profile)
    else:
        eventloop.run(serve())  # as `antrean worker` runs
    conn.send(time.process_time() - cpu)


class Worker:
    """A spawned worker process, its imports done, waiting for its settings."""

    def __init__(self, profile: str | None) -> None:
        context = multiprocessing.get_context("spawn")
        self._conn, child = context.Pipe()
        self.process: BaseProcess = context.Process(target=worker_process, args=(child, profile), daemon=True)
        self.process.start()
        self.import_seconds = 0.0
        self.cpu_seconds: float | None = None  # from its start to its stop; None when killed

    async def ready(self) -> None:
        self.import_seconds = await asyncio.to_thread(self._conn.recv)

    def go(self, settings: Settings) -> None:
        self._conn.send(settings.model_dump())

    def kill(self) -> None:
        self.process.kill()  # SIGKILL: nothing is recorded, nothing is put back

    async def stop(self) -> None:
        with contextlib.suppress(OSError, EOFError):  # a killed worker reads nothing and answers nothing
            self._conn.send(None)
            if await asyncio.to_thread(self._conn.poll, 60):
                self.cpu_seconds = self._conn.recv()
        await asyncio.to_thread(self.process.join, 60)
        if self.process.is_alive():
            self.process.kill()


# --- Seeding ------------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Audience:
    """An office's subscribers, and the limit its alerts go at (the free one, or the paid broadcasts')."""

    name: str
    code: str
    paid: bool
    limit: float
    first_chat: int
    subscribers: int

    @property
    def chats(self) -> range:
        return range(self.first_chat, self.first_chat + self.subscribers)


async def seed(rt: Runtime, audiences: list[Audience]) -> None:
    """Each audience's office and its subscribers, written in bulk (subscribing is not what is measured)."""
    now = rt.clock.now()
    for audience in audiences:
        office = replace(
            rush_office(10),
            code=audience.code,
            name=f"Kantor Imigrasi Uji {audience.name}",
            alerts=AlertPolicy(paid=audience.paid),
        )
        # A weekly window that is not open now: else the worker's weekly job, run as it starts, would announce the
        # open window to the same subscribers beside the bench's own announcement (and to chats the stand-in of
        # another scenario does not know, which marks them blocked).
        weekday = (office.local(now) + timedelta(days=3)).weekday()
        office = replace(
            office,
            release=ReleasePolicy(
                opens_weekday=weekday, opens_at=dtime(14), closes_weekday=weekday, closes_at=dtime(15)
            ),
        )
        saved = await offices.save_office(rt.uow(), office)
        rows = [{"office_id": saved.id, "chat_id": c, "language": "id", "created_at": now} for c in audience.chats]
        async with rt.engine.begin() as conn:
            for start in range(0, len(rows), 5000):
                await conn.execute(insert(subscriptions), rows[start : start + 5000])


async def announce(rt: Runtime, audience: Audience) -> int:
    """A release by hand of next week's Monday: the office's alert, fanned out to every subscriber; its id."""
    now = rt.clock.now()
    uow = rt.uow()
    async with uow:
        office = await uow.offices.get(audience.code)
        assert office is not None
        day = office.today(now) + timedelta(days=7 - office.today(now).weekday())
        await announcements.announce_released(uow, office, (day,), now + timedelta(days=3), now)
        await uow.commit()
    async with rt.engine.connect() as conn:
        newest = await conn.execute(
            select(func.max(announcements_table.c.id)).where(announcements_table.c.office_id == office.id)
        )
        return int(newest.scalar_one())


async def states(rt: Runtime, announcement_id: int) -> dict[str, int]:
    async with rt.engine.connect() as conn:
        rows = await conn.execute(
            select(outbox.c.state, func.count())
            .where(outbox.c.announcement_id == announcement_id)
            .group_by(outbox.c.state)
        )
        return {state: int(n) for state, n in rows}


async def recipients(rt: Runtime, announcement_id: int) -> set[int]:
    async with rt.engine.connect() as conn:
        rows = await conn.execute(select(outbox.c.chat_id).where(outbox.c.announcement_id == announcement_id))
        return {int(chat_id) for (chat_id,) in rows}


# --- Figures ------------------------------------------------------------------------------------------------


def most_in_one_second(times: list[float]) -> int:
    """The most events in any window [t, t + 1 s), t being an event's time (the fullest windows start at one)."""
    ordered = sorted(times)
    return max((bisect.bisect_left(ordered, t + 1.0, lo=i) - i for i, t in enumerate(ordered)), default=0)


def _peak_at(times: list[float]) -> float:
    """Where the fullest one-second window starts, in seconds after the first message (a restart's burst, or not)."""
    ordered = sorted(times)
    if not ordered:
        return 0.0
    best = max(range(len(ordered)), key=lambda i: bisect.bisect_left(ordered, ordered[i] + 1.0, lo=i) - i)
    return round(ordered[best] - ordered[0], 2)


def rate_of(times: list[float]) -> tuple[float, float]:
    """Messages a second from the first to the last (the first starts the clock), and that span in seconds."""
    if len(times) < 2:
        return 0.0, 0.0
    span = times[-1] - times[0]
    return (len(times) - 1) / span if span > 0 else 0.0, span


@dataclass
class Outcome:
    sends: list[Sent]
    throttled: int
    states: dict[str, int]
    recipients: set[int]
    went: float  # time.monotonic() when the first worker was told to start
    restarted: float | None = None  # … and when the second was, after the first was killed
    sent_when_killed: int = 0
    left_sending: int = 0  # rows the killed worker left `sending`
    restart_imports: float = 0.0
    timed_out: bool = False
    worker_cpu: float | None = None  # the worker that sent to the end, from its start to its stop
    standin_cpu: float = 0.0  # this process (the stand-in), from the first worker's start to the last row sent
    standin_lags: list[float] = field(default_factory=list)  # LoopLag's


async def _sending(rt: Runtime, telegram: BotApiStandin, announcement_id: int, deadline: float) -> bool:
    """Waits until no row of the announcement is pending or being sent; False when the deadline passed first."""
    while time.monotonic() < deadline:
        await asyncio.sleep(0.2)
        now = await states(rt, announcement_id)
        if not now.get("pending") and not now.get("sending"):
            return True
    return False


class LoopLag:
    """How late this process's event loop ran a 5 ms timer: a stall of the stand-in bunches the times it records."""

    EVERY = 0.005

    def __init__(self) -> None:
        self.lags: list[float] = []

    async def watch(self) -> None:
        loop = asyncio.get_running_loop()
        while True:
            due = loop.time() + self.EVERY
            await asyncio.sleep(self.EVERY)
            self.lags.append(loop.time() - due)


@contextlib.contextmanager
def _no_collector_pauses() -> Iterator[None]:
    """The stand-in plays Telegram's servers, which do not pause for our garbage collector: no passes meanwhile."""
    gc.collect()
    gc.freeze()
    gc.disable()
    try:
        yield
    finally:
        gc.enable()
        gc.unfreeze()


@contextlib.asynccontextmanager
async def _workers(n: int, profile: Callable[[int], str | None]) -> AsyncIterator[list[Worker]]:
    workers = [Worker(profile(i)) for i in range(n)]
    try:
        await asyncio.gather(*(w.ready() for w in workers))
        yield workers
    finally:
        await asyncio.gather(*(w.stop() for w in workers))


async def run_scenario(rt: Runtime, audience: Audience, *, kill: bool, profile: str | None, tag: str) -> Outcome:
    async with BotApiStandin() as telegram:  # Telegram's limits: 30 a second, 1,000 as paid broadcasts
        for chat in audience.chats:
            telegram.meet(chat)
        settings = _settings(rt.settings.database_url, telegram.base_url)
        async with _workers(2 if kill else 1, lambda i: f"{profile}-{tag}-{i}.prof" if profile else None) as workers:
            announcement_id = await announce(rt, audience)
            to = await recipients(rt, announcement_id)
            deadline = time.monotonic() + 60 + 3 * len(to) / audience.limit
            lag = LoopLag()
            watching = asyncio.create_task(lag.watch())
            with _no_collector_pauses():
                outcome = await _send_all(telegram, rt, workers, settings, announcement_id, to, deadline, kill=kill)
            watching.cancel()
            outcome.standin_lags = lag.lags
        outcome.worker_cpu = workers[-1].cpu_seconds
        outcome.sends = [s for s in telegram.sends() if s.chat_id in to]
        outcome.throttled = sum(1 for _, _, why in telegram.errors if why.startswith("Too Many Requests"))
        outcome.states = await states(rt, announcement_id)
    return outcome


async def _send_all(
    telegram: BotApiStandin,
    rt: Runtime,
    workers: list[Worker],
    settings: Settings,
    announcement_id: int,
    to: set[int],
    deadline: float,
    *,
    kill: bool,
) -> Outcome:
    """The first worker sends; killed half-way and the second started when `kill`; until no row is left to send."""
    cpu = time.process_time()
    went = time.monotonic()
    workers[0].go(settings)
    outcome = Outcome([], 0, {}, to, went)
    if kill:
        # The stand-in has no event for a count of sends; a look every 2 ms costs nothing beside it.
        while telegram.sent_count() < len(to) // 2 and time.monotonic() < deadline:  # noqa: ASYNC110
            await asyncio.sleep(0.002)
        workers[0].kill()
        outcome.sent_when_killed = telegram.sent_count()
        await asyncio.to_thread(workers[0].process.join, 10)
        outcome.left_sending = (await states(rt, announcement_id)).get("sending", 0)
        outcome.restarted = time.monotonic()
        outcome.restart_imports = workers[1].import_seconds
        workers[1].go(settings)
    outcome.timed_out = not await _sending(rt, telegram, announcement_id, deadline)
    outcome.standin_cpu = time.process_time() - cpu
    return outcome


def figures(audience: Audience, kill: bool, o: Outcome, sender_bound: int) -> dict[str, Any]:
    times = [s.at for s in o.sends]
    rate, span = rate_of(times)
    per_chat = Counter(s.chat_id for s in o.sends)
    # The bound for these rows alone: two chunks of about 50 ms at their pace (OutboxSender's in_flight_bound
    # is the larger of the free and paid ones, as a sender may hold a chunk of each).
    bound = CHUNKS_IN_FLIGHT * Pace.within(audience.limit).chunk()
    out: dict[str, Any] = {
        "recipients": len(o.recipients),
        "sent": len(o.sends),
        "limit_per_s": audience.limit,
        "paid": audience.paid,
        "killed": kill,
        "first_send_after_go_s": round(times[0] - o.went, 2) if times else None,
        "seconds": round(span, 2),
        "rate_per_s": round(rate, 1),
        "ratio": round(rate / audience.limit, 3),
        "most_in_one_second": most_in_one_second(times),
        "peak_at_s": _peak_at(times),
        "throttled_429": o.throttled,
        "duplicates": sum(1 for n in per_chat.values() if n > 1),
        "extra_messages": sum(n - 1 for n in per_chat.values()),
        "missing": len(o.recipients - per_chat.keys()),
        "failed": o.states.get("failed", 0) + o.states.get("blocked", 0),
        "rows_left_unsent": o.states.get("pending", 0) + o.states.get("sending", 0),
        "in_flight_bound": bound,
        "sender_in_flight_bound": sender_bound,
        "timed_out": o.timed_out,
    }
    out["worker_cpu_s"] = None if o.worker_cpu is None else round(o.worker_cpu, 2)
    out["standin_cpu_s"] = round(o.standin_cpu, 2)
    out["standin_longest_stall_ms"] = round(max(o.standin_lags, default=0.0) * 1000, 1)
    out["standin_stalls_over_20_ms"] = sum(1 for lag in o.standin_lags if lag > 0.02)
    if kill and o.restarted is not None and o.sends:
        # The restart gap: from the last message accepted before the new worker was told to start to its first.
        cut = bisect.bisect_left(times, o.restarted)
        gap = times[cut] - times[cut - 1] if 0 < cut < len(times) else 0.0
        # The rate while a worker was sending: the two stretches, their restart gap taken out.
        sending_time = span - gap
        out["rate_per_s_overall"] = out["rate_per_s"]
        out["ratio_overall"] = out["ratio"]
        out["rate_per_s"] = round((len(times) - 2) / sending_time, 1) if sending_time > 0 else 0.0
        out["ratio"] = round(out["rate_per_s"] / audience.limit, 3)
        out["restart_gap_s"] = round(gap, 2)
        out["sent_before_kill"] = o.sent_when_killed
        out["sent_after_kill_before_restart"] = cut - o.sent_when_killed  # requests already on their way
        out["rows_left_sending_by_the_killed_worker"] = o.left_sending
        out["restart_imports_s"] = round(o.restart_imports, 2)  # done beforehand: not in the gap
    out["targets_met"] = (
        out["ratio"] >= 0.95
        and out["most_in_one_second"] <= audience.limit
        and out["missing"] == 0
        and out["duplicates"] <= (bound if kill else 0)
        and not o.timed_out
    )
    return out


def show(name: str, f: dict[str, Any]) -> None:
    print(
        f"{name}: {f['sent']} messages to {f['recipients']} recipients at {f['rate_per_s']}/s in {f['seconds']} s, "
        f"ratio {f['ratio']} to the limit of {f['limit_per_s']:g}/s"
        + (f" (overall {f['rate_per_s_overall']}/s, ratio {f['ratio_overall']})" if "ratio_overall" in f else "")
    )
    print(
        f"  most in any one second {f['most_in_one_second']} (the second from {f['peak_at_s']} s); "
        f"429s {f['throttled_429']}; duplicates "
        f"{f['duplicates']}; missing {f['missing']}; failed {f['failed']}; in-flight bound {f['in_flight_bound']} "
        f"(the sender's, paid included: {f['sender_in_flight_bound']}); first message {f['first_send_after_go_s']} s "
        "after the worker was told to start"
    )
    print(
        f"  processor time while sending: the stand-in (this process) {f['standin_cpu_s']} s, "
        f"the worker {f['worker_cpu_s']} s" + (" (the restarted one)" if f["killed"] else "") + "; "
        f"the stand-in's loop stalled at most {f['standin_longest_stall_ms']} ms "
        f"({f['standin_stalls_over_20_ms']} stalls over 20 ms)"
    )
    if "restart_gap_s" in f:
        print(
            f"  killed after {f['sent_before_kill']} messages (+{f['sent_after_kill_before_restart']} already on their "
            f"way), leaving {f['rows_left_sending_by_the_killed_worker']} rows being sent; the new worker's first "
            f"message {f['restart_gap_s']} s after the last one "
            f"(its imports, {f['restart_imports_s']} s, done beforehand)"
        )
    print(f"  targets {'met' if f['targets_met'] else 'NOT met'}")


class _NoCourier:
    async def prepare(self, item: Outgoing) -> Any:
        raise NotImplementedError("only the sender's pace is read here")

    async def send(self, prepared: Any) -> int:
        raise NotImplementedError("only the sender's pace is read here")


async def run(url: str, audiences: list[Audience], profile: str | None) -> dict[str, Any]:
    results: dict[str, Any] = {}
    async with open_runtime(_settings(url), SystemClock()) as rt:
        # The worker's sender as `antrean worker` builds it, for its in-flight bound (free and paid chunks).
        sender_bound = outbox_sender(rt, _NoCourier()).in_flight_bound
        await seed(rt, audiences)
        for audience in audiences:
            for kill in (False, True):
                tag = f"{audience.name}_{'killed' if kill else 'plain'}"
                outcome = await run_scenario(rt, audience, kill=kill, profile=profile, tag=tag)
                results[tag] = figures(audience, kill, outcome, sender_bound)
                show(tag, results[tag])
    return results


def count(text: str) -> int:
    value = int(text)
    if value < 0:
        raise argparse.ArgumentTypeError(f"must be 0 or more, not {value}")
    return value


def main() -> None:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--subscribers", type=count, default=1500, help="of the office with free alerts (0: skip)")
    p.add_argument("--paid-subscribers", type=count, default=20000, help="of the office with paid ones (0: skip)")
    p.add_argument("--db", choices=["sqlite", "postgres"], default="sqlite")
    p.add_argument("--profile", metavar="PREFIX", help="write a cProfile of each worker to PREFIX-<scenario>-<n>.prof")
    args = p.parse_args()
    if {args.subscribers, args.paid_subscribers} & {1} or not args.subscribers + args.paid_subscribers:
        p.error("--subscribers and --paid-subscribers: 0 (skip) or at least 2, and not both 0")
    audiences = [
        Audience("free", "FREE", False, 30.0, FREE_CHATS, args.subscribers),
        Audience("paid", "PAID", True, 1000.0, PAID_CHATS, args.paid_subscribers),
    ]
    audiences = [k for k in audiences if k.subscribers >= 2]
    with tempfile.TemporaryDirectory() as tmp:
        handle = None
        if args.db == "sqlite":
            url = f"sqlite:///{tmp}/broadcast.sqlite3"
        else:
            url, handle = fresh_postgres()
        try:
            upgrade_database(url)  # Alembic runs its own event loop: before ours starts
            results = asyncio.run(run(url, audiences, args.profile))
        finally:
            if handle is not None:
                drop_postgres(handle)
    summary: dict[str, Any] = {"db": args.db, **results}
    summary["missing"] = sum(f["missing"] for f in results.values())
    summary["failed"] = sum(f["failed"] for f in results.values())
    summary["duplicates_plain"] = sum(f["duplicates"] for f in results.values() if not f["killed"])
    summary["targets_met"] = all(f["targets_met"] for f in results.values())
    print(json.dumps(summary))


if __name__ == "__main__":
    main()
