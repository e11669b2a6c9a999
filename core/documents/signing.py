"""Signed proof payloads: what the QR code on a booking proof holds, and how staff check it is genuine.

A payload reads `ANTREAN1.<code>.<office>.<YYYYMMDD>.<HHMM>.<party>.<sig>`, e.g.
`ANTREAN1.K7PMQ3XA.JKT-SEL.20261127.0900.3.2KQ7V4ZC6XJ3M5RA`. Every character is in the QR alphanumeric set
(0-9 A-Z space $ % * + - . / :), which packs 5.5 bits a character instead of 8: the whole payload fits a
version-3 code at error level M, big modules on a small print. The signature is HMAC-SHA256 over the text before
it, cut to 80 bits and written in base32 without padding (16 upper-case characters).
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import re
from dataclasses import dataclass
from datetime import date, time

from core.domain.errors import DomainError

VERSION = "ANTREAN1"
SIGNATURE_BYTES = 10  # 80 bits: forging one needs the key, or about 2**80 tries against a counter that is watched.

# Prefixes the HMAC input, so a signature made with the same key for another purpose never verifies here.
_CONTEXT = b"antrean-proof\x00"

# Fields may not hold the separator: code and office in the QR alphanumeric set, less "." and space.
_CODE = re.compile(r"[0-9A-Z]{1,16}")
_OFFICE = re.compile(r"[0-9A-Z$%*+\-/:]{1,32}")
_DAY = re.compile(r"[0-9]{8}")
_START = re.compile(r"[0-9]{4}")
_PARTY = re.compile(r"[1-9][0-9]?")
_SIGNATURE = re.compile(r"[A-Z2-7]{16}")
_VERSION = re.compile(r"ANTREAN[0-9]+")


class InvalidProof(DomainError):
    """A scanned or typed proof payload that is not one we signed; `reason` says which way it fails."""

    code = "invalid_proof"

    def __init__(self, reason: str) -> None:
        self.reason = reason  # "malformed", "bad_signature" or "unknown_version"
        super().__init__(reason)


@dataclass(frozen=True, slots=True)
class ProofClaim:
    """What a proof vouches for: this booking, at this office, on this day and slot, for this many people."""

    code: str
    office_code: str
    day: date
    start: time
    party: int


def _body(claim: ProofClaim) -> str:
    return f"{VERSION}.{claim.code}.{claim.office_code}.{claim.day:%Y%m%d}.{claim.start:%H%M}.{claim.party}"


def _signature(key: bytes, body: str) -> str:
    digest = hmac.new(key, _CONTEXT + body.encode("ascii"), hashlib.sha256).digest()
    # 10 bytes are exactly 16 base32 characters: no padding to strip.
    return base64.b32encode(digest[:SIGNATURE_BYTES]).decode("ascii")


def sign_proof(key: bytes, claim: ProofClaim) -> str:
    """The claim and its signature as one QR-alphanumeric line; raises ValueError for a claim it cannot carry."""
    if not _CODE.fullmatch(claim.code):
        raise ValueError(f"booking code {claim.code!r} cannot be carried in a proof payload")
    if not _OFFICE.fullmatch(claim.office_code):
        raise ValueError(f"office code {claim.office_code!r} cannot be carried in a proof payload")
    if not 1 <= claim.party <= 99:
        raise ValueError(f"party of {claim.party}")
    body = _body(claim)
    return f"{body}.{_signature(key, body)}"


def verify_proof(key: bytes, payload: str) -> ProofClaim:
    """The claim a payload carries if our key signed it; read kindly (any case, stray whitespace), else InvalidProof."""
    # A phone scan pasted into a field may come lower-cased, wrapped or padded; no field holds whitespace.
    text = "".join(payload.split()).upper()
    parts = text.split(".")
    if not _VERSION.fullmatch(parts[0]):
        raise InvalidProof("malformed")
    if parts[0] != VERSION:
        raise InvalidProof("unknown_version")
    if len(parts) != 7:
        raise InvalidProof("malformed")
    _, code, office, day_text, start_text, party_text, signature = parts
    if not (
        _CODE.fullmatch(code)
        and _OFFICE.fullmatch(office)
        and _DAY.fullmatch(day_text)
        and _START.fullmatch(start_text)
        and _PARTY.fullmatch(party_text)
        and _SIGNATURE.fullmatch(signature)
    ):
        raise InvalidProof("malformed")
    try:
        day = date(int(day_text[:4]), int(day_text[4:6]), int(day_text[6:]))
        start = time(int(start_text[:2]), int(start_text[2:]))
    except ValueError:
        raise InvalidProof("malformed") from None
    claim = ProofClaim(code=code, office_code=office, day=day, start=start, party=int(party_text))
    # The fields matched their canonical patterns, so the claim re-encodes to exactly the text that was signed.
    if not hmac.compare_digest(_signature(key, _body(claim)), signature):
        raise InvalidProof("bad_signature")
    return claim
