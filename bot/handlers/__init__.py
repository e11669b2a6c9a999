"""One router per feature; `routers()` lists them in the order they must be tried."""

from aiogram import F, Router
from aiogram.enums import ChatType

from bot.filters import Magic
from bot.handlers import (
    alerts,
    booking,
    chats,
    commands,
    common,
    family,
    faq,
    helpdesk,
    menu,
    my_bookings,
    my_data,
    registration,
    staff_group,
    waitlist,
)  # fmt: skip


def routers() -> list[Router]:
    """The staff group first (when configured); groups and channels (a pointer to the private chat); then the
    private conversation.

    Inside it the commands come first (they work in every state), the fallbacks last (a step's question
    again for anything no step took).
    """
    private = Router(name="private")
    private.message.filter(Magic(F.chat.type == ChatType.PRIVATE))
    private.callback_query.filter(Magic(F.message.chat.type == ChatType.PRIVATE))
    private.include_routers(
        commands.router(),
        registration.router(),
        booking.router(),
        my_bookings.router(),
        waitlist.router(),
        family.router(),
        my_data.router(),
        alerts.router(),
        faq.router(),
        helpdesk.router(),
        menu.router(),
        common.fallbacks(),
    )
    return [staff_group.router(), chats.router(), private]
