"""Office catalogue use cases: import and export as CSV, search, add and edit."""

from __future__ import annotations

import csv
import io
from collections.abc import Iterable
from dataclasses import replace
from importlib import resources

from core.domain.offices import Office, OfficeKind, default_slot_template
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
