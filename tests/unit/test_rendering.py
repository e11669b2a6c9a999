"""Proofs rendered in worker processes come out the same as rendered here; without workers, in a thread."""

from __future__ import annotations

import pytest

from core.documents.proof import render_proof
from core.documents.rendering import render_proof_off_loop
from tests.unit.test_proof_pdf import LABELS_ID as LABELS
from tests.unit.test_proof_pdf import PROOF

KEY = b"k" * 32


@pytest.mark.parametrize("workers", [0, 1])
async def test_a_proof_rendered_off_the_loop_is_the_same_document(workers: int) -> None:
    pdf = await render_proof_off_loop(PROOF, LABELS, signing_key=KEY, workers=workers)
    assert pdf[:5] == b"%PDF-"
    assert len(pdf) == len(render_proof(PROOF, LABELS, signing_key=KEY))
