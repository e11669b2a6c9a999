"""`antrean`: one command line for operators and staff, and the entry point of every kind of process.

`antrean bot` (long polling), `antrean web` (staff pages and API, the Telegram webhook when configured),
`antrean worker` (every background job, one active per deployment) and `antrean demo` (everything in one process
against the Bot API stand-in); beside them the commands for the database, offices, quota and staff accounts.
A bad argument is one line on standard error and exit status 2; a refusal by the engine, one line and status 1.
"""

from __future__ import annotations

import asyncio
import contextlib
import getpass
import json
import logging
import os
import signal
import sys
import tempfile
from collections.abc import Awaitable, Callable, Coroutine, Sequence
from datetime import date, time
from pathlib import Path
from typing import Any, TypeVar

import click
from pydantic import ValidationError
from rich.console import Console
from rich.progress import (
    BarColumn,
    MofNCompleteColumn,
    Progress,
    TaskProgressColumn,
    TextColumn,
    TimeElapsedColumn,
)
from sqlalchemy.exc import OperationalError, ProgrammingError, SQLAlchemyError

from antrean import eventloop
from core.clock import SystemClock
from core.config import Settings
from core.crypto import Passwords
from core.domain.calendar import DayState
from core.domain.draw import Finding, PublishedDraw, parse_line, verify
from core.domain.errors import DomainError
from core.domain.identity import NikError, parse_nik
from core.domain.offices import SlotTime
from core.domain.staff import Role
from core.faq.catalogs import catalog_gettext, office_places
from core.faq.library import Library
from core.faq.topics import TOPICS
from core.languages import LANGUAGES
from core.runtime import Runtime, open_runtime, upgrade_database
from core.services import broadcasts, calendar, offices, quota, release, staff
from web import errors as web_errors

T = TypeVar("T")

MARKS = {
    DayState.FREE: "+",
    DayState.FULL: "x",
    DayState.NOT_RELEASED: "?",
    DayState.CLOSED: "-",
    DayState.PAST: ".",
}
LEGEND = "+ free   x full   ? not released yet   - closed/holiday   . past"
LOG_FORMAT = "%(asctime)s %(levelname)s %(name)s: %(message)s"


class Refused(Exception):
    """An engine refusal, already worded: `main` prints it as one line and exits 1."""


# --- argument types: each failure is one sentence that names the value -----------------------------------------


class IsoDate(click.ParamType[date]):
    name = "YYYY-MM-DD"

    def convert(self, value: Any, param: click.Parameter | None, ctx: click.Context | None) -> date:
        if isinstance(value, date):
            return value
        try:
            return date.fromisoformat(str(value))
        except ValueError:
            if len(str(value)) == 10 and str(value)[4] == "-" == str(value)[7]:
                self.fail(f"{value!r} is no day of the calendar", param, ctx)
            self.fail(f"{value!r} is not a date of the form YYYY-MM-DD", param, ctx)


class Month(click.ParamType[tuple[int, int]]):
    name = "YYYY-MM"

    def convert(self, value: Any, param: click.Parameter | None, ctx: click.Context | None) -> tuple[int, int]:
        try:
            first = date.fromisoformat(f"{value}-01")
        except ValueError:
            self.fail(f"{value!r} is not a month of the form YYYY-MM", param, ctx)
        return first.year, first.month


class ClockTime(click.ParamType[time]):
    name = "HH:MM"

    def convert(self, value: Any, param: click.Parameter | None, ctx: click.Context | None) -> time:
        try:
            return time.fromisoformat(str(value))
        except ValueError:
            self.fail(f"{value!r} is not a time of the form HH:MM", param, ctx)


class Slot(click.ParamType[SlotTime]):
    name = "HH:MM-HH:MM=CAPACITY"

    def convert(self, value: Any, param: click.Parameter | None, ctx: click.Context | None) -> SlotTime:
        span, _, capacity = str(value).partition("=")
        start, _, end = span.partition("-")
        try:
            return SlotTime(time.fromisoformat(start), time.fromisoformat(end), int(capacity))
        except (ValueError, DomainError):
            self.fail(f"{value!r} is not a slot of the form HH:MM-HH:MM=CAPACITY, e.g. 08:00-09:00=20", param, ctx)


# --- running the engine's use cases ------------------------------------------------------------------------------


def _settings() -> Settings:
    try:
        return Settings()
    except ValidationError as err:
        first = err.errors()[0]
        where = ".".join(str(p) for p in first["loc"])
        name = f"ANTREAN_{where.upper()}: " if where else ""
        raise click.UsageError(f"{name}{first['msg']}") from None


def _engine(work: Callable[[Runtime], Awaitable[T]]) -> T:
    """Runs one piece of work on a runtime opened for it; an engine refusal becomes `Refused`."""

    async def run() -> T:
        async with open_runtime(_settings(), SystemClock()) as rt:
            return await work(rt)

    try:
        return asyncio.run(run())
    except DomainError as err:
        # The staff pages' sentence for it (English: the operator's terminal has no language of its own), after
        # the code that scripts match on.
        raise Refused(f"refused: {err.code}: {web_errors.explain(err, str)}") from None
    except (OperationalError, ProgrammingError) as err:
        # A database without our tables answers "no such table" (SQLite) or "relation does not exist".
        text = str(err.orig if err.orig is not None else err).lower()
        if "no such table" in text or "does not exist" in text:
            raise Refused("antrean: the database has no schema yet: run `antrean db upgrade` first") from None
        raise Refused(f"antrean: the database refused: {_first_line(err)}") from None
    except (SQLAlchemyError, OSError) as err:  # unreachable server, wrong URL, a file that cannot be read
        raise Refused(f"antrean: cannot use the database: {_first_line(err)}") from None


def _first_line(err: BaseException) -> str:
    inner = getattr(err, "orig", None) or err
    return (str(inner).strip().splitlines() or [inner.__class__.__name__])[0][:200]


def _run_until_signalled(main: Callable[[asyncio.Event], Awaitable[None]]) -> None:
    """Runs a long-lived process until SIGINT or SIGTERM, then lets it stop in order."""

    async def run() -> None:
        stop = asyncio.Event()
        loop = asyncio.get_running_loop()
        for sig in (signal.SIGINT, signal.SIGTERM):
            loop.add_signal_handler(sig, stop.set)
        await main(stop)

    eventloop.run(run())


@click.group(context_settings={"help_option_names": ["-h", "--help"]}, help=__doc__)
def cli() -> None:
    pass


# --- processes ---------------------------------------------------------------------------------------------------


@cli.command()
def bot() -> None:
    """Run the Telegram bot with long polling (ANTREAN_BOT_TOKEN, ANTREAN_TELEGRAM_API_URL)."""
    settings = _settings()
    if not settings.bot_token:
        raise click.UsageError("set ANTREAN_BOT_TOKEN (and ANTREAN_TELEGRAM_API_URL for a self-hosted Bot API)")
    from antrean.bootstrap import run_bot

    logging.basicConfig(level=logging.INFO, format=LOG_FORMAT)
    eventloop.run(run_bot(settings))


@cli.command()
def web() -> None:
    """Serve the web app; the bot by webhook (ANTREAN_WEBHOOK_URL, ANTREAN_WEBHOOK_SECRET)."""
    import uvicorn

    settings = _settings()
    if settings.web_workers > 1 and not os.environ.get("PROMETHEUS_MULTIPROC_DIR"):
        # Each worker process counts in files here, so that any of them answers /metrics for all of them.
        os.environ["PROMETHEUS_MULTIPROC_DIR"] = tempfile.mkdtemp(prefix="antrean-metrics-")
    uvicorn.run(
        "antrean.bootstrap:web_app",
        factory=True,
        host=settings.web_host,
        port=settings.web_port,
        workers=settings.web_workers,
        # uvicorn trusts forwarded headers from 127.0.0.1 unless told otherwise: only from the proxies named.
        proxy_headers=settings.forwarded_allow_ips is not None,
        forwarded_allow_ips=settings.forwarded_allow_ips or "",
    )


@cli.command()
def worker() -> None:
    """Run every background job: lapsed holds, ended bookings, the weekly release (one active per deployment)."""
    from antrean.worker import run_worker

    settings = _settings()
    logging.basicConfig(level=logging.INFO, format=LOG_FORMAT)
    _run_until_signalled(lambda stop: run_worker(settings, SystemClock(), stop))


@cli.group()
def webhook() -> None:
    """Telegram's webhook, registered once at deploy time (not by each worker as it starts)."""


def _telegram(work: Callable[[], Coroutine[Any, Any, T]]) -> T:
    """Runs a call to the Bot API; a refusal or an unreachable server is one line."""
    from aiogram.exceptions import TelegramAPIError
    from aiohttp import ClientError

    try:
        return asyncio.run(work())
    except ValueError as err:
        raise click.UsageError(str(err)) from None
    except TelegramAPIError as err:
        raise Refused(f"antrean: Telegram refused: {err.message}") from None
    except (ClientError, OSError) as err:
        raise Refused(f"antrean: cannot reach the Bot API: {_first_line(err)}") from None


def _show_webhook(info: dict[str, Any]) -> None:
    for key in ("url", "pending_update_count", "max_connections", "allowed_updates", "last_error_message"):
        if key in info:
            value = info[key]
            click.echo(f"{key:<22} {', '.join(value) if isinstance(value, list) else value}")


@webhook.command("set")
@click.option("--drop-pending", is_flag=True, help="forget the updates Telegram holds for the bot now")
def webhook_set(drop_pending: bool) -> None:
    """Register {ANTREAN_WEBHOOK_URL}/telegram/webhook with the secret, the update kinds and max connections."""
    from antrean.bootstrap import register_webhook

    settings = _settings()
    info = _telegram(lambda: register_webhook(settings, drop_pending=drop_pending))
    _show_webhook(info)


@webhook.command("info")
@click.option("--json", "as_json", is_flag=True, help="Telegram's answer as JSON")
def webhook_info(as_json: bool) -> None:
    """What Telegram says about the webhook: its address, updates waiting for it, its last error."""
    from antrean.bootstrap import webhook_info as info_of

    settings = _settings()
    info = _telegram(lambda: info_of(settings))
    if as_json:
        click.echo(json.dumps(info, default=str))
    else:
        _show_webhook(info)


@webhook.command("delete")
@click.option("--drop-pending", is_flag=True, help="forget the updates Telegram holds for the bot now")
def webhook_delete(drop_pending: bool) -> None:
    """Stop the webhook (for long polling with `antrean bot`)."""
    from antrean.bootstrap import delete_webhook

    settings = _settings()
    _telegram(lambda: delete_webhook(settings, drop_pending=drop_pending))
    click.echo("webhook deleted")


DEMO_DATABASE = "sqlite:///var/demo.sqlite3"


@cli.command()
@click.option("--port", type=click.IntRange(0, 65535), default=8080, show_default=True, help="the web app's port")
@click.option("--standin-port", type=click.IntRange(0, 65535), default=8081, show_default=True, help="the stand-in's")
@click.option(
    "--database",
    default=DEMO_DATABASE,
    show_default=True,
    help="the demo's own database (never the one ANTREAN_DATABASE_URL or .env names)",
)
def demo(port: int, standin_port: int, database: str) -> None:
    """Run everything on embedded defaults: stand-in Telegram, bot, worker, web app and playground."""
    settings = _settings()
    if settings.environment == "production":
        # The demo plants logins whose password it prints and plays Telegram itself: never on a real deployment.
        raise click.UsageError("the demo refuses ANTREAN_ENVIRONMENT=production: it plants known logins")
    try:
        from antrean.demo import run_demo
    except ImportError as err:  # the image leaves the dev tools out
        raise click.UsageError(f"the demo needs the development tools of a source checkout ({err.name})") from None
    # Nothing of a real deployment's configuration: its own database, no Redis, no webhook, no real token.
    own = settings.model_copy(
        update={
            "database_url": database,
            "redis_url": None,
            "webhook_url": None,
            "webhook_secret": None,
            "bot_token": None,  # the demo's bot talks to its own stand-in, never with a real token
        }
    )
    logging.basicConfig(level=logging.WARNING, format=LOG_FORMAT)
    eventloop.run(run_demo(own, web_port=port, standin_port=standin_port))


# --- the database and the catalogue of offices -------------------------------------------------------------------


@cli.group()
def db() -> None:
    """The database schema."""


@db.command()
def upgrade() -> None:
    """Create or upgrade the schema to the newest migration."""
    upgrade_database(_settings().database_url)
    click.echo("database is at the newest schema")


@cli.group("offices")
def offices_group() -> None:
    """Import, export or list offices."""


@offices_group.command("import")
@click.argument("file", required=False, type=click.Path(exists=True, dir_okay=False, path_type=Path))
def offices_import(file: Path | None) -> None:
    """Add or update offices by code from FILE (default: the shipped catalogue)."""
    try:
        text = file.read_text(encoding="utf-8") if file else offices.shipped_offices_csv()
    except UnicodeDecodeError:
        raise click.BadParameter("the file is not UTF-8 text", param_hint="FILE") from None
    try:
        added, updated = _engine(lambda rt: offices.import_offices(rt.uow(), text))
    except ValueError as err:  # the CSV's own shape (missing columns, a bad row)
        raise click.BadParameter(str(err), param_hint="FILE") from None
    click.echo(f"{added} offices added, {updated} updated")


@offices_group.command("export")
def offices_export() -> None:
    """The catalogue as CSV on standard output."""
    sys.stdout.write(_engine(lambda rt: offices.export_offices(rt.reader())))


@offices_group.command("list")
@click.option("--query", "-q", help="city, province, name or code to search for")
def offices_list(query: str | None) -> None:
    """Offices matching a city, province, name or code."""
    for o in _engine(lambda rt: offices.search_offices(rt.reader(), query)):
        click.echo(f"{o.code:<10} {o.zone_label:<5} {o.province:<28} {o.city:<20} {o.name}")


# --- quota -------------------------------------------------------------------------------------------------------


@cli.group()
def faq() -> None:
    """The help topics: what the bot answers to a question typed in its chat."""


@faq.command("ask")
@click.argument("question")
@click.option("--json", "as_json", is_flag=True, help="a JSON list, best first")
@click.option("--lang", type=click.Choice(LANGUAGES), help="the answers' language (default: the question's)")
@click.option("--limit", type=click.IntRange(1, 20), default=3, show_default=True, help="how many topics")
def faq_ask(question: str, as_json: bool, lang: str | None, limit: int) -> None:
    """The topics that best answer QUESTION, ranked, with their scores."""
    try:
        index = _engine(lambda rt: rt.help.library()).index  # the shipped topics and those staff wrote
    except Refused as err:  # no database to read the staff's entries from: the shipped topics still answer
        click.echo(f"{err} (answering from the shipped topics only)", err=True)
        index = Library.build(TOPICS, (), catalog_gettext(), office_places()).index
    language = lang or index.language_of(question)
    translate = catalog_gettext()[language]
    answer = index.ask(question, k=limit)
    ranked = [
        {
            "topic": m.topic.key,
            "score": m.score,
            "question": m.topic.question_in(language, translate),
            "answer": m.topic.answer_in(language, translate),
            "confident": answer.confident and i == 0,
        }
        for i, m in enumerate(answer.matches)
    ]
    if as_json:
        click.echo(json.dumps(ranked, ensure_ascii=False))
        return
    if not answer.confident:
        click.echo("no topic answers this with confidence; the nearest:" if ranked else "no topic matches")
    for i, r in enumerate(ranked, 1):
        click.echo(f"{i}. {r['topic']:<13} {r['score']:6.2f}  {r['question']}")
    if answer.confident:
        click.echo("")
        click.echo(ranked[0]["answer"])


@cli.command("calendar")
@click.argument("office")
@click.option("--month", type=Month(), help="YYYY-MM (default: this month)")
@click.option("--party", type=click.IntRange(1, 5), default=1, show_default=True, help="number of applicants")
@click.option("--day", type=IsoDate(), help="also list that day's slots")
def calendar_command(office: str, month: tuple[int, int] | None, party: int, day: date | None) -> None:
    """An office's month calendar with each date's state."""

    async def show(rt: Runtime) -> None:
        now = rt.clock.now()
        year, mon = month or (now.year, now.month)
        view = await calendar.month_calendar(rt.reader(), office, year, mon, party=party, now=now)
        click.echo(f"{view.office.name} ({view.office.code}), {year}-{mon:02d}, party of {party}")
        click.echo("Mo Tu We Th Fr Sa Su")
        line = "   " * view.days[0].day.weekday()
        for d in view.days:
            line += f"{d.day.day:>2}{MARKS[d.state]}"[:3]
            if d.day.weekday() == 6:
                click.echo(line.rstrip())
                line = ""
        if line:
            click.echo(line.rstrip())
        click.echo(LEGEND)
        opens, closes = view.next_window
        zone = view.office.zone_label
        click.echo(f"booking window: {opens:%a %Y-%m-%d %H:%M} – {closes:%a %Y-%m-%d %H:%M} {zone}")
        if day:
            shown = await calendar.day_view(rt.reader(), office, day, party=party, now=now)
            click.echo(f"{shown.day}: {shown.state.value}")
            for s in shown.slots:
                click.echo(f"  {s.start:%H:%M}–{s.end:%H:%M}  {s.remaining:>3} of {s.capacity} left")

    _engine(show)


@cli.command("release")
@click.argument("dates", nargs=-1, type=IsoDate())
@click.option("--office", help="office code")
@click.option("--weekly", is_flag=True, help="schedule every office's next weekly window (idempotent)")
def release_command(dates: tuple[date, ...], office: str | None, weekly: bool) -> None:
    """Release DATES at an office by hand (open for booking now), or schedule the weekly release."""
    if weekly:
        for r in _engine(lambda rt: release.schedule_weekly_release(rt.uow(), rt.clock.now())):
            click.echo(f"{r.office_code}: {', '.join(map(str, r.days))} from {r.bookable_from:%Y-%m-%d %H:%M %Z}")
        return
    if not office or not dates:
        raise click.UsageError("give --office CODE and the dates, or --weekly")
    r = _engine(lambda rt: release.release_by_hand(rt.uow(), office, list(dates), rt.clock.now()))
    click.echo(f"{r.office_code}: released {', '.join(map(str, r.days))}, open for booking now")


@cli.group("quota")
def quota_group() -> None:
    """An office's slot template, a date's capacity, closing a date."""


@quota_group.command("template")
@click.argument("office")
@click.argument("slots", nargs=-1, required=True, type=Slot())
def quota_template(office: str, slots: tuple[SlotTime, ...]) -> None:
    """Replace the slots future releases start from, e.g. 08:00-09:00=20 09:00-10:00=20."""
    done = _engine(lambda rt: quota.set_slot_template(rt.uow(), office, list(slots), now=rt.clock.now()))
    click.echo(f"{done.code}: " + ", ".join(f"{s.label} ({s.capacity})" for s in done.slots))


@quota_group.command("set")
@click.argument("office")
@click.argument("day", type=IsoDate())
@click.argument("start", type=ClockTime())
@click.argument("capacity", type=click.IntRange(min=0))
def quota_set(office: str, day: date, start: time, capacity: int) -> None:
    """One slot's capacity on one date (at once if released, never below what is taken)."""
    done = _engine(lambda rt: quota.set_capacity(rt.uow(), office, day, start, capacity, rt.clock.now()))
    when = "now" if done.released else "when the date is released"
    click.echo(f"{office} {day} {start:%H:%M}: capacity {done.capacity}, {when}")


@quota_group.command("close")
@click.argument("office")
@click.argument("day", type=IsoDate())
@click.option("--reason", default="", help="shown to applicants, e.g. 'renovasi gedung'")
@click.option(
    "--cancel-bookings",
    is_flag=True,
    help="cancel the bookings on it (needs --reason): each owner is told why and may book again at once",
)
def quota_close(office: str, day: date, reason: str, cancel_bookings: bool) -> None:
    """Close a date (refused while bookings stand on it, unless --cancel-bookings)."""
    done = _engine(
        lambda rt: quota.close_date(rt.uow(), office, day, reason, rt.clock.now(), cancel_bookings=cancel_bookings)
    )
    click.echo(f"{office} {day}: closed ({done.emptied_slots} released slots emptied)")
    if done.cancelled:
        click.echo(
            f"cancelled {len(done.cancelled)} bookings ({done.applicants} applicants), owners told: "
            + ", ".join(done.cancelled)
        )


# --- NIK and staff accounts --------------------------------------------------------------------------------------


BroadcastId = click.IntRange(1, 2**31 - 1)


@cli.group("broadcast")
def broadcast_group() -> None:
    """Send an office's own message to its subscribers or to a date's booked applicants, and follow it."""


def _progress_line(p: broadcasts.Progress) -> str:
    return (
        f"#{p.id} {p.office.code} {p.status}: {p.sent} sent, {p.pending} waiting, {p.failed} failed, "
        f"{p.blocked} blocked, {p.cancelled} cancelled, of {p.total}"
    )


def _watch(broadcast_id: int, every: float = 0.5) -> broadcasts.Progress:
    """A progress bar until nothing is left to send (the worker sends; this only reads). Ctrl-C stops watching."""

    async def follow(rt: Runtime) -> broadcasts.Progress:
        p = await broadcasts.progress(rt.reader(), broadcast_id)
        columns = (
            TextColumn("#{task.fields[id]}"), BarColumn(), MofNCompleteColumn(), TaskProgressColumn(),
            TimeElapsedColumn(), TextColumn("{task.fields[note]}"),
        )  # fmt: skip
        # On a terminal, a bar redrawn in place; in a log or a pipe, nothing but the line printed at the end.
        with Progress(*columns, console=Console(stderr=True), disable=not sys.stderr.isatty()) as bar:
            task = bar.add_task("broadcast", total=p.total, id=p.id, note="")
            while True:
                note = "" if p.status == "sending" else p.status
                bar.update(task, completed=p.done, note=note)
                if p.finished or p.state == "paused":
                    return p
                await asyncio.sleep(every)
                p = await broadcasts.progress(rt.reader(), broadcast_id)

    return _engine(follow)


@broadcast_group.command("send")
@click.argument("office")
@click.option("--text-id", "text_id", required=True, help="the message in Indonesian (every applicant reads it)")
@click.option("--text-en", "text_en", default="", help="in English, for who chose English (default: the Indonesian)")
@click.option("--day", type=IsoDate(), help="to everyone booked at the office on this date, not its subscribers")
@click.option("--wait/--no-wait", default=True, help="show a progress bar until it is sent (the worker sends it)")
def broadcast_send(office: str, text_id: str, text_en: str, day: date | None, wait: bool) -> None:
    """Write a broadcast: one outbox row per recipient at once; `antrean worker` sends it."""
    audience = broadcasts.Audience.BOOKED if day is not None else broadcasts.Audience.SUBSCRIBERS
    draft = broadcasts.Draft(office, audience, text_id, text_en, day)
    done = _engine(lambda rt: broadcasts.send(rt.uow(), draft, rt.clock.now()))
    click.echo(f"broadcast #{done.id}: {done.total} recipients")
    if wait and done.total:
        click.echo(_progress_line(_watch(done.id)))


@broadcast_group.command("watch")
@click.argument("broadcast_id", type=BroadcastId)
def broadcast_watch(broadcast_id: int) -> None:
    """Follow a broadcast until nothing is left to send."""
    click.echo(_progress_line(_watch(broadcast_id)))


def _control(broadcast_id: int, action: str) -> None:
    p = _engine(lambda rt: broadcasts.control(rt.uow(), broadcast_id, action, rt.clock.now()))
    click.echo(_progress_line(p))


@broadcast_group.command("pause")
@click.argument("broadcast_id", type=BroadcastId)
def broadcast_pause(broadcast_id: int) -> None:
    """Stop sending a broadcast's rows until it is resumed."""
    _control(broadcast_id, "pause")


@broadcast_group.command("resume")
@click.argument("broadcast_id", type=BroadcastId)
def broadcast_resume(broadcast_id: int) -> None:
    """Send a paused broadcast's remaining rows."""
    _control(broadcast_id, "resume")


@broadcast_group.command("cancel")
@click.argument("broadcast_id", type=BroadcastId)
def broadcast_cancel(broadcast_id: int) -> None:
    """Never send what is not yet sent (final)."""
    _control(broadcast_id, "cancel")


@cli.group()
def nik() -> None:
    """Check a NIK."""


@nik.command("check")
@click.argument("number")
@click.option("--dob", type=IsoDate(), help="date of birth to compare with the NIK")
def nik_check(number: str, dob: date | None) -> None:
    """What a NIK encodes, or exactly which part is wrong (exit 1)."""
    try:
        parsed = parse_nik(number, today=SystemClock().now().date(), date_of_birth=dob)
    except DomainError as err:
        kind = "NIK" if isinstance(err, NikError) else "date of birth"
        click.echo(f"invalid {kind}: {err.code}: {err}")
        for name, value in vars(err).items():
            click.echo(f"  {name}: {value}")
        raise SystemExit(1) from None
    click.echo(f"valid NIK {parsed.masked()}")
    click.echo(f"  province:   {parsed.province_code} {parsed.province_name}")
    click.echo(f"  regency:    {parsed.regency_code}")
    click.echo(f"  district:   {parsed.district_code}")
    click.echo(f"  born:       {parsed.birth_date.isoformat()}")
    click.echo(f"  gender:     {parsed.gender.value}")
    click.echo(f"  serial:     {parsed.serial}")


@cli.group()
def draw() -> None:
    """A fair opening's draw: repeat a published one."""


@draw.command("verify")
@click.argument("published", type=click.File("r", encoding="utf-8"))
def draw_verify(published: Any) -> None:
    """Repeats a published draw (a JSON file, or - for standard input) from its seed and list; exit 1 if it differs.

    The file holds "commitment", "digest", "seed", "beacon" (may be empty), "registrations" (the published lines,
    number|token|party|dates) and "order" (registration numbers), as core/domain/draw.py describes.
    """
    try:
        data = json.load(published)
        if not isinstance(data, dict):
            raise ValueError("not a JSON object")
        missing = [k for k in ("commitment", "digest", "seed", "registrations", "order") if k not in data]
        if missing:
            raise ValueError(f"missing {', '.join(missing)}")
        lines = [str(line) for line in data["registrations"]]
        found = PublishedDraw(
            commitment=str(data["commitment"]),
            digest=str(data["digest"]),
            listed="\n".join(lines),
            registrations=tuple(parse_line(line) for line in lines),
            seed=str(data["seed"]),
            beacon=str(data.get("beacon") or ""),
            order=tuple(int(n) for n in data["order"]),
        )
    except (ValueError, TypeError) as err:  # a JSON syntax error is a ValueError too
        raise click.BadParameter(f"not a published draw: {err}", param_hint="PUBLISHED") from None
    wrong = verify(found)
    n = len(found.registrations)
    checks = (
        (Finding.SEED, f"the seed is the one committed to before registration opened ({found.commitment[:16]}…)"),
        (
            Finding.LIST,
            f"the list is the one frozen when registration closed ({n} registrations, {found.digest[:16]}…)",
        ),
        (Finding.ORDER, "the order is the draw of that list by that seed"),
    )
    for finding, what in checks:
        click.echo(f"{'✗ NOT:' if finding in wrong else '✓'} {what}")
    if wrong:
        raise SystemExit(1)


@cli.group("staff")
def staff_group() -> None:
    """Staff accounts of the web app (make the first administrator here)."""


def _read_password(from_stdin: bool) -> str:
    """From standard input with --password-stdin (for scripts), else asked twice without echo."""
    if from_stdin:
        return sys.stdin.readline().rstrip("\n")
    first = getpass.getpass("Password (at least 10 characters): ")
    if getpass.getpass("Again: ") != first:
        raise Refused("the two passwords differ")
    return first


@staff_group.command("create")
@click.argument("username")
@click.option("--role", required=True, type=click.Choice([r.value for r in Role]))
@click.option("--office", "office_codes", multiple=True, help="office code (office and counter roles; repeat)")
@click.option("--name", help="the name shown on pages and in the audit log")
@click.option("--password-stdin", is_flag=True, help="read the password from the first line of stdin")
def staff_create(
    username: str, role: str, office_codes: tuple[str, ...], name: str | None, password_stdin: bool
) -> None:
    """Make a staff account; USERNAME is 3-64 characters: a-z, 0-9, dot, dash, underscore."""
    password = _read_password(password_stdin)
    made = _engine(
        lambda rt: staff.create_staff(
            rt.uow(),
            Passwords(),
            username=username,
            display_name=name or username,
            password=password,
            role=Role(role),
            office_codes=list(office_codes),
            now=rt.clock.now(),
        )
    )
    click.echo(f"staff account {made.username} ({made.role.value}) created")


@staff_group.command("list")
def staff_list() -> None:
    """The staff accounts."""
    for m in _engine(lambda rt: staff.list_staff(rt.reader())):
        state = "" if m.active else "  (disabled)"
        click.echo(f"{m.username:<24} {m.role.value:<8} {m.display_name}{state}")


def main(argv: Sequence[str] | None = None) -> int:
    """Runs one command; returns its exit status (0 done, 1 refused, 2 a bad argument)."""
    args = list(sys.argv[1:] if argv is None else argv)
    try:
        cli.main(args, prog_name="antrean", standalone_mode=False)
    except click.exceptions.NoArgsIsHelpError as err:
        click.echo(err.ctx.get_help() if err.ctx else str(err))
        return 0
    except click.UsageError as err:
        where = err.ctx.command_path if err.ctx else "antrean"
        click.echo(f"{where}: {err.format_message()}", err=True)
        return 2
    except click.ClickException as err:
        click.echo(f"antrean: {err.format_message()}", err=True)
        return err.exit_code
    except click.Abort:
        click.echo("antrean: stopped", err=True)
        return 1
    except Refused as err:
        click.echo(str(err), err=True)
        return 1
    except SystemExit as err:
        return err.code if isinstance(err.code, int) else (0 if err.code is None else 1)
    return 0


if __name__ == "__main__":
    with contextlib.suppress(KeyboardInterrupt):
        raise SystemExit(main())
