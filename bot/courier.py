"""The Telegram side of the outbox: each row rendered in its recipient's language and sent.

The sender (core/services/outbox.py) paces and records; this knows what each kind of announcement says, which
buttons it carries, and what Telegram's answers mean.
"""

from __future__ import annotations

from datetime import date, datetime

from aiogram import Bot
from aiogram.exceptions import TelegramBadRequest, TelegramForbiddenError, TelegramRetryAfter
from aiogram.types import InlineKeyboardButton, InlineKeyboardMarkup, Message
from aiogram.utils.i18n import I18n
from aiogram.utils.i18n import gettext as _

from bot import texts
from bot.handlers.booking.confirm import proof_file
from bot.keyboards import BookAt, Unfollow
from core.domain.announcements import Kind, Outgoing
from core.domain.booking import BookingNotFound
from core.domain.offices import Office
from core.runtime import Runtime
from core.services.outbox import ChatUnreachable, NothingToSay, TryLater

# What Telegram answers for a chat that can never be reached (https://core.telegram.org/bots/api#sendmessage):
# 403 when the user blocked the bot or deleted the account; 400 for a chat it does not know.
_GONE = ("chat not found", "user is deactivated", "peer_id_invalid", "bot was blocked")


def _days(days: list[date]) -> str:
    return ", ".join(texts.short_date(d) for d in days)


def _unfollow(office: Office) -> list[InlineKeyboardButton]:
    assert office.id is not None
    return [InlineKeyboardButton(text=_("🔕 Stop these alerts"), callback_data=Unfollow(office_id=office.id).pack())]


class TelegramCourier:
    def __init__(self, bot: Bot, runtime: Runtime, i18n: I18n) -> None:
        self._bot = bot
        self._runtime = runtime
        self._i18n = i18n

    async def deliver(self, item: Outgoing) -> int:
        try:
            language = item.language if item.language in self._i18n.available_locales else "id"
            with self._i18n.context(), self._i18n.use_locale(language):
                message = await self._send(item)
        except TelegramRetryAfter as flood:
            raise TryLater(flood.retry_after) from flood
        except TelegramForbiddenError as err:
            raise ChatUnreachable(err.message) from err
        except TelegramBadRequest as err:
            if any(reason in err.message.lower() for reason in _GONE):
                raise ChatUnreachable(err.message) from err
            raise
        return message.message_id

    async def _send(self, item: Outgoing) -> Message:
        if item.kind is Kind.PROOF:
            return await self._proof(item)
        office = await self._runtime.directory.by_id(item.office_id or 0)
        if office is None:
            raise NothingToSay("the office is gone")
        p = item.payload
        days = [date.fromisoformat(d) for d in p.get("days", [])]
        if item.kind is Kind.OPENING_SOON:
            opens = datetime.fromisoformat(p["opens"]).astimezone(office.zone)
            text = _(
                "⏳ {office}: new quota opens {when} {zone}, for {days}.\n"
                "Be ready then: another message comes the moment it opens."
            ).format(office=office.name, when=texts.short_datetime(opens), zone=office.zone_label, days=_days(days))
            markup = InlineKeyboardMarkup(inline_keyboard=[_unfollow(office)])
        elif item.kind is Kind.OPENED:
            first = days[0]
            text = _("🔔 {office} has opened quota for {days}. Places go fast: book now.").format(
                office=office.name, days=_days(days)
            )
            assert office.id is not None
            book = InlineKeyboardButton(
                text=_("📅 Book for {day}").format(day=texts.short_date(first)),
                callback_data=BookAt(office_id=office.id, yyyymmdd=int(first.strftime("%Y%m%d"))).pack(),
            )
            markup = InlineKeyboardMarkup(inline_keyboard=[[book], _unfollow(office)])
        else:
            raise NothingToSay(f"no words yet for {item.kind}")
        return await self._bot.send_message(
            item.chat_id, text, reply_markup=markup, allow_paid_broadcast=True if item.paid else None
        )

    async def _proof(self, item: Outgoing) -> Message:
        assert item.booking_id is not None
        try:
            document = await proof_file(self._runtime, None, item.booking_id)
        except BookingNotFound as err:  # cancelled before its proof went out: nothing left to prove
            raise NothingToSay("the booking is no longer confirmed") from err
        return await self._bot.send_document(item.chat_id, document)
