"""The waiting list's use cases: join, see one's place, leave; answer an offer; and the sweep that offers freed places.

A place frees up when a booking is cancelled or moved, a hold lapses or is let go, or staff add capacity. Nothing
of that has to call in here: the worker's sweep, every few seconds, looks at the offices with waiting parties and
offers each released slot's room to the earliest party that fits (core/domain/waitlist.py), holding the places for
it through the ledger, as any hold, so the engine's rules (room, the 30-day wait, one active booking per NIK) are
judged by the database for every offer. The offer reaches the chat through the outbox.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass, replace
from datetime import date, datetime

from core import metrics
from core.clock import Clock
from core.domain.announcements import Kind
from core.domain.booking import (
    BookingStatus,
    HoldExpired,
    NikAlreadyBooked,
    OwnerNotFirst,
    check_not_frozen,
    check_party,
)
from core.domain.draw import RegisteredElsewhere
from core.domain.offices import Office
from core.domain.waitlist import (
    LeftBecause,
    NotWaiting,
    WaitEntry,
    WaitRangeInvalid,
    WaitState,
    check_range,
    first_fit,
    offer_hold,
)
from core.services.booking import ApplicantNotOnAccount, Booked, BookingDesk, Hold, OfferRefused
from core.services.errors import OfficeNotFound
from core.services.uow import UnitOfWork


@dataclass(frozen=True, slots=True)
class Waiting:
    """An account's place on a list: where, for which dates, its number in line, and an offer if one is open."""

    entry: WaitEntry
    office: Office
    position: int


async def join(
    uow: UnitOfWork,
    account_id: int,
    office_id: int,
    party: Sequence[int],
    kinds: Sequence[str],
    first: date,
    last: date,
    now: datetime,
) -> Waiting:
    """Puts the party at the end of the office's list for any date from `first` to `last`."""
    ids = tuple(party)
    check_party(ids)
    async with uow:
        office = await uow.offices.get_by_id(office_id)
        if office is None:
            raise OfficeNotFound(str(office_id))
        check_range(first, last, office.today(now))
        if offer_hold(office, last, now) is None:  # no offer could be made for any of these dates any more
            raise WaitRangeInvalid()
        await may_book(uow, account_id, ids, now)
        if await uow.draws.undrawn_entry_of(account_id) is not None:
            raise RegisteredElsewhere()  # the draw puts the family on its office's list: one list at a time
        entry = await uow.waitlist.add(account_id, office_id, first, last, ids, tuple(kinds), now)
        position = await uow.waitlist.position(entry)
        await uow.commit()
    return Waiting(entry, office, position)


async def may_book(uow: UnitOfWork, account_id: int, ids: Sequence[int], now: datetime) -> list[str]:
    """The party's NIK hashes, once it is known the account could book for it now: not in its 30-day wait, the
    applicants its own with the owner first, and none with a confirmed booking still to come."""
    account = await uow.accounts.get(account_id)
    assert account is not None
    check_not_frozen(account.frozen_until, now)
    saved = {a.id: a for a in await uow.accounts.applicants(account_id)}
    if any(a not in saved for a in ids):
        raise ApplicantNotOnAccount()
    if not saved[ids[0]].is_owner:
        raise OwnerNotFirst()
    niks = [saved[a].nik_hash for a in ids]
    holders = await uow.bookings.active_holders(niks)
    booked = {h.nik_hash for h in holders if h.status is BookingStatus.CONFIRMED and not h.day_over(now)}
    for position, nik in enumerate(niks, 1):
        if nik in booked:
            raise NikAlreadyBooked(position)
    return niks


async def my_place(uow: UnitOfWork, account_id: int) -> Waiting | None:
    """The account's live entry, with its number in line; None when it waits nowhere."""
    async with uow:
        entry = await uow.waitlist.live_of_account(account_id)
        if entry is None:
            return None
        office = await uow.offices.get_by_id(entry.office_id)
        assert office is not None
        return Waiting(entry, office, await uow.waitlist.position(entry))


async def leave(make_uow: Callable[[], UnitOfWork], desk: BookingDesk, account_id: int, now: datetime) -> WaitEntry:
    """Leaves the list; places held by an open offer go back at once."""
    live = (WaitState.WAITING, WaitState.OFFERED)
    async with make_uow() as uow:
        entry = await uow.waitlist.live_of_account(account_id)
        if entry is None:
            raise NotWaiting()
        await uow.waitlist.end(entry.id, WaitState.LEFT, LeftBecause.ASKED, now, was=live)
        await uow.commit()
    async with make_uow() as uow:  # as it was when it left: a sweep may have made an offer since it was read
        entry = await uow.waitlist.get(entry.id) or entry
    if entry.offered_booking_id is not None:
        await desk.release_hold(account_id, entry.offered_booking_id)
    return entry


async def _open_offer(uow: UnitOfWork, account_id: int, entry_id: int) -> WaitEntry:
    entry = await uow.waitlist.get(entry_id)
    if entry is None or entry.account_id != account_id or entry.state is not WaitState.OFFERED:
        raise NotWaiting()
    assert entry.offered_booking_id is not None
    return entry


async def accept(
    make_uow: Callable[[], UnitOfWork], desk: BookingDesk, account_id: int, entry_id: int, now: datetime
) -> Booked:
    """Takes an offer: the held places become the party's booking (the proof follows), and the entry is done."""
    async with make_uow() as uow:
        entry = await _open_offer(uow, account_id, entry_id)
    assert entry.offered_booking_id is not None
    try:
        booked = await desk.confirm(account_id, entry.offered_booking_id)
    except HoldExpired:
        async with make_uow() as uow:
            await uow.waitlist.end(entry.id, WaitState.LEFT, LeftBecause.LAPSED, now, was=(WaitState.OFFERED,))
            await uow.commit()
        raise
    async with make_uow() as uow:
        await uow.waitlist.end(entry.id, WaitState.BOOKED, None, now, was=(WaitState.OFFERED,))
        await uow.commit()
    metrics.OFFERS.labels("taken").inc()
    return booked


async def decline(
    make_uow: Callable[[], UnitOfWork], desk: BookingDesk, account_id: int, entry_id: int, now: datetime
) -> WaitEntry:
    """Says no to an offer: the places go back at once, to the next party that fits, and the entry leaves the list."""
    async with make_uow() as uow:
        entry = await _open_offer(uow, account_id, entry_id)
        await uow.waitlist.end(entry.id, WaitState.LEFT, LeftBecause.ASKED, now, was=(WaitState.OFFERED,))
        await uow.commit()
    assert entry.offered_booking_id is not None
    await desk.release_hold(account_id, entry.offered_booking_id)
    return entry


@dataclass(frozen=True, slots=True)
class Swept:
    """What one sweep did."""

    offered: int = 0
    booked: int = 0  # offers taken (an accept the sweep saw first)
    lapsed: int = 0
    ended: int = 0  # entries that can no longer book, or whose dates can no longer be offered

    def __add__(self, other: Swept) -> Swept:
        return Swept(
            self.offered + other.offered,
            self.booked + other.booked,
            self.lapsed + other.lapsed,
            self.ended + other.ended,
        )


async def sweep(make_uow: Callable[[], UnitOfWork], desk: BookingDesk, clock: Clock) -> Swept:
    """Settles open offers, then offers every released slot's free places to the parties waiting for them."""
    now = clock.now()
    await desk.expire_holds()  # lapsed holds give their places back first: they are the places to offer
    async with make_uow() as uow:
        offices = await uow.waitlist.offices_waited_at()
    done = Swept()
    for office_id in offices:
        done += await _sweep_office(make_uow, desk, office_id, now)
    return done


async def _sweep_office(make_uow: Callable[[], UnitOfWork], desk: BookingDesk, office_id: int, now: datetime) -> Swept:
    async with make_uow() as uow:
        office = await uow.offices.get_by_id(office_id)
        entries = await uow.waitlist.live_at(office_id)
        offers = {e.offered_booking_id: e for e in entries if e.offered_booking_id is not None}
        made = {b: await uow.bookings.get(b) for b in offers}
    assert office is not None and office.id is not None
    booked = lapsed = ended = offered = 0
    for booking_id, entry in offers.items():  # open offers: taken, or over (their places are free again)
        b = made[booking_id]
        if b is not None and b.status is BookingStatus.CONFIRMED:
            booked += await end_entry(make_uow, entry, WaitState.BOOKED, None, now)
        elif b is None or not b.stands(now):
            if b is not None and b.held_until <= now and await _seen(make_uow, booking_id):
                lapsed += await end_entry(make_uow, entry, WaitState.LEFT, LeftBecause.LAPSED, now, notify=True)
            else:  # ended before its time (the office closed the date), or never reached the chat: not their fault
                async with make_uow() as uow:
                    await uow.waitlist.requeue(entry.id)
                    await uow.commit()
                entry = replace(entry, state=WaitState.WAITING, offered_booking_id=None, offered_until=None)
                entries = [entry if e.id == entry.id else e for e in entries]
    waiting = [e for e in entries if e.state is WaitState.WAITING]
    for e in list(waiting):  # dates that can no longer be offered
        if offer_hold(office, e.last_day, now) is None:
            ended += await end_entry(make_uow, e, WaitState.LEFT, LeftBecause.OVER, now, notify=True)
            waiting.remove(e)
    if not waiting:
        return Swept(offered, booked, lapsed, ended)
    first = max(min(e.first_day for e in waiting), office.today(now))
    last = max(e.last_day for e in waiting)
    async with make_uow() as uow:
        by_day = await uow.slots.in_range(office.id, first, last)
    for day in sorted(by_day):
        hold = offer_hold(office, day, now)  # None for today and earlier too: their last day to cancel is past
        if hold is None:
            continue
        for slot in sorted(by_day[day], key=lambda s: s.start):
            if not slot.released(now):
                continue
            room = slot.remaining
            while room > 0 and (party := first_fit(waiting, day, room)) is not None:
                key = f"offer:{party.id}:{slot.slot_id}:{int((now + hold).timestamp())}"
                got = await desk.offer(party.account_id, slot.slot_id, party.party, party.kinds, key, now + hold)
                if got is OfferRefused.NO_ROOM:
                    break
                waiting.remove(party)
                if got is OfferRefused.CANNOT_BOOK:
                    ended += await end_entry(make_uow, party, WaitState.LEFT, LeftBecause.CANNOT_BOOK, now, notify=True)
                elif isinstance(got, Hold):
                    offered += await offer_made(make_uow, desk, office, party, got, now)
                    room -= party.size
    return Swept(offered, booked, lapsed, ended)


async def _seen(make_uow: Callable[[], UnitOfWork], booking_id: int) -> bool:
    """Whether the offer of these held places reached the chat (else the worker was down until it was over)."""
    async with make_uow() as uow:
        return await uow.outbox.delivered(booking_id, Kind.OFFER)


async def offer_made(
    make_uow: Callable[[], UnitOfWork], desk: BookingDesk, office: Office, entry: WaitEntry, hold: Hold, now: datetime
) -> int:
    """The entry has its offer, and the offer goes out: in one transaction, or the places go back."""
    async with make_uow() as uow:
        made = await announce_offer(uow, office, entry, hold, now)
        await uow.commit()
    if made:
        return 1
    await desk.release_hold(entry.account_id, hold.booking_id)  # left the list meanwhile
    return 0


async def announce_offer(uow: UnitOfWork, office: Office, entry: WaitEntry, hold: Hold, now: datetime) -> bool:
    """In the caller's transaction: the entry has its offer and the offer is in the outbox; False (nothing written)
    when the entry was no longer waiting, and the caller gives the places back."""
    if not await uow.waitlist.offered(entry.id, hold.booking_id, hold.held_until):
        return False
    announced = await uow.outbox.announce(
        Kind.OFFER, now, office_id=office.id, payload={"entry": entry.id, "until": hold.held_until.isoformat()}
    )
    assert announced is not None
    announcement = await uow.outbox.get(announced)
    assert announcement is not None
    await uow.outbox.fan_out_to_bookings(announcement, [hold.booking_id], now)
    await uow.outbox.fanned_out(announced, now)
    metrics.OFFERS.labels("made").inc()
    return True


async def end_entry(
    make_uow: Callable[[], UnitOfWork],
    entry: WaitEntry,
    state: WaitState,
    why: LeftBecause | None,
    now: datetime,
    *,
    notify: bool = False,
) -> int:
    """The entry leaves the list; with `notify`, its owner is told why."""
    async with make_uow() as uow:
        if not await uow.waitlist.end(entry.id, state, why, now, was=(entry.state,)):
            return 0
        if notify and why is not None:
            account = await uow.accounts.get(entry.account_id)
            if account is not None and account.telegram_user_id is not None:
                announced = await uow.outbox.announce(
                    Kind.WAIT_OVER, now, office_id=entry.office_id, payload={"entry": entry.id, "why": why.value}
                )
                assert announced is not None
                await uow.outbox.add(
                    announced, Kind.WAIT_OVER, account.telegram_user_id, account.language, now, booking_id=None
                )
                await uow.outbox.fanned_out(announced, now)
        await uow.commit()
    return 1
