"""Booking, the office: the family card's province at once, the same as last time, a typed place, or browsing."""

from __future__ import annotations

import re
from datetime import date

from aiogram import F, Router
from aiogram.filters import StateFilter
from aiogram.filters.callback_data import CallbackData
from aiogram.fsm.context import FSMContext
from aiogram.types import CallbackQuery, InlineKeyboardButton, InlineKeyboardMarkup, Message
from aiogram.utils.i18n import gettext as _

from bot import keyboards as kb
from bot import texts
from bot.filters import Magic
from bot.handlers.booking import calendar, party, slot
from bot.handlers.booking.shared import Browse, office_data, office_of, owner_id
from bot.handlers.booking.slot import release_held
from bot.handlers.parts import Screen, forget, message_of
from bot.states import Booking
from core.domain.booking import ApplicationType, BookingNotFound
from core.domain.offices import Office, OfficeKind
from core.runtime import Runtime
from core.services import calendar as calendar_service
from core.services import my_bookings
from core.services.accounts import AccountView
from core.services.my_bookings import LastChoice, last_choice

MAX_RESULTS = 8  # a typed search; a province is listed whole (Jawa Timur has 12 offices, Telegram allows 100 buttons)
MIN_QUERY = 3
LABEL_MAX = 40  # what a narrow phone shows of a full-width button before it cuts the end off

# The official name's opening words of each kind, and the short form people use for it.
_KINDS = {
    OfficeKind.KANIM: ("Kantor Imigrasi", "Kanim"),
    OfficeKind.ULP: ("Unit Layanan Paspor", "ULP"),
    OfficeKind.MPP: ("Mal Pelayanan Publik", "MPP"),
}
# "Kelas I Khusus Non TPI Jakarta Selatan": the office's grade, whether it has a border checkpoint, its place.
_KANIM_REST = re.compile(r"^(Kelas [IV]+(?: Khusus)?)(?: Non)?(?: TPI)?(?: (.+))?$")


class OfficePick(CallbackData, prefix="office"):
    office_id: int


class Province(CallbackData, prefix="prov"):
    index: int  # position in the sorted list of provinces with offices


class Rebook(CallbackData, prefix="again"):
    pass


def office_label(office: Office) -> str:
    """An office's button: the city first, then the kind and what tells it apart from the city's others.

    Official names start alike ("Kantor Imigrasi Kelas I Khusus Non TPI …") and a narrow screen cuts the
    end off, where the difference is; the full name is on the screens after the tap.
    """
    opening, short = _KINDS[office.kind]
    rest = office.name.removeprefix(opening).strip()
    if office.kind is OfficeKind.KANIM and (m := _KANIM_REST.match(rest)):
        grade, place = m[1], m[2] or ""
        detail = place if place and place.lower() != office.city.lower() else grade  # Kanim Surabaya is in Sidoarjo
    else:  # "Lippo Plaza Batu" in Batu is "Lippo Plaza"; "Kota Bekasi" in Bekasi says nothing more
        without_city = re.sub(re.escape(office.city), " ", rest, flags=re.IGNORECASE)
        detail = " ".join(w for w in without_city.split() if w.lower() not in ("kota", "kabupaten"))
    words = detail.split()
    label = f"{office.city} · {short} {' '.join(words)}".rstrip()
    while len(label) > LABEL_MAX and len(words) > 1:  # whole words off the end
        words.pop()
        label = f"{office.city} · {short} {' '.join(words)}"
    return label if len(label) <= LABEL_MAX else label[: LABEL_MAX - 1] + "…"


def office_buttons(
    found: list[Office], top: list[list[InlineKeyboardButton]] | None = None, *, limit: int | None = None
) -> InlineKeyboardMarkup:
    """The offices (the first `limit` of them), under any buttons given first; browsing by province last."""
    buttons = [
        *(top or []),
        *[
            [InlineKeyboardButton(text=office_label(o), callback_data=OfficePick(office_id=o.id or 0).pack())]
            for o in found[:limit]
        ],
        [InlineKeyboardButton(text=_("Browse by province"), callback_data=Browse().pack())],
    ]
    return InlineKeyboardMarkup(inline_keyboard=buttons)


async def same_again(runtime: Runtime, account: AccountView) -> LastChoice | None:
    """The last attempt, if everyone in it is still saved on the account: what "the same again" books."""
    again = await last_choice(runtime.reader(), account.id)
    saved = {a.id for a in account.applicants}
    return again if again is not None and all(a in saved for a in again.party) else None


async def office_screen(account: AccountView, runtime: Runtime) -> Screen:
    """The office question: the same as last time in one tap, the family card's province, or type a place."""
    home = account.home_province
    nearby = await runtime.directory.in_province(home) if home else []
    again = await same_again(runtime, account)
    top: list[list[InlineKeyboardButton]] = []
    if again is not None:
        label = _("🔁 Same as last time: {office} (👤 {n})")
        label = label.format(office=office_label(again.office), n=len(again.party))
        top.append([InlineKeyboardButton(text=label, callback_data=Rebook().pack())])
    if nearby:
        text = _("Choose the office. These are in {province}; for another place type a city or province name.")
        text = text.format(province=home)
    else:
        text = _("Where do you live? Type your city or province (for example: Bandung, or Bali).")
    return Screen(text, office_buttons(nearby, top))


async def ask(message: Message, state: FSMContext, account: AccountView | None, runtime: Runtime) -> None:
    if account is not None:
        await (await office_screen(account, runtime)).send(message)


async def begin(query: CallbackQuery, state: FSMContext, account: AccountView | None, runtime: Runtime) -> None:
    """Menu → book: refuses a frozen account with the date and the family-card way; else asks for the office.

    No typing needed in the usual case: the same office and family as last time in one tap, then the
    offices of the family card's province; a city or province can still be typed, or browsed.
    """
    await query.answer()
    if account is None or await refused_while_frozen(query, account, runtime):
        return
    await forget(state)
    await state.set_state(Booking.office)
    await (await office_screen(account, runtime)).edit(message_of(query))


async def refused_while_frozen(query: CallbackQuery, account: AccountView, runtime: Runtime) -> bool:
    """An account in its 30-day wait is told until when, and the family-card way, in place of the tapped message."""
    if account.frozen_until is None or account.frozen_until <= runtime.clock.now():
        return False
    until = texts.deadline_date(account.frozen_until)
    await message_of(query).edit_text(
        _(
            "Your account can make a new booking from {day}: every booking counts, used, missed or "
            "cancelled. Until then, a relative on the same family card who has an account of their own "
            "can book and add you as one of their applicants."
        ).format(day=texts.long_date(until)),
        reply_markup=kb.main_menu(),
    )
    return True


async def _enter(
    query: CallbackQuery, state: FSMContext, account: AccountView, runtime: Runtime, office_id: int
) -> Office | None:
    """A booking entered from a message's button (an alert, a closure notice), whatever the chat was doing: the
    office if it still takes bookings and the account may book, the conversation's earlier booking let go."""
    office = await office_of(runtime, office_id)
    if office is None:
        await query.answer(_("This office no longer takes bookings here. Please choose another."), show_alert=True)
        return None
    await query.answer()
    if await refused_while_frozen(query, account, runtime):
        return None
    await release_held(state, account, runtime)
    await forget(state)
    return office


async def start_at(
    query: CallbackQuery, state: FSMContext, account: AccountView, runtime: Runtime, office_id: int, day: date
) -> None:
    """Booking entered at an office and a date (an opening alert's button): who comes, or straight to its times."""
    office = await _enter(query, state, account, runtime, office_id)
    if office is None:
        return
    owner = owner_id(account)
    await state.update_data(**office_data(office), party=[owner], kinds={str(owner): ApplicationType.NEW.value})
    await state.update_data(year=day.year, month=day.month)
    if len(account.applicants) > 1:
        await party.show(message_of(query), state, account)
        return
    await slot.show(message_of(query), state, account, runtime, day)


async def search(message: Message, runtime: Runtime) -> None:
    """A typed city or province: the offices that match, or a way to browse."""
    query = " ".join((message.text or "").split())
    found = await runtime.directory.search(query) if MIN_QUERY <= len(query) <= 100 else []
    if not found:
        await message.answer(
            _("No office found for “{query}”. Try another city or province name, or browse.").format(
                query=texts.excerpt(query)
            ),
            reply_markup=office_buttons([]),
        )
        return
    if len(found) > MAX_RESULTS:  # "jawa" finds two provinces' offices: the first few, and how to narrow it
        text = _("Choose the office (the first {shown} of {n} found; type a city's name for the others):").format(
            shown=MAX_RESULTS, n=len(found)
        )
    else:
        text = _("Choose the office:")
    await message.answer(text, reply_markup=office_buttons(found, limit=MAX_RESULTS))


async def browse(query: CallbackQuery, runtime: Runtime) -> None:
    """Lists the provinces that have offices."""
    await query.answer()
    await browse_screen(message_of(query), runtime)


async def browse_screen(message: Message, runtime: Runtime) -> None:
    """The provinces that have offices, in place of the message tapped."""
    names = await runtime.directory.provinces()
    buttons = [InlineKeyboardButton(text=p, callback_data=Province(index=i).pack()) for i, p in enumerate(names)]
    await message.edit_text(
        _("Choose your province:"), reply_markup=InlineKeyboardMarkup(inline_keyboard=kb.rows(buttons, 2))
    )


async def province(query: CallbackQuery, callback_data: Province, runtime: Runtime) -> None:
    """Lists the offices of one province."""
    names = await runtime.directory.provinces()
    if not 0 <= callback_data.index < len(names):  # the list of provinces changed since: here it is again
        await query.answer(_("That list has changed; please choose your province again."), show_alert=True)
        await browse_screen(message_of(query), runtime)
        return
    await query.answer()
    found = await runtime.directory.in_province(names[callback_data.index])
    await message_of(query).edit_text(_("Choose the office:"), reply_markup=office_buttons(found))


async def office_chosen(
    query: CallbackQuery, callback_data: OfficePick, state: FSMContext, account: AccountView | None, runtime: Runtime
) -> None:
    """Stores the office. Who comes is asked only of an account with saved relatives; else the calendar."""
    office = await office_of(runtime, callback_data.office_id)
    if office is None:
        await query.answer(_("This office no longer takes bookings here. Please choose another."), show_alert=True)
        return
    data = await state.get_data()
    if account is not None and data.get("moving"):  # moving a booking: the party stays, and so does the office
        if office.id != data.get("moving_office_id") and not data.get("moving_anywhere"):  # unless staff allowed
            await query.answer(
                _("A booking moves within its own office. Please choose a date on this calendar."), show_alert=True
            )
            office = await office_of(runtime, data["moving_office_id"])
            if office is None:
                return
        else:
            await query.answer()
        await state.update_data(**office_data(office))
        await calendar.show_now(message_of(query), state, account, runtime)
        return
    await query.answer()
    if account is None:
        return
    await release_held(state, account, runtime)  # from the summary: the places held there go back
    owner = owner_id(account)
    await state.update_data(**office_data(office), party=[owner], kinds={str(owner): ApplicationType.NEW.value})
    if len(account.applicants) > 1:
        await party.show(message_of(query), state, account)
        return
    await calendar.show_now(message_of(query), state, account, runtime)


async def rebook(query: CallbackQuery, state: FSMContext, account: AccountView | None, runtime: Runtime) -> None:
    """The same office, people and application types as last time: straight to the calendar."""
    if account is None:
        await query.answer()
        return
    again = await same_again(runtime, account)
    office = None if again is None else await office_of(runtime, again.office.id or 0)
    if again is None or office is None:
        await query.answer(_("This office no longer takes bookings here. Please choose another."), show_alert=True)
        return
    await query.answer()
    kinds = {str(a): k for a, k in zip(again.party, again.kinds, strict=True)}
    await state.update_data(**office_data(office), party=list(again.party), kinds=kinds)
    await calendar.show_now(message_of(query), state, account, runtime)


async def book_again(
    query: CallbackQuery, callback_data: kb.BookAgain, state: FSMContext, account: AccountView | None, runtime: Runtime
) -> None:
    """A closure notice's button: the same people at the same office, straight to the calendar of free dates.

    From whatever the chat was doing: the notice arrives unasked. People removed from the account since are left
    out; nobody left but the owner books alone.
    """
    if account is None:
        await query.answer()
        return
    try:
        choice = await my_bookings.choice_of(runtime.reader(), account.id, callback_data.booking_id)
    except BookingNotFound:
        await query.answer(_("That booking is not on your account any more."), show_alert=True)
        return
    office = await _enter(query, state, account, runtime, choice.office.id or 0)
    if office is None:
        return
    saved = {a.id for a in account.applicants}
    kept = [(a, k) for a, k in zip(choice.party, choice.kinds, strict=True) if a in saved] or [
        (owner_id(account), ApplicationType.NEW)
    ]
    await state.update_data(**office_data(office), party=[a for a, _kind in kept], kinds={str(a): k for a, k in kept})
    # At the month of the first free date after the closed one; as a new message below the notice, which keeps
    # the office's reason in the chat.
    now = runtime.clock.now()
    after = max(choice.day, office.today(now))
    free = await calendar_service.first_free_day(runtime.reader(), office, after, party=len(kept), now=now)
    month = free or after
    await (await calendar.calendar_screen(state, account, runtime, month.year, month.month)).send(message_of(query))


def router() -> Router:
    """A fresh router of this step (a router belongs to one dispatcher)."""
    r = Router(name="booking.office")
    r.callback_query.register(begin, kb.Menu.filter(F.item == "book"))
    r.message.register(search, StateFilter(Booking.office), Magic(F.text))
    # Within any step of a booking, another office may be chosen; an old list from a booking that ended is
    # answered by the fallbacks, which say so.
    r.callback_query.register(browse, StateFilter(Booking), Browse.filter())
    r.callback_query.register(province, StateFilter(Booking), Province.filter())
    r.callback_query.register(office_chosen, StateFilter(Booking), OfficePick.filter())
    r.callback_query.register(rebook, StateFilter(Booking.office), Rebook.filter())
    r.callback_query.register(book_again, kb.BookAgain.filter())
    return r
