"""Keys derived from the server secret (NIK encryption, lookup hashes, signatures) and staff passwords."""

from __future__ import annotations

import hashlib
import hmac
import os

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerifyMismatchError
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.ciphers.aead import AESGCM
from cryptography.hazmat.primitives.kdf.hkdf import HKDF
from zxcvbn import zxcvbn

from core.domain.staff import InvalidStaffAccount


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


MIN_PASSWORD = 10
MIN_SCORE = 3  # zxcvbn's "safely unguessable": about 10^8 guesses or more (argon2id and a throttle do the rest)
ESTIMATED = 100  # zxcvbn's time grows fast with length; what lies beyond this only makes a password stronger
# What Indonesian staff pick first that zxcvbn's English lists do not know: guessed as early as "password".
LOCAL_GUESSES = (
    "katasandi", "sandi", "rahasia", "bismillah", "indonesia", "jakarta", "petugas", "imigrasi", "paspor", "antrean",
)  # fmt: skip


def password_weakness(password: str, username: str = "") -> str | None:
    """Why a strength estimator (zxcvbn) would find this password early, as an InvalidStaffAccount reason; or None.

    "password" (too short, or spaces at an end), "password_name" (built on the username), "password_repeats"
    ("aaaa", "abab"), "password_pattern" (a run such as "12345" or a keyboard row), "password_common" (a word or
    password people pick), "password_guessable" (none of these alone, but still found quickly).
    """
    if len(password) < MIN_PASSWORD or password.strip() != password:
        return "password"
    name = username.strip().lower()
    estimate = zxcvbn(password[:ESTIMATED], user_inputs=[name, *LOCAL_GUESSES] if name else list(LOCAL_GUESSES))
    if estimate["score"] >= MIN_SCORE:
        return None
    matches = estimate["sequence"]
    if name and any(m.get("dictionary_name") == "user_inputs" and m.get("matched_word") == name for m in matches):
        return "password_name"
    patterns = {m["pattern"] for m in matches}
    for pattern, reason in (
        ("repeat", "password_repeats"),
        ("sequence", "password_pattern"),
        ("spatial", "password_pattern"),
        ("dictionary", "password_common"),
    ):
        if pattern in patterns:
            return reason
    return "password_guessable"


def check_password(password: str, username: str = "") -> None:
    """InvalidStaffAccount with the reason when a staff account may not have this password."""
    weakness = password_weakness(password, username)
    if weakness is not None:
        raise InvalidStaffAccount(weakness)
