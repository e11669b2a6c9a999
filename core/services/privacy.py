"""The applicant's rights over their data (UU 27/2022): see what is kept, erase it, and its end after a retention.

What a booking still to come needs stays until its day: the office's list and the counter check its people's
names and NIKs. Everything else goes when asked. A booking whose day is over longer than the retention setting
keeps only what offices count (office, day, slot, size, status, arrivals), not whose it was.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, timedelta

from core.domain.accounts import wait_in_force
from core.domain.booking import BookingStatus
from core.domain.identity import mask_number
from core.services import helpdesk
from core.services.errors import AccountNotFound
from core.services.uow import UnitOfWork

# What the applicant knows as their bookings (a moved one counts once: as the booking it became).
_MADE = (BookingStatus.CONFIRMED, BookingStatus.CANCELLED)


@dataclass(frozen=True, slots=True)
class StoredPerson:
    full_name: str
    nik_masked: str
    birth_date: date
    is_owner: bool


@dataclass(frozen=True, slots=True)
class MyData:
    """What is stored about an account, masked where a number is not needed whole."""

    kk_masked: str
    phone_masked: str | None
    language: str
    consented_at: datetime
    frozen_until: datetime | None
    people: tuple[StoredPerson, ...]
    upcoming: tuple[date, ...]  # days of bookings still to come: erasing keeps their people until then
    past: int  # bookings over whose people are still named (until the retention ends)
    retention: timedelta
    questions: int = 0  # the chat's questions to staff (tickets) and those the help did not answer


@dataclass(frozen=True, slots=True)
class Erased:
    kept_until: date | None  # the last day of a booking still to come, whose people stay until then
    frozen_until: datetime | None  # the 30-day wait, which registering the same NIK again carries on


async def my_data(uow: UnitOfWork, account_id: int, now: datetime, retention: timedelta) -> MyData:
    async with uow:
        account = await uow.accounts.get(account_id)
        if account is None:
            raise AccountNotFound()
        saved = await uow.accounts.applicants(account_id)
        made = await uow.bookings.for_account(account_id, lapsed=True)
        questions = await _questions(uow, account.telegram_user_id)
    coming = sorted({b.day for b in made if b.to_come(now) and b.status is BookingStatus.CONFIRMED})
    return MyData(
        kk_masked=account.kk_masked,
        phone_masked=None if account.phone is None else mask_number(account.phone),
        language=account.language,
        consented_at=account.consented_at,
        frozen_until=wait_in_force(account.frozen_until, now),
        people=tuple(StoredPerson(a.full_name, a.nik_masked, a.birth_date, a.is_owner) for a in saved),
        upcoming=tuple(coming),
        past=sum(1 for b in made if b.status in _MADE and not b.to_come(now)),
        retention=retention,
        questions=questions,
    )


async def _questions(uow: UnitOfWork, chat_id: int) -> int:
    return await uow.tickets.count_of_chat(chat_id) + await uow.unanswered.count_of_chat(chat_id)


async def questions_of_chat(uow: UnitOfWork, chat_id: int) -> int:
    """What a chat without an account has stored: its questions to staff and those the help did not answer."""
    async with uow:
        return await _questions(uow, chat_id)


async def forget_questions(uow: UnitOfWork, chat_id: int, now: datetime) -> int:
    """Erases a chat's questions (to staff, with their answers, and those the help did not answer): for a chat
    that asked without registering, which has no account to erase."""
    async with uow:
        await helpdesk.forget_topics(uow, await uow.tickets.topics(chat_id=chat_id), now)
        gone = await uow.tickets.forget_chat(chat_id) + await uow.unanswered.forget_chat(chat_id)
        # An answer still on its way finds its ticket gone, and is not sent (bot/courier.py).
        await uow.commit()
    return gone


async def erase_account(uow: UnitOfWork, account_id: int, now: datetime) -> Erased:
    """Erases the account now, but for the people of a booking still to come, kept until its day."""
    async with uow:
        account = await uow.accounts.get(account_id)
        if account is None:
            raise AccountNotFound()
        made = await uow.bookings.for_account(account_id, lapsed=True)
        coming = [b for b in made if b.to_come(now)]
        await uow.bookings.anonymise([b.id for b in made if b not in coming], now)
        needed = {m.applicant_id for b in coming for m in await uow.bookings.party(b.id)}
        saved = await uow.accounts.applicants(account_id)
        await uow.accounts.remove_applicants([a.id for a in saved if a.id not in needed])
        frozen = wait_in_force(account.frozen_until, now)
        if frozen is not None:
            await uow.accounts.keep_freeze(account.owner_nik_hash, frozen)
        await uow.subscriptions.remove_chat(account.telegram_user_id)  # the chat is someone's: no alerts follow
        await uow.outbox.forget_chat(account.telegram_user_id)  # nor what was sent, or waits to be sent, to it
        topics = await uow.tickets.topics(chat_id=account.telegram_user_id)
        await helpdesk.forget_topics(uow, topics, now)  # their copies in the staff group's topics too
        await uow.tickets.forget_chat(account.telegram_user_id)  # nor its questions to staff and their answers
        await uow.unanswered.forget_chat(account.telegram_user_id)  # nor those the help did not answer
        if coming:
            await uow.accounts.erase(account_id, now)  # the worker finishes once their day is over
        else:
            await uow.accounts.delete(account_id)
        await uow.commit()
    return Erased(max((b.day for b in coming), default=None), frozen)


async def anonymise_ended(uow: UnitOfWork, now: datetime, retention: timedelta) -> int:
    """The worker's round: bookings over for longer than the retention, and erased accounts' past bookings."""
    async with uow:
        done = await uow.bookings.anonymise(await uow.bookings.to_anonymise(now - retention, now), now)
        await uow.accounts.purge_erased()
        await uow.accounts.drop_freezes(now)
        await uow.outbox.forget_settled(now - retention)  # whom each message reached, kept as long as bookings
        await helpdesk.forget_topics(uow, await uow.tickets.topics(closed_before=now - retention), now)
        await uow.tickets.forget_closed(now - retention)  # questions to staff, closed that long ago
        await uow.unanswered.forget_before(now - retention)  # and those the help did not answer
        await uow.commit()
    return done
