"""Accounts: registering the owner and saving family members on the same family card."""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass
from datetime import date, datetime
from zoneinfo import ZoneInfo

from core.crypto import Vault

# The two refusals the repositories raise themselves, when a unique index decides a race, live in the domain;
# named here as well, where the adapters have always found them.
from core.domain.accounts import Account, NewAccount, NewApplicant, SavedApplicant, wait_in_force
from core.domain.accounts import ApplicantAlreadySaved as ApplicantAlreadySaved
from core.domain.accounts import NikOwnsAnotherAccount as NikOwnsAnotherAccount
from core.domain.errors import DomainError
from core.domain.identity import PROVINCES, Gender, parse_kk, parse_nik
from core.services.errors import AccountNotFound
from core.services.uow import UnitOfWork

MAX_SAVED_APPLICANTS = 10  # a family card rarely lists more; the owner picks up to five per booking
# Letters of any script, spaces, and the apostrophes, dots, commas and hyphens of real names.
_NAME = re.compile(r"^[^\W\d_]+(?:[ '’.,\-][^\W\d_]*)*$")


class InvalidName(DomainError):
    code = "invalid_name"


class AlreadyRegistered(DomainError):
    code = "already_registered"


class TooManyApplicants(DomainError):
    code = "too_many_applicants"


class NotAFamilyMember(DomainError):
    """The person is not a family member saved on this account (the owner is the account, not a member)."""

    code = "not_a_family_member"


class MemberBookedAhead(DomainError):
    """The family member stands in a booking still to come: the office's list names them until that day."""

    code = "member_booked_ahead"

    def __init__(self, day: date) -> None:
        super().__init__(day.isoformat())
        self.day = day


@dataclass(frozen=True, slots=True)
class ApplicantView:
    id: int
    full_name: str
    nik_masked: str
    birth_date: date
    gender: Gender
    is_owner: bool


@dataclass(frozen=True, slots=True)
class AccountView:
    id: int
    telegram_user_id: int
    kk_masked: str
    language: str
    frozen_until: datetime | None
    applicants: tuple[ApplicantView, ...]

    @property
    def home_province(self) -> str | None:
        """The province of the family card (its first two digits): where the applicant most likely lives."""
        return PROVINCES.get(self.kk_masked[:2])


def clean_name(raw: str) -> str:
    """A full name as on the e-KTP: single spaces, upper case as printed, letters only."""
    name = " ".join(unicodedata.normalize("NFC", raw).split())
    if not 2 <= len(name) <= 100 or not _NAME.match(name):
        raise InvalidName(name[:100])
    return name.upper()


def latest_today(now: datetime) -> date:
    """The latest calendar date anywhere in Indonesia (WIT): a child born today there is not "in the future"."""
    return now.astimezone(ZoneInfo("Asia/Jayapura")).date()


def _new_applicant(vault: Vault, name: str, nik: str, dob: date, now: datetime) -> NewApplicant:
    parsed = parse_nik(nik, today=latest_today(now), date_of_birth=dob)
    return NewApplicant(
        full_name=clean_name(name),
        nik_hash=vault.lookup_hash(parsed.value),
        nik_enc=vault.encrypt(parsed.value),
        nik_masked=parsed.masked(),
        birth_date=parsed.birth_date,
        gender=parsed.gender,
        created_at=now,
    )


def _applicant_view(a: SavedApplicant) -> ApplicantView:
    return ApplicantView(a.id, a.full_name, a.nik_masked, a.birth_date, a.gender, a.is_owner)


def _view(account: Account, saved: list[SavedApplicant]) -> AccountView:
    return AccountView(
        account.id,
        account.telegram_user_id,
        account.kk_masked,
        account.language,
        account.frozen_until,
        tuple(_applicant_view(a) for a in saved),
    )


async def register_owner(
    uow: UnitOfWork,
    vault: Vault,
    *,
    telegram_user_id: int,
    full_name: str,
    nik: str,
    birth_date: date,
    kk: str,
    phone: str | None,
    language: str,
    now: datetime,
) -> AccountView:
    """Create the account with its owner as applicant one; the owner's NIK may own no other account."""
    card = parse_kk(kk)
    async with uow:
        if await uow.accounts.by_telegram_user(telegram_user_id) is not None:
            raise AlreadyRegistered()
        owner = _new_applicant(vault, full_name, nik, birth_date, now)
        if await uow.accounts.owner_hash_taken(owner.nik_hash):
            raise NikOwnsAnotherAccount()
        # An account of this NIK erased before its 30-day wait was over: the wait carries on.
        kept_freeze = wait_in_force(await uow.accounts.freeze_of(owner.nik_hash), now)
        # A concurrent registration of the same NIK that commits first makes `add` raise NikOwnsAnotherAccount.
        account = await uow.accounts.add(
            NewAccount(
                telegram_user_id=telegram_user_id,
                owner_nik_hash=owner.nik_hash,
                kk_hash=vault.lookup_hash(card.value),
                kk_enc=vault.encrypt(card.value),
                kk_masked=card.masked(),
                phone=phone,
                language=language,
                consented_at=now,
                created_at=now,
                frozen_until=kept_freeze,
            )
        )
        saved = await uow.accounts.add_applicant(account.id, owner, is_owner=True)
        await uow.commit()
    return _view(account, [saved])


async def check_owner_nik_free(uow: UnitOfWork, vault: Vault, nik: str) -> None:
    """Refuses, before the other questions, a NIK that already owns an account; `register_owner` checks again."""
    async with uow:
        if await uow.accounts.owner_hash_taken(vault.lookup_hash(nik)):
            raise NikOwnsAnotherAccount()


async def add_family_member(
    uow: UnitOfWork,
    vault: Vault,
    *,
    account_id: int,
    full_name: str,
    nik: str,
    birth_date: date,
    now: datetime,
) -> ApplicantView:
    """Save a relative on the owner's family card for this and later bookings."""
    async with uow:
        if await uow.accounts.get(account_id) is None:
            raise AccountNotFound()
        person = _new_applicant(vault, full_name, nik, birth_date, now)
        saved = await uow.accounts.applicants(account_id)
        if any(a.nik_hash == person.nik_hash for a in saved):
            raise ApplicantAlreadySaved()
        if len(saved) >= MAX_SAVED_APPLICANTS:
            raise TooManyApplicants()
        added = await uow.accounts.add_applicant(account_id, person, is_owner=False)
        await uow.commit()
    return _applicant_view(added)


async def remove_family_member(uow: UnitOfWork, account_id: int, applicant_id: int, now: datetime) -> ApplicantView:
    """Removes a saved relative (a typo in a name is fixed by removing and adding again); past bookings keep counts."""
    async with uow:
        member = next((a for a in await uow.accounts.applicants(account_id) if a.id == applicant_id), None)
        if member is None or member.is_owner:
            raise NotAFamilyMember()
        for booking in await uow.bookings.for_account(account_id):
            if booking.to_come(now) and any(
                m.applicant_id == applicant_id for m in await uow.bookings.party(booking.id)
            ):
                raise MemberBookedAhead(booking.day)
        await uow.bookings.let_go_of(applicant_id)
        await uow.accounts.remove_applicants([applicant_id])
        await uow.commit()
    return _applicant_view(member)


async def account_by_telegram_user(uow: UnitOfWork, telegram_user_id: int) -> AccountView | None:
    async with uow:
        found = await uow.accounts.with_people(telegram_user_id)
    return None if found is None else _view(*found)


async def set_language(uow: UnitOfWork, account_id: int, language: str) -> None:
    """The language the account's messages and documents are written in."""
    if language not in ("id", "en"):
        raise ValueError(f"unsupported language {language!r}")
    async with uow:
        if await uow.accounts.get(account_id) is None:
            raise AccountNotFound()
        await uow.accounts.set_language(account_id, language)
        await uow.commit()
