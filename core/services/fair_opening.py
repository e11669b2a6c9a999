"""A fair opening's use cases: pre-registration, the frozen list, the draw at the opening and the offers it makes.

An office with the option (`Office.fair_opening`) gets a draw for each weekly opening (core/domain/draw.py). The
worker opens it as soon as the next opening is known, publishing the seed's commitment before anyone registers;
closes registrations FREEZE_BEFORE the opening, numbering them and publishing the list and its digest; and at the
opening draws the order, reveals the seed, and offers places to the drawn parties in that order. Each drawn party
joins the office's waiting list in the draw's order (core/services/waitlist.py): the offers are the waiting list's
offers (held places, a tap to confirm, through the outbox within Telegram's limits), and places whose offer lapses
go on to the drawn parties still waiting. What the draw leaves opens to everyone, first come, first served.
"""

from __future__ import annotations

import asyncio
import logging
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass, replace
from datetime import date, datetime

from core.clock import Clock
from core.domain.announcements import Kind
from core.domain.booking import check_party
from core.domain.draw import (
    FREEZE_BEFORE,
    OPEN_AT_LATEST,
    DatesNotInDraw,
    Draw,
    DrawEntry,
    DrawState,
    NoDraw,
    RegisteredElsewhere,
    RegistrationClosed,
    allocate,
    commitment,
    digest_of,
    list_text,
    new_seed,
    new_token,
    order,
    parse_line,
)
from core.domain.offices import Office
from core.domain.waitlist import AlreadyWaiting, LeftBecause, WaitEntry, WaitState, offer_hold
from core.services import release, waitlist
from core.services.booking import BookingDesk, Hold, OfferRefused
from core.services.errors import OfficeNotFound
from core.services.uow import UnitOfWork

log = logging.getLogger(__name__)

OFFERS_AT_ONCE = 50  # holds sent to the ledger together, and their offers written in one transaction


@dataclass(frozen=True, slots=True)
class Registered:
    """A party's registration with its draw and office, as the applicant sees it."""

    entry: DrawEntry
    draw: Draw
    office: Office
    count: int  # registrations so far


@dataclass(frozen=True, slots=True)
class Drawn:
    """What one draw did."""

    draw_id: int
    office_id: int
    parties: int
    placed: int  # parties the draw gave places to (a few may have been refused them: `offered` says)
    offered: int  # offers made (some placed parties could not book any more)
    draw_seconds: float  # the order alone: the procedure of core/domain/draw.py
    accounts: tuple[int, ...]  # every account registered


async def run(
    make_uow: Callable[[], UnitOfWork], desk: BookingDesk, clock: Clock, seeds: Callable[[], str] = new_seed
) -> int:
    """The worker's job: draws opened, frozen and drawn when their time comes."""
    now = clock.now()
    done = await prepare(make_uow, now, seeds)
    done += await freeze_due(make_uow, now)
    return done + len(await draw_due(make_uow, desk, now))


async def prepare(make_uow: Callable[[], UnitOfWork], now: datetime, seeds: Callable[[], str] = new_seed) -> int:
    """Opens pre-registration for each fair-opening office's next opening, with a fresh seed and its commitment, and
    keeps that opening's dates shut to everyone until its draw. An opening too close to register for goes as ever."""
    async with make_uow() as uow:
        offices = [o for o in await uow.offices.list() if o.fair_opening]
    made = 0
    for office in offices:
        assert office.id is not None
        opens, _ = office.release.next_window(office.local(now))
        async with make_uow() as uow:
            draw = await uow.draws.of_opening(office.id, opens)
            if draw is None and now < opens - FREEZE_BEFORE:
                days = await release.open_days(uow, office, office.dates_released_by_window(opens))
                if not days:
                    continue  # a week closed whole (Lebaran): nothing to draw, nothing to announce
                seed = seeds()  # secrets.token_hex: a test may name its own
                draw = await uow.draws.add(office.id, opens, opens - FREEZE_BEFORE, days, seed, commitment(seed), now)
                if draw is None:
                    continue  # another worker opened it: this unit of work is spoilt, and has nothing to keep
                payload = {"draw": draw.id, "opens": opens.isoformat(), "closes": draw.closes_at.isoformat(),
                           "days": [d.isoformat() for d in days]}  # fmt: skip
                await uow.outbox.announce(Kind.DRAW_OPEN, now, office_id=office.id, payload=payload, fan_out_at=now)
                made += 1
            if draw is not None and draw.state is not DrawState.DRAWN:
                await uow.draws.keep_shut(office.id, opens, opens + OPEN_AT_LATEST)
            await uow.commit()
    return made


async def freeze_due(make_uow: Callable[[], UnitOfWork], now: datetime) -> int:
    """Closes the registrations of draws whose time came: numbered in the order they came, the list published."""
    frozen = 0
    async with make_uow() as uow:
        due = [d for d in await uow.draws.undrawn() if d.state is DrawState.OPEN and now >= d.closes_at]
    for draw in due:
        async with make_uow() as uow:
            if not await uow.draws.close(draw.id, now):
                continue  # another worker froze it
            entries = await uow.draws.entries(draw.id)  # read after closing: none can come in after this
            numbers = {e.id: n for n, e in enumerate(entries, 1)}
            listed = list_text([replace(e, number=numbers[e.id]).registration(draw.days) for e in entries])
            await uow.draws.publish(draw.id, numbers, listed, digest_of(listed))
            await uow.commit()
            frozen += 1
    return frozen


async def draw_due(make_uow: Callable[[], UnitOfWork], desk: BookingDesk, now: datetime) -> list[Drawn]:
    """Draws whose opening came: each drawn, offered and opened to everyone."""
    async with make_uow() as uow:
        due = [d for d in await uow.draws.undrawn() if d.state is DrawState.FROZEN and now >= d.opens_at]
    done = []
    for draw in due:
        made = await run_draw(make_uow, desk, draw, now)
        if made is not None:
            done.append(made)
    for made in done:  # after every office's offers: the places held for minutes go out first
        await _tell_the_others(make_uow, made, now)
    return done


async def run_draw(make_uow: Callable[[], UnitOfWork], desk: BookingDesk, draw: Draw, now: datetime) -> Drawn | None:
    """The draw itself; None if another worker made it first."""
    async with make_uow() as uow:
        office = await uow.offices.get_by_id(draw.office_id)
        seed = await uow.draws.seed(draw.id)
        entries = {e.number: e for e in await uow.draws.entries(draw.id) if e.number is not None}
    assert office is not None and office.id is not None
    # The order is drawn over the list as it was published, whatever became of it since: a registration erased
    # with its account keeps its line (and its turn, with nobody to offer), so anyone repeating the draw agrees.
    published = [parse_line(x) for x in (draw.listed or "").split("\n") if x]
    lines = {r.number: r for r in published}
    started = time.perf_counter()
    drawn = order(published, seed, draw.beacon)
    took = time.perf_counter() - started
    present = [n for n in drawn if n in entries]
    async with make_uow() as uow:  # the order, the seed made public, and the drawn parties in line: at once
        if not await uow.draws.drawn(draw.id, drawn, now):
            return None
        waiting = await uow.waitlist.live_accounts([entries[n].account_id for n in present])
        joining = [entries[n] for n in present if entries[n].account_id not in waiting]  # joined a list since
        made = await uow.waitlist.add_many(
            office.id, [(e.account_id, e.first_day, e.last_day, e.party, e.kinds) for e in joining], now
        )
        await uow.draws.waiting_as({e.id: made[e.account_id] for e in joining if e.account_id in made})
        await uow.draws.forget_niks(draw.id)
        await uow.commit()
    offered = 0
    tried: set[int] = set()
    try:
        # Places a drawn party could not take after all (it booked elsewhere meanwhile, or is in its 30-day wait) go
        # to the next drawn parties that fit, before anything opens to everyone: allocate again until none is left.
        while candidates := [n for n in present if n not in tried and entries[n].account_id in made]:
            async with make_uow() as uow:
                room = await uow.slots.in_range(office.id, min(draw.days), max(draw.days)) if draw.days else {}
            free = {  # dates too close to offer are no places to give
                d: [(s.slot_id, s.remaining) for s in sorted(ss, key=lambda s: s.start)]
                for d, ss in room.items()
                if offer_hold(office, d, now) is not None
            }
            day_of = {s.slot_id: d for d, ss in room.items() for s in ss}
            got = allocate(candidates, lines, free)
            if not got:
                break
            tried.update(n for n, _ in got)  # offered, or refused (it waits for the sweep's next places)
            offers = [
                (WaitEntry(made[e.account_id], e.account_id, office.id, e.first_day, e.last_day, e.party, e.kinds,
                           WaitState.WAITING, now), slot, day_of[slot])
                for n, slot in got
                if (e := entries[n])
            ]  # fmt: skip
            for k in range(0, len(offers), OFFERS_AT_ONCE):
                offered += await _offer(make_uow, desk, office, offers[k : k + OFFERS_AT_ONCE], draw, now)
    finally:  # whatever happened to the offers, the dates do not stay shut
        async with make_uow() as uow:
            await uow.draws.open_now(office.id, draw.days, now)
            await uow.commit()
    accounts = tuple(e.account_id for e in entries.values())
    return Drawn(draw.id, office.id, len(entries), len(tried), offered, took, accounts)


async def _tell_the_others(make_uow: Callable[[], UnitOfWork], drawn: Drawn, now: datetime) -> None:
    """Every registered family the draw offered no places at once hears where it came, after the offers."""
    async with make_uow() as uow:
        offered = set(await uow.waitlist.offered_accounts(drawn.office_id))
        others = [a for a in drawn.accounts if a not in offered]
        if others:
            payload = {"draw": drawn.draw_id}
            announced = await uow.outbox.announce(Kind.DRAWN, now, office_id=drawn.office_id, payload=payload)
            assert announced is not None
            announcement = await uow.outbox.get(announced)
            assert announcement is not None
            await uow.outbox.fan_out_to_accounts(announcement, others, now)
            await uow.outbox.fanned_out(announced, now)
        await uow.commit()


async def _offer(
    make_uow: Callable[[], UnitOfWork],
    desk: BookingDesk,
    office: Office,
    offers: Sequence[tuple[WaitEntry, int, date]],
    draw: Draw,
    now: datetime,
) -> int:
    """The places the draw gave these parties (entry, slot, date), held for each and offered, in the draw's order.
    The holds go to the ledger together (its batches take them at once); the offers are written in order, in one
    transaction. A party refused only when it can no longer book; with no room (staff lowered the quota meanwhile),
    or a date too close to offer, it waits for the next places."""
    wanted = [(e, slot, hold) for e, slot, day in offers if (hold := offer_hold(office, day, now)) is not None]
    got = await asyncio.gather(
        *(
            desk.offer(e.account_id, slot, e.party, e.kinds, f"draw:{draw.id}:{e.id}", now + hold, drawn=True)
            for e, slot, hold in wanted
        ),
        return_exceptions=True,  # one failure (a date closed meanwhile) costs its own offer, not the batch's
    )
    for (entry, slot, _), result in zip(wanted, got, strict=True):
        if isinstance(result, BaseException):
            log.warning("no offer to waiting entry %d in slot %d: %r", entry.id, slot, result)
    made, back = 0, []
    async with make_uow() as uow:
        for (entry, _, _), result in zip(wanted, got, strict=True):
            if isinstance(result, Hold):
                if await waitlist.announce_offer(uow, office, entry, result, now):
                    made += 1
                else:
                    back.append((entry, result))
        await uow.commit()
    for entry, result in back:  # left the list meanwhile
        await desk.release_hold(entry.account_id, result.booking_id)
    for (entry, _, _), result in zip(wanted, got, strict=True):
        if result is OfferRefused.CANNOT_BOOK:
            await waitlist.end_entry(make_uow, entry, WaitState.LEFT, LeftBecause.CANNOT_BOOK, now, notify=True)
    return made


async def current(uow: UnitOfWork, office: Office, now: datetime) -> Draw | None:
    """The office's draw an applicant should hear of now: its latest, until its dates pass. A draw still to come is
    shown even when the office has turned the option off since: it still runs."""
    if office.id is None:
        return None
    async with uow:
        draw = await uow.draws.latest(office.id)
    if draw is None or (draw.days and max(draw.days) < office.today(now)):
        return None
    if not office.fair_opening and draw.state is DrawState.DRAWN:
        return None
    return draw


async def standing(uow: UnitOfWork, office: Office, now: datetime) -> tuple[Draw, int] | None:
    """The office's current draw with its registrations so far, for the staff's page; None without one."""
    draw = await current(uow, office, now)
    if draw is None:
        return None
    async with uow:
        return draw, await uow.draws.count(draw.id)


async def register(
    uow: UnitOfWork,
    account_id: int,
    office_id: int,
    party: Sequence[int],
    kinds: Sequence[str],
    first: date,
    last: date,
    now: datetime,
    tokens: Callable[[], str] = new_token,
) -> Registered:
    """The party's registration for the office's open draw, for any of its dates from `first` to `last`.
    `tokens`: the registration's token in the published list (random; a test may name its own)."""
    ids = tuple(party)
    check_party(ids)
    async with uow:
        office = await uow.offices.get_by_id(office_id)
        if office is None:
            raise OfficeNotFound(str(office_id))
        draw = await uow.draws.latest(office_id)  # the option turned off since: a draw announced still runs
        if draw is None or not draw.registering(now) or not await uow.draws.registering(draw.id):
            raise RegistrationClosed(None if draw is None else draw.closes_at)
        if not any(first <= d <= last for d in draw.days) or first > last:
            raise DatesNotInDraw()
        niks = await waitlist.may_book(uow, account_id, ids, now)
        if await uow.waitlist.live_of_account(account_id) is not None:
            raise AlreadyWaiting()  # at the draw the family joins this office's list: one list at a time
        elsewhere = await uow.draws.undrawn_entry_of(account_id)
        if elsewhere is not None and elsewhere.draw_id != draw.id:
            raise RegisteredElsewhere()
        entry = await uow.draws.register(draw.id, account_id, tokens(), ids, tuple(kinds), niks, first, last, now)
        count = await uow.draws.count(draw.id)
        await uow.commit()
    return Registered(entry, draw, office, count)


async def mine(uow: UnitOfWork, account_id: int, now: datetime) -> Registered | None:
    """The account's latest registration, while its draw's dates have not all passed."""
    async with uow:
        entry = await uow.draws.latest_entry_of(account_id)
        if entry is None:
            return None
        draw = await uow.draws.get(entry.draw_id)
        assert draw is not None
        office = await uow.offices.get_by_id(draw.office_id)
        assert office is not None
        if draw.days and max(draw.days) < office.today(now):
            return None
        return Registered(entry, draw, office, await uow.draws.count(draw.id))


async def latest_of(uow: UnitOfWork, office_code: str, draw_id: int | None = None) -> tuple[Office, Draw]:
    """The office's latest draw (or the one named), as it may be published now (the seed only once drawn); NoDraw
    if there is none."""
    async with uow:
        office = await uow.offices.get(office_code)
        if office is None or office.id is None:
            raise OfficeNotFound(office_code)
        draw = await uow.draws.latest(office.id) if draw_id is None else await uow.draws.get(draw_id)
    if draw is None or draw.office_id != office.id:
        raise NoDraw()
    return office, draw


def place_in_draw(registered: Registered) -> int | None:
    """Where the party came in the draw's order (1 first), once drawn."""
    order_ = registered.draw.order
    number = registered.entry.number
    if order_ is None or number is None:
        return None
    return order_.index(number) + 1
