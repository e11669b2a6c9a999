"""The day's list of expected applicants at one office, grouped by arrival slot, for the counter and for print."""

from __future__ import annotations

import functools
import io
from dataclasses import dataclass
from datetime import UTC, date, datetime, time
from typing import NamedTuple
from zoneinfo import ZoneInfo

from reportlab.lib.pagesizes import A4
from reportlab.lib.utils import simpleSplit
from reportlab.pdfbase.pdfmetrics import stringWidth
from reportlab.pdfgen.canvas import Canvas

from core.documents.pdf_text import (
    BOLD,
    GREY,
    PAGE_H,
    PAGE_W,
    REGULAR,
    RULE,
    Rgb,
    format_day,
    format_times,
    latin,
    masked_nik,
)
from core.domain.booking import format_booking_code
from core.domain.offices import Office


@dataclass(frozen=True, slots=True)
class ListedApplicant:
    position: int  # 1..5 within the booking
    queue_no: int | None
    full_name: str
    nik: str  # masked ("3174********0001") unless the viewer is at the counter
    application_type: str  # "new" or "replacement"
    checked_in_at: datetime | None  # UTC


@dataclass(frozen=True, slots=True)
class ListedBooking:
    code: str
    status: str  # "confirmed" or "held" (a hold not yet confirmed is listed so the counter is not surprised)
    applicants: tuple[ListedApplicant, ...]


@dataclass(frozen=True, slots=True)
class ListedSlot:
    start: time
    end: time
    capacity: int
    bookings: tuple[ListedBooking, ...]


@dataclass(frozen=True, slots=True)
class DailyList:
    office: Office
    day: date
    slots: tuple[ListedSlot, ...]
    full_nik: bool  # True when NIKs are shown whole (the counter role)
    printed_at: datetime  # UTC


# --- the printed list ------------------------------------------------------------------------------------------
# Drawn with reportlab's canvas like the proof (core/documents/proof.py), with the same fonts and text helpers
# (core/documents/pdf_text.py). Two passes: the rows are measured and cut into pages first, so each footer knows
# the page count when it is drawn and no canvas state has to be replayed.

_MARGIN_X = 36.0
_TOP: float = PAGE_H - 36.0
_BOTTOM = 40.0  # the body stops here; the footer sits below
_FOOTER_Y = 24.0
_WIDTH: float = PAGE_W - 2 * _MARGIN_X
_SIZE = 9.0  # table text
_SMALL = 7.5  # column titles, the "held" note
_LEADING = 10.8
_PAD = 3.6
_NAME_LINES = 2  # a longer name is cut with an ellipsis: the row stays short and the NIK identifies the person
_BOX = 8.5  # side of the check-in box
_SHADE: Rgb = (0.9, 0.9, 0.9)
_ELLIPSIS = "\u2026"  # in WinAnsi, so in Helvetica

# Columns: queue no., booking code, name, NIK, application type, check-in.
_COLUMN_WIDTHS = (34.0, 78.0, _WIDTH - 34.0 - 78.0 - 104.0 - 74.0 - 44.0, 104.0, 74.0, 44.0)
_COLUMN_XS = tuple(_MARGIN_X + sum(_COLUMN_WIDTHS[:i]) for i in range(len(_COLUMN_WIDTHS)))


@dataclass(frozen=True, slots=True)
class DailyListLabels:
    """The list's words in the staff member's language, filled by the adapter through gettext."""

    title: str  # "Daftar Kedatangan Pemohon"
    printed: str  # "Dicetak {when}"
    times_in: str  # "Semua jam dalam {zone}"
    queue: str  # table column: "No."
    booking_code: str  # table column: "Kode booking"
    name: str  # table column: "Nama"
    nik: str  # table column: "NIK"
    application_type: str  # table column: "Jenis"
    check_in: str  # table column: "Hadir"
    type_new: str  # "Baru"
    type_replacement: str  # "Penggantian"
    held: str  # under the code of a booking on hold: "Belum dikonfirmasi"
    applicants: str  # "{n} pemohon"
    capacity: str  # "kuota {n}"
    continued: str  # after a slot's times on the page it continues on: "(lanjutan)"
    empty: str  # "Tidak ada pemohon yang terdaftar pada hari ini."
    page: str  # "Halaman {page} dari {pages}"


def render_daily_list(data: DailyList, labels: DailyListLabels, locale: str) -> bytes:
    """The day's list as A4 PDF bytes: a header on every page, one section per slot, one row per applicant."""
    header = _header_lines(data, labels, locale)
    pages = _paginate(data, labels, body_top=_TOP - _header_height(header))
    footer_left = latin(f"{data.office.code} · {format_day(data.day, locale)}")
    buffer = io.BytesIO()
    # invariant: no time stamp or random file id, so the same list gives the same bytes.
    canvas = Canvas(buffer, pagesize=A4, pageCompression=1, invariant=1, lang=locale)
    canvas.setTitle(latin(f"{labels.title} {data.office.code} {data.day.isoformat()}"))
    canvas.setCreator("Antrean")
    for number, blocks in enumerate(pages, start=1):
        y = _draw_header(canvas, header)
        for block in blocks:
            y = _draw_block(canvas, block, y)
        _draw_footer(canvas, footer_left, labels.page.format(page=number, pages=len(pages)))
        canvas.showPage()
    canvas.save()
    return buffer.getvalue()


# --- layout ----------------------------------------------------------------------------------------------------


class _HeaderLine(NamedTuple):
    left: str
    right: str
    font: str
    size: float
    colour: Rgb | None


class _SlotHead(NamedTuple):
    title: str
    detail: str
    height: float


class _Columns(NamedTuple):
    cells: tuple[tuple[str, ...], ...]  # the lines of each column title
    height: float


class _Row(NamedTuple):
    queue: str
    code: str  # "" after the first applicant of a booking
    held: tuple[str, ...]  # the "held" note under the code
    name: tuple[str, ...]
    nik: str
    kind: str
    check_in: str | None  # local "HH:MM"; None draws an empty box to tick
    first_of_booking: bool
    height: float


class _Message(NamedTuple):
    lines: tuple[str, ...]
    height: float


_Block = _SlotHead | _Columns | _Row | _Message


def _header_lines(data: DailyList, labels: DailyListLabels, locale: str) -> tuple[_HeaderLine, ...]:
    printed_at = _local(data.printed_at, _zone(data.office.timezone))
    when = f"{format_day(printed_at.date(), locale)} {printed_at:%H:%M} {data.office.zone_label}"
    total = sum(len(b.applicants) for s in data.slots for b in s.bookings)
    lines = [_HeaderLine(labels.title, labels.printed.format(when=when), BOLD, 14.0, None)]
    lines += [_HeaderLine(t, "", BOLD, 11.0, None) for t in _fit(data.office.name, BOLD, 11.0, _WIDTH, 2)]
    lines += [_HeaderLine(t, "", REGULAR, 9.0, GREY) for t in _fit(data.office.address, REGULAR, 9.0, _WIDTH, 2)]
    detail = f"{labels.times_in.format(zone=data.office.zone_label)} · {labels.applicants.format(n=total)}"
    lines.append(_HeaderLine(format_day(data.day, locale), detail, BOLD, 12.0, None))
    return tuple(line._replace(left=latin(line.left), right=latin(line.right)) for line in lines)


def _header_height(lines: tuple[_HeaderLine, ...]) -> float:
    return sum(line.size * 1.3 for line in lines) + 10.0


def _paginate(data: DailyList, labels: DailyListLabels, *, body_top: float) -> list[list[_Block]]:
    """The blocks of each page: a booking stays on one page, and a slot that runs on repeats its heading there."""
    room_per_page = body_top - _BOTTOM
    pages: list[list[_Block]] = [[]]
    room = room_per_page
    columns = _columns(labels)

    def add(*blocks: _Block) -> None:
        nonlocal room
        pages[-1].extend(blocks)
        room -= sum(b.height for b in blocks)

    def new_page() -> None:
        nonlocal room
        pages.append([])
        room = room_per_page

    if not any(b.applicants for s in data.slots for b in s.bookings):
        lines = _fit(labels.empty, REGULAR, 11.0, _WIDTH, 3)
        add(_Message(lines, len(lines) * 14.0 + 12.0))
        return pages

    zone = _zone(data.office.timezone)
    kinds = {"new": labels.type_new, "replacement": labels.type_replacement}
    for slot in data.slots:
        count = sum(len(b.applicants) for b in slot.bookings)
        title = latin(format_times(slot.start, slot.end, data.office.zone_label))
        detail = latin(f"{labels.applicants.format(n=count)} · {labels.capacity.format(n=slot.capacity)}")
        head = _SlotHead(title, detail, 24.0)
        again = head._replace(title=f"{title} {latin(labels.continued)}")
        lead: tuple[_Block, ...] = (head, columns) if count else (head,)
        groups = [_rows(b, data, labels, kinds, zone) for b in slot.bookings if b.applicants]
        if not groups and room < head.height:
            new_page()
        for group in groups:
            need = sum(b.height for b in lead) + sum(r.height for r in group)
            if need > room and room < room_per_page:
                new_page()
                lead = (head, columns) if lead else (again, columns)
            add(*lead)
            lead = ()
            for row in group:
                if row.height > room:  # only a booking taller than a whole page gets here
                    new_page()
                    add(again, columns)
                add(row)
        if not groups:
            add(*lead)
    return pages


def _columns(labels: DailyListLabels) -> _Columns:
    titles = (labels.queue, labels.booking_code, labels.name, labels.nik, labels.application_type, labels.check_in)
    cells = tuple(_fit(t, BOLD, _SMALL, w - 2 * _PAD, 2) for t, w in zip(titles, _COLUMN_WIDTHS, strict=True))
    return _Columns(cells, max(len(c) for c in cells) * _SMALL * 1.2 + 2 * _PAD)


def _rows(
    booking: ListedBooking, data: DailyList, labels: DailyListLabels, kinds: dict[str, str], zone: ZoneInfo
) -> list[_Row]:
    """One row per applicant; the code, and the note of a hold, only on the first."""
    code = latin(format_booking_code(booking.code))
    held = _fit(labels.held, REGULAR, _SMALL, _COLUMN_WIDTHS[1] - 2 * _PAD, 3) if booking.status == "held" else ()
    rows = []
    for i, a in enumerate(booking.applicants):
        first = i == 0
        name = _fit(a.full_name, REGULAR, _SIZE, _COLUMN_WIDTHS[2] - 2 * _PAD, _NAME_LINES)
        # The NIK as given; a full number on a list for a viewer who may not see one is masked here, never printed.
        nik = a.nik if data.full_nik else masked_nik(a.nik)
        check_in = None if a.checked_in_at is None else f"{_local(a.checked_in_at, zone):%H:%M}"
        note = held if first else ()
        height = max(len(name) * _LEADING, _LEADING + len(note) * _SMALL * 1.2) + 2 * _PAD
        rows.append(
            _Row(
                queue="–" if a.queue_no is None else str(a.queue_no),
                code=code if first else "",
                held=note,
                name=name,
                nik=_fit(nik, REGULAR, _SIZE, _COLUMN_WIDTHS[3] - 2 * _PAD, 1)[0],
                kind=_fit(
                    kinds.get(a.application_type, a.application_type), REGULAR, _SIZE, _COLUMN_WIDTHS[4] - 2 * _PAD, 1
                )[0],
                check_in=check_in,
                first_of_booking=first,
                height=height,
            )
        )
    return rows


# --- drawing ---------------------------------------------------------------------------------------------------


def _draw_header(c: Canvas, lines: tuple[_HeaderLine, ...]) -> float:
    """Draws the page header; returns the y below it."""
    y = _TOP
    right_edge = PAGE_W - _MARGIN_X
    for line in lines:
        y -= line.size * 1.3
        c.setFont(line.font, line.size)
        if line.colour is not None:
            c.setFillColorRGB(*line.colour)
        c.drawString(_MARGIN_X, y, line.left)
        if line.colour is not None:
            c.setFillColorRGB(0, 0, 0)
        if line.right:
            c.setFont(REGULAR, 8.5)
            c.setFillColorRGB(*GREY)
            c.drawRightString(right_edge, y, line.right)
            c.setFillColorRGB(0, 0, 0)
    y -= 6.0
    c.setStrokeColorRGB(0, 0, 0)
    c.setLineWidth(1.0)
    c.line(_MARGIN_X, y, right_edge, y)
    return y - 4.0


def _draw_block(c: Canvas, block: _Block, y: float) -> float:
    """Draws one block with its top at y; returns the y below it."""
    bottom = y - block.height
    if isinstance(block, _Row):
        _draw_row(c, block, y)
    elif isinstance(block, _SlotHead):
        c.setFillColorRGB(*_SHADE)
        c.rect(_MARGIN_X, bottom + 2.0, _WIDTH, block.height - 6.0, stroke=0, fill=1)
        c.setFillColorRGB(0, 0, 0)
        baseline = bottom + 2.0 + (block.height - 6.0 - 10.5 * 0.7) / 2
        c.setFont(BOLD, 10.5)
        c.drawString(_MARGIN_X + _PAD, baseline, block.title)
        c.setFont(REGULAR, 9.0)
        c.drawRightString(PAGE_W - _MARGIN_X - _PAD, baseline, block.detail)
    elif isinstance(block, _Columns):
        c.setFont(BOLD, _SMALL)
        c.setFillColorRGB(*GREY)
        for x, cell in zip(_COLUMN_XS, block.cells, strict=True):
            for i, line in enumerate(cell):
                c.drawString(x + _PAD, y - _PAD - _SMALL * 0.85 - i * _SMALL * 1.2, line)
        c.setFillColorRGB(0, 0, 0)
        _rule(c, bottom, 0.75, GREY)
    else:
        c.setFont(REGULAR, 11.0)
        for i, line in enumerate(block.lines):
            c.drawString(_MARGIN_X, y - 18.0 - i * 14.0, line)
    return bottom


def _draw_row(c: Canvas, row: _Row, y: float) -> None:
    if row.first_of_booking:
        _rule(c, y, 0.75, GREY)  # a darker rule between bookings, a faint one between applicants
    top = y - _PAD - _SIZE * 0.85
    x = _COLUMN_XS
    # Left to right, so that text pulled from the PDF reads in the order of the columns.
    c.setFont(REGULAR, _SIZE)
    c.drawString(x[0] + _PAD, top, row.queue)
    if row.code:
        c.setFont(BOLD, _SIZE)
        c.drawString(x[1] + _PAD, top, row.code)
    if row.held:
        c.setFont(REGULAR, _SMALL)
        c.setFillColorRGB(*GREY)
        for i, line in enumerate(row.held):
            c.drawString(x[1] + _PAD, top - _LEADING - i * _SMALL * 1.2, line)
        c.setFillColorRGB(0, 0, 0)
    c.setFont(REGULAR, _SIZE)
    for i, line in enumerate(row.name):
        c.drawString(x[2] + _PAD, top - i * _LEADING, line)
    c.drawString(x[3] + _PAD, top, row.nik)
    c.drawString(x[4] + _PAD, top, row.kind)
    if row.check_in is not None:
        c.setFont(BOLD, _SIZE)
        c.drawString(x[5] + _PAD, top, row.check_in)
    else:
        c.setLineWidth(0.6)
        c.rect(x[5] + _PAD, top - 1.5, _BOX, _BOX, stroke=1, fill=0)
    _rule(c, y - row.height, 0.3, RULE)


def _draw_footer(c: Canvas, left: str, right: str) -> None:
    c.setFont(REGULAR, 8.0)
    c.setFillColorRGB(*GREY)
    c.drawString(_MARGIN_X, _FOOTER_Y, left)
    c.drawRightString(PAGE_W - _MARGIN_X, _FOOTER_Y, latin(right))
    c.setFillColorRGB(0, 0, 0)


def _rule(c: Canvas, y: float, width: float, colour: Rgb) -> None:
    c.setStrokeColorRGB(*colour)
    c.setLineWidth(width)
    c.line(_MARGIN_X, y, PAGE_W - _MARGIN_X, y)
    c.setStrokeColorRGB(0, 0, 0)


# --- text ------------------------------------------------------------------------------------------------------


def _fit(text: str, font: str, size: float, width: float, max_lines: int) -> tuple[str, ...]:
    """The text in at most `max_lines` lines no wider than `width`, the last cut with an ellipsis if need be."""
    text = latin(text)
    if stringWidth(text, font, size) <= width:
        return (text,)  # most cells: one measure instead of one per word
    lines: list[str] = []
    for line in simpleSplit(text, font, size, width) or [""]:
        # simpleSplit leaves a word wider than the column whole (a name without spaces); break it by letters.
        while stringWidth(line, font, size) > width and len(line) > 1:
            cut = _longest_prefix(line, font, size, width)
            lines.append(line[:cut])
            line = line[cut:]
        lines.append(line)
    if len(lines) > max_lines:
        last = " ".join(lines[max_lines - 1 :])
        cut = _longest_prefix(last, font, size, width - stringWidth(_ELLIPSIS, font, size))
        lines = [*lines[: max_lines - 1], last[:cut].rstrip() + _ELLIPSIS]
    return tuple(lines)


def _longest_prefix(text: str, font: str, size: float, width: float) -> int:
    """How many leading characters of `text` fit in `width` (at least one, so cutting always advances)."""
    lo, hi = 1, len(text)
    while lo < hi:
        mid = (lo + hi + 1) // 2
        if stringWidth(text[:mid], font, size) <= width:
            lo = mid
        else:
            hi = mid - 1
    return lo


@functools.cache
def _zone(name: str) -> ZoneInfo:
    return ZoneInfo(name)


def _local(moment: datetime, zone: ZoneInfo) -> datetime:
    """A stored UTC moment in the office's zone (a naive one is taken as UTC, as the database stores it)."""
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=UTC)
    return moment.astimezone(zone)
