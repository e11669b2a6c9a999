"""Signed proof payloads: what a proof's QR code holds, and how a genuine one is told from an edited one."""

from __future__ import annotations

from datetime import date, time

import pytest

from core.crypto import Vault
from core.documents.signing import InvalidProof, ProofClaim, sign_proof, verify_proof
from core.domain.errors import DomainError

KEY = Vault("test-secret-0123456789abcdef").signing_key
CLAIM = ProofClaim(code="K7PMQ3XA", office_code="JKT-SEL", day=date(2026, 11, 27), start=time(9, 0), party=3)
QR_ALPHANUMERIC = set("0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZ $%*+-./:")


def _with_field(payload: str, index: int, value: str) -> str:
    parts = payload.split(".")
    parts[index] = value
    return ".".join(parts)


def _reason(payload: str, key: bytes = KEY) -> str:
    with pytest.raises(InvalidProof) as caught:
        verify_proof(key, payload)
    return caught.value.reason


def test_a_signed_claim_verifies_back_to_the_same_claim() -> None:
    assert verify_proof(KEY, sign_proof(KEY, CLAIM)) == CLAIM


def test_the_payload_reads_version_code_office_date_time_party_and_signature() -> None:
    payload = sign_proof(KEY, CLAIM)
    version, code, office, day, start, party, signature = payload.split(".")
    assert (version, code, office, day, start, party) == ("ANTREAN1", "K7PMQ3XA", "JKT-SEL", "20261127", "0900", "3")
    assert len(signature) == 16


def test_the_payload_stays_in_the_qr_alphanumeric_character_set() -> None:
    payload = sign_proof(KEY, CLAIM)
    assert set(payload) <= QR_ALPHANUMERIC
    assert len(payload) <= 61  # what a version-3 code holds at error level M


def test_signing_is_deterministic_and_depends_on_the_key() -> None:
    assert sign_proof(KEY, CLAIM) == sign_proof(KEY, CLAIM)
    assert sign_proof(KEY, CLAIM) != sign_proof(Vault("another-secret-0123456789").signing_key, CLAIM)


def test_a_payload_signed_with_another_key_is_a_bad_signature() -> None:
    other = sign_proof(Vault("another-secret-0123456789").signing_key, CLAIM)
    assert _reason(other) == "bad_signature"


@pytest.mark.parametrize(
    ("index", "value"),
    [
        (1, "K7PMQ3XB"),  # another booking's code
        (2, "JKT-PST"),  # another office
        (3, "20261128"),  # the next day
        (4, "1000"),  # a later slot
        (5, "4"),  # one more applicant
    ],
    ids=["code", "office", "date", "start", "party"],
)
def test_an_edited_field_is_a_bad_signature(index: int, value: str) -> None:
    assert _reason(_with_field(sign_proof(KEY, CLAIM), index, value)) == "bad_signature"


def test_an_edited_signature_is_a_bad_signature() -> None:
    payload = sign_proof(KEY, CLAIM)
    last = payload[-1]
    edited = payload[:-1] + ("A" if last != "A" else "B")
    assert _reason(edited) == "bad_signature"


def test_lower_case_and_surrounding_whitespace_are_read_kindly() -> None:
    payload = sign_proof(KEY, CLAIM)
    assert verify_proof(KEY, f"  {payload.lower()}\n") == CLAIM
    assert verify_proof(KEY, f"\t{payload[:30]}\n{payload[30:]} ") == CLAIM  # wrapped when pasted


def test_another_version_is_unknown() -> None:
    payload = sign_proof(KEY, CLAIM)
    assert _reason(payload.replace("ANTREAN1", "ANTREAN2", 1)) == "unknown_version"


@pytest.mark.parametrize(
    "payload",
    [
        "",
        "hello",
        "https://example.com/?q=ANTREAN1",
        "ANTREAN1",
        "ANTREAN1.K7PMQ3XA.JKT-SEL.20261127.0900.3",
        "ANTREAN1.K7PMQ3XA.JKT-SEL.20261127.0900.3.AAAAAAAAAAAAAAAA.EXTRA",
        "ANTREAN1.K7PMQ3XA.JKT-SEL.20261131.0900.3.AAAAAAAAAAAAAAAA",  # 31 November
        "ANTREAN1.K7PMQ3XA.JKT-SEL.20261127.2500.3.AAAAAAAAAAAAAAAA",  # 25:00
        "ANTREAN1.K7PMQ3XA.JKT-SEL.20261127.0900.0.AAAAAAAAAAAAAAAA",  # nobody
        "ANTREAN1.K7PMQ3XA.JKT-SEL.20261127.0900.03.AAAAAAAAAAAAAAAA",  # not canonical
        "ANTREAN1.K7PMQ3XA.JKT-SEL.20261127.0900.3.AAAAAAAA",  # short signature
        "ANTREAN1.K7PMQ3XA.JKT-SEL.20261127.0900.3.AAAAAAAAAAAAAAA1",  # not base32
        "ANTREAN1..JKT-SEL.20261127.0900.3.AAAAAAAAAAAAAAAA",
        "ANTREAN1.K7PMQ3XA.JKT_SEL.20261127.0900.3.AAAAAAAAAAAAAAAA",
    ],
)
def test_text_that_is_not_a_payload_is_malformed(payload: str) -> None:
    assert _reason(payload) == "malformed"


def test_an_invalid_proof_is_a_domain_error_with_a_reason() -> None:
    with pytest.raises(DomainError) as caught:
        verify_proof(KEY, "nonsense")
    assert isinstance(caught.value, InvalidProof)
    assert caught.value.code == "invalid_proof"
    assert caught.value.reason == "malformed"


@pytest.mark.parametrize(
    "claim",
    [
        ProofClaim(code="k7pmq3xa", office_code="JKT-SEL", day=date(2026, 11, 27), start=time(9), party=1),
        ProofClaim(code="K7PMQ3XA", office_code="JKT.SEL", day=date(2026, 11, 27), start=time(9), party=1),
        ProofClaim(code="K7PMQ3XA", office_code="JKT-SEL", day=date(2026, 11, 27), start=time(9), party=0),
    ],
    ids=["lower-case code", "dot in office code", "empty party"],
)
def test_a_claim_the_payload_cannot_carry_is_refused_when_signing(claim: ProofClaim) -> None:
    with pytest.raises(ValueError):
        sign_proof(KEY, claim)
