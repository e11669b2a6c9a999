"""What each applicant brings: decided by age on the arrival date and the application type."""

from __future__ import annotations

from datetime import date

from core.domain.booking import ApplicationType
from core.domain.requirements import Document, age_on, any_child, documents_to_bring, is_child

DAY = date(2026, 11, 30)
NEW, REPLACEMENT = ApplicationType.NEW, ApplicationType.REPLACEMENT


def test_an_adult_brings_the_e_ktp_and_the_family_card() -> None:
    assert documents_to_bring(date(1985, 3, 14), NEW, DAY) == (Document.E_KTP, Document.FAMILY_CARD)


def test_an_adult_replacing_a_passport_brings_the_old_one_too() -> None:
    assert documents_to_bring(date(1985, 3, 14), REPLACEMENT, DAY)[-1] is Document.OLD_PASSPORT


def test_a_child_brings_the_birth_certificate_and_the_parents_papers_and_no_e_ktp() -> None:
    papers = documents_to_bring(date(2015, 6, 1), NEW, DAY)
    assert Document.E_KTP not in papers
    assert papers == (
        Document.BIRTH_CERTIFICATE,
        Document.FAMILY_CARD,
        Document.PARENTS_E_KTP,
        Document.PARENTS_MARRIAGE_CERTIFICATE,
        Document.PARENTS_PASSPORTS,
    )
    assert documents_to_bring(date(2015, 6, 1), REPLACEMENT, DAY)[-1] is Document.OLD_PASSPORT


def test_age_is_counted_on_the_arrival_date_not_on_the_day_of_booking() -> None:
    assert is_child(date(2009, 12, 1), DAY)  # 17 the day after arriving
    assert not is_child(date(2009, 11, 30), DAY)  # 17 on the day: an adult's papers
    assert documents_to_bring(date(2009, 11, 30), NEW, DAY)[0] is Document.E_KTP


def test_someone_born_on_29_february_grows_a_year_older_on_1_march() -> None:
    assert age_on(date(2008, 2, 29), date(2025, 2, 28)) == 16
    assert age_on(date(2008, 2, 29), date(2025, 3, 1)) == 17


def test_a_party_with_one_child_needs_the_parents_along() -> None:
    assert any_child([date(1985, 3, 14), date(2016, 1, 1)], DAY)
    assert not any_child([date(1985, 3, 14), date(1987, 1, 1)], DAY)
