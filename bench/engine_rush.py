"""Opening-time rush on the booking engine, against the raw limit of the same database.

One office day is released; many applicants (parties of 1-5, already registered) hold and confirm at
once until the day is full. In the same run, the raw limit: the bare conditional
`UPDATE ... WHERE remaining >= n` plus one INSERT per booking, on the same database:
- SQLite: one connection, one `BEGIN IMMEDIATE` transaction per booking, in a tight loop. SQLite has a
  single writer, so this loop is the most any client can get; more connections only add lock waits.
- PostgreSQL: asyncpg directly, a pool of as many connections as the engine's concurrency, one
  transaction per booking.

Engine and raw run side by side in several rounds (the machine is noisy; a ratio within one round is
fairer than two rates measured minutes apart). Prints, for the median round, bookings per second for
both, their ratio, p50/p99 latency of a booking (hold + confirm), and the places oversold over all
rounds, and ends with one JSON line of the figures.

    .venv/bin/python bench/engine_rush.py [--db sqlite|postgres|both] [--places 20000] [--concurrency 32] [--rounds 3]
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import random
import sqlite3
import sys
import tempfile
import time
import uuid
from dataclasses import dataclass
from datetime import UTC, date, datetime
from datetime import time as dtime
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

import itertools

from sqlalchemy import Row, create_engine, insert, select, text
from sqlalchemy.engine import make_url

from core.clock import FixedClock
from core.config import Settings
from core.crypto import Vault
from core.domain.booking import SlotFull
from core.domain.offices import MAX_SLOT_CAPACITY, Office, OfficeKind, SlotTime
from core.persistence.tables import accounts, applicants
from core.runtime import open_runtime, upgrade_database
from core.services import offices, release
from core.services.booking import SlotFullWithChoices

POSTGRES_URL = os.environ.get("ANTREAN_TEST_POSTGRES_URL", "postgresql://postgres@127.0.0.1:5432/test")
JAKARTA = ZoneInfo("Asia/Jakarta")
NOW = datetime(2026, 11, 27, 14, 0, 5, tzinfo=JAKARTA)  # five seconds into a Friday opening
DAY = date(2026, 11, 30)
SLOTS = 10  # at least; more when the places would not fit in ten slots of the largest capacity allowed


def slot_count(places: int) -> int:
    """Ten slots, or as many as `places` needs at MAX_SLOT_CAPACITY each (a domain rule since the staff desk)."""
    return max(SLOTS, -(-places // MAX_SLOT_CAPACITY))


def slot_times(n: int) -> list[tuple[dtime, dtime]]:
    """`n` arrival slots from 07:00, an hour each while they fit before 23:00, shorter beyond."""
    minutes = 60 if n <= 16 else 960 // n
    starts = [7 * 60 + i * minutes for i in range(n + 1)]
    return [(dtime(a // 60, a % 60), dtime(b // 60, b % 60)) for a, b in itertools.pairwise(starts)]


SECRET = "bench-secret-0123456789abcdef"


@dataclass
class Figures:
    bookings: int
    seconds: float
    latencies: list[float]

    @property
    def rate(self) -> float:
        return self.bookings / self.seconds if self.seconds else 0.0

    def pct(self, q: float) -> float:
        if not self.latencies:
            return 0.0
        ordered = sorted(self.latencies)
        return ordered[min(len(ordered) - 1, int(q * len(ordered)))] * 1000


def _sync_url(url: str) -> str:
    u = make_url(url)
    if u.get_backend_name() == "postgresql":
        u = u.set(drivername="postgresql+psycopg")
    return u.render_as_string(hide_password=False)


def parties(places: int, seed: int) -> list[int]:
    """Parties of 1-5 whose demand is 1.5 times the places: the day fills and some are turned away."""
    rng = random.Random(seed)
    out: list[int] = []
    total = 0
    while total < places * 1.5:
        out.append(rng.choice((1, 1, 2, 2, 3, 4, 5)))
        total += out[-1]
    return out


def seed_accounts(url: str, sizes: list[int]) -> list[tuple[int, list[int]]]:
    """Registered accounts with their family members, written in bulk (registration is not measured)."""
    vault = Vault(SECRET)
    engine = create_engine(_sync_url(url))
    now = datetime.now(UTC)
    blob = vault.encrypt("3174010101900001")
    out: list[tuple[int, list[int]]] = []
    serial = 0
    with engine.begin() as conn:
        account_rows = [
            {
                "telegram_user_id": 10_000 + i,
                "owner_nik_hash": f"owner-{i}",
                "kk_hash": f"kk-{i}",
                "kk_enc": blob,
                "kk_masked": "3174********0001",
                "language": "id",
                "consented_at": now,
                "created_at": now,
            }
            for i in range(len(sizes))
        ]
        conn.execute(insert(accounts), account_rows)
        ids = dict(conn.execute(select(accounts.c.telegram_user_id, accounts.c.id)).all())  # type: ignore[arg-type]
        people = []
        for i, n in enumerate(sizes):
            for k in range(n):
                serial += 1
                people.append(
                    {
                        "account_id": ids[10_000 + i],
                        "is_owner": k == 0,
                        "full_name": "PEMOHON",
                        "nik_hash": f"nik-{serial}",
                        "nik_enc": blob,
                        "nik_masked": "3174********0001",
                        "birth_date": date(1990, 1, 1),
                        "gender": "male",
                        "created_at": now,
                    }
                )
        conn.execute(insert(applicants), people)
        rows = conn.execute(
            select(applicants.c.account_id, applicants.c.id).order_by(
                applicants.c.account_id, applicants.c.is_owner.desc(), applicants.c.id
            )
        ).all()
    engine.dispose()
    by_account: dict[int, list[int]] = {}
    for account_id, applicant_id in rows:
        by_account.setdefault(account_id, []).append(applicant_id)
    for i in range(len(sizes)):
        out.append((ids[10_000 + i], by_account[ids[10_000 + i]]))
    return out


def rush_office(places: int) -> Office:
    """The office of the rush: `places` spread evenly over its slots of one day."""
    n_slots = slot_count(places)
    return Office(
        code="RUSH",
        kind=OfficeKind.KANIM,
        name="Kantor Imigrasi Uji Beban",
        kanwil="Kanwil DKI Jakarta",
        province="DKI Jakarta",
        city="Jakarta Selatan",
        address="Jalan Uji No. 1",
        timezone="Asia/Jakarta",
        slots=tuple(SlotTime(start, end, places // n_slots) for start, end in slot_times(n_slots)),
    )


async def engine_run(url: str, places: int, concurrency: int, seed: int) -> tuple[Figures, dict[str, int]]:
    clock = FixedClock(NOW)
    settings = Settings(database_url=url, environment="test", secret_key=SECRET)
    n_slots = slot_count(places)
    office = rush_office(places)
    people = seed_accounts(url, parties(places, seed))
    rng = random.Random(seed)
    async with open_runtime(settings, clock, pool_size=concurrency) as rt:
        await offices.save_office(rt.uow(), office)
        await release.release_by_hand(rt.uow(), "RUSH", [DAY], clock.now())
        async with rt.reader() as uow:
            slot_ids = [s.slot_id for s in (await uow.slots.in_range(1, DAY, DAY))[DAY]]
        await rt.desk.warm_up(slot_ids)  # as the app does when a window is about to open
        queue: asyncio.Queue[tuple[int, list[int]]] = asyncio.Queue()
        for p in people:
            queue.put_nowait(p)
        latencies: list[float] = []
        counts = {"turned_away": 0, "races_lost": 0}

        async def applicant() -> None:
            while not queue.empty():
                account_id, ids = queue.get_nowait()
                slot = rng.choice(slot_ids)
                started = time.perf_counter()
                for _ in range(n_slots):
                    try:
                        hold = await rt.desk.hold(account_id, slot, ids, ["new"] * len(ids), f"rush-{account_id}")
                        await rt.desk.confirm(account_id, hold.booking_id)
                        latencies.append(time.perf_counter() - started)
                        break
                    except SlotFullWithChoices as full:
                        if not full.alternatives:
                            counts["turned_away"] += 1
                            break
                        counts["races_lost"] += 1
                        slot = full.alternatives[0].slot_id  # what a person does: take the next free time
                    except SlotFull:
                        counts["races_lost"] += 1

        started = time.perf_counter()
        await asyncio.gather(*(applicant() for _ in range(concurrency)))
        seconds = time.perf_counter() - started
    return Figures(len(latencies), seconds, latencies), counts


def query(url: str, sql: str) -> list[Row[Any]]:
    """The rows of one query, read after a run on an engine of its own (the run's engine may be gone)."""
    engine = create_engine(_sync_url(url))
    try:
        with engine.connect() as conn:
            return list(conn.execute(text(sql)).all())
    finally:
        engine.dispose()


def oversold(url: str) -> tuple[int, int, int]:
    """Places booked beyond capacity (by counting bookings, not trusting counters), places booked, capacity."""
    rows = query(
        url,
        "SELECT s.id, s.capacity, s.taken, COALESCE(SUM(b.party_size), 0) AS booked FROM slots s "
        "LEFT JOIN bookings b ON b.slot_id = s.id AND b.status IN ('held', 'confirmed') "
        "GROUP BY s.id, s.capacity, s.taken",
    )
    over = sum(max(0, r.booked - r.capacity) + max(0, r.taken - r.capacity) for r in rows)
    mismatch = sum(abs(r.booked - r.taken) for r in rows)
    return over + mismatch, sum(r.booked for r in rows), sum(r.capacity for r in rows)


def raw_sqlite(path: str, places: int, seed: int) -> Figures:
    conn = sqlite3.connect(path, isolation_level=None)
    conn.execute("PRAGMA journal_mode=WAL")
    conn.execute("PRAGMA synchronous=NORMAL")
    conn.execute("CREATE TABLE raw_slots (id INTEGER PRIMARY KEY, remaining INTEGER NOT NULL CHECK (remaining >= 0))")
    conn.execute("CREATE TABLE raw_bookings (id INTEGER PRIMARY KEY, slot_id INTEGER NOT NULL, party INTEGER NOT NULL)")
    n_slots = slot_count(places)
    conn.executemany("INSERT INTO raw_slots VALUES (?, ?)", [(i, places // n_slots) for i in range(n_slots)])
    rng = random.Random(seed)
    latencies: list[float] = []
    started = time.perf_counter()
    for n in parties(places, seed):
        slot = rng.randrange(n_slots)
        t0 = time.perf_counter()
        for k in range(n_slots):
            s = (slot + k) % n_slots
            conn.execute("BEGIN IMMEDIATE")
            if conn.execute(
                "UPDATE raw_slots SET remaining = remaining - ? WHERE id = ? AND remaining >= ?", (n, s, n)
            ).rowcount:
                conn.execute("INSERT INTO raw_bookings (slot_id, party) VALUES (?, ?)", (s, n))
                conn.execute("COMMIT")
                latencies.append(time.perf_counter() - t0)
                break
            conn.execute("COMMIT")
    seconds = time.perf_counter() - started
    conn.close()
    return Figures(len(latencies), seconds, latencies)


async def raw_postgres(url: str, places: int, concurrency: int, seed: int) -> Figures:
    import asyncpg

    dsn = make_url(url).set(drivername="postgresql").render_as_string(hide_password=False)
    pool = await asyncpg.create_pool(dsn, min_size=concurrency, max_size=concurrency)
    n_slots = slot_count(places)
    async with pool.acquire() as conn:
        await conn.execute(
            "CREATE TABLE raw_slots (id INTEGER PRIMARY KEY, remaining INTEGER NOT NULL CHECK (remaining >= 0));"
            "CREATE TABLE raw_bookings (id SERIAL PRIMARY KEY, slot_id INTEGER NOT NULL, party INTEGER NOT NULL);"
        )
        await conn.executemany(
            "INSERT INTO raw_slots VALUES ($1, $2)", [(i, places // n_slots) for i in range(n_slots)]
        )
    rng = random.Random(seed)
    todo = [(n, rng.randrange(n_slots)) for n in parties(places, seed)]
    queue: asyncio.Queue[tuple[int, int]] = asyncio.Queue()
    for item in todo:
        queue.put_nowait(item)
    latencies: list[float] = []

    async def worker() -> None:
        async with pool.acquire() as conn:
            while not queue.empty():
                n, slot = queue.get_nowait()
                t0 = time.perf_counter()
                for k in range(n_slots):
                    s = (slot + k) % n_slots
                    async with conn.transaction():
                        done = await conn.execute(
                            "UPDATE raw_slots SET remaining = remaining - $1 WHERE id = $2 AND remaining >= $1",
                            n,
                            s,
                        )
                        if done == "UPDATE 1":
                            await conn.execute("INSERT INTO raw_bookings (slot_id, party) VALUES ($1, $2)", s, n)
                    if done == "UPDATE 1":
                        latencies.append(time.perf_counter() - t0)
                        break

    started = time.perf_counter()
    await asyncio.gather(*(worker() for _ in range(concurrency)))
    seconds = time.perf_counter() - started
    await pool.close()
    return Figures(len(latencies), seconds, latencies)


def fresh_postgres() -> tuple[str, object]:
    admin = create_engine(_sync_url(POSTGRES_URL), isolation_level="AUTOCOMMIT")
    name = f"antrean_bench_{uuid.uuid4().hex[:8]}"
    with admin.connect() as conn:
        conn.execute(text(f'CREATE DATABASE "{name}"'))
    return make_url(POSTGRES_URL).set(database=name).render_as_string(hide_password=False), (admin, name)


def drop_postgres(handle: object) -> None:
    admin, name = handle  # type: ignore[misc]
    with admin.connect() as conn:
        conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
    admin.dispose()


def report(
    db: str, engine: Figures, raw: Figures, over: int, booked: int, capacity: int, counts: dict[str, int]
) -> dict[str, float]:
    ratio = engine.rate / raw.rate if raw.rate else 0.0
    for name, f in (("raw limit", raw), ("engine", engine)):
        print(
            f"[{db}] {name:<10}: {f.rate:9.0f} bookings/s  p50 {f.pct(0.5):6.2f} ms  p99 {f.pct(0.99):6.2f} ms"
            f"  ({f.bookings} bookings)"
        )
    print(
        f"[{db}] ratio engine/raw {ratio:.2f} (target >= 0.50); places booked {booked} of {capacity}; "
        f"oversold {over}; races lost {counts['races_lost']}; turned away {counts['turned_away']}"
    )
    return {
        "raw_bookings_per_s": round(raw.rate, 1),
        "engine_bookings_per_s": round(engine.rate, 1),
        "ratio": round(ratio, 3),
        "engine_p50_ms": round(engine.pct(0.5), 2),
        "engine_p99_ms": round(engine.pct(0.99), 2),
        "raw_p50_ms": round(raw.pct(0.5), 2),
        "raw_p99_ms": round(raw.pct(0.99), 2),
        "bookings": engine.bookings,
        "places_booked": booked,
        "capacity": capacity,
        "oversold": over,
    }


def round_sqlite(places: int, concurrency: int, seed: int) -> Round:
    with tempfile.TemporaryDirectory() as tmp:
        url = f"sqlite:///{tmp}/rush.sqlite3"
        upgrade_database(url)
        engine, counts = asyncio.run(engine_run(url, places, concurrency, seed))
        over, booked, capacity = oversold(url)
        raw = raw_sqlite(f"{tmp}/raw.sqlite3", places, seed)
    return Round(engine, raw, over, booked, capacity, counts)


def round_postgres(places: int, concurrency: int, seed: int) -> Round:
    url, handle = fresh_postgres()
    try:
        upgrade_database(url)
        engine, counts = asyncio.run(engine_run(url, places, concurrency, seed))
        over, booked, capacity = oversold(url)
        raw = asyncio.run(raw_postgres(url, places, concurrency, seed))
    finally:
        drop_postgres(handle)
    return Round(engine, raw, over, booked, capacity, counts)


@dataclass
class Round:
    engine: Figures
    raw: Figures
    over: int
    booked: int
    capacity: int
    counts: dict[str, int]

    @property
    def ratio(self) -> float:
        return self.engine.rate / self.raw.rate if self.raw.rate else 0.0


def run(db: str, rounds: int, places: int, concurrency: int, seed: int) -> dict[str, object]:
    """Engine and raw side by side, `rounds` times; the median round by ratio is reported."""
    play = round_sqlite if db == "sqlite" else round_postgres
    done = sorted((play(places, concurrency, seed + i) for i in range(rounds)), key=lambda r: r.ratio)
    mid = done[len(done) // 2]
    figures: dict[str, object] = dict(
        report(db, mid.engine, mid.raw, sum(r.over for r in done), mid.booked, mid.capacity, mid.counts)
    )
    figures["ratios"] = [round(r.ratio, 3) for r in done]
    print(f"[{db}] ratios of {rounds} rounds: {', '.join(f'{r.ratio:.2f}' for r in done)} (median shown above)")
    return figures


def main() -> None:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--db", choices=["sqlite", "postgres", "both"], default="both")
    p.add_argument("--places", type=int, default=20_000)
    p.add_argument("--concurrency", type=int, default=32)
    p.add_argument("--seed", type=int, default=7)
    p.add_argument("--rounds", type=int, default=3, help="engine and raw side by side this many times")
    args = p.parse_args()
    figures: dict[str, object] = {"places": args.places, "concurrency": args.concurrency}
    if args.db in ("sqlite", "both"):
        figures["sqlite"] = run("sqlite", args.rounds, args.places, args.concurrency, args.seed)
    if args.db in ("postgres", "both"):
        figures["postgres"] = run("postgres", args.rounds, args.places, args.concurrency, args.seed)
    print(json.dumps(figures))


if __name__ == "__main__":
    main()
