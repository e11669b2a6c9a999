"""Check-in at the counter: is this proof genuine, for today, here, and unused; then mark who arrived.

Also the corrections an officer makes there (application type, a misspelt name), each with a reason and an entry
in the audit log.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, datetime, time
from enum import StrEnum

from core.crypto import Vault
from core.documents.signing import InvalidProof, ProofClaim, verify_proof
from core.domain.booking import (
    ApplicationType,
    BookingNotFound,
    BookingRecord,
    BookingStatus,
    PartyMember,
    is_well_formed_code,
    normalize_booking_code,
)
from core.domain.errors import DomainError
from core.domain.offices import Office
from core.domain.staff import Permission, StaffMember
from core.services import audit
from core.services.accounts import clean_name
from core.services.office_day import office_for
from core.services.uow import UnitOfWork


class Problem(StrEnum):
    """Why a proof does not let its applicants in now; the page says each in plain words."""

    MALFORMED = "malformed"  # neither a booking code nor a proof payload
    FORGED = "forged"  # a payload whose signature is not ours
    MISMATCH = "mismatch"  # signed by us, but the booking now says otherwise (an old proof of a changed booking)
    UNKNOWN = "unknown"  # no booking has that code
    OTHER_OFFICE = "other_office"
    NOT_TODAY = "not_today"
    NOT_CONFIRMED = "not_confirmed"  # a hold that was never confirmed
    CANCELLED = "cancelled"
    MOVED = "moved"  # its owner moved it: the new booking has its own code and proof
    EXPIRED = "expired"
    USED = "used"  # everyone on it has already checked in


@dataclass(frozen=True, slots=True)
class CounterApplicant:
    position: int
    queue_no: int | None
    full_name: str
    nik: str  # whole for the counter, masked for the other roles
    application_type: ApplicationType
    checked_in_at: datetime | None


@dataclass(frozen=True, slots=True)
class CounterBooking:
    code: str
    status: BookingStatus
    office: Office
    day: date
    start: time
    end: time
    applicants: tuple[CounterApplicant, ...]


@dataclass(frozen=True, slots=True)
class Verdict:
    """What the counter is told about a typed code or a scanned payload."""

    code: str | None
    signed: bool  # the text was a proof payload with our signature
    problems: tuple[Problem, ...]
    booking: CounterBooking | None  # None when unknown, or when it belongs to an office the member cannot see

    @property
    def valid(self) -> bool:
        return not self.problems


class CheckInRefused(DomainError):
    code = "check_in_refused"

    def __init__(self, problems: Sequence[Problem]) -> None:
        self.problems = tuple(problems)
        super().__init__(", ".join(p.value for p in problems))


class NotInBooking(DomainError):
    code = "not_in_booking"

    def __init__(self, position: int) -> None:
        self.position = position
        super().__init__(str(position))


def read_code(text: str, key: bytes) -> tuple[str | None, ProofClaim | None, Problem | None]:
    """A typed booking code or a scanned payload, read kindly: (code, signed claim, problem)."""
    stripped = "".join(text.split())
    if stripped.upper().startswith("ANTREAN"):
        try:
            claim = verify_proof(key, stripped)
        except InvalidProof as exc:
            return None, None, Problem.FORGED if exc.reason == "bad_signature" else Problem.MALFORMED
        return claim.code, claim, None
    code = normalize_booking_code(stripped)
    return (code, None, None) if is_well_formed_code(code) else (None, None, Problem.MALFORMED)


async def _load(
    uow: UnitOfWork, vault: Vault, member: StaffMember, code: str
) -> tuple[BookingRecord, Office, CounterBooking] | None:
    found = await uow.bookings.by_code(code)
    if found is None:
        return None
    office = await uow.offices.get_by_id(found.office_id)
    assert office is not None
    full = member.may(Permission.SEE_FULL_NIK)
    party = await uow.bookings.party(found.id)
    people = tuple(
        CounterApplicant(
            p.position,
            p.queue_no,
            p.full_name,
            vault.decrypt(p.nik_enc) if full else p.nik_masked,
            p.application_type,
            p.checked_in_at,
        )
        for p in party
    )
    booking = CounterBooking(
        found.code,
        found.status,
        office,
        found.day,
        found.start,
        found.end,
        people,
    )
    return found, office, booking


_STATUS_PROBLEM = {
    BookingStatus.HELD: Problem.NOT_CONFIRMED,
    BookingStatus.CANCELLED: Problem.CANCELLED,
    BookingStatus.MOVED: Problem.MOVED,
    BookingStatus.EXPIRED: Problem.EXPIRED,
}


def _problems(
    booking: CounterBooking, office: Office, here: Office, claim: ProofClaim | None, now: datetime
) -> list[Problem]:
    out: list[Problem] = []
    if claim is not None and (
        claim.office_code != booking.office.code
        or claim.day != booking.day
        or claim.start != booking.start
        or claim.party != len(booking.applicants)
    ):
        out.append(Problem.MISMATCH)
    if office.id != here.id:
        out.append(Problem.OTHER_OFFICE)
    if booking.day != here.today(now):
        out.append(Problem.NOT_TODAY)
    status_problem = _STATUS_PROBLEM.get(booking.status)
    if status_problem is not None:
        out.append(status_problem)
    if booking.applicants and all(p.checked_in_at is not None for p in booking.applicants):
        out.append(Problem.USED)
    return out


async def inspect(
    uow: UnitOfWork, vault: Vault, member: StaffMember, office_code: str, text: str, now: datetime
) -> Verdict:
    """Reads a code or payload at the counter of `office_code` and says whether its applicants may come in."""
    code, claim, problem = read_code(text, vault.signing_key)
    if problem is not None:
        return Verdict(None, False, (problem,), None)
    assert code is not None
    async with uow:
        here = await office_for(uow, member, Permission.CHECK_IN, office_code)
        loaded = await _load(uow, vault, member, code)
    if loaded is None:
        return Verdict(code, claim is not None, (Problem.UNKNOWN,), None)
    _, office, booking = loaded
    problems = _problems(booking, office, here, claim, now)
    # Staff of one office are told where a booking belongs, not who is on it.
    visible = member.may(Permission.VIEW_DAY, office.id)
    return Verdict(code, claim is not None, tuple(problems), booking if visible else None)


async def mark_arrived(
    uow: UnitOfWork,
    vault: Vault,
    member: StaffMember,
    office_code: str,
    code: str,
    positions: Sequence[int],
    now: datetime,
) -> Verdict:
    """Marks these applicants as arrived, once; refused unless the booking is valid here and now."""
    async with uow:
        here = await office_for(uow, member, Permission.CHECK_IN, office_code)
        loaded = await _load(uow, vault, member, normalize_booking_code(code))
        if loaded is None:
            raise CheckInRefused([Problem.UNKNOWN])
        found, office, booking = loaded
        problems = _problems(booking, office, here, None, now)
        if problems:
            raise CheckInRefused(problems)
        known = {p.position for p in booking.applicants}
        for position in positions:
            if position not in known:
                raise NotInBooking(position)
        marked = await uow.office_day.mark_arrived(found.id, sorted(set(positions)), now)
        if not marked:
            raise CheckInRefused([Problem.USED])
        names = {p.position: p.full_name for p in booking.applicants}
        await audit.record(
            uow,
            member,
            "checked_in",
            ", ".join(names[p] for p in marked),
            now,
            after={"positions": marked},
            office_id=office.id,
            booking_code=booking.code,
        )
        await uow.commit()
        reloaded = await _load(uow, vault, member, booking.code)
    assert reloaded is not None
    return Verdict(booking.code, False, (), reloaded[2])


async def _correctable(
    uow: UnitOfWork, vault: Vault, member: StaffMember, code: str, position: int
) -> tuple[Office, CounterBooking, PartyMember]:
    loaded = await _load(uow, vault, member, normalize_booking_code(code))
    if loaded is None:
        raise BookingNotFound()  # nothing to correct: unlike at check-in, this is not a verdict on a proof
    found, office, booking = loaded
    member.require(Permission.CORRECT_DATA, office.id)
    person = next((p for p in await uow.bookings.party(found.id) if p.position == position), None)
    if person is None:
        raise NotInBooking(position)
    return office, booking, person


class ReasonRequired(DomainError):
    code = "reason_required"


def _reason(text: str) -> str:
    reason = " ".join(text.split())
    if len(reason) < 3:
        raise ReasonRequired()
    return reason[:500]


async def revise_type(
    uow: UnitOfWork,
    member: StaffMember,
    vault: Vault,
    code: str,
    position: int,
    kind: ApplicationType,
    reason: str,
    now: datetime,
) -> None:
    """Changes one applicant's application type (new or replacement) as found at the counter."""
    why = _reason(reason)
    async with uow:
        office, booking, person = await _correctable(uow, vault, member, code, position)
        member.require(Permission.CHECK_IN, office.id)
        if person.application_type == kind:
            return
        await uow.office_day.set_application_type(person.booking_id, position, kind)
        await audit.record(
            uow,
            member,
            "application_type_revised",
            f"{person.full_name} ({person.nik_masked})",
            now,
            before={"application_type": person.application_type.value},
            after={"application_type": kind.value},
            office_id=office.id,
            booking_code=booking.code,
            reason=why,
        )
        await uow.commit()


async def correct_name(
    uow: UnitOfWork,
    member: StaffMember,
    vault: Vault,
    code: str,
    position: int,
    full_name: str,
    reason: str,
    now: datetime,
) -> None:
    """Corrects an applicant's name as printed on the e-KTP; their later bookings carry the corrected name."""
    why = _reason(reason)
    name = clean_name(full_name)
    async with uow:
        office, booking, person = await _correctable(uow, vault, member, code, position)
        if person.full_name == name:
            return
        await uow.office_day.rename_applicant(person.applicant_id, name)
        await audit.record(
            uow,
            member,
            "name_corrected",
            f"applicant {person.nik_masked}",
            now,
            before={"full_name": person.full_name},
            after={"full_name": name},
            office_id=office.id,
            booking_code=booking.code,
            reason=why,
        )
        await uow.commit()
