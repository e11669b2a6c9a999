"""Keys derived from the server secret: NIK encryption, NIK lookup hashes, and signatures."""

from __future__ import annotations

import hashlib
import hmac
import os

from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.ciphers.aead import AESGCM
from cryptography.hazmat.primitives.kdf.hkdf import HKDF


def _derive(secret: bytes, purpose: bytes) -> bytes:
    return HKDF(algorithm=hashes.SHA256(), length=32, salt=None, info=b"antrean:" + purpose).derive(secret)


class Vault:
    """Encrypts personal numbers and makes their keyed lookup hashes; the secret lives outside the database."""

    def __init__(self, secret: str) -> None:
        raw = secret.encode()
        self._aead = AESGCM(_derive(raw, b"pii-encryption"))
        self._lookup_key = _derive(raw, b"pii-lookup")
        self.signing_key = _derive(raw, b"signing")

    def lookup_hash(self, number: str) -> str:
        """HMAC-SHA256 of a NIK or KK number: equal numbers meet, and a guessed NIK cannot be checked offline."""
        return hmac.new(self._lookup_key, number.encode(), hashlib.sha256).hexdigest()

    def encrypt(self, number: str) -> bytes:
        nonce = os.urandom(12)
        return nonce + self._aead.encrypt(nonce, number.encode(), b"antrean-pii")

    def decrypt(self, blob: bytes) -> str:
        return self._aead.decrypt(blob[:12], blob[12:], b"antrean-pii").decode()
