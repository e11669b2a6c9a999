"""One router per feature; `routers()` lists them in the order they must be tried."""

from aiogram import Router

from bot.handlers import booking, common, family, faq, menu, my_bookings, start


def routers() -> list[Router]:
    # common first (/cancel works in every state), its fallbacks last.
    return [
        common.router(),
        start.router(),
        booking.router(),
        my_bookings.router(),
        family.router(),
        faq.router(),
        menu.router(),
        common.fallbacks(),
    ]
