"""No filter or handler of the bot runs in a thread: aiogram hands every non-async one to asyncio.to_thread."""

from __future__ import annotations

from collections.abc import Iterator

from aiogram import F, Router
from aiogram.dispatcher.event.handler import CallableObject
from aiogram.enums import ChatType
from aiogram.filters import StateFilter
from aiogram.types import Chat, Message

from bot.filters import Magic
from bot.handlers import routers
from bot.states import Booking


def _callables(router: Router) -> Iterator[tuple[str, CallableObject]]:
    """Every handler and every filter (router-level ones included) of a router and the routers inside it."""
    for name, observer in router.observers.items():
        for f in observer._handler.filters or []:  # the router-level filters; its callback is never called
            yield f"{router.name}.{name} router filter {f.callback!r}", f
        for handler in observer.handlers:
            yield f"{router.name}.{name} {handler.callback!r}", handler
            for f in handler.filters or []:
                yield f"{router.name}.{name} {handler.callback.__name__} filter {f.callback!r}", f
    for inner in router.sub_routers:
        yield from _callables(inner)


def test_every_filter_and_handler_of_the_bot_runs_on_the_event_loop() -> None:
    threaded = [where for top in routers() for where, c in _callables(top) if not c.awaitable]
    assert threaded == []


def test_the_walk_finds_a_plain_magic_filter_and_a_bare_state_and_accepts_their_wrapped_forms() -> None:
    r = Router(name="probe")
    r.message.filter(F.chat.type == ChatType.PRIVATE)

    async def plain(message: Message) -> None: ...

    async def wrapped(message: Message) -> None: ...

    r.message.register(plain, Booking.office, F.text)
    r.message.register(wrapped, StateFilter(Booking.office), Magic(F.text))
    threaded = [where.split(" filter ")[0] for where, c in _callables(r) if not c.awaitable]
    assert threaded == ["probe.message router", "probe.message plain", "probe.message plain"]
    assert len(list(_callables(r))) == 7  # the router filter, two handlers, two filters each


async def test_a_wrapped_magic_filter_answers_as_the_expression_does() -> None:
    private = Message.model_validate(
        {"message_id": 1, "date": 0, "chat": {"id": 7, "type": "private"}, "text": "/menu"}
    )
    group = private.model_copy(update={"chat": Chat(id=-7, type="group"), "text": None})
    assert await Magic(F.chat.type == ChatType.PRIVATE)(private) is True
    assert await Magic(F.chat.type == ChatType.PRIVATE)(group) is False
    assert await Magic(F.text)(private) is True
    assert await Magic(F.text)(group) is False
    assert await Magic(~(F.message.chat.type == ChatType.PRIVATE))(private) is True  # a message has no .message
