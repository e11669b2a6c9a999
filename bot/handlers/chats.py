"""Groups and channels: the conversation holds personal data, so it happens only in a private chat.

Elsewhere the bot answers only what is addressed to it (a command, a mention, a reply to it) with one short
line pointing to the private chat, and stores nothing: no account, no conversation state.
"""

from __future__ import annotations

from aiogram import Bot, F, Router
from aiogram.enums import ChatType, MessageEntityType
from aiogram.filters import Filter
from aiogram.types import CallbackQuery, Message
from aiogram.utils.i18n import gettext as _

from bot.filters import Magic


class AddressedToBot(Filter):
    """A command without a mention or with ours, a mention of us, or a reply to one of our messages."""

    async def __call__(self, message: Message, bot: Bot) -> bool:
        username = ((await bot.me()).username or "").lower()
        replied = message.reply_to_message
        if replied is not None and replied.from_user is not None and replied.from_user.id == bot.id:
            return True
        text = message.text or message.caption or ""
        for entity in message.entities or message.caption_entities or []:
            part = entity.extract_from(text)
            if entity.type == MessageEntityType.BOT_COMMAND and entity.offset == 0:
                mention = part.partition("@")[2].lower()
                return not mention or mention == username
            if entity.type == MessageEntityType.MENTION and part[1:].lower() == username:
                return True
        return False


def private_chat_hint(username: str) -> str:
    return _(
        "I help with bookings only in a private chat, to keep your data safe. Open @{bot} and send /start."
    ).format(bot=username)


async def talk_privately(message: Message, bot: Bot) -> None:
    """Points to the private chat, once, in one short line."""
    await message.answer(private_chat_hint((await bot.me()).username or ""))


async def button_elsewhere(query: CallbackQuery, bot: Bot) -> None:
    """A button outside a private chat: answered (no spinner left), with the same pointer."""
    await query.answer(private_chat_hint((await bot.me()).username or ""), show_alert=True)


def router() -> Router:
    """A fresh router for every chat that is not private; it must come first."""
    r = Router(name="elsewhere")
    r.message.filter(Magic(F.chat.type != ChatType.PRIVATE))
    r.callback_query.filter(Magic(~(F.message.chat.type == ChatType.PRIVATE)))
    r.message.register(talk_privately, AddressedToBot())
    r.channel_post.register(talk_privately, AddressedToBot())
    r.callback_query.register(button_elsewhere)
    return r
