"""Booking accounts and the applicants saved on them, as the engine keeps them."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime

from core.domain.errors import DomainError
from core.domain.identity import Gender


class NikOwnsAnotherAccount(DomainError):
    """The owner's NIK already owns an account (one NIK may own one account only)."""

    code = "nik_owns_another_account"


class ApplicantAlreadySaved(DomainError):
    """This NIK is saved on the account already (as the owner or a family member)."""

    code = "applicant_already_saved"


# Personal data stays out of a record's repr: records end up in logs and tracebacks. Numbers are kept only
# encrypted (`*_enc`), masked, or as a keyed hash that finds equal numbers (`*_hash`).


def wait_in_force(until: datetime | None, now: datetime) -> datetime | None:
    """The end of a 30-day wait while it still runs; None once it is over (or there never was one)."""
    return until if until is not None and until > now else None


@dataclass(frozen=True, slots=True)
class Account:
    id: int
    telegram_user_id: int
    owner_nik_hash: str  # one account per owner NIK
    kk_hash: str
    kk_enc: bytes = field(repr=False)
    kk_masked: str
    phone: str | None = field(repr=False)
    language: str  # "id" or "en"
    frozen_until: datetime | None  # no new booking before this instant
    consented_at: datetime
    created_at: datetime


@dataclass(frozen=True, slots=True)
class NewAccount:
    """An account about to be made: what `Account` holds before it has an id or a freeze."""

    telegram_user_id: int
    owner_nik_hash: str
    kk_hash: str
    kk_enc: bytes = field(repr=False)
    kk_masked: str
    phone: str | None = field(repr=False)
    language: str
    consented_at: datetime
    created_at: datetime
    frozen_until: datetime | None = None  # the 30-day wait of an erased account of the same owner NIK


@dataclass(frozen=True, slots=True)
class NewApplicant:
    """A person about to be saved on an account: the name as on the e-KTP, the NIK checked and protected."""

    full_name: str = field(repr=False)
    nik_hash: str
    nik_enc: bytes = field(repr=False)
    nik_masked: str
    birth_date: date = field(repr=False)
    gender: Gender
    created_at: datetime


@dataclass(frozen=True, slots=True)
class SavedApplicant:
    """A person an account books for: its owner, or a family member on the same family card."""

    id: int
    account_id: int
    is_owner: bool
    full_name: str = field(repr=False)
    nik_hash: str  # unique within the account
    nik_enc: bytes = field(repr=False)
    nik_masked: str
    birth_date: date = field(repr=False)
    gender: Gender
    created_at: datetime
