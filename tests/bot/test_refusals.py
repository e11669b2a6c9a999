"""The bot's one table of refusals: every domain error the engine defines has a sentence, in both languages."""

from __future__ import annotations

import importlib
import pkgutil
from collections.abc import Iterator
from datetime import date

import pytest

import core.domain
import core.services
from bot import texts
from bot.i18n import make_i18n
from core.domain import identity
from core.domain.errors import DomainError
from core.services import accounts


def _every_domain_error() -> Iterator[type[DomainError]]:
    for package in (core.domain, core.services):
        for module in pkgutil.iter_modules(package.__path__):
            importlib.import_module(f"{package.__name__}.{module.name}")

    def walk(cls: type[DomainError]) -> Iterator[type[DomainError]]:
        for sub in cls.__subclasses__():
            yield sub
            yield from walk(sub)

    yield from walk(DomainError)


ERRORS = sorted(set(_every_domain_error()), key=lambda cls: f"{cls.__module__}.{cls.__name__}")


def test_the_walk_finds_the_errors_of_the_domain_and_the_services() -> None:
    names = {cls.__name__ for cls in ERRORS}
    assert {"NikNotDigits", "SlotFullWithChoices", "ApplicantAlreadySaved", "AccountNotFound"} <= names


@pytest.mark.parametrize("error", ERRORS, ids=lambda cls: cls.__name__)
def test_every_domain_error_has_its_own_translated_sentence(error: type[DomainError]) -> None:
    assert error in texts.REFUSALS, f"{error.__module__}.{error.__name__} has no text in bot/texts.py REFUSALS"
    i18n = make_i18n()
    with i18n.context():
        with i18n.use_locale("en"):
            english = str(texts.REFUSALS[error].text)
        with i18n.use_locale("id"):
            indonesian = str(texts.REFUSALS[error].text)
    assert indonesian != english, f"{error.__name__}: not translated into Indonesian"
    assert error.code not in english  # a sentence, not the machine name
    assert "try again" not in english.lower()


def test_a_saved_relative_saved_again_is_told_so_plainly() -> None:
    i18n = make_i18n()
    with i18n.context(), i18n.use_locale("id"):
        said = texts.explain(accounts.ApplicantAlreadySaved())
    assert said == "Orang ini sudah tersimpan di akun Anda; Anda bisa memilihnya saat memesan."


def test_a_nik_of_five_thousand_letters_is_refused_in_one_short_sentence() -> None:
    with pytest.raises(identity.NikNotDigits) as refused:
        identity.parse_nik("x" * 5000, today=date(2026, 11, 27))
    i18n = make_i18n()
    with i18n.context(), i18n.use_locale("id"):
        said = texts.explain(refused.value)
    assert len(said) < 200 and said.endswith("1, 2, 3, 4, 5, … bukan angka.")
