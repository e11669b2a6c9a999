"""Office catalogue use cases: import and export as CSV, search, add and edit."""

from __future__ import annotations

import csv
import io
import time
from collections.abc import Callable, Iterable
from dataclasses import replace
from importlib import resources

from core.domain.offices import Office, OfficeKind, default_slot_template
from core.domain.staff import Permission, StaffMember
from core.services.errors import OfficeNotFound
from core.services.uow import UnitOfWork

CSV_FIELDS = ("code", "kind", "name", "kanwil", "province", "city", "address", "timezone")


def shipped_offices_csv() -> str:
    """The catalogue of real offices that ships with the project."""
    return resources.files("core").joinpath("data/offices.csv").read_text(encoding="utf-8")


def parse_offices_csv(text: str) -> list[Office]:
    reader = csv.DictReader(io.StringIO(text))
    missing = set(CSV_FIELDS) - set(reader.fieldnames or ())
    if missing:
        raise ValueError(f"CSV lacks columns: {', '.join(sorted(missing))}")
    return [
        Office(
            code=row["code"].strip().upper(),
            kind=OfficeKind(row["kind"].strip()),
            name=row["name"].strip(),
            kanwil=row["kanwil"].strip(),
            province=row["province"].strip(),
            city=row["city"].strip(),
            address=row["address"].strip(),
            timezone=row["timezone"].strip(),
        )
        for row in reader
    ]


def offices_to_csv(offices: Iterable[Office]) -> str:
    out = io.StringIO()
    writer = csv.DictWriter(out, fieldnames=CSV_FIELDS, lineterminator="\n")
    writer.writeheader()
    for o in offices:
        writer.writerow({f: getattr(o, f) for f in CSV_FIELDS} | {"kind": o.kind.value})
    return out.getvalue()


async def import_offices(uow: UnitOfWork, text: str) -> tuple[int, int]:
    """Add new offices and update known ones by code; a known office keeps its slot template."""
    added = updated = 0
    async with uow:
        for office in parse_offices_csv(text):
            existing = await uow.offices.get(office.code)
            if existing is None:
                await uow.offices.save(replace(office, slots=default_slot_template()))
                added += 1
            else:
                await uow.offices.save(
                    replace(
                        office,
                        slots=existing.slots,
                        working_days=existing.working_days,
                        release=existing.release,
                    )
                )
                updated += 1
        await uow.commit()
    return added, updated


async def export_offices(uow: UnitOfWork) -> str:
    async with uow:
        return offices_to_csv(await uow.offices.list())


async def search_offices(uow: UnitOfWork, query: str | None = None) -> list[Office]:
    """Offices whose city, province, name or code contains the query."""
    async with uow:
        return await uow.offices.list(query)


async def save_office(uow: UnitOfWork, office: Office) -> Office:
    async with uow:
        saved = await uow.offices.save(office)
        await uow.commit()
        return saved


class OfficeDirectory:
    """The active offices as the applicant's door shows them, read from the database at most once a minute.

    Every booking starts by listing offices; in a rush that is thousands of identical reads of a list that
    staff change a few times a year. A change shows in the list within `ttl` seconds; what is bookable is
    still decided by the database at the moment of the hold.
    """

    def __init__(self, uow: Callable[[], UnitOfWork], *, ttl: float = 60.0) -> None:
        self._uow = uow
        self._ttl = ttl
        self._offices: list[Office] = []
        self._read_at = float("-inf")

    async def all(self) -> list[Office]:
        if time.monotonic() - self._read_at > self._ttl:
            self._offices = await search_offices(self._uow())
            self._read_at = time.monotonic()
        return self._offices

    async def search(self, query: str) -> list[Office]:
        """Offices whose city, province, name or code contains the query, as the repository's search."""
        return [o for o in await self.all() if o.matches(query)]

    async def in_province(self, province: str) -> list[Office]:
        return [o for o in await self.all() if o.province == province]

    async def provinces(self) -> list[str]:
        return sorted({o.province for o in await self.all()})

    async def by_id(self, office_id: int) -> Office | None:
        return next((o for o in await self.all() if o.id == office_id), None)


async def office_for(uow: UnitOfWork, office_code: str, actor: StaffMember | None, permission: Permission) -> Office:
    """The office, inside the caller's open unit, if the actor may do `permission` there (None: the command line
    on the server, which may)."""
    office = await uow.offices.get(office_code)
    if office is None:
        raise OfficeNotFound(office_code)
    if actor is not None:
        actor.require(permission, office.id)
    return office
