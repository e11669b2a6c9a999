"""Opening rush through the webhook: thousands of registered applicants tap through the booking flow, their updates
POSTed by the stand-in (Telegram: at most max_connections at once, one at a time in each chat) to web workers in
processes of their own, as `antrean web` runs them.

Configurations, each on a fresh database: (a) one worker on SQLite; (b) one worker on PostgreSQL + Redis; (c) two
workers on PostgreSQL + Redis, behind the load balancer the stand-in plays; and (c) again with one of the two
killed (kill -9) half-way through the rush, the load balancer then sending everything to the other.

Each applicant has the menu open (planted, as if sent the day before) and, at the same moment as everyone else,
taps Book, the office, the date, a time and Confirm, with `--think` seconds between taps. Prints per configuration:
updates a second, the workers' CPU per update, tap → answer (the bot's own answer, not the "in line" the webhook
may give at once, which is counted apart) and delivered → answer p50/p99, bookings, places oversold, double
bookings, updates lost (never handled) or handled twice, taken again after a worker died, errors, and each
worker's peak memory. Then the capacity: applicants browse the calendar (◀ ▶) at a steady rate of taps, raised by
a quarter each step of `--capacity-seconds`, until tap → answer p99 reaches one second; the highest rate below
that is the figure. Ends with one JSON line.

    .venv/bin/python bench/webhook_rush.py [--applicants 5000] [--places 4000] [--think 1-3]
                                           [--configs a,b,c,kill] [--capacity-seconds 5]
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import sys
import tempfile
import time
from collections import deque
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

import httpx

from bench import machine_ms
from bench.bot_rush import BOOK, OFFICE, TOKEN, Rush, _doubles, _percentiles, seed
from bench.engine_rush import NOW, SECRET, drop_postgres, fresh_postgres, oversold, query
from bench.workers import Worker, free_port, ready, start_worker
from devtools.standin import BotApiStandin

REDIS_URL = os.environ.get("ANTREAN_BENCH_REDIS_URL", "redis://127.0.0.1:6379/14")
HOOK_SECRET = "bench-hook-secret-0123456789"
METRICS_TOKEN = "bench-metrics-token-0123456789"
BUSY = "⏳"
LEASE = 10  # seconds: a killed worker's updates go to the other this long after (30 in production)


def _peak_memory_mb(pid: int) -> float:
    """The process's peak resident memory so far (VmHWM), in MB; 0 when it is gone."""
    try:
        for line in Path(f"/proc/{pid}/status").read_text().splitlines():
            if line.startswith("VmHWM:"):
                return round(int(line.split()[1]) / 1024, 1)
    except OSError:
        pass
    return 0.0


class WebhookRush(Rush):
    """The bot_rush applicants, telling the webhook's at-once answer to a tap from the bot's own."""

    def __init__(self, telegram: BotApiStandin, think: tuple[float, float], seed: int) -> None:
        super().__init__(telegram, think, seed)
        self.at_once: list[float] = []  # tap → the webhook's "in line", seconds
        self.half_way = asyncio.Event()  # set when `half` answers have come
        self.half = 0
        self.refused: set[int] = set()  # told in an alert that the date has no time left for them

    async def labels(self, user: int) -> list[str]:
        # An alert leaves the screen as it was: tapping the same full date again would get the same alert.
        return [] if user in self.refused else await super().labels(user)

    async def act(self, user: int, do: Any, calls: int, step: str = "menu") -> None:
        started = time.monotonic()
        await do
        update_id = self.telegram._last_update_id  # `do` pushed the update and has not yielded since
        first = await self.telegram.wait_for_bot(user, calls=1, timeout=60)
        method, params = first[0]
        if method == "answerCallbackQuery" and str(params.get("text") or "").startswith(BUSY):
            # The webhook's answer stands in for the bot's own (which is then not sent): the same calls in all.
            self.at_once.append(time.monotonic() - started)
            method, params = (await self.telegram.wait_for_bot(user, calls=2, timeout=60))[1]
        answered = time.monotonic()
        self.latencies.append(answered - started)
        self.answers.append((update_id, answered, step))
        if self.half and len(self.answers) >= self.half:
            self.half_way.set()
        if method == "answerCallbackQuery" and params.get("show_alert"):
            # The date filled up between the calendar and the tap: the bot says so in an alert, and that is all.
            self.refused.add(user)
            return
        if calls > 1:
            await self.telegram.wait_for_bot(user, calls=calls, timeout=60)


def _env(url: str, api: str, webhook_base: str, *, redis: bool) -> dict[str, str]:
    env = {
        "ANTREAN_DATABASE_URL": url, "ANTREAN_ENVIRONMENT": "test", "ANTREAN_SECRET_KEY": SECRET,
        "ANTREAN_BOT_TOKEN": TOKEN, "ANTREAN_TELEGRAM_API_URL": api, "ANTREAN_WEBHOOK_URL": webhook_base,
        "ANTREAN_WEBHOOK_SECRET": HOOK_SECRET, "ANTREAN_METRICS_TOKEN": METRICS_TOKEN,
        "ANTREAN_INBOX_LEASE_SECONDS": str(LEASE), "ANTREAN_REDIS_URL": REDIS_URL if redis else "",
        "ANTREAN_PROOF_WORKERS": "0",  # proofs are the outbox worker's: no renderer process beside a web worker
    }  # fmt: skip
    if not redis:
        del env["ANTREAN_REDIS_URL"]
    return env


def _flush_redis() -> None:
    import redis

    client = redis.Redis.from_url(REDIS_URL)
    try:
        client.flushdb()
    finally:
        client.close()


async def _errors_counted(workers: list[Worker]) -> int:
    """The workers' own count of errors (their /metrics), for those still running."""
    total = 0
    async with httpx.AsyncClient() as client:
        for worker in workers:
            if not worker.process.is_alive():
                continue
            text = (
                await client.get(worker.url + "/metrics", headers={"Authorization": f"Bearer {METRICS_TOKEN}"})
            ).text
            for line in text.splitlines():
                if line.startswith("antrean_errors_total{"):
                    total += int(float(line.rsplit(" ", 1)[1]))
    return total


async def _drained(url: str, telegram: BotApiStandin, first_update: int, timeout: float = 120.0) -> None:  # noqa: ASYNC109
    """Waits until every update of the rush is delivered and handled (or `timeout` passes)."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        pending = query(url, f"SELECT count(*) FROM inbox WHERE update_id >= {int(first_update)} AND done_at IS NULL")  # noqa: S608
        if not await telegram.updates_pending() and not pending[0][0]:
            return
        await asyncio.sleep(0.2)


async def capacity(
    telegram: BotApiStandin, users: list[int], seconds: float, start: float = 40.0
) -> tuple[float, list[tuple[float, float | None]]]:
    """Taps at a steady rate (◀ ▶ in the calendar), a quarter more each step, until p99 reaches one second: the
    highest rate that stayed below, and each step's (rate, p99 ms)."""
    labels = {u: "▶" for u in users}
    idle = deque(users)
    steps: list[tuple[float, float | None]] = []
    best = 0.0
    rate = start
    for _ in range(20):
        latencies: list[float] = []
        overrun = False

        async def one(user: int, latencies: list[float]) -> None:
            began = time.monotonic()
            await telegram.user_taps_button(user, labels[user])
            await telegram.wait_for_bot(user, calls=1, timeout=120)
            latencies.append(time.monotonic() - began)
            await telegram.wait_for_bot(user, calls=2, timeout=120)
            labels[user] = "◀" if labels[user] == "▶" else "▶"
            idle.append(user)

        tasks = []
        began = time.monotonic()
        for i in range(int(rate * seconds)):
            await asyncio.sleep(max(0.0, began + i / rate - time.monotonic()))
            if not idle:
                overrun = True  # every browsing applicant is still waiting for an answer
                break
            tasks.append(asyncio.create_task(one(idle.popleft(), latencies)))
        await asyncio.gather(*tasks)
        p99 = _percentiles(latencies)[1]
        steps.append((round(rate, 1), p99))
        if overrun or p99 is None or p99 >= 1000:
            break
        best = rate
        rate *= 1.25
    return round(best, 1), steps


async def run(config: str, url: str, args: argparse.Namespace, think: tuple[float, float]) -> dict[str, Any]:
    n_workers = 1 if config in ("a", "b") else 2
    redis = config != "a"
    if redis:
        _flush_redis()
    await seed(url, args.applicants, args.places)
    users = [10_000 + i for i in range(args.applicants)]
    ports = [free_port() for _ in range(n_workers)]
    async with BotApiStandin() as telegram:
        env = _env(url, telegram.base_url, f"http://127.0.0.1:{ports[0]}", redis=redis)
        workers = [start_worker(env, port, NOW) for port in ports]
        try:
            await asyncio.gather(*(ready(w, 120) for w in workers))
            from antrean.bootstrap import register_webhook
            from core.config import Settings

            await register_webhook(Settings(**{k.removeprefix("ANTREAN_").lower(): v for k, v in env.items()}))
            telegram.spread_over([w.url for w in workers])
            _open_menus(telegram, users)  # everyone has the menu open, from yesterday

            rush = WebhookRush(telegram, think, seed=7)
            rush.half = args.applicants * 5 // 2  # about half the rush's taps answered
            first_update = telegram._last_update_id + 1
            cpu_before = [w.cpu.value for w in workers]
            machine_before, me_before = _machine_cpu(), time.process_time()
            cpu_at_death: dict[int, float] = {}
            memory_at_death: dict[int, float] = {}
            start = asyncio.Event()
            tasks = [asyncio.create_task(rush.applicant(u, start)) for u in users]
            started = time.perf_counter()
            start.set()
            killer = None
            if config == "kill":

                async def kill_half_way() -> None:
                    await rush.half_way.wait()
                    victim = workers[1]
                    memory_at_death[1] = _peak_memory_mb(victim.pid)
                    cpu_at_death[1] = victim.cpu.value
                    await asyncio.to_thread(victim.kill)
                    telegram.spread_over([workers[0].url])  # the load balancer notices

                killer = asyncio.create_task(kill_half_way())
            await asyncio.gather(*tasks)
            seconds = time.perf_counter() - started
            machine_cpu, me_cpu = _machine_cpu() - machine_before, time.process_time() - me_before
            if killer is not None:
                await killer
            await _drained(url, telegram, first_update)
            updates = telegram._last_update_id - first_update + 1
            cpu_after = [cpu_at_death.get(i, w.cpu.value) for i, w in enumerate(workers)]
            memory = [memory_at_death.get(i) or _peak_memory_mb(w.pid) for i, w in enumerate(workers)]
            errors_counted = await _errors_counted(workers)
            spans = []
            for update_id, answered, _ in rush.answers:
                delivered = await telegram.delivered_at(update_id)
                if delivered is not None:
                    spans.append(answered - delivered)
            api_errors = [e for e in telegram.errors if not e[2].startswith("Too Many Requests")]
            if os.environ.get("BENCH_DEBUG"):
                for e in api_errors:
                    print("API ERROR", e[0], e[2], file=sys.stderr)
            twice = [e for e in api_errors if "query is too old" in e[2] or "not modified" in e[2]]
            handled = query(url, "SELECT count(*), sum(CASE WHEN takes > 1 THEN 1 ELSE 0 END) FROM inbox "  # noqa: S608
                                 f"WHERE update_id >= {int(first_update)} AND done_at IS NOT NULL")  # fmt: skip
            capacity_rate, capacity_steps = (None, [])
            if config != "kill" and args.capacity_seconds > 0:
                booked = set(rush.booked_users)  # frozen for 30 days: they cannot book, so cannot browse
                browsing = [u for u in users if u not in booked][:600]
                if browsing:
                    await _into_calendar(telegram, browsing)
                    capacity_rate, capacity_steps = await capacity(telegram, browsing, args.capacity_seconds)
        finally:
            for worker in workers:
                await asyncio.to_thread(worker.stop)
    p50, p99, _ = _percentiles(rush.latencies)
    inside_p50, inside_p99, _ = _percentiles(spans)
    at_once_p99 = _percentiles(rush.at_once)[1]
    cpu = sum(after - before for before, after in zip(cpu_before, cpu_after, strict=True))
    return {
        "config": config,
        "db": "sqlite" if config == "a" else "postgres",
        "workers": n_workers,
        "applicants": args.applicants,
        "seconds": round(seconds, 2),
        "updates": updates,
        "updates_per_s": round(updates / seconds, 1),
        "bot_cpu_s": round(cpu, 2),
        "bot_cpu_ms_per_update": round(cpu / updates * 1000, 2),
        # Cores busy during the rush (of os.cpu_count()): the workers, this process (the stand-in playing Telegram and
        # the applicants), and the rest (PostgreSQL, Redis, the system). A second worker can add only what is idle.
        "cores_busy": {
            "all": round(machine_cpu / seconds, 2),
            "workers": round(cpu / seconds, 2),
            "telegram_and_applicants": round(me_cpu / seconds, 2),
        },
        "p50_ms": p50,
        "p99_ms": p99,
        "delivered_p50_ms": inside_p50,
        "delivered_p99_ms": inside_p99,
        "answered_at_once": len(rush.at_once),
        "at_once_p99_ms": at_once_p99,
        "bookings": rush.booked,
        "turned_away": rush.turned_away,
        "failed": rush.failed,
        "oversold": oversold(url)[0],
        "double_bookings": _doubles(url),
        "lost": updates - int(handled[0][0] or 0),
        "handled_twice": len(twice),
        "taken_again": int(handled[0][1] or 0),
        # Telegram's refusals but the second answers to taps a dead worker had answered (counted above), the workers'
        # own count of errors, and applicants left without an answer.
        "errors": len(api_errors) - len(twice) + errors_counted + rush.failed,
        "peak_memory_mb": memory,
        "capacity_taps_per_s": capacity_rate,
        "capacity_steps": capacity_steps,
    }


def _machine_cpu() -> float:
    """Seconds of CPU the whole machine has spent (every core, every process) since it started, from /proc/stat."""
    try:
        with open("/proc/stat") as f:
            fields = [int(x) for x in f.readline().split()[1:]]
    except OSError:  # not Linux: the figure is left out (0)
        return 0.0
    idle = fields[3] + (fields[4] if len(fields) > 4 else 0)  # idle and waiting for I/O
    return (sum(fields[:8]) - idle) / os.sysconf("SC_CLK_TCK")


def _open_menus(telegram: BotApiStandin, users: list[int]) -> None:
    """The bot's menu, open in each chat as if sent earlier (one by one, at 30 new messages a second, thousands of
    them would take minutes before the rush could start)."""
    from bot.i18n import make_i18n
    from bot.keyboards import main_menu

    i18n = make_i18n()
    with i18n.context(), i18n.use_locale("id"):
        menu = main_menu().model_dump(exclude_none=True)
    for user in users:
        telegram.earlier_bot_message(user, TOKEN, "Apa yang ingin Anda lakukan?", menu)


async def _into_calendar(telegram: BotApiStandin, users: list[int]) -> None:
    """Brings each browsing applicant to the calendar: the menu, Book, the office."""
    _open_menus(telegram, users)
    for chunk in range(0, len(users), 200):

        async def walk(user: int) -> None:
            for label in (BOOK, OFFICE):
                await telegram.user_taps_button(user, label)
                await telegram.wait_for_bot(user, calls=2, timeout=120)

        await asyncio.gather(*(walk(u) for u in users[chunk : chunk + 200]))


def one_config(config: str, args: argparse.Namespace, think: tuple[float, float]) -> dict[str, Any]:
    from core.runtime import upgrade_database

    with tempfile.TemporaryDirectory() as tmp:
        handle = None
        if config == "a":
            url = f"sqlite:///{tmp}/webhook-rush.sqlite3"
        else:
            url, handle = fresh_postgres()
        try:
            upgrade_database(url)
            return asyncio.run(run(config, url, args, think))
        finally:
            if handle is not None:
                drop_postgres(handle)


NAMES = {
    "a": "(a) one worker, SQLite",
    "b": "(b) one worker, PostgreSQL + Redis",
    "c": "(c) two workers, PostgreSQL + Redis",
    "kill": "(c) two workers, one killed half-way",
}


def show(f: dict[str, Any]) -> None:
    busy = f["cores_busy"]
    print(
        f"{NAMES[f['config']]}: {f['applicants']} applicants, {f['bookings']} booked, {f['turned_away']} turned away, "
        f"{f['failed']} failed in {f['seconds']} s\n"
        f"  updates {f['updates']} at {f['updates_per_s']}/s; workers' CPU {f['bot_cpu_s']} s "
        f"({f['bot_cpu_ms_per_update']} ms an update); peak memory {f['peak_memory_mb']} MB\n"
        f"  cores busy {busy['all']} of {os.cpu_count()}: workers {busy['workers']}, Telegram and the applicants "
        f"{busy['telegram_and_applicants']}, the rest (databases, system) "
        f"{round(busy['all'] - busy['workers'] - busy['telegram_and_applicants'], 2)}\n"
        f"  tap → answer p50 {f['p50_ms']} ms, p99 {f['p99_ms']} ms; delivered → answer p50 {f['delivered_p50_ms']} "
        f"ms, p99 {f['delivered_p99_ms']} ms; {f['answered_at_once']} taps answered at once "
        f"(p99 {f['at_once_p99_ms']} ms)\n"
        f"  oversold {f['oversold']}, double bookings {f['double_bookings']}, lost {f['lost']}, handled twice "
        f"{f['handled_twice']}, taken again after a death {f['taken_again']}, errors {f['errors']}"
    )
    if f["capacity_steps"]:
        steps = ", ".join(f"{rate}/s → {p99} ms" for rate, p99 in f["capacity_steps"])
        print(f"  capacity: {f['capacity_taps_per_s']} taps/s with p99 under 1 s ({steps})")


def main() -> None:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--applicants", type=int, default=5000)
    p.add_argument("--places", type=int, default=4000)
    p.add_argument("--think", default="1-3", help="seconds between a user's taps, uniform: LOW-HIGH, or 0")
    p.add_argument("--configs", default="a,b,c,kill", help="which of a, b, c and kill to run, comma-separated")
    p.add_argument("--capacity-seconds", type=float, default=5.0, help="each capacity step's length (0: none)")
    args = p.parse_args()
    configs = [c.strip() for c in args.configs.split(",") if c.strip()]
    if not configs or any(c not in NAMES for c in configs):
        p.error(f"--configs: some of {', '.join(NAMES)}")
    if args.applicants < 1 or args.places < 1:
        p.error("--applicants and --places: 1 or more")
    low, _, high = args.think.partition("-")
    think = (float(low), float(high or low))
    results = {}
    machine = [machine_ms()]
    for config in configs:
        results[config] = one_config(config, args, think)
        show(results[config])
    machine.append(machine_ms())
    print(f"machine: {machine[0]} ms of CPU for a fixed piece of Python at the start, {machine[1]} ms at the end")
    summary: dict[str, Any] = {"runs": results, "machine_ms": machine}
    if "b" in results and "c" in results:
        summary["c_over_b_updates_per_s"] = round(results["c"]["updates_per_s"] / results["b"]["updates_per_s"], 2)
        print(f"(c) / (b) updates a second: {summary['c_over_b_updates_per_s']}")
    every = list(results.values())
    summary.update(
        failed=sum(f["failed"] for f in every), oversold=sum(f["oversold"] for f in every),
        double_bookings=sum(f["double_bookings"] for f in every), lost=sum(f["lost"] for f in every),
        errors=sum(f["errors"] for f in every),
        max_cpu_ms_per_update=max(f["bot_cpu_ms_per_update"] for f in every),
    )  # fmt: skip
    print(json.dumps(summary))


if __name__ == "__main__":
    main()
