"""The waiting list's rows, read and written as domain records (core/domain/waitlist.py)."""

from __future__ import annotations

import json
from collections.abc import Sequence
from datetime import date, datetime
from typing import Any

from sqlalchemy import func, insert, select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncConnection

from core.domain.waitlist import AlreadyWaiting, LeftBecause, WaitEntry, WaitState
from core.persistence.database import LoopConnection
from core.persistence.tables import waitlist

_LIVE = (WaitState.WAITING.value, WaitState.OFFERED.value)


def _entry(r: Any) -> WaitEntry:
    party = json.loads(r.party)
    return WaitEntry(
        r.id, r.account_id, r.office_id, r.first_day, r.last_day, tuple(int(a) for a, _ in party),
        tuple(str(k) for _, k in party), WaitState(r.state), r.joined_at, r.offered_booking_id, r.offered_until,
        None if r.ended_why is None else LeftBecause(r.ended_why),
    )  # fmt: skip


class WaitlistRepository:
    def __init__(self, conn: AsyncConnection | LoopConnection) -> None:
        self._conn = conn

    async def add(
        self,
        account_id: int,
        office_id: int,
        first: date,
        last: date,
        party: Sequence[int],
        kinds: Sequence[str],
        now: datetime,
    ) -> WaitEntry:
        """A new entry at the end of the office's list; AlreadyWaiting if the account has a live one (the index)."""
        stmt = (
            insert(waitlist)
            .values(
                account_id=account_id,
                office_id=office_id,
                first_day=first,
                last_day=last,
                party=json.dumps([[a, k] for a, k in zip(party, kinds, strict=True)]),
                state=WaitState.WAITING.value,
                joined_at=now,
            )
            .returning(*waitlist.c)
        )
        try:
            return _entry((await self._conn.execute(stmt)).one())
        except IntegrityError:
            raise AlreadyWaiting() from None

    async def add_many(
        self, office_id: int, parties: Sequence[tuple[int, date, date, Sequence[int], Sequence[str]]], now: datetime
    ) -> dict[int, int]:
        """Parties at the end of the office's list in this order (account, first, last, party, kinds): each account's
        new entry id. Accounts with a live entry anywhere are left out (see live_accounts)."""
        if not parties:
            return {}
        rows = [
            {
                "account_id": account, "office_id": office_id, "first_day": first, "last_day": last,
                "party": json.dumps([[a, k] for a, k in zip(party, kinds, strict=True)]),
                "state": WaitState.WAITING.value, "joined_at": now,
            }
            for account, first, last, party, kinds in parties
        ]  # fmt: skip
        await self._conn.execute(insert(waitlist), rows)
        accounts = [p[0] for p in parties]
        made: dict[int, int] = {}
        for k in range(0, len(accounts), 500):  # one live entry per account: the index says so
            stmt = select(waitlist.c.account_id, waitlist.c.id).where(
                waitlist.c.account_id.in_(accounts[k : k + 500]), waitlist.c.state.in_(_LIVE)
            )
            made.update((int(r.account_id), int(r.id)) for r in (await self._conn.execute(stmt)).all())
        return made

    async def live_accounts(self, account_ids: Sequence[int]) -> set[int]:
        """Which of these accounts wait somewhere now."""
        found: set[int] = set()
        for k in range(0, len(account_ids), 500):
            stmt = select(waitlist.c.account_id).where(
                waitlist.c.account_id.in_(account_ids[k : k + 500]), waitlist.c.state.in_(_LIVE)
            )
            found.update(int(a) for a in (await self._conn.execute(stmt)).scalars())
        return found

    async def offered_accounts(self, office_id: int) -> list[int]:
        """The accounts with an offer open at the office now."""
        stmt = select(waitlist.c.account_id).where(
            waitlist.c.office_id == office_id, waitlist.c.state == WaitState.OFFERED.value
        )
        return [int(a) for a in (await self._conn.execute(stmt)).scalars()]

    async def get(self, entry_id: int) -> WaitEntry | None:
        row = (await self._conn.execute(select(waitlist).where(waitlist.c.id == entry_id))).first()
        return None if row is None else _entry(row)

    async def live_of_account(self, account_id: int) -> WaitEntry | None:
        stmt = select(waitlist).where(waitlist.c.account_id == account_id, waitlist.c.state.in_(_LIVE))
        row = (await self._conn.execute(stmt)).first()
        return None if row is None else _entry(row)

    async def live_at(self, office_id: int) -> list[WaitEntry]:
        """The office's live entries (waiting, or with an offer open), in the order they joined."""
        stmt = (
            select(waitlist)
            .where(waitlist.c.office_id == office_id, waitlist.c.state.in_(_LIVE))
            .order_by(waitlist.c.id)
        )
        return [_entry(r) for r in await self._conn.execute(stmt)]

    async def offices_waited_at(self) -> list[int]:
        stmt = select(waitlist.c.office_id).where(waitlist.c.state.in_(_LIVE)).distinct().order_by(waitlist.c.office_id)
        return list((await self._conn.execute(stmt)).scalars())

    async def position(self, entry: WaitEntry) -> int:
        """1 for the first in the office's line: the live entries that joined before it, and itself."""
        stmt = select(func.count()).where(
            waitlist.c.office_id == entry.office_id, waitlist.c.state.in_(_LIVE), waitlist.c.id <= entry.id
        )
        return int((await self._conn.execute(stmt)).scalar_one())

    async def offered(self, entry_id: int, booking_id: int, until: datetime) -> bool:
        """A waiting entry now has places held for it; False if it was no longer waiting."""
        stmt = (
            update(waitlist)
            .where(waitlist.c.id == entry_id, waitlist.c.state == WaitState.WAITING.value)
            .values(state=WaitState.OFFERED.value, offered_booking_id=booking_id, offered_until=until)
        )
        return bool((await self._conn.execute(stmt)).rowcount)

    async def requeue(self, entry_id: int) -> bool:
        """An offer that ended through no fault of the party: it waits again, at its place in line."""
        stmt = (
            update(waitlist)
            .where(waitlist.c.id == entry_id, waitlist.c.state == WaitState.OFFERED.value)
            .values(state=WaitState.WAITING.value, offered_booking_id=None, offered_until=None)
        )
        return bool((await self._conn.execute(stmt)).rowcount)

    async def end(
        self, entry_id: int, state: WaitState, why: LeftBecause | None, now: datetime, *, was: Sequence[WaitState]
    ) -> bool:
        """The entry leaves the list (booked, or left and why), if it was in one of the states `was`."""
        stmt = (
            update(waitlist)
            .where(waitlist.c.id == entry_id, waitlist.c.state.in_([s.value for s in was]))
            .values(state=state.value, ended_at=now, ended_why=None if why is None else why.value)
        )
        return bool((await self._conn.execute(stmt)).rowcount)
