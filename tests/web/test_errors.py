"""The web's one table of refusals: every engine error the staff side can meet has a status and two languages."""

from __future__ import annotations

import importlib
import pkgutil
import re
from collections.abc import Iterator
from datetime import date, time

import pytest
from babel.support import Translations

import core.domain
import core.services
from core.documents.signing import InvalidProof
from core.domain import booking as bk
from core.domain import draw
from core.domain import identity as idn
from core.domain.announcements import TooManySubscriptions
from core.domain.errors import DomainError
from core.domain.offices import InvalidOffice
from core.domain.staff import InvalidStaffAccount, NotAllowed, Permission
from core.domain.waitlist import AlreadyWaiting, NotWaiting, WaitRangeInvalid
from core.languages import LOCALES
from core.services import accounts
from core.services.booking import ApplicantNotOnAccount, SlotFullWithChoices
from core.services.checkin import CheckInRefused, Problem
from core.services.errors import AccountNotFound, SlotNotFound
from core.services.quota import CapacityBelowTaken, NoSuchSlot
from web.errors import FALLBACK, REFUSALS, Refusal, explain, status_of

# Raised only on the applicant's path (the bot: registration, family, booking, cancelling) or caught before it
# reaches a route: the staff use cases (quota, release, office day, check-in, staff, audit, offices) never
# let these out. An error moved onto a staff path must leave this list for a row in web/errors.py.
NOT_FROM_THE_WEB: dict[type[DomainError], str] = {
    TooManySubscriptions: "following an office's openings: the bot",
    bk.PartyEmpty: "booking a party: the bot",
    bk.PartyTooLarge: "booking a party: the bot",
    bk.OwnerNotFirst: "booking a party: the bot",
    bk.DuplicateApplicant: "booking a party: the bot",
    bk.AccountFrozen: "a new booking by an account: the bot",
    bk.BookingWindowClosed: "a new booking by an account: the bot",
    bk.SlotFull: "holding places: the bot",
    SlotFullWithChoices: "holding places: the bot",
    bk.NikAlreadyBooked: "holding places: the bot",
    bk.HoldExpired: "confirming a hold: the bot",
    bk.CancellationClosed: "cancelling by the owner: the bot",
    bk.NotCancellable: "cancelling by the owner: the bot",
    bk.MoveClosed: "moving by the owner: the bot",
    bk.AlreadyMoved: "moving by the owner: the bot",
    bk.NotMovable: "moving by the owner: the bot",
    bk.SameTime: "moving by the owner: the bot",
    bk.OtherOffice: "moving by the owner: the bot",
    AlreadyWaiting: "joining the waiting list: the bot",
    WaitRangeInvalid: "joining the waiting list: the bot",
    NotWaiting: "answering an offer of the waiting list: the bot",
    draw.RegistrationClosed: "registering for a draw: the bot",
    draw.AlreadyRegistered: "registering for a draw: the bot",
    draw.NikAlreadyRegistered: "registering for a draw: the bot",
    draw.DatesNotInDraw: "registering for a draw: the bot",
    draw.RegisteredElsewhere: "registering for a draw, or waiting: the bot",
    idn.NikError: "a NIK typed at registration: the bot",
    idn.NikNotDigits: "a NIK typed at registration: the bot",
    idn.NikWrongLength: "a NIK typed at registration: the bot",
    idn.NikUnknownProvince: "a NIK typed at registration: the bot",
    idn.NikRegencyZero: "a NIK typed at registration: the bot",
    idn.NikDistrictZero: "a NIK typed at registration: the bot",
    idn.NikInvalidBirthDate: "a NIK typed at registration: the bot",
    idn.NikSerialZero: "a NIK typed at registration: the bot",
    idn.NikBirthDateMismatch: "a NIK typed at registration: the bot",
    idn.BirthDateInFuture: "a date of birth typed at registration: the bot",
    idn.KkError: "a family-card number typed at registration: the bot",
    idn.KkNotDigits: "a family-card number typed at registration: the bot",
    idn.KkWrongLength: "a family-card number typed at registration: the bot",
    idn.KkUnknownProvince: "a family-card number typed at registration: the bot",
    idn.KkRegencyZero: "a family-card number typed at registration: the bot",
    accounts.AlreadyRegistered: "registration: the bot",
    accounts.NikOwnsAnotherAccount: "registration: the bot",
    accounts.ApplicantAlreadySaved: "adding a family member: the bot",
    accounts.TooManyApplicants: "adding a family member: the bot",
    accounts.NotAFamilyMember: "removing a family member: the bot",
    accounts.MemberBookedAhead: "removing a family member: the bot",
    AccountNotFound: "an applicant's account: the bot",
    ApplicantNotOnAccount: "holding places for an account's applicants: the bot",
    SlotNotFound: "holding a slot the applicant chose: the bot",
    # checkin.read_code catches it and answers with Problem.FORGED or MALFORMED, a verdict, not a refusal.
    InvalidProof: "caught by the check-in use case",
}
PLACEHOLDER = re.compile(r"\{(\w*)\}")


def _every_domain_error() -> Iterator[type[DomainError]]:
    for package in (core.domain, core.services):
        for module in pkgutil.walk_packages(package.__path__, package.__name__ + "."):
            importlib.import_module(module.name)
    todo = list(DomainError.__subclasses__())
    while todo:
        kind = todo.pop()
        todo.extend(kind.__subclasses__())
        yield kind


def _indonesian() -> Translations:
    return Translations.load(str(LOCALES), ["id"], "messages")


def test_every_error_the_staff_side_can_meet_has_a_row_in_the_table() -> None:
    listed = {kind for kind, _ in REFUSALS}
    every = set(_every_domain_error())
    assert len(every) > 40  # the walk found the engine's errors, not an empty list
    missing = [k.__name__ for k in every if k not in NOT_FROM_THE_WEB and not (set(k.__mro__) & listed)]
    assert not missing, f"no row in web/errors.py REFUSALS for {missing}"
    # The list of exceptions stays true: nothing on it has a row after all, and nothing on it is gone.
    assert not (set(NOT_FROM_THE_WEB) & listed)
    assert set(NOT_FROM_THE_WEB) <= every


def test_every_problem_at_the_counter_has_its_own_sentence() -> None:
    assert {p for kind, p in REFUSALS if kind is CheckInRefused} == set(Problem)


@pytest.mark.parametrize(
    "refusal", [*REFUSALS.values(), FALLBACK], ids=[*(f"{k.__name__}-{v}" for k, v in REFUSALS), "fallback"]
)
def test_each_refusal_has_a_real_indonesian_sentence_of_its_own(refusal: Refusal) -> None:
    sentence = refusal.sentence
    indonesian = _indonesian().gettext(sentence)
    assert indonesian.strip() and indonesian != sentence
    assert set(PLACEHOLDER.findall(indonesian)) == set(PLACEHOLDER.findall(sentence))


def test_a_refusal_is_said_with_the_errors_own_values_in_the_language_asked() -> None:
    _ = _indonesian().gettext
    assert explain(CapacityBelowTaken(7), str) == "7 places are already taken: the capacity cannot go below that."
    assert "7" in explain(CapacityBelowTaken(7), _) and explain(CapacityBelowTaken(7), _) != explain(
        CapacityBelowTaken(7), str
    )
    assert explain(NoSuchSlot(time(9)), str) == "The office has no slot starting at 09:00."
    assert explain(bk.DateNotBookable(date(2026, 11, 27), "past"), str).startswith("2026-11-27 is today")


def test_the_status_follows_the_kind_of_refusal() -> None:
    assert status_of(NotAllowed(Permission.MANAGE_STAFF)) == 403
    assert status_of(InvalidStaffAccount("taken")) == 409
    assert status_of(InvalidStaffAccount("password")) == 422
    assert status_of(CheckInRefused([Problem.NOT_TODAY])) == 409
    assert status_of(InvalidOffice("capacity", 5000)) == 422


def test_a_refused_check_in_says_each_of_its_problems() -> None:
    err = CheckInRefused([Problem.NOT_TODAY, Problem.USED])
    assert explain(err, str) == "This booking is not for today. Everyone on this booking has already checked in."


def test_an_error_without_a_row_still_gets_a_sentence_with_its_code() -> None:
    assert explain(accounts.AlreadyRegistered(), str) == "This was refused: already_registered."
    assert status_of(accounts.AlreadyRegistered()) == 422
