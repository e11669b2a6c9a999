"""Magic filters checked on the event loop, where an attribute test belongs.

aiogram runs every filter or handler that is not a coroutine function in a worker thread
(`asyncio.to_thread` in aiogram/dispatcher/event/handler.py, https://github.com/aiogram/aiogram/pull/1661),
and a magic filter such as `F.text` is one: each check was a thread hop, after which the update queued for
the event loop again behind every other update in flight. bench/bot_rush.py measured about 15 such hops an
update, and the two router-level chat-type checks that sent groups elsewhere made the first answer of a rush
13 ms later at p50 with the same CPU. Wrapped in `Magic`, the same expression is checked in place.
"""

from __future__ import annotations

from typing import Any

from aiogram.filters import Filter
from aiogram.types import TelegramObject
from aiogram.utils.magic_filter import MagicFilter


class Magic(Filter):
    """A magic filter (`F.text`, `F.chat.type == ChatType.PRIVATE`) checked inline instead of in a thread."""

    def __init__(self, magic: MagicFilter) -> None:
        self.magic = magic

    async def __call__(self, event: TelegramObject) -> bool | dict[str, Any]:
        found = self.magic.resolve(event)
        return found if isinstance(found, dict) else bool(found)
