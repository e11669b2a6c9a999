"""Opening rush through the bot: thousands of registered applicants book at once via the real dispatcher.

The bot runs in a process of its own (as in production), with the real dispatcher, FSM storage and
booking engine, long-polling the Bot API stand-in. This process holds the stand-in, which answers at
once, and plays the applicants. Every applicant has the menu open and, at the same moment as everyone
else, taps Book, picks the office, the date and a time, and confirms; between two taps a person reads
and thinks (`--think`, seconds, uniform; `--think 0` is a machine gun, not a person). A time taken
meanwhile makes them take another of the times offered.

Latency is measured twice, both times to the bot's first answer about that chat (the first call the
stand-in's wait_for_bot counts, as the applicant sees it): from the user's action (the update queued at
the stand-in), which includes the time it waits on Telegram's side before the bot fetches it; and from
the moment the stand-in hands the update to the bot (getUpdates returns it), which is the time it
spends inside the bot process. Prints updates handled per second, both latencies, the most updates
delivered but not yet answered at once, bookings made, places oversold, double bookings, Bot API calls
per completed booking, the bot process's peak memory, and ends with one JSON line of those figures.

With `--broadcast N`, the outbox's sender runs too, in a process of its own as in `antrean worker`, with N more
subscribers of the office (chats the stand-in knows, not applicants) whose opening alert is written as the rush
starts. The bot and the sender each keep their own pace, one gate per process: only Telegram (the stand-in) sees
their new messages together, the broadcast's, the proofs' (which the sender sends first) and the bot's (its replies
in the rush are edits and answers to taps, which Telegram does not count). They share the machine too. Prints
what the sender sent during the rush, the bot's new messages, the most new messages in one second and the 429s
each process received from the rush's start on.

    .venv/bin/python bench/bot_rush.py [--applicants 2000] [--places 1500] [--think 1-3] [--db sqlite|postgres]
                                       [--profile FILE] [--broadcast N [--rounds K]]

With `--rounds K` it runs K rushes without the broadcast and K with it, in turns (a machine this noisy moves one
rush's figures by more than 10 %), and prints the medians of each and their ratios: a broadcast going on must
leave the updates a second and the latencies within 10 % (issue 11).
"""

from __future__ import annotations

import argparse
import asyncio
import gc
import json
import multiprocessing
import random
import resource
import statistics
import sys
import tempfile
import time
from datetime import time as dtime
from pathlib import Path
from typing import Any

from sqlalchemy import insert

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))


from antrean import eventloop
from bench.broadcast import most_in_one_second
from bench.engine_rush import DAY, NOW, SECRET, drop_postgres, fresh_postgres, oversold, query, seed_accounts
from bot.handlers.booking.office import office_label
from core.clock import FixedClock
from core.config import Settings
from core.domain.offices import Office, OfficeKind, SlotTime
from core.persistence.tables import subscriptions
from core.runtime import open_runtime, upgrade_database
from core.services import announcements, offices, release
from devtools.standin import BotApiStandin

DAY_LABEL = f"{DAY.day}✅"
BROADCAST_CHATS = 900_000  # the broadcast's subscribers: chats 900,000 …, apart from the applicants (10,000 …)
BOOK = "📅 Pesan antrean"
CONFIRM = "✅ Konfirmasi pesanan"
SLOTS = 10
TOKEN = "123456:BENCH-antrean"


def _office(capacity: int) -> Office:
    per = capacity // SLOTS
    return Office(
        code="RUSH", kind=OfficeKind.KANIM, name="Kantor Imigrasi Uji Beban", kanwil="Kanwil DKI Jakarta",
        province="DKI Jakarta", city="Uji Beban", address="Jalan Uji No. 1", timezone="Asia/Jakarta",
        slots=tuple(SlotTime(dtime(7 + i), dtime(8 + i), per) for i in range(SLOTS)),
    )  # fmt: skip


# The office's button as the bot labels it (city first, then the kind): the bot's own function, not a copy.
OFFICE = office_label(_office(SLOTS))


def _settings(url: str, api: str) -> Settings:
    return Settings(database_url=url, environment="test", secret_key=SECRET, bot_token=TOKEN, telegram_api_url=api)


class GcPauses:
    """The cyclic garbage collector's passes in this process: while one runs, every update in flight waits."""

    def __init__(self) -> None:
        self.started = 0.0
        self.counting = False
        self.total = 0.0
        self.longest = 0.0
        gc.callbacks.append(self._callback)

    def _callback(self, phase: str, info: dict[str, int]) -> None:
        if phase == "start":
            self.started = time.perf_counter()
        elif self.counting:
            took = time.perf_counter() - self.started
            self.total += took
            self.longest = max(self.longest, took)


def bot_process(
    url: str, api: str, rush: Any, stop: Any, cpu: Any, memory: Any, pauses: Any, profile: str | None
) -> None:
    """The bot as it runs in production, on a clock fixed inside the opening window.

    Writes into `cpu` the processor time it spent between `rush` and `stop` being set, and into `pauses` the
    garbage collector's passes meanwhile: (total, longest) seconds.
    """
    import cProfile

    from bot.factory import build_dispatcher, make_bot, poll
    from core.documents import rendering

    collector = GcPauses()

    async def serve() -> None:
        settings = _settings(url, api)
        async with open_runtime(settings, FixedClock(NOW)) as rt:
            bot = make_bot(settings)
            dp = build_dispatcher(rt)
            polling = asyncio.create_task(poll(dp, bot, settings, handle_signals=False, polling_timeout=1))
            await asyncio.to_thread(rush.wait)
            before = time.process_time()
            collector.counting = True
            await asyncio.to_thread(stop.wait)
            cpu.value = time.process_time() - before
            collector.counting = False
            pauses[0], pauses[1] = collector.total, collector.longest
            memory.value = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
            await dp.stop_polling()
            await polling
            rendering.shut_down()
            await dp.storage.close()
            await bot.session.close()

    if profile:
        cProfile.runctx("eventloop.run(serve())", globals(), locals(), profile)
    else:
        eventloop.run(serve())  # as `antrean bot` runs


def sender_process(url: str, api: str, ready: Any, go: Any, stop: Any, cpu: Any) -> None:
    """The outbox's sender as `antrean worker` runs it, on the bot's clock, from `go` to `stop`; `ready` once built.

    Only its outbox job: the worker's others would schedule the week's other days beside the rush's one. Writes into
    `cpu` the processor time it spent meanwhile.
    """
    from antrean.bootstrap import outbox_courier, outbox_sender, worker_jobs
    from core.documents import rendering
    from core.services.jobs import run_jobs

    async def serve() -> None:
        async with open_runtime(_settings(url, api), FixedClock(NOW), pool_size=5) as rt:
            async with outbox_courier(rt) as courier:
                jobs = [job for job in worker_jobs(rt, outbox_sender(rt, courier)) if job.name == "send the outbox"]
                ready.set()
                await asyncio.to_thread(go.wait)
                before = time.process_time()
                stopping = asyncio.Event()
                running = asyncio.create_task(run_jobs(jobs, stopping))
                await asyncio.to_thread(stop.wait)
                stopping.set()
                await running
                cpu.value = time.process_time() - before
            rendering.shut_down()

    eventloop.run(serve())  # as `antrean worker` runs


async def subscribe_broadcast(url: str, n: int) -> list[int]:
    """N subscribers of the rush's office, written in bulk; their chats."""
    chats = [BROADCAST_CHATS + i for i in range(n)]
    async with open_runtime(_settings(url, "http://127.0.0.1:1"), FixedClock(NOW)) as rt:
        async with rt.reader() as uow:
            office = await uow.offices.get("RUSH")
        assert office is not None
        rows = [{"office_id": office.id, "chat_id": c, "language": "id", "created_at": NOW} for c in chats]
        async with rt.engine.begin() as conn:
            await conn.execute(insert(subscriptions), rows)
    return chats


async def announce_opening(url: str) -> None:
    """The office's opening alert to its subscribers, as a release by hand writes it."""
    async with open_runtime(_settings(url, "http://127.0.0.1:1"), FixedClock(NOW)) as rt:
        uow = rt.uow()
        async with uow:
            office = await uow.offices.get("RUSH")
            assert office is not None
            await announcements.announce_released(uow, office, (DAY,), office.at(DAY, dtime(0)), NOW)
            await uow.commit()


class Rush:
    def __init__(self, telegram: BotApiStandin, think: tuple[float, float], seed: int) -> None:
        self.telegram = telegram
        self.think = think
        self.rng = random.Random(seed)
        self.latencies: list[float] = []
        # (update_id, time.monotonic() of the bot's first answer, the step: book, office, day, time or confirm)
        self.answers: list[tuple[int, float, str]] = []
        self.booked = 0
        self.booked_users: list[int] = []
        self.turned_away = 0
        self.failed = 0

    async def pause(self) -> None:
        low, high = self.think
        if high > 0:
            await asyncio.sleep(self.rng.uniform(low, high))

    async def act(self, user: int, do: Any, calls: int, step: str = "menu") -> None:
        """A user action: time to the bot's first answer, then the rest of its answer."""
        started = time.monotonic()  # the stand-in's clock for deliveries, too
        await do
        update_id = self.telegram._last_update_id  # `do` pushed the update and has not yielded since
        await self.telegram.wait_for_bot(user, calls=1, timeout=120)
        answered = time.monotonic()
        self.latencies.append(answered - started)
        self.answers.append((update_id, answered, step))
        if calls > 1:
            await self.telegram.wait_for_bot(user, calls=calls, timeout=120)

    async def tap(self, user: int, label: str, step: str, calls: int = 2) -> None:
        await self.pause()
        await self.act(user, self.telegram.user_taps_button(user, label), calls, step)

    async def labels(self, user: int) -> list[str]:
        message = await self.telegram.last_bot_message(user)
        assert message is not None
        return [b["text"] for row in (message.get("reply_markup") or {}).get("inline_keyboard", []) for b in row]

    async def applicant(self, user: int, start: asyncio.Event) -> None:
        try:
            await start.wait()
            await self.act(user, self.telegram.user_taps_button(user, BOOK), 2, "book")  # the opening: no pause
            await self.tap(user, OFFICE, "office")
            for _ in range(SLOTS + 3):
                labels = await self.labels(user)
                if CONFIRM in labels:
                    # The answer and the code; the proof is the worker's (the outbox), not this process's.
                    await self.tap(user, CONFIRM, "confirm", calls=2)
                    self.booked += 1
                    self.booked_users.append(user)
                    return
                times = [label for label in labels if "· sisa" in label]
                if times:
                    await self.tap(user, self.rng.choice(times), "time")
                elif DAY_LABEL in labels:
                    await self.tap(user, DAY_LABEL, "day")
                else:
                    self.turned_away += 1  # the day is full for them
                    return
            self.failed += 1
        except Exception as exc:
            self.failed += 1
            print(f"applicant {user} failed: {exc!r}"[:300], file=sys.stderr)


def _doubles(url: str) -> int:
    """Applicants (NIKs) in more than one confirmed booking."""
    rows = query(
        url,
        "SELECT COUNT(*) FROM (SELECT ba.applicant_id FROM booking_applicants ba JOIN bookings b "
        "ON b.id = ba.booking_id WHERE b.status = 'confirmed' GROUP BY ba.applicant_id HAVING COUNT(*) > 1) t",
    )
    return int(rows[0][0])


async def seed(url: str, applicants: int, places: int) -> None:
    async with open_runtime(_settings(url, "http://127.0.0.1:1"), FixedClock(NOW)) as rt:
        await offices.save_office(rt.uow(), _office(places))
        await release.release_by_hand(rt.uow(), "RUSH", [DAY], NOW)
    seed_accounts(url, [1] * applicants)


def _percentiles(values: list[float]) -> tuple[float | None, float | None, float | None]:
    """p50, p99 and max, in milliseconds."""
    if not values:
        return None, None, None
    ordered = sorted(values)
    p50 = ordered[len(ordered) // 2]
    p99 = ordered[min(len(ordered) - 1, int(len(ordered) * 0.99))]
    return round(p50 * 1000, 1), round(p99 * 1000, 1), round(ordered[-1] * 1000, 1)


def _most_at_once(spans: list[tuple[float, float]]) -> int:
    """The most spans (start, end) open at one moment; one ending as another starts is not counted twice."""
    events = sorted([(start, 1) for start, _ in spans] + [(end, -1) for _, end in spans])
    most = open_now = 0
    for _, step in events:
        open_now += step
        most = max(most, open_now)
    return most


async def run(
    url: str, applicants: int, places: int, think: tuple[float, float], profile: str | None, broadcast: int = 0
) -> dict[str, Any]:
    await seed(url, applicants, places)
    subscribers = await subscribe_broadcast(url, broadcast) if broadcast else []
    users = [10_000 + i for i in range(applicants)]
    async with BotApiStandin() as telegram:
        for chat in subscribers:
            telegram.meet(chat)
        spawn = multiprocessing.get_context("spawn")
        rush_starts, stop, cpu, memory = spawn.Event(), spawn.Event(), spawn.Value("d", 0.0), spawn.Value("d", 0.0)
        pauses = spawn.Array("d", 2)
        child = spawn.Process(
            target=bot_process, args=(url, telegram.base_url, rush_starts, stop, cpu, memory, pauses, profile)
        )  # not a daemon: like the real bot, it starts worker processes of its own (PDF rendering)
        child.start()
        sender_ready, sender_stop, sender_cpu = spawn.Event(), spawn.Event(), spawn.Value("d", 0.0)
        sender = None
        if broadcast:
            sender = spawn.Process(
                target=sender_process,
                args=(url, telegram.base_url, sender_ready, rush_starts, sender_stop, sender_cpu),
            )  # not a daemon either: it renders the proofs in a process of its own
            sender.start()
        rush = Rush(telegram, think, seed=7)
        try:
            for chunk in range(0, len(users), 100):  # everyone opens the menu beforehand
                await asyncio.gather(
                    *(rush.act(u, telegram.user_sends_text(u, "/menu"), 1) for u in users[chunk : chunk + 100])
                )
            rush.latencies.clear()
            rush.answers.clear()
            calls_before = len(telegram.calls)
            chat_calls_before = {u: len(telegram._chats[u].log) for u in users}
            updates_before = telegram._last_update_id
            start = asyncio.Event()
            if broadcast:
                await asyncio.to_thread(sender_ready.wait, 120)
                await announce_opening(url)  # its recipients are written now, the sender starts with the rush
            refused_before = len(telegram.errors)
            own_cpu = time.process_time()
            rush_starts.set()
            tasks = [asyncio.create_task(rush.applicant(u, start)) for u in users]
            started = time.perf_counter()
            rush_began = time.monotonic()  # the stand-in's clock for sends
            start.set()
            await asyncio.gather(*tasks)
            seconds = time.perf_counter() - started
            rush_ended = time.monotonic()
            own_cpu = time.process_time() - own_cpu
            stop.set()
            sender_stop.set()
            calls = len(telegram.calls) - calls_before
            booked_calls = sum(len(telegram._chats[u].log) - chat_calls_before[u] for u in rush.booked_users)
            updates = telegram._last_update_id - updates_before
        finally:
            stop.set()
            sender_stop.set()
            await asyncio.to_thread(child.join, 60)
            if sender is not None:
                await asyncio.to_thread(sender.join, 60)
        # Delivered → first answer: the time inside the bot process (and the loopback hop either way).
        spans = []
        by_step: dict[str, list[float]] = {}
        for update_id, answered, step in rush.answers:
            delivered = await telegram.delivered_at(update_id)
            assert delivered is not None, f"update {update_id} was answered but never delivered"
            spans.append((delivered, answered))
            by_step.setdefault(step, []).append(answered - delivered)
        during = {}
        if broadcast:
            during = _during_the_rush(telegram, set(subscribers), rush_began, rush_ended, refused_before)
    over, doubles = oversold(url)[0], _doubles(url)
    p50, p99, slowest = _percentiles(rush.latencies)
    inside_p50, inside_p99, inside_max = _percentiles([answered - delivered for delivered, answered in spans])
    batches: dict[float, int] = {}  # updates first handed over by one getUpdates share its timestamp
    for delivered, _ in spans:
        batches[delivered] = batches.get(delivered, 0) + 1
    return {
        "applicants": applicants,
        "places": places,
        "think_s": list(think),
        "seconds": round(seconds, 2),
        "updates": updates,
        "updates_per_s": round(updates / seconds, 1),
        # tap → first answer: what the applicant waits, Telegram-side queueing included
        "p50_ms": p50,
        "p99_ms": p99,
        "max_ms": slowest,
        # delivered (getUpdates returned it) → first answer: inside the bot
        "delivered_p50_ms": inside_p50,
        "delivered_p99_ms": inside_p99,
        "delivered_max_ms": inside_max,
        # delivered → first answer per step of the flow: which taps make the tail
        "delivered_p99_ms_by_step": {step: _percentiles(values)[1] for step, values in by_step.items()},
        "most_delivered_unanswered": _most_at_once(spans),  # updates queued or running inside the bot at once
        "largest_delivery": max(batches.values(), default=0),  # most rush updates one getUpdates handed over
        "bookings": rush.booked,
        "turned_away": rush.turned_away,
        "failed": rush.failed,
        "oversold": over,
        "double_bookings": doubles,
        "api_calls_per_booking": round(calls / rush.booked, 2) if rush.booked else None,  # everyone's calls
        # the calls in the chats of those who booked, retries after a taken time included
        "api_calls_per_booked_applicant": round(booked_calls / rush.booked, 2) if rush.booked else None,
        "bot_cpu_s": round(cpu.value, 2),  # the bot process during the rush
        "bot_cpu_ms_per_update": round(cpu.value / updates * 1000, 2),
        "bot_gc_pauses_ms": round(pauses[0] * 1000),  # the garbage collector's passes in the rush, all together
        "bot_gc_longest_pause_ms": round(pauses[1] * 1000, 1),
        "standin_cpu_s": round(own_cpu, 2),  # this process during the rush: the stand-in and the applicants
        "bot_peak_memory_mb": round(memory.value, 1),
        **({"broadcast": broadcast, "sender_cpu_s": round(sender_cpu.value, 2), **during} if broadcast else {}),
    }


def _during_the_rush(
    telegram: BotApiStandin, subscribers: set[int], began: float, ended: float, refused_before: int
) -> dict[str, Any]:
    """What the stand-in accepted and refused from the rush's start on: the bot's, the broadcast's, the proofs'."""
    sends = [s for s in telegram.sends() if began <= s.at <= ended]
    alerts = [s for s in sends if s.chat_id in subscribers]
    proofs = [s for s in sends if s.chat_id not in subscribers and s.method == "sendDocument"]
    refused = [(m, params) for m, params, why in telegram.errors[refused_before:] if why.startswith("Too Many")]

    def from_sender(method: str, params: dict[str, Any]) -> bool:
        return params.get("chat_id") in subscribers or method == "sendDocument"

    return {
        "broadcast_sent_during_rush": len(alerts),
        "broadcast_per_s_during_rush": round(len(alerts) / (ended - began), 1),
        "proofs_sent_during_rush": len(proofs),
        "bot_new_messages_during_rush": len(sends) - len(alerts) - len(proofs),
        # everyone's, as Telegram counts them
        "most_new_messages_in_one_second": most_in_one_second([s.at for s in sends]),
        "bot_429s": sum(1 for m, p in refused if not from_sender(m, p)),
        "sender_429s": sum(1 for m, p in refused if from_sender(m, p)),
    }


def one_run(args: argparse.Namespace, think: tuple[float, float], broadcast: int) -> dict[str, Any]:
    """One rush on a fresh database; its figures."""
    with tempfile.TemporaryDirectory() as tmp:
        handle = None
        if args.db == "sqlite":
            url = f"sqlite:///{tmp}/bot-rush.sqlite3"
        else:
            url, handle = fresh_postgres()
        try:
            upgrade_database(url)  # Alembic runs its own event loop: before ours starts
            figures = asyncio.run(run(url, args.applicants, args.places, think, args.profile, broadcast))
        finally:
            if handle is not None:
                drop_postgres(handle)
    figures["db"] = args.db
    return figures


def show(figures: dict[str, Any], think: str) -> None:
    print(
        f"{figures['applicants']} applicants ({figures['db']}), {figures['places']} places, {think} s between taps: "
        f"{figures['bookings']} booked, {figures['turned_away']} turned away, {figures['failed']} failed "
        f"in {figures['seconds']} s"
    )
    print(
        f"updates handled: {figures['updates']} at {figures['updates_per_s']}/s; first answer:\n"
        f"  tap → answer (includes waiting in Telegram's queue): p50 {figures['p50_ms']} ms, "
        f"p99 {figures['p99_ms']} ms, max {figures['max_ms']} ms\n"
        f"  delivered → answer (inside the bot): p50 {figures['delivered_p50_ms']} ms, "
        f"p99 {figures['delivered_p99_ms']} ms, max {figures['delivered_max_ms']} ms\n"
        f"  delivered → answer, p99 by step: "
        + ", ".join(f"{step} {ms} ms" for step, ms in figures["delivered_p99_ms_by_step"].items())
        + "\n"
        f"  at most {figures['most_delivered_unanswered']} updates delivered but not yet answered at once; "
        f"at most {figures['largest_delivery']} handed over by one getUpdates"
    )
    print(
        f"oversold {figures['oversold']}, double bookings {figures['double_bookings']}, "
        f"Bot API calls per booking {figures['api_calls_per_booking']} "
        f"({figures['api_calls_per_booked_applicant']} in the chat of one who booked), "
        f"bot CPU {figures['bot_cpu_s']} s ({figures['bot_cpu_ms_per_update']} ms an update; garbage collector "
        f"{figures['bot_gc_pauses_ms']} ms, longest pass {figures['bot_gc_longest_pause_ms']} ms), "
        f"peak memory {figures['bot_peak_memory_mb']} MB"
    )
    if figures.get("broadcast"):
        print(
            f"during the rush, beside it: {figures['broadcast_sent_during_rush']} of {figures['broadcast']} opening "
            f"alerts ({figures['broadcast_per_s_during_rush']}/s) and {figures['proofs_sent_during_rush']} proofs "
            f"sent by the outbox's sender (CPU {figures['sender_cpu_s']} s), {figures['bot_new_messages_during_rush']} "
            f"new messages by the bot; at most {figures['most_new_messages_in_one_second']} new messages in one "
            f"second; 429s: the bot {figures['bot_429s']}, the sender {figures['sender_429s']}"
        )


# The figures a broadcast must leave within 10 % (issue 11): the pace of updates, and what the applicant waits.
COMPARED = ("updates_per_s", "p50_ms", "p99_ms", "delivered_p50_ms", "delivered_p99_ms")


def compare(rounds: list[tuple[dict[str, Any], dict[str, Any]]]) -> dict[str, Any]:
    """The median of each compared figure, plain and with the broadcast, and their ratio (broadcast / plain)."""
    plain = {k: statistics.median(r[0][k] for r in rounds) for k in COMPARED}
    loud = {k: statistics.median(r[1][k] for r in rounds) for k in COMPARED}
    ratios = {k: round(loud[k] / plain[k], 3) if plain[k] else None for k in COMPARED}
    # Fewer updates a second is worse; more milliseconds are.
    within = all(r is not None and (r >= 0.9 if k == "updates_per_s" else r <= 1.1) for k, r in ratios.items())
    return {"plain": plain, "broadcast": loud, "ratios": ratios, "within_10_percent": within}


def main() -> None:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--applicants", type=int, default=2000)
    p.add_argument("--places", type=int, default=1500)
    p.add_argument("--think", default="1-3", help="seconds between a user's taps, uniform: LOW-HIGH, or 0")
    p.add_argument("--db", choices=["sqlite", "postgres"], default="sqlite")
    p.add_argument("--profile", help="write a cProfile of the bot process to this file")
    p.add_argument("--broadcast", type=int, default=0, metavar="N", help="an opening alert to N more subscribers")
    p.add_argument(
        "--rounds", type=int, default=0, metavar="K",
        help="with --broadcast: K rushes without it and K with it, in turns, and the ratio of their medians",
    )  # fmt: skip
    args = p.parse_args()
    if args.broadcast < 0:
        p.error("--broadcast: 0 or more")
    if args.rounds < 0 or (args.rounds and not args.broadcast):
        p.error("--rounds: 0 or more, and with --broadcast")
    low, _, high = args.think.partition("-")
    think = (float(low), float(high or low))
    if not args.rounds:
        figures = one_run(args, think, args.broadcast)
        show(figures, args.think)
        print(json.dumps(figures))
        return
    rounds: list[tuple[dict[str, Any], dict[str, Any]]] = []
    for i in range(args.rounds):
        # In turns, the first of a round alternating: a machine that slows down (or warms up) weighs on both.
        order = (0, args.broadcast) if i % 2 == 0 else (args.broadcast, 0)
        runs = {}
        for n in order:
            print(f"--- round {i + 1} of {args.rounds}, " + (f"a broadcast to {n}" if n else "no broadcast"))
            runs[n] = one_run(args, think, n)
            show(runs[n], args.think)
        rounds.append((runs[0], runs[args.broadcast]))
    summary = compare(rounds)
    print(f"--- medians of {args.rounds} rounds, without the broadcast → with it (ratio):")
    for k in COMPARED:
        print(f"  {k}: {summary['plain'][k]} → {summary['broadcast'][k]} ({summary['ratios'][k]})")
    print(f"  within 10 %: {'yes' if summary['within_10_percent'] else 'NO'}")
    every = [f for pair in rounds for f in pair]
    failed, over = sum(f["failed"] for f in every), sum(f["oversold"] for f in every)
    print(json.dumps({"db": args.db, "rounds": args.rounds, "broadcast": args.broadcast, **summary,
                      "failed": failed, "oversold": over}))  # fmt: skip


if __name__ == "__main__":
    main()
