"""Fair openings' draws and their registrations, read and written as domain records (core/domain/draw.py)."""

from __future__ import annotations

import json
from collections.abc import Mapping, Sequence
from datetime import date, datetime
from typing import Any

from sqlalchemy import bindparam, delete, func, insert, select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncConnection

from core.domain.draw import AlreadyRegistered, Draw, DrawEntry, DrawState, NikAlreadyRegistered
from core.persistence.database import LoopConnection
from core.persistence.tables import draw_entries, draw_niks, draws, slots


def _draw(r: Any) -> Draw:
    drawn = r.state == DrawState.DRAWN.value
    return Draw(
        r.id, r.office_id, r.opens_at, r.closes_at, tuple(date.fromisoformat(d) for d in r.days.split(",") if d),
        r.commitment, DrawState(r.state), r.created_at, r.digest, r.listed, r.seed if drawn else None, r.beacon,
        tuple(int(n) for n in r.drawn_order.split(",") if n) if r.drawn_order is not None else None,
    )  # fmt: skip


def _entry(r: Any) -> DrawEntry:
    party = json.loads(r.party)
    return DrawEntry(
        r.id, r.draw_id, r.account_id, r.token, tuple(int(a) for a, _ in party), tuple(str(k) for _, k in party),
        r.first_day, r.last_day, r.registered_at, r.number, r.waitlist_id,
    )  # fmt: skip


class DrawRepository:
    def __init__(self, conn: AsyncConnection | LoopConnection) -> None:
        self._conn = conn

    async def add(
        self, office_id: int, opens_at: datetime, closes_at: datetime, days: Sequence[date], seed: str, commitment: str,
        now: datetime,
    ) -> Draw | None:  # fmt: skip
        """A new draw for the office's opening; None when it has one already (another worker made it)."""
        values = {
            "office_id": office_id, "opens_at": opens_at, "closes_at": closes_at,
            "days": ",".join(d.isoformat() for d in days), "seed": seed, "commitment": commitment, "beacon": "",
            "state": DrawState.OPEN.value, "created_at": now,
        }  # fmt: skip
        try:
            row = (await self._conn.execute(insert(draws).values(**values).returning(*draws.c))).one()
        except IntegrityError:
            return None  # the unit of work is spoilt: its caller starts the next office afresh
        return _draw(row)

    async def get(self, draw_id: int) -> Draw | None:
        row = (await self._conn.execute(select(draws).where(draws.c.id == draw_id))).first()
        return None if row is None else _draw(row)

    async def seed(self, draw_id: int) -> str:
        """The secret seed, for the draw itself only."""
        return str((await self._conn.execute(select(draws.c.seed).where(draws.c.id == draw_id))).scalar_one())

    async def of_opening(self, office_id: int, opens_at: datetime) -> Draw | None:
        stmt = select(draws).where(draws.c.office_id == office_id, draws.c.opens_at == opens_at)
        row = (await self._conn.execute(stmt)).first()
        return None if row is None else _draw(row)

    async def latest(self, office_id: int) -> Draw | None:
        """The office's most recent draw, whatever its state."""
        stmt = select(draws).where(draws.c.office_id == office_id).order_by(draws.c.opens_at.desc()).limit(1)
        row = (await self._conn.execute(stmt)).first()
        return None if row is None else _draw(row)

    async def undrawn(self) -> list[Draw]:
        """Draws still to freeze or to draw, the earliest opening first."""
        stmt = select(draws).where(draws.c.state != DrawState.DRAWN.value).order_by(draws.c.opens_at, draws.c.id)
        return [_draw(r) for r in await self._conn.execute(stmt)]

    async def register(
        self,
        draw_id: int,
        account_id: int,
        token: str,
        party: Sequence[int],
        kinds: Sequence[str],
        nik_hashes: Sequence[str],
        first: date,
        last: date,
        now: datetime,
    ) -> DrawEntry:
        """A party's registration with each of its NIKs; AlreadyRegistered or NikAlreadyRegistered if taken."""
        values = {
            "draw_id": draw_id, "account_id": account_id, "token": token,
            "party": json.dumps([[a, k] for a, k in zip(party, kinds, strict=True)]),
            "first_day": first, "last_day": last, "registered_at": now,
        }  # fmt: skip
        try:
            row = (await self._conn.execute(insert(draw_entries).values(**values).returning(*draw_entries.c))).one()
        except IntegrityError:
            raise AlreadyRegistered() from None
        taken = select(draw_niks.c.nik_hash).where(draw_niks.c.draw_id == draw_id, draw_niks.c.nik_hash.in_(nik_hashes))
        clash = set((await self._conn.execute(taken)).scalars())
        for position, nik in enumerate(nik_hashes, 1):
            if nik in clash:
                raise NikAlreadyRegistered(position)
        try:  # the primary key judges a registration made meanwhile
            await self._conn.execute(
                insert(draw_niks), [{"draw_id": draw_id, "nik_hash": n, "entry_id": row.id} for n in nik_hashes]
            )
        except IntegrityError:
            raise NikAlreadyRegistered(1) from None
        return _entry(row)

    async def entry_of(self, draw_id: int, account_id: int) -> DrawEntry | None:
        stmt = select(draw_entries).where(draw_entries.c.draw_id == draw_id, draw_entries.c.account_id == account_id)
        row = (await self._conn.execute(stmt)).first()
        return None if row is None else _entry(row)

    async def undrawn_entry_of(self, account_id: int) -> DrawEntry | None:
        """The account's registration in a draw still to be made, if any."""
        stmt = (
            select(draw_entries)
            .join(draws, draws.c.id == draw_entries.c.draw_id)
            .where(draw_entries.c.account_id == account_id, draws.c.state != DrawState.DRAWN.value)
            .limit(1)
        )
        row = (await self._conn.execute(stmt)).first()
        return None if row is None else _entry(row)

    async def latest_entry_of(self, account_id: int) -> DrawEntry | None:
        """The account's registration in the most recent draw it registered for."""
        stmt = (
            select(draw_entries)
            .join(draws, draws.c.id == draw_entries.c.draw_id)
            .where(draw_entries.c.account_id == account_id)
            .order_by(draws.c.opens_at.desc())
            .limit(1)
        )
        row = (await self._conn.execute(stmt)).first()
        return None if row is None else _entry(row)

    async def entries(self, draw_id: int) -> list[DrawEntry]:
        """The draw's registrations in the order they came."""
        stmt = select(draw_entries).where(draw_entries.c.draw_id == draw_id).order_by(draw_entries.c.id)
        return [_entry(r) for r in await self._conn.execute(stmt)]

    async def count(self, draw_id: int) -> int:
        stmt = select(func.count()).select_from(draw_entries).where(draw_entries.c.draw_id == draw_id)
        return int((await self._conn.execute(stmt)).scalar_one())

    async def close(self, draw_id: int, now: datetime) -> bool:
        """Registrations end: the draw's row, locked until this transaction ends, says frozen; False if another
        worker closed it first. A registration under way holds the row (registering()) and is counted in."""
        stmt = (
            update(draws)
            .where(draws.c.id == draw_id, draws.c.state == DrawState.OPEN.value)
            .values(state=DrawState.FROZEN.value, frozen_at=now)
        )
        return bool((await self._conn.execute(stmt)).rowcount)

    async def registering(self, draw_id: int) -> bool:
        """Whether the draw still takes registrations, its row held (shared) until this transaction ends, so that
        registrations cannot close meanwhile and leave this one out of the list."""
        stmt = select(draws.c.state).where(draws.c.id == draw_id).with_for_update(read=True)
        return bool((await self._conn.execute(stmt)).scalar_one() == DrawState.OPEN.value)

    async def publish(self, draw_id: int, numbers: Mapping[int, int], listed: str, digest: str) -> None:
        """Numbers the registrations and publishes the list, in the transaction that closed it."""
        await self._conn.execute(update(draws).where(draws.c.id == draw_id).values(listed=listed, digest=digest))
        if numbers:
            await self._conn.execute(
                update(draw_entries).where(draw_entries.c.id == bindparam("entry")).values(number=bindparam("n")),
                [{"entry": e, "n": n} for e, n in numbers.items()],
            )

    async def drawn(self, draw_id: int, order: Sequence[int], now: datetime) -> bool:
        """The draw is made: its order and (from now on readable) seed are public; False if drawn already."""
        stmt = (
            update(draws)
            .where(draws.c.id == draw_id, draws.c.state == DrawState.FROZEN.value)
            .values(state=DrawState.DRAWN.value, drawn_order=",".join(map(str, order)), drawn_at=now)
        )
        return bool((await self._conn.execute(stmt)).rowcount)

    async def forget_niks(self, draw_id: int) -> int:
        """Each NIK once matters while registrations are taken: after the draw its (keyed) hashes go."""
        return int((await self._conn.execute(delete(draw_niks).where(draw_niks.c.draw_id == draw_id))).rowcount)

    async def waiting_as(self, links: Mapping[int, int]) -> None:
        """Each drawn registration's entry on the office's waiting list."""
        if links:
            await self._conn.execute(
                update(draw_entries).where(draw_entries.c.id == bindparam("e")).values(waitlist_id=bindparam("w")),
                [{"e": e, "w": w} for e, w in links.items()],
            )

    async def keep_shut(self, office_id: int, opens_at: datetime, until: datetime) -> int:
        """The opening's slots at the office open to everyone only after the draw (at the latest `until`)."""
        stmt = (
            update(slots)
            .where(slots.c.office_id == office_id, slots.c.bookable_from == opens_at)
            .values(bookable_from=until)
        )
        return int((await self._conn.execute(stmt)).rowcount)

    async def open_now(self, office_id: int, days: Sequence[date], now: datetime) -> int:
        """What the draw left opens to everyone: first come, first served."""
        stmt = (
            update(slots)
            .where(slots.c.office_id == office_id, slots.c.day.in_(list(days)), slots.c.bookable_from > now)
            .values(bookable_from=now)
        )
        return int((await self._conn.execute(stmt)).rowcount)
