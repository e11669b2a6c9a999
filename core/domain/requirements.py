"""What each applicant brings to the counter, decided by age on the arrival date and the application type.

The immigration offices' published requirements (for minors, e.g. Kantor Imigrasi Surabaya's page on passports
for children): an adult shows the e-KTP and the family card; a child under 17 comes with both parents and the
papers that prove who the child is and who the parents are; a replacement adds the old passport.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import date
from enum import StrEnum

from core.domain.booking import ApplicationType

ADULT_AGE = 17  # the age of the e-KTP; someone younger who is married counts as an adult too


class Document(StrEnum):
    """One paper to bring (originals); the adapters give each its words."""

    E_KTP = "e_ktp"
    FAMILY_CARD = "family_card"
    BIRTH_CERTIFICATE = "birth_certificate"  # or a baptism certificate
    PARENTS_E_KTP = "parents_e_ktp"
    PARENTS_MARRIAGE_CERTIFICATE = "parents_marriage_certificate"
    PARENTS_PASSPORTS = "parents_passports"
    OLD_PASSPORT = "old_passport"


_ADULT: tuple[Document, ...] = (Document.E_KTP, Document.FAMILY_CARD)
_CHILD: tuple[Document, ...] = (
    Document.BIRTH_CERTIFICATE,
    Document.FAMILY_CARD,
    Document.PARENTS_E_KTP,
    Document.PARENTS_MARRIAGE_CERTIFICATE,
    Document.PARENTS_PASSPORTS,
)


def age_on(birth_date: date, day: date) -> int:
    """Whole years completed on `day` (someone born on 29 February turns a year older on 1 March)."""
    return day.year - birth_date.year - ((day.month, day.day) < (birth_date.month, birth_date.day))


def is_child(birth_date: date, day: date) -> bool:
    """Under 17 on the arrival date: a child's papers, and both parents come along."""
    return age_on(birth_date, day) < ADULT_AGE


def documents_to_bring(birth_date: date, application_type: ApplicationType, day: date) -> tuple[Document, ...]:
    """The originals one applicant brings on `day`, in the order the counter asks for them."""
    papers = _CHILD if is_child(birth_date, day) else _ADULT
    replacing = application_type is ApplicationType.REPLACEMENT
    return (*papers, Document.OLD_PASSPORT) if replacing else papers


def any_child(birth_dates: Iterable[date], day: date) -> bool:
    """Whether a party has a child in it: then its parents (or a guardian) come along."""
    return any(is_child(b, day) for b in birth_dates)
