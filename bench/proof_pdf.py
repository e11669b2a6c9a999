"""Time to render one booking proof PDF, against the same page without a QR code and with reportlab's QR widget.

Three renderings of the same proof page, interleaved proof by proof so that a noisy machine slows all three alike:
- baseline: the page without a QR code (what the text, table and PDF writing cost);
- segno: the proof as shipped (`render_proof`): signed payload, segno's matrix drawn as one vector path;
- reportlab_qr: the same page with reportlab's own QR widget (reportlab.graphics.barcode.qr) for comparison.
Each proof has its own booking code, so nothing is encoded once and reused. One proof of each QR kind is decoded
from the rendered page (pypdfium2 + zxing-cpp, when installed) to show both are real, scannable codes. Prints
median, p95 and p99 in milliseconds, the ratios segno/baseline and reportlab_qr/segno, and ends with one JSON line
of the figures. The target is a median of at most 15 ms for the shipped proof.

    .venv/bin/python bench/proof_pdf.py [--proofs 300]
"""

from __future__ import annotations

import argparse
import json
import platform
import sys
import time
from dataclasses import replace
from datetime import date
from datetime import time as dtime
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from reportlab.graphics import renderPDF
from reportlab.graphics.barcode.qr import QrCodeWidget
from reportlab.graphics.shapes import Drawing
from reportlab.pdfgen.canvas import Canvas

from bench import milliseconds, shipped_office
from bot.i18n import make_i18n
from bot.texts import proof_labels
from core.crypto import Vault
from core.documents.proof import (
    QUIET_ZONE,
    ProofApplicant,
    ProofData,
    ProofLabels,
    render_page,
    render_proof,
)
from core.documents.signing import ProofClaim, sign_proof, verify_proof
from core.domain.booking import ApplicationType, new_booking_code
from core.domain.requirements import documents_to_bring, is_child

TARGET_MEDIAN_MS = 15.0


def _labels() -> ProofLabels:
    """The proof's words as the bot gives them, from the Indonesian catalog."""
    i18n = make_i18n()
    with i18n.context(), i18n.use_locale("id"):
        return proof_labels()


LABELS = _labels()

DAY = date(2026, 11, 27)


def _applicant(name: str, nik: str, kind: ApplicationType, queue_no: int, born: date) -> ProofApplicant:
    return ProofApplicant(name, nik, kind, queue_no, documents_to_bring(born, kind, DAY), is_child(born, DAY))


PROOF = ProofData(
    code="K7PMQ3XA",
    office=shipped_office("JKT-SEL"),
    day=DAY,
    start=dtime(9),
    end=dtime(10),
    applicants=(
        _applicant("Budi Santoso", "3174********0001", ApplicationType.REPLACEMENT, 12, date(1988, 4, 2)),
        _applicant("Sri Wahyuni", "3174********0002", ApplicationType.NEW, 13, date(1990, 7, 1)),
        _applicant("Putri Ayu Lestari", "3174********0003", ApplicationType.NEW, 14, date(2015, 3, 9)),  # a child
    ),
    last_cancel_day=date(2026, 11, 25),
    locale="id",
)


def reportlab_widget_qr(canvas: Canvas, payload: str, x: float, y: float, size: float) -> None:
    """reportlab's QR widget in the same square, with the same error level and quiet zone."""
    widget = QrCodeWidget(payload, barLevel="M", barBorder=QUIET_ZONE, barWidth=size, barHeight=size)
    drawing = Drawing(size, size)
    drawing.add(widget)
    renderPDF.draw(drawing, canvas, x, y)


def _payload(key: bytes, proof: ProofData) -> str:
    claim = ProofClaim(proof.code, proof.office.code, proof.day, proof.start, len(proof.applicants))
    return sign_proof(key, claim)


def _scans(pdf: bytes, key: bytes) -> bool | None:
    """Whether the rendered page's QR code decodes to a payload we signed; None without the test tools."""
    try:
        import pypdfium2
        import zxingcpp
    except ImportError:
        return None
    document = pypdfium2.PdfDocument(pdf)
    try:
        image = document[0].render(scale=3).to_pil()
    finally:
        document.close()
    found = zxingcpp.read_barcodes(image)
    if len(found) != 1:
        return False
    try:
        verify_proof(key, found[0].text)
    except Exception:
        return False
    return True


def run(proofs: int) -> dict[str, Any]:
    key = Vault("bench-secret-0123456789abcdef").signing_key
    samples: dict[str, list[float]] = {"baseline": [], "segno": [], "reportlab_qr": []}
    # Warm-up: imports, font metrics, babel's locale data.
    render_proof(PROOF, LABELS, signing_key=key)
    render_page(PROOF, LABELS, payload=_payload(key, PROOF), qr=reportlab_widget_qr)
    clock = time.perf_counter
    for _ in range(proofs):
        proof = replace(PROOF, code=new_booking_code())
        payload = _payload(key, proof)

        t0 = clock()
        render_page(proof, LABELS, payload=payload, qr=None)
        t1 = clock()
        render_proof(proof, LABELS, signing_key=key)
        t2 = clock()
        render_page(proof, LABELS, payload=payload, qr=reportlab_widget_qr)
        t3 = clock()

        samples["baseline"].append(t1 - t0)
        samples["segno"].append(t2 - t1)
        samples["reportlab_qr"].append(t3 - t2)

    figures: dict[str, Any] = {"proofs": proofs, "python": platform.python_version()}
    for name, values in samples.items():
        figures[f"{name}_ms"] = milliseconds(values)
    segno_median = figures["segno_ms"]["median"]
    figures["segno_over_baseline"] = round(segno_median / figures["baseline_ms"]["median"], 2)
    figures["reportlab_qr_over_segno"] = round(figures["reportlab_qr_ms"]["median"] / segno_median, 2)
    figures["target_median_ms"] = TARGET_MEDIAN_MS
    figures["meets_target"] = segno_median <= TARGET_MEDIAN_MS
    figures["segno_scans"] = _scans(render_proof(PROOF, LABELS, signing_key=key), key)
    figures["reportlab_qr_scans"] = _scans(
        render_page(PROOF, LABELS, payload=_payload(key, PROOF), qr=reportlab_widget_qr), key
    )
    figures["pdf_bytes"] = len(render_proof(PROOF, LABELS, signing_key=key))
    return figures


def main() -> None:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--proofs", type=int, default=300, help="proofs rendered by each of the three ways")
    args = p.parse_args()
    figures = run(args.proofs)
    print(f"{args.proofs} proofs, one A4 page each, times in ms (median / p95 / p99):")
    for name, title in [
        ("baseline", "(a) page without a QR code"),
        ("segno", "(b) proof with segno QR path"),
        ("reportlab_qr", "(c) page with reportlab QR widget"),
    ]:
        s = figures[f"{name}_ms"]
        print(f"  {title:<36} {s['median']:7.2f} / {s['p95']:7.2f} / {s['p99']:7.2f}")
    print(f"  b/a = {figures['segno_over_baseline']:.2f}   c/b = {figures['reportlab_qr_over_segno']:.2f}")
    verdict = "meets" if figures["meets_target"] else "MISSES"
    print(f"  target: proof median <= {TARGET_MEDIAN_MS:g} ms: {verdict}")
    print(f"  QR decodes and verifies: segno {figures['segno_scans']}, reportlab {figures['reportlab_qr_scans']}")
    print(json.dumps(figures))


if __name__ == "__main__":
    main()
