"""The booking proof (bukti pendaftaran): a one-page A4 PDF with the code, a signed QR code and what to bring.

Drawn with reportlab's canvas (no platypus: a fixed layout needs no flowables, and they cost milliseconds). The
QR code comes from segno's matrix as one filled vector path; reportlab's own QR widget draws the same code as
hundreds of separate rectangles through its graphics layer, several times slower (see bench/proof_pdf.py).
Texts arrive already translated in ProofLabels: the engine has no user-facing words of its own.
"""

from __future__ import annotations

import io
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass
from datetime import date, time
from typing import NamedTuple

import segno
from reportlab.lib.pagesizes import A4
from reportlab.lib.utils import simpleSplit
from reportlab.pdfgen.canvas import FILL_NON_ZERO, Canvas

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
from core.documents.signing import ProofClaim, sign_proof
from core.domain.booking import ApplicationType, format_booking_code
from core.domain.offices import Office
from core.domain.requirements import Document

QUIET_ZONE = 4  # modules of white around the code, as ISO/IEC 18004 asks; scanners lose codes without it
QR_ERROR = "m"  # 15 % recovery: a folded or smudged print still reads, and the payload still fits version 3

# Layout, in points (A4 is 595 × 842).
_MARGIN = 48.0
_QR_SIZE = 156.0  # with the quiet zone; a version-3 code gets 4.3 pt (1.5 mm) modules
_GAP = 18.0


class ProofApplicant(NamedTuple):
    """One row of the applicants table, and what that applicant brings."""

    full_name: str
    nik_masked: str
    application_type: ApplicationType
    queue_no: int
    to_bring: tuple[Document, ...]  # core.domain.requirements.documents_to_bring
    child: bool  # under 17 on the day: the parents come along


@dataclass(frozen=True, slots=True)
class ProofData:
    """Everything a proof shows about one booking, in the office's local time."""

    code: str
    office: Office
    day: date
    start: time
    end: time
    applicants: tuple[ProofApplicant, ...]
    last_cancel_day: date
    locale: str  # "id" or "en"
    cancellable: bool = True  # False when the booking was made after its last day to cancel


@dataclass(frozen=True, slots=True)
class ProofLabels:
    """The proof's words in the applicant's language, filled by the adapter through gettext."""

    title: str  # "Bukti Pendaftaran Antrean Paspor"
    booking_code: str  # "Kode booking"
    office: str  # "Kantor"
    date_time: str  # "Tanggal dan jam kedatangan"
    applicants: str  # "Pemohon"
    name: str  # table column: "Nama"
    nik: str  # table column: "NIK"
    application_type: str  # table column: "Jenis permohonan"
    queue: str  # table column: "No. antrean"
    type_new: str  # "Paspor baru"
    type_replacement: str  # "Penggantian"
    bring_heading: str  # "Yang harus dibawa (asli)"
    documents: Mapping[Document, str]  # each paper's words: "e-KTP", "akta kelahiran", ...
    parents_come: str  # shown when a child is among the applicants: both parents come along
    name_change: str  # for anyone whose name was changed: the official decision
    cancel_until: str  # "Batas pembatalan: {date}"
    not_cancellable: str  # in place of cancel_until, for a booking made after its last day to cancel
    footer: str


QrPainter = Callable[[Canvas, str, float, float, float], None]
"""Draws the payload's QR code, quiet zone included, in the square of side `size` with its lower left at x, y."""


def render_proof(proof: ProofData, labels: ProofLabels, *, signing_key: bytes) -> bytes:
    """The proof as PDF bytes, its QR code holding the signed payload of the booking."""
    claim = ProofClaim(
        code=proof.code,
        office_code=proof.office.code,
        day=proof.day,
        start=proof.start,
        party=len(proof.applicants),
    )
    return render_page(proof, labels, payload=sign_proof(signing_key, claim), qr=draw_segno_qr)


def render_page(proof: ProofData, labels: ProofLabels, *, payload: str, qr: QrPainter | None) -> bytes:
    """The proof page with a chosen QR painter (None leaves the square empty); the benchmark compares painters."""
    buffer = io.BytesIO()
    # invariant: no time stamp or random file id, so the same booking gives the same bytes.
    canvas = Canvas(buffer, pagesize=A4, pageCompression=1, invariant=1, lang=proof.locale)
    canvas.setTitle(f"{latin(labels.title)} {format_booking_code(proof.code)}")
    canvas.setCreator("Antrean")
    _Page(canvas, proof, labels).draw(payload, qr)
    canvas.showPage()
    canvas.save()
    return buffer.getvalue()


def draw_segno_qr(canvas: Canvas, payload: str, x: float, y: float, size: float) -> None:
    """The code from segno's matrix as one filled path: runs of dark modules, merged along rows and down columns."""
    qr = segno.make(payload, error=QR_ERROR, micro=False)
    matrix = qr.matrix
    n = len(matrix)
    module = size / (n + 2 * QUIET_ZONE)
    # Whole-module coordinates under a transform keep the path text short and the module edges exact.
    canvas.saveState()
    canvas.translate(x + QUIET_ZONE * module, y + size - QUIET_ZONE * module)
    canvas.scale(module, -module)
    ops: list[str] = []
    open_rects: dict[tuple[int, int], list[int]] = {}  # (column, width) -> [first row, height]
    for row_no, row in enumerate(matrix):
        runs = set(_dark_runs(row))
        for key in [k for k in open_rects if k not in runs]:
            top, height = open_rects.pop(key)
            ops.append(f"{key[0]} {top} {key[1]} {height} re")
        for key in runs:
            if key in open_rects:
                open_rects[key][1] += 1
            else:
                open_rects[key] = [row_no, 1]
    for (column, width), (top, height) in open_rects.items():
        ops.append(f"{column} {top} {width} {height} re")
    path = canvas.beginPath()
    # One `re` operator per merged rectangle, written directly: PDFPathObject.rect formats every number through
    # reportlab's pure-Python fp_str, about 1 ms for ~200 rectangles against 0.06 ms for this join of integers.
    path._code_append(" ".join(ops))
    canvas.setFillColorRGB(0, 0, 0)
    # Non-zero winding: where rectangles touch or overlap, the union is dark (even-odd would punch holes).
    canvas.drawPath(path, stroke=0, fill=1, fillMode=FILL_NON_ZERO)
    canvas.restoreState()


def _dark_runs(row: Iterable[int]) -> Iterable[tuple[int, int]]:
    """(first column, length) of each run of dark modules in a matrix row."""
    start = -1
    column = 0
    for column, dark in enumerate(row):
        if dark & 1:
            if start < 0:
                start = column
        elif start >= 0:
            yield start, column - start
            start = -1
    if start >= 0:
        yield start, column + 1 - start


class _Page:
    """Draws the proof top to bottom; `y` is the baseline of the next line."""

    def __init__(self, canvas: Canvas, proof: ProofData, labels: ProofLabels) -> None:
        self.c = canvas
        self.proof = proof
        self.labels = labels
        self.y = PAGE_H - _MARGIN

    def draw(self, payload: str, qr: QrPainter | None) -> None:
        proof, labels, c = self.proof, self.labels, self.c
        width = PAGE_W - 2 * _MARGIN
        left = _MARGIN

        self._line(labels.title, BOLD, 16)
        self.y -= 8
        self._rule()
        top = self.y

        # The QR code stands at the top right; the left column runs beside it.
        qr_x = PAGE_W - _MARGIN - _QR_SIZE
        qr_y = top - 6 - _QR_SIZE
        if qr is not None:
            qr(c, payload, qr_x, qr_y, _QR_SIZE)
        column = width - _QR_SIZE - _GAP

        self.y -= 22
        self._label(labels.booking_code)
        self.y -= 30
        c.setFont(BOLD, 34)
        c.drawString(left, self.y, format_booking_code(proof.code))
        self.y -= 14

        self.y -= 18
        self._label(labels.office)
        self._wrapped(proof.office.name, BOLD, 12, column)
        self._wrapped(proof.office.address, REGULAR, 10, column)

        self.y -= 10
        self._label(labels.date_time)
        self._line(format_day(proof.day, proof.locale), BOLD, 13)
        self._line(format_times(proof.start, proof.end, proof.office.zone_label), BOLD, 13)

        self.y = min(self.y, qr_y) - 14
        self._rule()
        self.y -= 20
        self._line(labels.applicants, BOLD, 12)
        self._applicants_table(width)

        self.y -= 12
        self._line(labels.bring_heading, BOLD, 12)
        for a in proof.applicants:
            papers = ", ".join(labels.documents[d] for d in a.to_bring)
            self._wrapped(f"{a.full_name}: {papers}", REGULAR, 10.5, width - 16, x=left + 16, bullet=True)
        if any(a.child for a in proof.applicants):
            self._wrapped(labels.parents_come, BOLD, 10.5, width - 16, x=left + 16, bullet=True)
        self._wrapped(labels.name_change, REGULAR, 10.5, width - 16, x=left + 16, bullet=True)

        self.y -= 14
        cancel = (
            labels.cancel_until.format(date=format_day(proof.last_cancel_day, proof.locale))
            if proof.cancellable
            else labels.not_cancellable
        )
        self._wrapped(cancel, BOLD, 11, width)

        self._footer(width)

    # --- pieces ---------------------------------------------------------------------------------------------

    def _line(self, text: str, font: str, size: float, *, x: float = _MARGIN, colour: Rgb | None = None) -> None:
        self.y -= size * 1.25
        self.c.setFont(font, size)
        if colour is not None:
            self.c.setFillColorRGB(*colour)
        self.c.drawString(x, self.y, latin(text))
        if colour is not None:
            self.c.setFillColorRGB(0, 0, 0)

    def _label(self, text: str) -> None:
        self._line(text, REGULAR, 9.5, colour=GREY)

    def _wrapped(
        self, text: str, font: str, size: float, width: float, *, x: float = _MARGIN, bullet: bool = False
    ) -> None:
        self.c.setFont(font, size)
        for i, line in enumerate(simpleSplit(latin(text), font, size, width)):
            self.y -= size * 1.25
            if bullet and i == 0:
                self.c.drawString(x - 12, self.y, "\u2022")  # in WinAnsi, so in Helvetica
            self.c.drawString(x, self.y, line)

    def _rule(self) -> None:
        c = self.c
        c.setStrokeColorRGB(*RULE)
        c.setLineWidth(0.75)
        c.line(_MARGIN, self.y, PAGE_W - _MARGIN, self.y)
        c.setStrokeColorRGB(0, 0, 0)

    def _applicants_table(self, width: float) -> None:
        c, labels = self.c, self.labels
        # Columns: queue number, name, masked NIK, application type.
        widths = (66.0, width - 66.0 - 128.0 - 118.0, 128.0, 118.0)
        xs = [_MARGIN]
        for w in widths[:-1]:
            xs.append(xs[-1] + w)
        pad, size, leading = 5.0, 10.0, 12.5

        def row(cells: tuple[str, ...], font: str) -> None:
            lines = [
                simpleSplit(latin(text), font, size, w - 2 * pad) or [""] for text, w in zip(cells, widths, strict=True)
            ]
            height = max(len(cell) for cell in lines) * leading + 2 * pad
            c.setFont(font, size)
            for x, cell in zip(xs, lines, strict=True):
                for i, line in enumerate(cell):
                    c.drawString(x + pad, self.y - pad - size * 0.85 - i * leading, line)
            self.y -= height
            c.line(_MARGIN, self.y, _MARGIN + width, self.y)

        c.setStrokeColorRGB(*RULE)
        c.setLineWidth(0.5)
        self.y -= 6
        c.line(_MARGIN, self.y, _MARGIN + width, self.y)
        row((labels.queue, labels.name, labels.nik, labels.application_type), BOLD)
        type_labels = {ApplicationType.NEW: labels.type_new, ApplicationType.REPLACEMENT: labels.type_replacement}
        for a in self.proof.applicants:
            row(
                (
                    str(a.queue_no),
                    a.full_name,
                    masked_nik(a.nik_masked),
                    type_labels[ApplicationType(a.application_type)],
                ),
                REGULAR,
            )
        c.setStrokeColorRGB(0, 0, 0)

    def _footer(self, width: float) -> None:
        c = self.c
        size = 8.5
        lines = simpleSplit(latin(self.labels.footer), REGULAR, size, width)
        y = _MARGIN + (len(lines) - 1) * size * 1.3
        c.setFont(REGULAR, size)
        c.setFillColorRGB(*GREY)
        for line in lines:
            c.drawString(_MARGIN, y, line)
            y -= size * 1.3
        c.setFillColorRGB(0, 0, 0)
