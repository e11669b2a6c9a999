"""`antrean`: the command line for staff and operators (database, offices, quota, NIK checks)."""

from __future__ import annotations

import argparse
import asyncio
import sys
from collections.abc import Sequence
from datetime import date, time
from pathlib import Path

from core.clock import SystemClock
from core.config import Settings
from core.crypto import Passwords
from core.domain.calendar import DayState
from core.domain.errors import DomainError
from core.domain.identity import NikError, parse_nik
from core.domain.offices import SlotTime
from core.domain.staff import Role
from core.runtime import open_runtime, upgrade_database
from core.services import calendar, offices, quota, release, staff

MARKS = {
    DayState.FREE: "+",
    DayState.FULL: "x",
    DayState.NOT_RELEASED: "?",
    DayState.CLOSED: "-",
    DayState.PAST: ".",
}
LEGEND = "+ free   x full   ? not released yet   - closed/holiday   . past"


def _nik_check(args: argparse.Namespace) -> int:
    today = SystemClock().now().date()
    dob = date.fromisoformat(args.dob) if args.dob else None
    try:
        nik = parse_nik(args.nik, today=today, date_of_birth=dob)
    except DomainError as err:
        kind = "NIK" if isinstance(err, NikError) else "date of birth"
        print(f"invalid {kind}: {err.code}: {err}")
        for name, value in vars(err).items():
            print(f"  {name}: {value}")
        return 1
    print(f"valid NIK {nik.masked()}")
    print(f"  province:   {nik.province_code} {nik.province_name}")
    print(f"  regency:    {nik.regency_code}")
    print(f"  district:   {nik.district_code}")
    print(f"  born:       {nik.birth_date.isoformat()}")
    print(f"  gender:     {nik.gender.value}")
    print(f"  serial:     {nik.serial}")
    return 0


async def _offices(args: argparse.Namespace, settings: Settings) -> int:
    async with open_runtime(settings, SystemClock()) as rt:
        if args.action == "import":
            text = (
                await asyncio.to_thread(Path(args.file).read_text, encoding="utf-8")
                if args.file
                else offices.shipped_offices_csv()
            )
            added, updated = await offices.import_offices(rt.uow(), text)
            print(f"{added} offices added, {updated} updated")
        elif args.action == "export":
            sys.stdout.write(await offices.export_offices(rt.reader()))
        else:
            for o in await offices.search_offices(rt.reader(), args.query):
                print(f"{o.code:<10} {o.zone_label:<5} {o.province:<28} {o.city:<20} {o.name}")
    return 0


async def _calendar(args: argparse.Namespace, settings: Settings) -> int:
    clock = SystemClock()
    async with open_runtime(settings, clock) as rt:
        now = clock.now()
        year, month = map(int, args.month.split("-")) if args.month else (now.year, now.month)
        view = await calendar.month_calendar(rt.reader(), args.office, year, month, party=args.party, now=now)
        print(f"{view.office.name} ({view.office.code}), {year}-{month:02d}, party of {args.party}")
        print("Mo Tu We Th Fr Sa Su")
        line = "   " * view.days[0].day.weekday()
        for d in view.days:
            line += f"{d.day.day:>2}{MARKS[d.state]}"[:3]
            if d.day.weekday() == 6:
                print(line.rstrip())
                line = ""
        if line:
            print(line.rstrip())
        print(LEGEND)
        opens, closes = view.next_window
        print(f"booking window: {opens:%a %Y-%m-%d %H:%M} – {closes:%a %Y-%m-%d %H:%M} {view.office.zone_label}")
        if args.day:
            day = await calendar.day_view(
                rt.reader(), args.office, date.fromisoformat(args.day), party=args.party, now=now
            )
            print(f"{day.day}: {day.state.value}")
            for s in day.slots:
                print(f"  {s.start:%H:%M}–{s.end:%H:%M}  {s.remaining:>3} of {s.capacity} left")
    return 0


async def _release(args: argparse.Namespace, settings: Settings) -> int:
    clock = SystemClock()
    async with open_runtime(settings, clock) as rt:
        if args.weekly:
            for r in await release.schedule_weekly_release(rt.uow(), clock.now()):
                print(f"{r.office_code}: {', '.join(map(str, r.days))} from {r.bookable_from:%Y-%m-%d %H:%M %Z}")
            return 0
        if not args.office or not args.dates:
            print("give --office CODE and the dates, or --weekly", file=sys.stderr)
            return 2
        r = await release.release_by_hand(
            rt.uow(), args.office, [date.fromisoformat(d) for d in args.dates], clock.now()
        )
        print(f"{r.office_code}: released {', '.join(map(str, r.days))}, open for booking now")
    return 0


def _slot_arg(text: str) -> SlotTime:
    """'08:00-09:00=20' into a slot."""
    span, _, capacity = text.partition("=")
    start, _, end = span.partition("-")
    return SlotTime(time.fromisoformat(start), time.fromisoformat(end), int(capacity))


async def _quota(args: argparse.Namespace, settings: Settings) -> int:
    clock = SystemClock()
    async with open_runtime(settings, clock) as rt:
        if args.action == "template":
            office = await quota.set_slot_template(
                rt.uow(), args.office, [_slot_arg(s) for s in args.slots], now=clock.now()
            )
            print(f"{office.code}: " + ", ".join(f"{s.label} ({s.capacity})" for s in office.slots))
        elif args.action == "set":
            day, start = date.fromisoformat(args.day), time.fromisoformat(args.start)
            done = await quota.set_capacity(rt.uow(), args.office, day, start, args.capacity, clock.now())
            when = "now" if done.released else "when the date is released"
            print(f"{args.office} {day} {start:%H:%M}: capacity {done.capacity}, {when}")
        else:
            emptied = await quota.close_date(
                rt.uow(), args.office, date.fromisoformat(args.day), args.reason, clock.now()
            )
            print(f"{args.office} {args.day}: closed ({emptied} released slots emptied)")
    return 0


def _read_password(args: argparse.Namespace) -> str | None:
    """From standard input with --password-stdin (for scripts), else asked twice without echo."""
    if args.password_stdin:
        return sys.stdin.readline().rstrip("\n")
    import getpass

    first = getpass.getpass("Password (at least 10 characters): ")
    if getpass.getpass("Again: ") != first:
        print("the two passwords differ", file=sys.stderr)
        return None
    return first


async def _staff(args: argparse.Namespace, settings: Settings) -> int:
    async with open_runtime(settings, SystemClock()) as rt:
        if args.action == "list":
            for m in await staff.list_staff(rt.reader()):
                state = "" if m.active else "  (disabled)"
                print(f"{m.username:<24} {m.role.value:<8} {m.display_name}{state}")
            return 0
        password = _read_password(args)
        if password is None:
            return 1
        made = await staff.create_staff(
            rt.uow(),
            Passwords(),
            username=args.username,
            display_name=args.name or args.username,
            password=password,
            role=Role(args.role),
            office_codes=args.office,
            now=rt.clock.now(),
        )
        print(f"staff account {made.username} ({made.role.value}) created")
    return 0


def build_parser() -> argparse.ArgumentParser:
    p = argparse.ArgumentParser(prog="antrean", description=__doc__)
    sub = p.add_subparsers(dest="command", required=True)

    db = sub.add_parser("db", help="create or upgrade the database schema")
    db.add_argument("action", choices=["upgrade"])

    of = sub.add_parser("offices", help="import, export or list offices")
    of.add_argument("action", choices=["import", "export", "list"])
    of.add_argument("file", nargs="?", help="CSV to import (default: the shipped catalogue)")
    of.add_argument("--query", "-q", help="city, province, name or code to search for")

    cal = sub.add_parser("calendar", help="show an office's month calendar")
    cal.add_argument("office", help="office code, e.g. JKT-SEL")
    cal.add_argument("--month", help="YYYY-MM (default: this month)")
    cal.add_argument("--party", type=int, default=1, help="number of applicants (1-5)")
    cal.add_argument("--day", help="YYYY-MM-DD: also list that day's slots")

    rel = sub.add_parser("release", help="release dates by hand, or schedule the weekly release")
    rel.add_argument("dates", nargs="*", help="YYYY-MM-DD dates to open for booking now")
    rel.add_argument("--office", help="office code")
    rel.add_argument("--weekly", action="store_true", help="schedule every office's next weekly window")

    q = sub.add_parser("quota", help="an office's slot template, a date's capacity, closing a date")
    qs = q.add_subparsers(dest="action", required=True)
    qt = qs.add_parser("template", help="replace the slots future releases start from")
    qt.add_argument("office")
    qt.add_argument("slots", nargs="+", help="HH:MM-HH:MM=CAPACITY, e.g. 08:00-09:00=20")
    qc = qs.add_parser("set", help="one slot's capacity on one date")
    qc.add_argument("office")
    qc.add_argument("day", help="YYYY-MM-DD")
    qc.add_argument("start", help="HH:MM, the slot's start")
    qc.add_argument("capacity", type=int)
    qx = qs.add_parser("close", help="close a date (no bookings may stand on it)")
    qx.add_argument("office")
    qx.add_argument("day", help="YYYY-MM-DD")
    qx.add_argument("--reason", default="", help="shown to applicants, e.g. 'renovasi gedung'")

    nik = sub.add_parser("nik", help="check a NIK")
    nik.add_argument("action", choices=["check"])
    nik.add_argument("nik")
    nik.add_argument("--dob", help="date of birth YYYY-MM-DD to compare with the NIK")

    st = sub.add_parser("staff", help="staff accounts of the web app (make the first administrator here)")
    sts = st.add_subparsers(dest="action", required=True)
    sc = sts.add_parser("create", help="make a staff account; the password is asked for (or read from stdin)")
    sc.add_argument("username", help="3-64 characters: a-z, 0-9, dot, dash, underscore")
    sc.add_argument("--role", required=True, choices=[r.value for r in Role])
    sc.add_argument("--office", action="append", default=[], help="office code (office and counter roles; repeat)")
    sc.add_argument("--name", help="the name shown on pages and in the audit log")
    sc.add_argument("--password-stdin", action="store_true", help="read the password from the first line of stdin")
    sts.add_parser("list", help="list staff accounts")

    demo = sub.add_parser("demo", help="run everything on embedded defaults: stand-in Telegram, bot, web app")
    demo.add_argument("--port", type=int, default=8080, help="the web app's port (staff pages, playground)")
    demo.add_argument("--standin-port", type=int, default=8081, help="the Bot API stand-in's port")
    # `antrean bot` and `antrean web` are run by bot.cli, the console script's entry point: the engine knows
    # no doors; they are listed here so that --help shows them.
    sub.add_parser("bot", help="run the Telegram bot with long polling (ANTREAN_BOT_TOKEN, ANTREAN_TELEGRAM_API_URL)")
    sub.add_parser("web", help="serve the web app; the bot by webhook (ANTREAN_WEBHOOK_URL, ANTREAN_WEBHOOK_SECRET)")
    return p


def main(argv: Sequence[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    if args.command == "nik":
        return _nik_check(args)
    settings = Settings()
    if args.command == "db":
        upgrade_database(settings.database_url)
        print("database is at the newest schema")
        return 0
    try:
        if args.command == "offices":
            return asyncio.run(_offices(args, settings))
        if args.command == "calendar":
            return asyncio.run(_calendar(args, settings))
        if args.command == "release":
            return asyncio.run(_release(args, settings))
        if args.command == "quota":
            return asyncio.run(_quota(args, settings))
        if args.command == "staff":
            return asyncio.run(_staff(args, settings))
    except DomainError as err:
        print(f"refused: {err.code}: {err}", file=sys.stderr)
        return 1
    return 2


if __name__ == "__main__":
    raise SystemExit(main())
