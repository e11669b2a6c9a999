"""The staff group in Telegram (optional, ANTREAN_SUPPORT_GROUP_ID): a supergroup with topics, one topic a ticket.

The applicant's messages are copied into their ticket's topic by the outbox (bot/courier.py, which opens the topic
on the first and opens a new one when staff deleted or closed it). Here, the other way: what a member of the group
writes in a ticket's topic is the answer, into the applicant's chat (through the outbox), recorded on the ticket
as the help-desk pages record theirs, with the member's Telegram name and id; `/close` and `/reopen` in the topic do
what the pages' buttons do. Membership of the group is the permission: whoever the administrators let in answers
applicants. Anything else in the group (its General topic, service messages, a topic staff opened themselves) is
left alone.
"""

from __future__ import annotations

from aiogram import F, Router
from aiogram.filters import Command, Filter
from aiogram.types import Message
from aiogram.utils.i18n import gettext as _

from bot import texts
from bot.filters import Magic
from core.domain.errors import DomainError
from core.runtime import Runtime
from core.services import helpdesk


class InStaffGroup(Filter):
    """A message in a topic of the configured staff group."""

    async def __call__(self, message: Message, runtime: Runtime) -> bool:
        group = runtime.settings.support_group_id
        return group is not None and message.chat.id == group and message.message_thread_id is not None


def _author(message: Message) -> str:
    """Who answered, as the ticket shows it and the audit log keeps it: their name in Telegram, @username and id
    (a name can be changed by anyone; the id cannot)."""
    user = message.from_user
    if user is None:
        return "Telegram"
    handle = f"@{user.username}, " if user.username else ""
    return f"{user.full_name} ({handle}id {user.id})"


def _where(message: Message) -> tuple[int, int]:
    assert message.message_thread_id is not None
    return message.chat.id, message.message_thread_id


async def answered(message: Message, runtime: Runtime) -> None:
    """Words in a ticket's topic: the answer, on its way to the applicant (nothing said back: the topic is the
    record, and the group's own limit is 20 messages a minute)."""
    group, topic = _where(message)
    try:
        await helpdesk.answer_in_group(
            runtime.uow(), group, topic, _author(message), message.text or "", runtime.clock.now()
        )
    except DomainError as err:
        await message.reply(_refusal(err))


async def not_text(message: Message, runtime: Runtime) -> None:
    """A photo, a file, a voice note in a ticket's topic: not passed on, and said so."""
    group, topic = _where(message)
    if await helpdesk.ticket_of_topic(runtime.reader(), group, topic) is not None:
        await message.reply(_("Only text reaches the applicant: write your answer as a message."))


async def close(message: Message, runtime: Runtime) -> None:
    group, topic = _where(message)
    ticket = await helpdesk.close_in_group(runtime.uow(), group, topic, _author(message), runtime.clock.now())
    if ticket is not None:
        await message.reply(_("✅ Ticket #{ticket} closed; the applicant is told.").format(ticket=ticket.id))


async def reopen(message: Message, runtime: Runtime) -> None:
    group, topic = _where(message)
    try:
        ticket = await helpdesk.reopen_in_group(runtime.uow(), group, topic, _author(message), runtime.clock.now())
    except DomainError as err:
        await message.reply(_refusal(err))
        return
    if ticket is not None:
        await message.reply(_("↩ Ticket #{ticket} is open again.").format(ticket=ticket.id))


def _refusal(err: DomainError) -> str:
    """The help desk's refusals as the group reads them."""
    if err.code == "ticket_closed":
        return _("This ticket is closed: the applicant was told it is done. Send /reopen first to answer again.")
    if err.code == "another_ticket_open":
        return _("The applicant has a newer ticket going: continue in its topic.")
    if err.code == "answer_too_long":
        return _("Too long for one message: at most 4000 characters. Please shorten it.")
    return texts.explain(err)


# What a member may send that is not text: told it does not reach the applicant. Service messages (a topic
# closed, renamed, a pin) are none of these, and pass in silence.
_MEDIA = {"photo", "document", "video", "voice", "audio", "sticker", "animation", "video_note", "contact", "location"}


def router() -> Router:
    """The staff group's router: it comes before every other, so that the group is never pointed elsewhere."""
    r = Router(name="staff_group")
    r.message.filter(InStaffGroup())
    r.message.register(close, Command("close"))
    r.message.register(reopen, Command("reopen"))
    r.message.register(answered, Magic(F.text))
    r.message.register(not_text, Magic(F.content_type.in_(_MEDIA)))
    r.message.register(_ignore)  # service messages: the group's own business
    return r


async def _ignore(message: Message) -> None:
    """Anything else in a topic of the staff group: not for the applicant, and not for the other routers."""
