"""A fair opening end to end: the draw among pre-registered parties, its offers at Telegram's limit, confirmations.

`--parties` registrations (parties of one to five, each for a run of one to three of the week's dates) are written
in bulk at `--offices` offices with the fair-opening option (registering is not measured). Then the engine's own
code runs as the worker runs it: the list frozen two hours before the opening, and at the opening each office's
draw, its places offered to the drawn parties in order. The outbox's real sender delivers the offers to the Bot API
stand-in, in this process, which enforces Telegram's limit (30 messages a second) and records when it accepted
each. Once the offers are out, the parties answer: `--accept` of them take their places (the proofs follow), the
others let the offer lapse. The clock then moves on by one hold period; the waiting list's sweep ends the lapsed
offers and offers those places to the drawn parties still waiting, who all take them. After the second hold period
it checks that no place is free while a waiting party fits it.

It prints the draw time (the procedure's shuffle alone, and with the offers written), offers sent per second from
the first to the last and their ratio to the limit, places filled, the time from the opening until the last place
was taken (simulated time: the hold periods the clock skipped, plus the wall time of each round), and places
oversold (counted from the bookings, not trusted from the counters). Last line: one JSON object of those figures.
Targets: the draw under 1 s, offers at 0.95 of the limit or more, 0 oversold, every place taken or offered again
within two hold periods.

    .venv/bin/python bench/fair_opening.py [--parties 10000] [--offices 4] [--capacity 25] [--accept 0.9]
                                           [--db sqlite|postgres] [--seed 7]
"""

from __future__ import annotations

import argparse
import asyncio
import json
import random
import sys
import tempfile
import time
from datetime import date, datetime, timedelta
from datetime import time as dtime
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from sqlalchemy import func, insert, select

from antrean.bootstrap import outbox_courier, outbox_sender
from bench.broadcast import rate_of
from bench.engine_rush import SECRET, drop_postgres, fresh_postgres, oversold, seed_accounts
from core.clock import FixedClock
from core.config import Settings
from core.domain import draw as procedure
from core.domain.announcements import Kind, RowState
from core.domain.offices import Office, OfficeKind, SlotTime
from core.domain.waitlist import OFFER_MINUTES, WaitState
from core.persistence.tables import announcements, draw_entries, outbox, waitlist
from core.runtime import Runtime, open_runtime, upgrade_database
from core.services import fair_opening, offices, release
from core.services import waitlist as waiting
from devtools.standin import BotApiStandin

TOKEN = "123456:BENCH-antrean"
JAKARTA = Office(code="X", kind=OfficeKind.KANIM, name="x", kanwil="", province="", city="", address="",
                 timezone="Asia/Jakarta").zone  # fmt: skip
MONDAY = datetime(2026, 11, 30, 9, 0, tzinfo=JAKARTA)  # pre-registration week
OPENS = datetime(2026, 12, 4, 14, 0, tzinfo=JAKARTA)  # the Friday opening
LIMIT = 30.0  # Telegram's messages a second, which the stand-in enforces
HOLD = timedelta(minutes=OFFER_MINUTES)
SLOTS = [(dtime(8 + i), dtime(9 + i)) for i in range(6)]


def fair_office(n: int, capacity: int) -> Office:
    return Office(
        code=f"FAIR{n}", kind=OfficeKind.KANIM, name=f"Kantor Imigrasi Uji Adil {n}", kanwil="Kanwil DKI Jakarta",
        province="DKI Jakarta", city="Jakarta Selatan", address="Jalan Uji No. 1", timezone="Asia/Jakarta",
        slots=tuple(SlotTime(s, e, capacity) for s, e in SLOTS), fair_opening=True,
    )  # fmt: skip


async def register_in_bulk(rt: Runtime, accounts: list[tuple[int, list[int]]], n_offices: int, seed: int) -> None:
    """Each account's party registered at one of the offices for one to three consecutive dates of the week."""
    rng = random.Random(seed)
    async with rt.reader() as uow:
        draws = [d for d in await uow.draws.undrawn()]
    rows = []
    for i, (account_id, party) in enumerate(accounts):
        draw = draws[i % n_offices]
        first = rng.randrange(len(draw.days))
        last = min(len(draw.days) - 1, first + rng.choice((0, 0, 1, 2)))
        rows.append(
            {
                "draw_id": draw.id, "account_id": account_id, "token": procedure.new_token(),
                "party": json.dumps([[a, "new"] for a in party]), "first_day": draw.days[first],
                "last_day": draw.days[last], "registered_at": rt.clock.now(),
            }
        )  # fmt: skip
    async with rt.engine.begin() as conn:
        for k in range(0, len(rows), 2000):
            await conn.execute(insert(draw_entries), rows[k : k + 2000])


async def _pending(rt: Runtime) -> int:
    """Messages still to send, but for the draw's notices to the families it gave no places at once: they go
    behind the offers and proofs, thousands of them, and what is measured here does not wait for them."""
    async with rt.engine.connect() as conn:
        busy = [RowState.PENDING.value, RowState.SENDING.value]
        value = await conn.execute(
            select(func.count())
            .select_from(outbox.join(announcements, announcements.c.id == outbox.c.announcement_id))
            .where(outbox.c.state.in_(busy), announcements.c.kind != Kind.DRAWN.value)
        )
        return int(value.scalar_one())


async def _drained(rt: Runtime) -> None:
    """Until the sender has nothing left to send (it polls the outbox: nothing here to be told by)."""
    while await _pending(rt):  # noqa: ASYNC110 - the sender writes its progress to the database only
        await asyncio.sleep(0.05)


async def _offered_chats(rt: Runtime) -> set[int]:
    """The chats sent an offer so far."""
    async with rt.engine.connect() as conn:
        rows = await conn.execute(
            select(outbox.c.chat_id).join(announcements).where(announcements.c.kind == Kind.OFFER.value)
        )
        return {int(c) for (c,) in rows}


async def _offered(rt: Runtime) -> list[tuple[int, int]]:
    """(account, entry) of every open offer."""
    async with rt.engine.connect() as conn:
        rows = await conn.execute(
            select(waitlist.c.account_id, waitlist.c.id).where(waitlist.c.state == WaitState.OFFERED.value)
        )
        return [(int(a), int(e)) for a, e in rows]


async def _answer(rt: Runtime, offers: list[tuple[int, int]], share: float, rng: random.Random) -> tuple[int, float]:
    """`share` of the open offers taken, eight at a time; how many, and the wall time of the last."""
    taking = [o for o in offers if rng.random() < share]
    last = time.monotonic()
    gate = asyncio.Semaphore(8)

    async def take(account: int, entry: int) -> None:
        nonlocal last
        async with gate:
            await waiting.accept(rt.uow, rt.desk, account, entry, rt.clock.now())
            last = time.monotonic()

    await asyncio.gather(*(take(a, e) for a, e in taking))
    return len(taking), last


async def _free_while_someone_fits(rt: Runtime, office_ids: list[int], days: list[date]) -> int:
    """Places free in a slot while a waiting party wants its date and fits: what the sweep should have offered."""
    found = 0
    async with rt.reader() as uow:
        for office_id in office_ids:
            room = await uow.slots.in_range(office_id, min(days), max(days))
            line = [e for e in await uow.waitlist.live_at(office_id) if e.state is WaitState.WAITING]
            for day, slots in room.items():
                for s in slots:
                    if s.remaining and any(e.wants(day) and e.size <= s.remaining for e in line):
                        found += s.remaining
    return found


async def run(url: str, parties: int, n_offices: int, capacity: int, accept: float, seed: int) -> dict[str, Any]:
    rng = random.Random(seed)
    sizes = [rng.choice((1, 1, 1, 2, 2, 3, 4, 5)) for _ in range(parties)]
    accounts = await asyncio.to_thread(seed_accounts, url, sizes)
    clock = FixedClock(MONDAY)
    async with BotApiStandin() as telegram:  # Telegram's limits: 30 a second
        for i in range(parties):
            telegram.meet(10_000 + i)
        settings = Settings(database_url=url, environment="test", secret_key=SECRET, bot_token=TOKEN,
                            telegram_api_url=telegram.base_url, proof_workers=0)  # fmt: skip
        async with open_runtime(settings, clock) as rt:
            saved = [await offices.save_office(rt.uow(), fair_office(n, capacity)) for n in range(n_offices)]
            office_ids = [o.id for o in saved if o.id is not None]
            await release.schedule_weekly_release(rt.uow(), clock.now())
            await fair_opening.prepare(rt.uow, clock.now())
            await register_in_bulk(rt, accounts, n_offices, seed)
            clock.set(OPENS - procedure.FREEZE_BEFORE)
            await fair_opening.freeze_due(rt.uow, clock.now())
            clock.set(OPENS)
            async with outbox_courier(rt) as courier:
                sender = outbox_sender(rt, courier)
                stop = asyncio.Event()

                async def send() -> None:
                    while not stop.is_set():
                        await sender.run()
                        await asyncio.sleep(0.02)

                sending = asyncio.create_task(send())
                first_send = telegram.sent_count()
                started = time.perf_counter()
                drawn = await fair_opening.draw_due(rt.uow, rt.desk, clock.now())
                written = time.perf_counter() - started
                await _drained(rt)
                offered_chats = await _offered_chats(rt)
                offer_times = [s.at for s in telegram.sends()[first_send:] if s.chat_id in offered_chats]
                round_start = time.monotonic()
                taken, last = await _answer(rt, await _offered(rt), accept, rng)
                last_taken = (clock.now() - OPENS).total_seconds() + (last - round_start)
                # One hold period on: the lapsed offers end, their places go to the next parties, who all take them.
                clock.advance(HOLD + timedelta(minutes=1))
                await _drained(rt)
                swept = await waiting.sweep(rt.uow, rt.desk, clock)
                await _drained(rt)
                round_start = time.monotonic()
                again, last = await _answer(rt, await _offered(rt), 1.0, rng)
                if again:
                    last_taken = (clock.now() - OPENS).total_seconds() + (last - round_start)
                clock.set(OPENS + 2 * HOLD)
                await waiting.sweep(rt.uow, rt.desk, clock)
                draw_days = sorted({d for draw in (await _draws(rt)) for d in draw.days})
                left_free = await _free_while_someone_fits(rt, office_ids, draw_days)
                await _drained(rt)
                stop.set()
                sender.interrupt()
                await sending
    over, booked, capacity_total = await asyncio.to_thread(oversold, url)
    rate, span = rate_of(sorted(offer_times))
    offers = sum(d.offered for d in drawn)
    figures: dict[str, Any] = {
        "parties": parties,
        "offices": n_offices,
        "draw_seconds": round(sum(d.draw_seconds for d in drawn), 4),
        "draw_and_offers_written_seconds": round(written, 3),
        "offers": offers,
        "offers_per_second": round(rate, 2),
        "offers_ratio_to_limit": round(rate / LIMIT, 3),
        "offers_span_seconds": round(span, 2),
        "taken_first_round": taken,
        "lapsed": swept.lapsed,
        "offered_again": swept.offered,
        "taken_second_round": again,
        "places": capacity_total,
        "places_filled": booked,
        "filled_share": round(booked / capacity_total, 3) if capacity_total else 0.0,
        "last_place_taken_after_seconds": round(last_taken, 1),
        "hold_period_seconds": HOLD.total_seconds(),
        "free_while_a_party_fits": left_free,
        "oversold": over,
    }
    figures["targets_met"] = (
        figures["draw_seconds"] < 1.0
        and (offers < 2 or figures["offers_ratio_to_limit"] >= 0.95)
        and over == 0
        and left_free == 0
        and last_taken <= 2 * HOLD.total_seconds()
    )
    return figures


async def _draws(rt: Runtime) -> list[procedure.Draw]:
    async with rt.reader() as uow:
        found = []
        for office in await uow.offices.list():
            if office.id is not None and (draw := await uow.draws.latest(office.id)) is not None:
                found.append(draw)
        return found


def positive(text: str) -> int:
    value = int(text)
    if value < 1:
        raise argparse.ArgumentTypeError(f"must be 1 or more, not {value}")
    return value


def share(text: str) -> float:
    value = float(text)
    if not 0.0 <= value <= 1.0:
        raise argparse.ArgumentTypeError(f"must be from 0 to 1, not {value}")
    return value


def main() -> None:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--parties", type=positive, default=10_000, help="pre-registered parties, over all offices")
    p.add_argument("--offices", type=positive, default=4)
    p.add_argument("--capacity", type=positive, default=25, help="places in each of an office's 6 daily slots")
    p.add_argument("--accept", type=share, default=0.9, help="share of the first offers taken; the rest lapse")
    p.add_argument("--db", choices=["sqlite", "postgres"], default="sqlite")
    p.add_argument("--seed", type=int, default=7)
    args = p.parse_args()
    if args.offices > args.parties:
        p.error("--offices: at most one per party")
    with tempfile.TemporaryDirectory() as tmp:
        handle = None
        if args.db == "sqlite":
            url = f"sqlite:///{tmp}/fair.sqlite3"
        else:
            url, handle = fresh_postgres()
        try:
            upgrade_database(url)  # Alembic runs its own event loop: before ours starts
            figures = asyncio.run(run(url, args.parties, args.offices, args.capacity, args.accept, args.seed))
        finally:
            if handle is not None:
                drop_postgres(handle)
    f = figures
    print(f"fair opening: {f['parties']} parties at {f['offices']} offices, {f['places']} places ({args.db})")
    print(f"  draw (the shuffle alone): {f['draw_seconds']:.3f} s; with the offers written: "
          f"{f['draw_and_offers_written_seconds']:.2f} s")  # fmt: skip
    print(f"  offers: {f['offers']} sent at {f['offers_per_second']:.2f}/s over {f['offers_span_seconds']:.1f} s, "
          f"{f['offers_ratio_to_limit']:.3f} of the limit ({LIMIT:.0f}/s)")  # fmt: skip
    print(f"  taken at once: {f['taken_first_round']}; lapsed: {f['lapsed']}; offered again: {f['offered_again']} "
          f"taken: {f['taken_second_round']}")  # fmt: skip
    print(
        f"  places filled: {f['places_filled']} of {f['places']} ({f['filled_share']:.1%}); last taken "
        f"{f['last_place_taken_after_seconds']:.0f} s after the opening (hold period {HOLD.total_seconds():.0f} s)"
    )
    print(f"  free while a waiting party fits, after two hold periods: {f['free_while_a_party_fits']}; "
          f"oversold: {f['oversold']}; targets met: {f['targets_met']}")  # fmt: skip
    print(json.dumps({"db": args.db, **figures}))


if __name__ == "__main__":
    main()
