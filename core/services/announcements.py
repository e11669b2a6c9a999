"""Announcements: subscriptions to offices' openings, and the announcements the engine writes for them.

Every announcement is written in the transaction of the change it tells of; its recipients are added then, or, for
an opening known a week ahead, at the moment it goes out (`fan_out_at`), so that whoever subscribed meanwhile hears
of it too.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import date, datetime

from core.domain.announcements import Kind, TooManySubscriptions, opening_payload, reminder_payload
from core.domain.offices import Office
from core.domain.staff import StaffMember
from core.persistence.outbox import Announcement, Subscription
from core.services.errors import OfficeNotFound
from core.services.uow import UnitOfWork


async def subscribe(uow: UnitOfWork, chat_id: int, office_id: int, language: str, now: datetime) -> Office:
    """Follow an office's openings (again, after blocking the bot: the chat is reachable once more)."""
    async with uow:
        office = await uow.offices.get_by_id(office_id)
        if office is None:
            raise OfficeNotFound(str(office_id))
        mine = await uow.subscriptions.of_chat(chat_id)
        if len(mine) >= TooManySubscriptions.LIMIT and all(s.office_id != office_id for s in mine):
            raise TooManySubscriptions()
        await uow.subscriptions.add(office_id, chat_id, language, now)
        await uow.commit()
    return office


async def unsubscribe(uow: UnitOfWork, chat_id: int, office_id: int) -> bool:
    async with uow:
        removed = await uow.subscriptions.remove(office_id, chat_id)
        await uow.commit()
    return removed


async def subscriptions_of(uow: UnitOfWork, chat_id: int) -> list[Subscription]:
    async with uow:
        return await uow.subscriptions.of_chat(chat_id)


async def subscriber_count(uow: UnitOfWork, office_id: int) -> int:
    async with uow:
        return await uow.subscriptions.count(office_id)


async def announce_window(
    uow: UnitOfWork, office: Office, days: tuple[date, ...], opens: datetime, closes: datetime, now: datetime
) -> None:
    """Inside the release's transaction: a notice `lead` before the weekly window opens, and the alert at it.

    Keyed by office and opening, so a release job run twice writes them once.
    """
    assert office.id is not None
    payload = opening_payload(days, opens, closes)
    key = f"{office.code}:{opens.isoformat()}"
    if office.alerts.lead_minutes > 0:
        await uow.outbox.announce(
            Kind.OPENING_SOON,
            now,
            office_id=office.id,
            payload=payload,
            fan_out_at=opens - office.alerts.lead,
            dedupe_key=f"soon:{key}",
        )
    await uow.outbox.announce(
        Kind.OPENED,
        now,
        office_id=office.id,
        payload=payload,
        paid=office.alerts.paid,
        fan_out_at=opens,
        dedupe_key=f"opened:{key}",
    )


async def announce_released(
    uow: UnitOfWork, office: Office, days: tuple[date, ...], until: datetime, now: datetime
) -> None:
    """Inside a release by hand's transaction: the office's subscribers hear of it at once."""
    assert office.id is not None
    new = await uow.outbox.announce(
        Kind.OPENED, now, office_id=office.id, payload=opening_payload(days, now, until), paid=office.alerts.paid
    )
    assert new is not None  # no dedupe key: always new
    announcement = await uow.outbox.get(new)
    assert announcement is not None
    await uow.outbox.fan_out_to_subscribers(announcement, now)
    await uow.outbox.fanned_out(new, now)


async def schedule_reminders(uow: UnitOfWork, office: Office, days: tuple[date, ...], now: datetime) -> None:
    """Inside a release's transaction: each date's reminder, fanned out the morning before to its bookings.

    Keyed by office and date, so releasing a date again (by hand, after the weekly job) writes it once.
    """
    assert office.id is not None
    for day in days:
        at, payload = reminder_payload(office, day)
        await uow.outbox.announce(
            Kind.REMINDER,
            now,
            office_id=office.id,
            payload=payload,
            fan_out_at=at,
            dedupe_key=f"reminder:{office.code}:{day.isoformat()}",
        )


async def announce_closure(
    uow: UnitOfWork,
    office: Office,
    day: date,
    reason: str,
    booking_ids: list[int],
    now: datetime,
    actor: StaffMember | None,
) -> None:
    """Inside the closure's transaction: each cancelled booking's owner is told, before any other news."""
    new = await uow.outbox.announce(
        Kind.CLOSURE,
        now,
        office_id=office.id,
        payload={"day": day.isoformat(), "reason": reason},
        staff_id=None if actor is None else actor.id,
    )
    assert new is not None  # no dedupe key: always new
    announcement = await uow.outbox.get(new)
    assert announcement is not None
    await uow.outbox.fan_out_to_bookings(announcement, booking_ids, now)
    await uow.outbox.fanned_out(new, now)


def _stale(announcement: Announcement, now: datetime) -> bool:
    """A notice of an opening that has come, an alert of a window that has closed, or a reminder on the day itself
    tells nobody anything."""
    p = announcement.payload
    if announcement.kind is Kind.REMINDER:
        return now >= datetime.fromisoformat(p["until"])
    if announcement.kind is Kind.OPENING_SOON:
        return now >= datetime.fromisoformat(p["opens"])
    if announcement.kind is Kind.OPENED:
        return now >= datetime.fromisoformat(p["closes"])
    if announcement.kind is Kind.DRAW_OPEN:
        return now >= datetime.fromisoformat(p["closes"])
    return False


async def fan_out_due(uow: Callable[[], UnitOfWork], now: datetime, *, reader: UnitOfWork) -> int:
    """Adds the recipients of every announcement whose moment has come; how many rows it added.

    Looked for with `reader` first: most looks find nothing, and need no write transaction.
    """
    async with reader:
        if not await reader.outbox.due_fan_outs(now):
            return 0
    added = 0
    async with uow() as writer:
        for announcement in await writer.outbox.due_fan_outs(now):
            if _stale(announcement, now) or announcement.office_id is None:
                pass
            elif announcement.kind is Kind.REMINDER:
                day = date.fromisoformat(announcement.payload["day"])
                added += await writer.outbox.fan_out_to_day(announcement, day, now)
            else:
                added += await writer.outbox.fan_out_to_subscribers(announcement, now)
            await writer.outbox.fanned_out(announcement.id, now)
        await writer.commit()
    return added
