"""The Telegram side of the outbox: each row rendered in its recipient's language and sent.

The sender (core/services/outbox.py) paces and records; this knows what each kind of announcement says, which
buttons it carries, and what Telegram's answers mean.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import date, datetime

from aiogram import Bot
from aiogram.client.session.aiohttp import AiohttpSession
from aiogram.exceptions import TelegramBadRequest, TelegramForbiddenError, TelegramRetryAfter
from aiogram.methods import DeleteForumTopic, SendDocument, SendMessage
from aiogram.types import InlineKeyboardButton, InlineKeyboardMarkup
from aiogram.utils.i18n import I18n
from aiogram.utils.i18n import gettext as _

from bot import texts
from bot.handlers.booking.confirm import proof_file, proof_with_data
from bot.keyboards import BookAgain, BookAt, Unfollow, WaitAnswer
from core.domain.announcements import Kind, Outgoing
from core.domain.booking import BookingNotFound, BookingStatus, format_booking_code
from core.domain.helpdesk import QUIET_AFTER, REOPEN_WITHIN, Author, Ticket
from core.domain.offices import Office
from core.runtime import Runtime
from core.services import accounts, fair_opening, helpdesk, my_bookings, waitlist
from core.services.outbox import ChatUnreachable, NothingToSay, TryLater

# What Telegram answers for a chat that can never be reached (https://core.telegram.org/bots/api#sendmessage):
# 403 when the user blocked the bot or deleted the account; 400 for a chat it does not know.
# Announcements whose words are the same for every recipient in one language: rendered once each.
_SHARED = frozenset({Kind.OPENING_SOON, Kind.OPENED, Kind.BROADCAST})
_RENDERED = 64
TelegramCall = SendMessage | SendDocument  # a call to Telegram, ready to make
_JSON = {"Content-Type": "application/json"}
CAPTION_LIMIT = 1024  # characters of a document's caption (https://core.telegram.org/bots/api#senddocument)
_GONE = ("chat not found", "user is deactivated", "peer_id_invalid", "bot was blocked")
# What Telegram answers for a message into a forum topic that staff deleted or closed in the app.
_TOPIC_GONE = ("message thread not found", "topic_closed", "topic_deleted", "topic_id_invalid")
MESSAGE_LIMIT = 4096


def _paid(item: Outgoing) -> bool | None:
    return True if item.paid else None


def _days(days: list[date]) -> str:
    return ", ".join(texts.short_date(d) for d in days)


def _unfollow(office: Office) -> list[InlineKeyboardButton]:
    assert office.id is not None
    return [InlineKeyboardButton(text=_("🔕 Stop these alerts"), callback_data=Unfollow(office_id=office.id).pack())]


@dataclass(frozen=True, slots=True)
class Relayed:
    """A message into a ticket's topic of the staff group: sent as any, but a topic found gone is forgotten."""

    call: SendMessage | DeleteForumTopic
    ticket_id: int
    item: Outgoing  # rendered again into a new topic when its own was found gone
    opened: bool = False  # a topic was opened for it: one more call into the group, paced as a message


class TopicGone(Exception):
    """Even a new topic for the ticket refused the message: the sender tries again later."""


def _cut(text: str, limit: int) -> str:
    return text if len(text) <= limit else text[: limit - 1] + "…"


def _ticket_heading(ticket: Ticket, text: str) -> str:
    """The ticket's first words in the staff group: who asks, about which booking, what the bot refused them."""
    account = ticket.context.get("account") or {}
    booking = ticket.context.get("booking") or {}
    refusal = ticket.context.get("refusal") or {}
    language = "Bahasa Indonesia" if ticket.language == "id" else "English"
    lines = [_("🆕 Ticket #{ticket} · in {language}").format(ticket=ticket.id, language=language)]
    if account:
        lines.append(
            _("{name} · NIK {nik} · family card {kk}").format(
                name=account.get("name") or "?", nik=account.get("nik") or "?", kk=account.get("family_card") or "?"
            )
        )
    else:
        lines.append(_("Not registered yet."))
    if booking:
        lines.append(
            _("Latest booking: {code}, {office}, {day} {time}, {people} people, {status}").format(
                code=booking.get("code"),
                office=booking.get("office"),
                day=booking.get("day"),
                time=booking.get("time"),
                people=booking.get("people"),
                status=booking.get("status"),
            )
        )
    if refusal.get("text"):
        lines.append(_("Last refusal they read: “{text}”").format(text=refusal["text"]))
    lines += ["", text, "", _("Reply in this topic: your message goes to the applicant. /close when done.")]
    return "\n".join(lines)


@dataclass(frozen=True, slots=True)
class SharedText:
    """An announcement's message to one chat: the JSON body after the chat, encoded once for all of them."""

    chat_id: int
    rest: bytes


class TelegramCourier:
    def __init__(self, bot: Bot, runtime: Runtime, i18n: I18n) -> None:
        self._bot = bot
        self._runtime = runtime
        self._i18n = i18n
        self._rendered: dict[tuple[int, str], bytes] = {}

    async def prepare(self, item: Outgoing) -> TelegramCall | SharedText | Relayed:
        """The call to make, rendered in the recipient's language.

        The words every recipient of an announcement reads in one language are rendered once, and the request's
        JSON body with them (20,000 alerts: 2 renderings, 2 encodings); only the chat differs from row to row.
        """
        language = item.language if item.language in self._i18n.available_locales else "id"
        key = (item.announcement_id, language)
        if item.kind in _SHARED and key in self._rendered:
            return SharedText(item.chat_id, self._rendered[key])
        with self._i18n.context(), self._i18n.use_locale(language):
            method = await self._render(item)
        if item.kind not in _SHARED or not isinstance(method, SendMessage):
            return method
        if len(self._rendered) >= _RENDERED:
            self._rendered.pop(next(iter(self._rendered)))  # the oldest: announcements go out one after another
        # aiogram's own encoding of everything but the chat, so the body is what it would have sent.
        fields = method.model_dump(exclude={"chat_id"}, exclude_none=True, warnings=False)
        encoded = self._bot.session.prepare_value(fields, bot=self._bot, files={}, _dumps_json=False)
        self._rendered[key] = json.dumps(encoded, ensure_ascii=False)[1:].encode()  # without its opening brace
        return SharedText(item.chat_id, self._rendered[key])

    async def send(self, prepared: TelegramCall | SharedText | Relayed) -> int:
        if isinstance(prepared, SharedText):
            return await self._send_shared(prepared)
        if isinstance(prepared, Relayed):
            return await self._send_relayed(prepared)
        try:
            message = await self._bot(prepared)
        except TelegramRetryAfter as flood:
            raise TryLater(flood.retry_after) from flood
        except TelegramForbiddenError as err:
            raise ChatUnreachable(err.message) from err
        except TelegramBadRequest as err:
            if any(reason in err.message.lower() for reason in _GONE):
                raise ChatUnreachable(err.message) from err
            raise
        return message.message_id

    async def _send_relayed(self, relayed: Relayed) -> int:
        """Into the ticket's topic; a topic staff deleted or closed is forgotten and a new one opened for this very
        message (once: should that fail too, the sender tries again later)."""
        if isinstance(relayed.call, DeleteForumTopic):  # an erased ticket's topic: gone already is as good
            try:
                await self._bot(relayed.call)
            except TelegramBadRequest as err:
                if not any(reason in err.message.lower() for reason in _TOPIC_GONE):
                    raise
            return 0
        try:
            return await self.send(relayed.call)
        except TelegramBadRequest as err:
            if not any(reason in err.message.lower() for reason in _TOPIC_GONE):
                raise
            await helpdesk.set_forum_topic(self._runtime.uow(), relayed.ticket_id, None, None)
        language = relayed.item.language if relayed.item.language in self._i18n.available_locales else "id"
        with self._i18n.context(), self._i18n.use_locale(language):
            again = await self._relay(relayed.item)
        assert isinstance(again.call, SendMessage)
        try:
            return await self.send(again.call)
        except TelegramBadRequest as err:
            raise TopicGone(err.message) from err

    async def _relay(self, item: Outgoing) -> Relayed:
        """A ticket's message (or what became of it) copied into its topic of the staff group, which is opened on
        the ticket's first message there, headed by who asks and about what. In the staff's language (the row's)."""
        event = item.payload.get("event")
        if event == "forget":  # the ticket was erased: its topic goes, with all it held
            return Relayed(DeleteForumTopic(chat_id=item.chat_id, message_thread_id=item.payload["topic"]), 0, item)
        ticket = await helpdesk.topic_of(self._runtime.reader(), item.payload["ticket"])
        if ticket is None:
            raise NothingToSay("the ticket is gone")
        # A topic in another group (the setting changed) is no topic here.
        topic = ticket.forum_topic if ticket.forum_group == item.chat_id else None
        if event is not None and topic is None:  # what became of a ticket never copied here: nothing to add to
            raise NothingToSay("no topic for the ticket")
        said = None if event else await helpdesk.message(self._runtime.reader(), item.payload["message"])
        if event is not None:
            text = {
                "closed": _("✅ Closed on the help-desk page by {by}.").format(by=item.payload.get("by", "")),
                "reopened": _("↩ Reopened on the help-desk page by {by}.").format(by=item.payload.get("by", "")),
                "closed_quiet": _("✅ Closed: the applicant did not reply for {days} days.").format(
                    days=QUIET_AFTER.days
                ),
            }[event]
        elif said is None:
            raise NothingToSay("the message is gone")
        elif said.author is Author.STAFF:
            text = _("💬 {name} (help-desk page):\n{text}").format(name=said.staff_name or _("Staff"), text=said.text)
        else:
            text = _("👤 Applicant:\n{text}").format(text=said.text)
        opened = False
        if topic is None or item.payload.get("first"):  # a new topic: who asks, about what, before anything else
            applicant_says = said is not None and said.author is Author.APPLICANT
            heading = _ticket_heading(ticket, said.text if applicant_says and said else ticket.question)
            text = heading if applicant_says else f"{heading}\n\n{text}"
        if topic is None:
            name = texts.excerpt(f"#{ticket.id} {ticket.question}", 120)
            try:
                created = await self._bot.create_forum_topic(chat_id=item.chat_id, name=name)
            except TelegramRetryAfter as flood:  # the group's limit: later, not a failure
                raise TryLater(flood.retry_after) from flood
            topic, opened = created.message_thread_id, True
            await helpdesk.set_forum_topic(self._runtime.uow(), ticket.id, item.chat_id, topic)
        call = SendMessage(chat_id=item.chat_id, message_thread_id=topic, text=_cut(text, MESSAGE_LIMIT))
        return Relayed(call, ticket.id, item, opened)

    async def _send_shared(self, prepared: SharedText) -> int:
        """sendMessage with the body encoded once, straight over the bot's HTTP session.

        At a thousand a second, building each request through aiogram's models (encoding the keyboard, then checking
        the whole Message that comes back) took half the worker's processor time (bench/broadcast.py); only the
        message id is needed back. Telegram's answers mean the same as through aiogram.
        """
        assert isinstance(self._bot.session, AiohttpSession)
        session = await self._bot.session.create_session()
        url = self._bot.session.api.api_url(token=self._bot.token, method="sendMessage")
        body = b'{"chat_id":%d,' % prepared.chat_id + prepared.rest
        async with session.post(url, data=body, headers=_JSON) as response:
            answer = json.loads(await response.read())
        if answer.get("ok"):
            return int(answer["result"]["message_id"])
        code, description = answer.get("error_code"), str(answer.get("description", ""))
        if code == 429:
            raise TryLater(int(answer.get("parameters", {}).get("retry_after", 1)))
        if code == 403 or any(reason in description.lower() for reason in _GONE):
            raise ChatUnreachable(description)
        raise RuntimeError(f"Telegram answered {code}: {description}")

    async def _render(self, item: Outgoing) -> TelegramCall | Relayed:
        if item.kind is Kind.PROOF:
            return await self._proof(item)
        if item.kind is Kind.REMINDER:
            return await self._reminder(item)
        if item.kind is Kind.ANSWER:
            return await self._answer(item)
        if item.kind is Kind.RELAY:
            return await self._relay(item)
        office = await self._runtime.directory.by_id(item.office_id or 0)
        if office is None:
            raise NothingToSay("the office is gone")
        if item.kind is Kind.CLOSURE:
            return await self._closure(item, office)
        if item.kind is Kind.OFFER:
            return await self._offer(item, office)
        if item.kind is Kind.WAIT_OVER:
            return self._wait_over(item, office)
        if item.kind is Kind.DRAWN:
            return await self._drawn(item, office)
        if item.kind is Kind.BROADCAST:  # the office's own words, in the reader's language when it wrote them
            words = item.payload["text"]
            text = f"📢 {office.name}\n\n{words.get(item.language) or words['id']}"
            return SendMessage(chat_id=item.chat_id, text=text)
        p = item.payload
        days = [date.fromisoformat(d) for d in p.get("days", [])]
        if item.kind is Kind.DRAW_OPEN:
            opens = datetime.fromisoformat(p["opens"]).astimezone(office.zone)
            closes = datetime.fromisoformat(p["closes"]).astimezone(office.zone)
            text = _(
                "🎟 {office}: places for {days} go by draw at {opens} {zone}, not first come, first served. "
                "Register your family until {closes} {zone}: open 📅 Book a queue slot, choose the office, tap "
                "🎟 Register for the draw. Being fast does not matter: the order is drawn among everyone registered."
            ).format(
                office=office.name, days=_days(days), opens=texts.short_datetime(opens),
                closes=texts.short_datetime(closes), zone=office.zone_label,
            )  # fmt: skip
            markup = InlineKeyboardMarkup(inline_keyboard=[_unfollow(office)])
        elif item.kind is Kind.OPENING_SOON and office.fair_opening:
            opens = datetime.fromisoformat(p["opens"]).astimezone(office.zone)
            text = _(
                "⏳ {office}: places for {days} go by draw at {when} {zone}, among the families registered; what the "
                "draw leaves opens to everyone right after."
            ).format(office=office.name, when=texts.short_datetime(opens), zone=office.zone_label, days=_days(days))
            markup = InlineKeyboardMarkup(inline_keyboard=[_unfollow(office)])
        elif item.kind is Kind.OPENING_SOON:
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
            if office.fair_opening:  # the draw's offers come first; its dates open to everyone right after
                text = _(
                    "🔔 {office} is drawing its places for {days} now. What the draw leaves opens to everyone in a "
                    "moment: book then."
                ).format(office=office.name, days=_days(days))
            assert office.id is not None
            book = InlineKeyboardButton(
                text=_("📅 Book for {day}").format(day=texts.short_date(first)),
                callback_data=BookAt(office_id=office.id, yyyymmdd=int(first.strftime("%Y%m%d"))).pack(),
            )
            markup = InlineKeyboardMarkup(inline_keyboard=[[book], _unfollow(office)])
        else:
            raise NothingToSay(f"no words yet for {item.kind}")
        return SendMessage(chat_id=item.chat_id, text=text, reply_markup=markup, allow_paid_broadcast=_paid(item))

    async def _answer(self, item: Outgoing) -> TelegramCall:
        """The help desk's answer, or its closing, in the applicant's chat; a reply to it goes back to the ticket."""
        ticket = item.payload["ticket"]
        if item.payload.get("quiet"):
            text = _(
                "✅ Your question (ticket #{ticket}) is closed: we did not hear back for {quiet} days. Something still "
                "unclear? Reply to this message within {days} days to open it again."
            ).format(ticket=ticket, quiet=QUIET_AFTER.days, days=REOPEN_WITHIN.days)
            return SendMessage(chat_id=item.chat_id, text=text)
        if item.payload.get("closed"):
            text = _(
                "✅ Staff closed your question (ticket #{ticket}). Something still unclear? Reply to this message "
                "within {days} days to open it again."
            ).format(ticket=ticket, days=REOPEN_WITHIN.days)
            return SendMessage(chat_id=item.chat_id, text=text)
        words = await helpdesk.message_text(self._runtime.reader(), item.payload["message"])
        if words is None:
            raise NothingToSay("the ticket is gone")
        text = _("💬 Staff answered (ticket #{ticket}):\n\n{text}\n\nReply here if you have more to ask.").format(
            ticket=ticket, text=words
        )
        return SendMessage(chat_id=item.chat_id, text=text)

    async def _proof(self, item: Outgoing) -> TelegramCall:
        assert item.booking_id is not None
        try:
            document = await proof_file(self._runtime, None, item.booking_id)
        except BookingNotFound as err:  # cancelled before its proof went out: nothing left to prove
            raise NothingToSay("the booking is no longer confirmed") from err
        return SendDocument(chat_id=item.chat_id, document=document)

    async def _closure(self, item: Outgoing, office: Office) -> TelegramCall:
        assert item.booking_id is not None
        try:
            booking = await my_bookings.booking_record(self._runtime.reader(), item.booking_id)
        except BookingNotFound as err:
            raise NothingToSay("the booking is gone") from err
        reason = item.payload.get("reason") or _("closed by the office")
        text = _(
            "⛔ {office} is closed on {day}: {reason}.\n\n"
            "Your booking {code} ({start}–{end} {zone}, 👤 {n}) is cancelled by the office. We are sorry.\n"
            "The 30-day wait does not apply to it: you may book again now, for the same people."
        ).format(
            office=office.name,
            day=texts.long_date(booking.day),
            reason=reason,
            code=format_booking_code(booking.code),
            start=f"{booking.start:%H:%M}",
            end=f"{booking.end:%H:%M}",
            zone=office.zone_label,
            n=booking.party_size,
        )
        again = InlineKeyboardButton(
            text=_("📅 Book again (👤 {n})").format(n=booking.party_size),
            callback_data=BookAgain(booking_id=booking.id).pack(),
        )
        return SendMessage(
            chat_id=item.chat_id, text=text, reply_markup=InlineKeyboardMarkup(inline_keyboard=[[again]])
        )

    async def _offer(self, item: Outgoing, office: Office) -> TelegramCall:
        """Places held for a waiting party: when, until when, and the two answers."""
        assert item.booking_id is not None
        try:
            held = await my_bookings.booking_record(self._runtime.reader(), item.booking_id)
        except BookingNotFound as err:
            raise NothingToSay("the offer is gone") from err
        if held.status is not BookingStatus.HELD or held.lapsed(self._runtime.clock.now()):
            raise NothingToSay("the offer is over")  # the worker was down until after it lapsed
        text = _(
            "🎉 Places came free at {office}: {day}, {start}–{end} {zone}, for your {n} applicant(s).\n\n"
            "They are held for you until {until} {zone}. Book them?\n"
            "With no answer by then they go to the next family waiting, and you leave the waiting list."
        ).format(
            office=office.name,
            day=texts.long_date(held.day),
            start=f"{held.start:%H:%M}",
            end=f"{held.end:%H:%M}",
            zone=office.zone_label,
            n=held.party_size,
            until=f"{held.held_until.astimezone(office.zone):%H:%M}",
        )
        entry = int(item.payload["entry"])
        yes = InlineKeyboardButton(text=_("✅ Book them"), callback_data=WaitAnswer(entry_id=entry, yes=True).pack())
        no = InlineKeyboardButton(
            text=_("✖ No, leave the waiting list"), callback_data=WaitAnswer(entry_id=entry, yes=False).pack()
        )
        markup = InlineKeyboardMarkup(inline_keyboard=[[yes], [no]])
        return SendMessage(chat_id=item.chat_id, text=text, reply_markup=markup)

    async def _drawn(self, item: Outgoing, office: Office) -> TelegramCall:
        """A family the draw offered no places at once: where it came, and where it stands now (read at sending)."""
        reader, now = self._runtime.reader, self._runtime.clock.now()
        account = await accounts.account_by_telegram_user(reader(), item.chat_id)
        mine = None if account is None else await fair_opening.mine(reader(), account.id, now)
        if account is None or mine is None or mine.draw.id != item.payload.get("draw"):
            raise NothingToSay("no registration for this draw any more")
        place = fair_opening.place_in_draw(mine)
        head = _("🎟 The draw at {office} is done: your family came {place} of {n}.").format(
            office=office.name, place=place, n=mine.count
        )
        waiting = await waitlist.my_place(reader(), account.id)
        if waiting is not None and waiting.entry.offered_until is not None:
            tail = _("Places have come free for you since: answer the offer message.")
        elif waiting is not None and waiting.office.id == office.id:
            tail = _(
                "No places on your dates came to your turn. You stay on the waiting list, number {position}: when "
                "places come free for your family, we offer them to you in turn. You can leave it in My bookings."
            ).format(position=waiting.position)
        else:
            tail = _("No places on your dates came to your turn. What the draw left is open to everyone now.")
        return SendMessage(chat_id=item.chat_id, text=f"{head}\n\n{tail}")

    def _wait_over(self, item: Outgoing, office: Office) -> TelegramCall:
        """Why the party is no longer on the waiting list, when it did not leave by itself."""
        why = item.payload.get("why")
        if why == "lapsed":
            text = _(
                "⌛ The places held for you at {office} went to the next family waiting: the offer was not answered "
                "in time. You are no longer on the waiting list; you may join it again from the calendar."
            )
        elif why == "over":
            text = _(
                "No places came free in time for the dates you waited for at {office}: they are too close now. You "
                "are no longer on the waiting list."
            )
        elif why == "cannot_book":
            text = _(
                "You are no longer on the waiting list at {office}: your account cannot book now (it has a booking, "
                "or is in its 30-day wait)."
            )
        else:
            raise NothingToSay(f"no words for leaving the list because {why}")
        return SendMessage(chat_id=item.chat_id, text=text.format(office=office.name))

    async def _reminder(self, item: Outgoing) -> TelegramCall:
        """Tomorrow's arrival: when, where, what each person brings, and the proof to show, in one message."""
        assert item.booking_id is not None
        try:
            data, document = await proof_with_data(self._runtime, None, item.booking_id)
        except BookingNotFound as err:  # cancelled since the reminders were fanned out
            raise NothingToSay("the booking is no longer confirmed") from err
        head = _(
            "⏰ Tomorrow, {day}, {start}–{end} {zone}: your passport appointment.\n"
            "{office}\n{address}\nBooking code: {code}"
        ).format(
            day=texts.long_date(data.day),
            start=f"{data.start:%H:%M}",
            end=f"{data.end:%H:%M}",
            zone=data.office.zone_label,
            office=data.office.name,
            address=data.office.address,
            code=format_booking_code(data.code),
        )
        bring = texts.to_bring(
            ((a.full_name, a.to_bring) for a in data.applicants), any(a.child for a in data.applicants)
        )
        caption = f"{head}\n\n{bring}\n\n" + _("Show this proof at the counter.")
        if len(caption) > CAPTION_LIMIT:  # a large family with children: the proof itself lists each one's papers
            caption = f"{head}\n\n" + _("What each applicant brings is listed in this proof. Show it at the counter.")
        return SendDocument(chat_id=item.chat_id, document=document, caption=caption)
