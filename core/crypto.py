"""Keys derived from the server secret: NIK encryption, NIK lookup hashes, and signatures."""

from __future__ import annotations

import hashlib
import hmac
import os

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerifyMismatchError
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
        self.session_key = _derive(raw, b"staff-sessions")  # signs staff sign-in cookies, bearer tokens, CSRF

    def lookup_hash(self, number: str) -> str:
        """HMAC-SHA256 of a NIK or KK number: equal numbers meet, and a guessed NIK cannot be checked offline."""
        return hmac.new(self._lookup_key, number.encode(), hashlib.sha256).hexdigest()

    def encrypt(self, number: str) -> bytes:
        nonce = os.urandom(12)
        return nonce + self._aead.encrypt(nonce, number.encode(), b"antrean-pii")

    def decrypt(self, blob: bytes) -> str:
        return self._aead.decrypt(blob[:12], blob[12:], b"antrean-pii").decode()


class Passwords:
    """Staff passwords as argon2id hashes (RFC 9106's second recommended profile: 64 MiB, 3 passes)."""

    def __init__(self, *, time_cost: int = 3, memory_kib: int = 65536) -> None:
        # Tests pass a cheaper cost; the hash records its parameters, so hashes of either cost verify.
        self._hasher = PasswordHasher(time_cost=time_cost, memory_cost=memory_kib, parallelism=1)
        # Checked against when a username is unknown, so that a wrong name takes as long as a wrong password
        # and the time of an answer does not tell which usernames exist.
        self.nobody = self.hash(os.urandom(16).hex())

    def hash(self, password: str) -> str:
        return str(self._hasher.hash(password))

    def verify(self, stored: str, password: str) -> bool:
        try:
            return bool(self._hasher.verify(stored, password))
        except (VerifyMismatchError, InvalidHashError):
            return False
