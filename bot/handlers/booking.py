"""Booking: office, party and application types, calendar, arrival time, held summary, confirm and proof.

After the first typed search, every step edits one message in place: at opening time Telegram's
message limit, not our database, is the tightest resource.
"""

from __future__ import annotations

from datetime import date
from typing import Any
from zoneinfo import ZoneInfo

from aiogram import F, Router
from aiogram.fsm.context import FSMContext
from aiogram.types import BufferedInputFile, CallbackQuery, InlineKeyboardButton, InlineKeyboardMarkup, Message
from aiogram.utils.i18n import gettext as _

from bot import keyboards as kb
from bot import texts
from bot.handlers.parts import follow_up, message_of
from bot.states import Booking
from core.documents.rendering import render_proof_off_loop
from core.domain.booking import ApplicationType, format_booking_code
from core.domain.calendar import DayInfo, DayState
from core.domain.errors import DomainError
from core.domain.offices import Office
from core.runtime import Runtime
from core.services import calendar
from core.services.accounts import AccountView
from core.services.booking import SlotFullWithChoices
from core.services.my_bookings import LastChoice, last_choice
from core.services.proofs import proof_data

MARK = {DayState.FREE: "✅", DayState.FULL: "❌", DayState.NOT_RELEASED: "⏳", DayState.CLOSED: "⛔"}
MAX_RESULTS = 8


async def _office(runtime: Runtime, office_id: int) -> Office | None:
    return await runtime.directory.by_id(office_id)


# --- the start and the office -------------------------------------------------------------------------------


async def _same_again(runtime: Runtime, account: AccountView) -> LastChoice | None:
    """The last attempt, if everyone in it is still saved on the account: what "the same again" books."""
    again = await last_choice(runtime.reader(), account.id)
    saved = {a.id for a in account.applicants}
    return again if again is not None and all(a in saved for a in again.party) else None


async def begin(query: CallbackQuery, state: FSMContext, account: AccountView | None, runtime: Runtime) -> None:
    """Menu → book: refuses a frozen account with the date and the family-card way; else offers the offices.

    No typing needed in the usual case: the same office and family as last time in one tap, then the
    offices of the family card's province; a city or province can still be typed, or browsed.
    """
    await query.answer()
    if account is None:
        return
    now = runtime.clock.now()
    if account.frozen_until is not None and account.frozen_until > now:
        until = texts.deadline_date(account.frozen_until)
        await message_of(query).edit_text(
            _(
                "Your account can make a new booking from {day}: every booking counts, used, missed or "
                "cancelled. Until then, a relative on the same family card who has an account of their own "
                "can book and add you as one of their applicants."
            ).format(day=texts.long_date(until)),
            reply_markup=kb.main_menu(),
        )
        return
    await state.clear()
    await state.set_state(Booking.office)
    home = account.home_province
    nearby = await runtime.directory.in_province(home) if home else []
    again = await _same_again(runtime, account)
    top: list[list[InlineKeyboardButton]] = []
    if again is not None:
        label = _("🔁 Same as last time: {office} (👤 {n})").format(office=again.office_name, n=len(again.party))
        top.append([InlineKeyboardButton(text=label, callback_data=kb.Rebook().pack())])
    if nearby:
        text = _("Choose the office. These are in {province}; for another place type a city or province name.")
        text = text.format(province=home)
    else:
        text = _("Where do you live? Type your city or province (for example: Bandung, or Bali).")
    await message_of(query).edit_text(text, reply_markup=_office_buttons(nearby, top))


def _office_buttons(found: list[Office], top: list[list[InlineKeyboardButton]] | None = None) -> InlineKeyboardMarkup:
    buttons = [
        *(top or []),
        *[
            [
                InlineKeyboardButton(
                    text=f"{o.name} ({o.zone_label})", callback_data=kb.OfficePick(office_id=o.id or 0).pack()
                )
            ]
            for o in found[:MAX_RESULTS]
        ],
    ]
    buttons.append([InlineKeyboardButton(text=_("Browse by province"), callback_data=kb.Browse().pack())])
    return InlineKeyboardMarkup(inline_keyboard=buttons)


async def search(message: Message, runtime: Runtime) -> None:
    """A typed city or province: the offices that match, or a way to browse."""
    query = (message.text or "").strip()
    found = await runtime.directory.search(query) if len(query) >= 3 else []
    if not found:
        await message.answer(
            _("No office found for “{query}”. Try another city or province name, or browse.").format(query=query),
            reply_markup=_office_buttons([]),
        )
        return
    await message.answer(_("Choose the office:"), reply_markup=_office_buttons(found))


async def browse(query: CallbackQuery, runtime: Runtime) -> None:
    """Lists the provinces that have offices."""
    await query.answer()
    names = await runtime.directory.provinces()
    buttons = [InlineKeyboardButton(text=p, callback_data=kb.Province(index=i).pack()) for i, p in enumerate(names)]
    await message_of(query).edit_text(
        _("Choose your province:"), reply_markup=InlineKeyboardMarkup(inline_keyboard=kb.rows(buttons, 2))
    )


async def province(query: CallbackQuery, callback_data: kb.Province, runtime: Runtime) -> None:
    """Lists the offices of one province."""
    await query.answer()
    names = await runtime.directory.provinces()
    if not 0 <= callback_data.index < len(names):
        return
    chosen = names[callback_data.index]
    found = await runtime.directory.in_province(chosen)
    await message_of(query).edit_text(_("Choose the office:"), reply_markup=_office_buttons(found))


# --- who comes, and for what --------------------------------------------------------------------------------


def _kind_label(kind: str) -> str:
    return _("new passport") if kind == ApplicationType.NEW else _("replacement")


async def show_party_anew(message: Message, state: FSMContext, account: AccountView) -> None:
    """The party step as a new message (after typed input, which cannot be edited into the old one)."""
    text, markup = await _party_view(state, account)
    await message.answer(text, reply_markup=markup)


async def _show_party(message: Message, state: FSMContext, account: AccountView) -> None:
    text, markup = await _party_view(state, account)
    await message.edit_text(text, reply_markup=markup)


async def _party_view(state: FSMContext, account: AccountView) -> tuple[str, InlineKeyboardMarkup]:
    data = await state.get_data()
    party: list[int] = data["party"]
    kinds: dict[str, str] = data["kinds"]
    rows = []
    for a in account.applicants:
        chosen = a.id in party
        mark = "☑️" if chosen else "⬜"
        member = InlineKeyboardButton(text=f"{mark} {a.full_name}", callback_data=kb.Member(applicant_id=a.id).pack())
        if chosen:
            kind = InlineKeyboardButton(
                text=_kind_label(kinds.get(str(a.id), "new")), callback_data=kb.Kind(applicant_id=a.id).pack()
            )
            rows.append([member, kind])
        else:
            rows.append([member])
    if len(party) < 5:
        rows.append(
            [InlineKeyboardButton(text=_("➕ Add a family member"), callback_data=kb.AddMember(back_to="party").pack())]
        )
    rows.append([InlineKeyboardButton(text=_("Continue ▶"), callback_data=kb.PartyDone().pack())])
    return (
        _(
            "{office}\n\nWho comes? Tap a name to add or remove them (at most 5, all on your family card), "
            "and tap the application type to switch between a new passport and a replacement."
        ).format(office=data["office_name"]),
        InlineKeyboardMarkup(inline_keyboard=rows),
    )


def _office_data(office: Office) -> dict[str, Any]:
    """What the later steps show of the office, kept with the conversation rather than read again."""
    return {
        "office_id": office.id,
        "office_code": office.code,
        "office_name": office.name,
        "office_address": office.address,
        "zone": office.zone_label,
        "tz": office.timezone,
    }


async def office_chosen(
    query: CallbackQuery, callback_data: kb.OfficePick, state: FSMContext, account: AccountView | None, runtime: Runtime
) -> None:
    """Stores the office. Who comes is asked only of an account with saved relatives; else the calendar."""
    office = await _office(runtime, callback_data.office_id)
    if office is None:
        await query.answer(_("This office no longer takes bookings here. Please choose another."), show_alert=True)
        return
    await query.answer()
    if account is None:
        return
    owner = account.applicants[0].id
    await state.update_data(**_office_data(office), party=[owner], kinds={str(owner): "new"})
    if len(account.applicants) > 1:
        await state.set_state(Booking.party)
        await _show_party(message_of(query), state, account)
        return
    await _show_calendar_now(message_of(query), state, account, runtime)


async def rebook(query: CallbackQuery, state: FSMContext, account: AccountView | None, runtime: Runtime) -> None:
    """The same office, people and application types as last time: straight to the calendar."""
    if account is None:
        await query.answer()
        return
    again = await _same_again(runtime, account)
    office = None if again is None else await _office(runtime, again.office_id)
    if again is None or office is None:
        await query.answer(_("This office no longer takes bookings here. Please choose another."), show_alert=True)
        return
    await query.answer()
    kinds = {str(a): k for a, k in zip(again.party, again.kinds, strict=True)}
    await state.update_data(**_office_data(office), party=list(again.party), kinds=kinds)
    await _show_calendar_now(message_of(query), state, account, runtime)


async def toggle_member(
    query: CallbackQuery, callback_data: kb.Member, state: FSMContext, account: AccountView | None
) -> None:
    """Adds or removes a family member; the owner always comes first."""
    if account is None:
        await query.answer()
        return
    data = await state.get_data()
    party: list[int] = data["party"]
    aid = callback_data.applicant_id
    if aid == account.applicants[0].id:
        await query.answer(_("You, the account owner, are always the first applicant."))
        return
    if aid in party:
        party.remove(aid)
    elif len(party) >= 5:
        await query.answer(_("At most 5 applicants per booking."), show_alert=True)
        return
    else:
        party.append(aid)
    await query.answer()
    await state.update_data(party=party)
    await _show_party(message_of(query), state, account)


async def toggle_kind(
    query: CallbackQuery, callback_data: kb.Kind, state: FSMContext, account: AccountView | None
) -> None:
    """Switches one applicant between a new passport and a replacement."""
    await query.answer()
    if account is None:
        return
    kinds: dict[str, str] = (await state.get_data())["kinds"]
    key = str(callback_data.applicant_id)
    kinds[key] = "replacement" if kinds.get(key, "new") == "new" else "new"
    await state.update_data(kinds=kinds)
    await _show_party(message_of(query), state, account)


# --- the calendar and the times ------------------------------------------------------------------------------


def _calendar_markup(days: tuple[DayInfo, ...], year: int, month: int) -> InlineKeyboardMarkup:
    """The month as a grid of weeks; weeks already gone are left out.

    Every button travels three times per tap (sent, echoed back, and inside the next tap's update) and is
    the biggest cost of a step; on the opening Friday most of the month is past.
    """
    noop = kb.Noop().pack()
    head = [InlineKeyboardButton(text=d, callback_data=noop) for d in texts.weekday_initials()]
    cells = [InlineKeyboardButton(text=" ", callback_data=noop) for _ in range(days[0].day.weekday())]
    live = [False] * len(cells)  # a cell for a date that is not past
    for info in days:
        if info.state is DayState.PAST:
            cells.append(InlineKeyboardButton(text="·", callback_data=noop))
        else:
            code = int(info.day.strftime("%Y%m%d"))
            cells.append(
                InlineKeyboardButton(
                    text=f"{info.day.day}{MARK[info.state]}", callback_data=kb.Day(yyyymmdd=code).pack()
                )
            )
        live.append(info.state is not DayState.PAST)
    while len(cells) % 7:
        cells.append(InlineKeyboardButton(text=" ", callback_data=noop))
        live.append(False)
    weeks = [week for i, week in enumerate(kb.rows(cells, 7)) if any(live[i * 7 : i * 7 + 7])]
    prev_y, prev_m = (year, month - 1) if month > 1 else (year - 1, 12)
    next_y, next_m = (year, month + 1) if month < 12 else (year + 1, 1)
    nav = [
        InlineKeyboardButton(text="◀", callback_data=kb.Month(year=prev_y, month=prev_m).pack()),
        InlineKeyboardButton(text=texts.month_name(year, month), callback_data=noop),
        InlineKeyboardButton(text="▶", callback_data=kb.Month(year=next_y, month=next_m).pack()),
    ]
    return InlineKeyboardMarkup(inline_keyboard=[nav, head, *(weeks or kb.rows(cells, 7))])


def _people_line(account: AccountView, party: list[int], kinds: dict[str, str]) -> str:
    names = {a.id: a.full_name for a in account.applicants}
    return ", ".join(f"{names.get(a, '?')} ({_kind_label(kinds.get(str(a), 'new'))})" for a in party)


async def _show_calendar(
    message: Message, state: FSMContext, account: AccountView, runtime: Runtime, year: int, month: int
) -> None:
    data = await state.get_data()
    party: list[int] = data["party"]
    now = runtime.clock.now()
    view = await calendar.month_calendar(
        runtime.reader(),
        data["office_code"],
        year,
        month,
        party=len(party),
        now=now,
        office=await _office(runtime, data["office_id"]),
    )
    opens, closes = view.next_window
    await state.set_state(Booking.calendar)
    await state.update_data(year=year, month=month)
    markup = _calendar_markup(view.days, year, month)
    change: list[InlineKeyboardButton] = []
    if len(party) == 1:  # one applicant: switching the type here saves a trip to the party screen
        other = "replacement" if data["kinds"].get(str(party[0]), "new") == "new" else "new"
        change.append(
            InlineKeyboardButton(
                text=_("🔄 Switch to: {kind}").format(kind=_kind_label(other)),
                callback_data=kb.Kind(applicant_id=party[0]).pack(),
            )
        )
    change.append(InlineKeyboardButton(text=_("👥 Who comes"), callback_data=kb.Back(to="party").pack()))
    markup.inline_keyboard.append(change)
    await message.edit_text(
        _(
            "{office}\n{people}\n\nChoose the date of arrival.\n"
            "✅ places free   ❌ full   ⏳ not released yet   ⛔ holiday or closed\n"
            "New quota opens {opens} and closes {closes} ({zone})."
        ).format(
            office=data["office_name"],
            people=_people_line(account, party, data["kinds"]),
            opens=texts.short_datetime(opens),
            closes=texts.short_datetime(closes),
            zone=view.office.zone_label,
        ),
        reply_markup=markup,
    )


async def _show_calendar_now(message: Message, state: FSMContext, account: AccountView, runtime: Runtime) -> None:
    """The calendar at the office's current month."""
    today = runtime.clock.now().astimezone(ZoneInfo((await state.get_data())["tz"])).date()
    await _show_calendar(message, state, account, runtime, today.year, today.month)


async def party_done(query: CallbackQuery, state: FSMContext, account: AccountView | None, runtime: Runtime) -> None:
    """Who comes is settled: shows the month calendar for that many people."""
    await query.answer()
    if account is not None:
        await _show_calendar_now(message_of(query), state, account, runtime)


async def solo_kind(
    query: CallbackQuery, callback_data: kb.Kind, state: FSMContext, account: AccountView | None, runtime: Runtime
) -> None:
    """One applicant switches between a new passport and a replacement, on the calendar."""
    await query.answer()
    data = await state.get_data()
    if account is None or data.get("party") != [callback_data.applicant_id]:
        return
    kinds: dict[str, str] = data["kinds"]
    key = str(callback_data.applicant_id)
    kinds[key] = "replacement" if kinds.get(key, "new") == "new" else "new"
    await state.update_data(kinds=kinds)
    await _show_calendar(message_of(query), state, account, runtime, data["year"], data["month"])


async def month(
    query: CallbackQuery, callback_data: kb.Month, state: FSMContext, account: AccountView | None, runtime: Runtime
) -> None:
    """Another month."""
    await query.answer()
    if account is not None:
        await _show_calendar(message_of(query), state, account, runtime, callback_data.year, callback_data.month)


def _day_of(code: int) -> date:
    return date(code // 10000, code // 100 % 100, code % 100)


async def _show_slots(
    message: Message, state: FSMContext, runtime: Runtime, day: date, note: str = "", info: DayInfo | None = None
) -> bool:
    """The date's times with room for the party; False when none is left. `info`: the date, if just read."""
    data = await state.get_data()
    party = len(data["party"])
    if info is None:
        now = runtime.clock.now()
        office = await _office(runtime, data["office_id"])
        info = await calendar.day_view(runtime.reader(), data["office_code"], day, party=party, now=now, office=office)
    free = [s for s in info.free_slots(party) if s.open_at(runtime.clock.now())]
    if not free:
        return False
    buttons = [
        [
            InlineKeyboardButton(
                text=_("{start}–{end} · {n} left").format(
                    start=f"{s.start:%H:%M}", end=f"{s.end:%H:%M}", n=s.remaining
                ),
                callback_data=kb.SlotPick(slot_id=s.slot_id).pack(),
            )
        ]
        for s in free
    ]
    buttons.append([InlineKeyboardButton(text=_("◀ Other dates"), callback_data=kb.Back(to="calendar").pack())])
    await state.set_state(Booking.slot)
    await state.update_data(day=day.isoformat())
    text = _("{day}: choose your arrival time.").format(day=texts.long_date(day))
    await message.edit_text(
        (note + "\n\n" + text) if note else text, reply_markup=InlineKeyboardMarkup(inline_keyboard=buttons)
    )
    return True


async def day(
    query: CallbackQuery, callback_data: kb.Day, state: FSMContext, account: AccountView | None, runtime: Runtime
) -> None:
    """A date: its free times, or why it cannot be chosen."""
    chosen = _day_of(callback_data.yyyymmdd)
    data = await state.get_data()
    info = await calendar.day_view(
        runtime.reader(),
        data["office_code"],
        chosen,
        party=len(data["party"]),
        now=runtime.clock.now(),
        office=await _office(runtime, data["office_id"]),
    )
    if info.state is DayState.FREE and info.open_now:
        await query.answer()
        if await _show_slots(message_of(query), state, runtime, chosen, info=info) or account is None:
            return
        await _show_calendar(message_of(query), state, account, runtime, chosen.year, chosen.month)
        return
    await query.answer(texts.day_refusal(info, len(data["party"])), show_alert=True)


# --- holding, confirming, and the proof ---------------------------------------------------------------------


async def slot(
    query: CallbackQuery, callback_data: kb.SlotPick, state: FSMContext, account: AccountView | None, runtime: Runtime
) -> None:
    """Holds the places for a few minutes and shows what confirming means, before the tap."""
    if account is None:
        await query.answer()
        return
    data = await state.get_data()
    party: list[int] = data["party"]
    kinds = [data["kinds"].get(str(a), "new") for a in party]
    message = message_of(query)
    key = f"{message.chat.id}:{message.message_id}:{callback_data.slot_id}:{','.join(map(str, party))}"
    try:
        hold = await runtime.desk.hold(account.id, callback_data.slot_id, party, kinds, key[:64])
    except SlotFullWithChoices as err:
        day_ = date.fromisoformat(data["day"])
        note = _("Those places were just taken by someone else.")
        if err.alternatives and await _show_slots(message, state, runtime, day_, note):
            await query.answer()
        else:
            await query.answer(note, show_alert=True)
            await _show_calendar(message, state, account, runtime, day_.year, day_.month)
        return
    except DomainError as err:
        await query.answer(texts.explain(err), show_alert=True)
        return
    await query.answer()
    zone = ZoneInfo(data["tz"])
    names = {a.id: a.full_name for a in account.applicants}
    people = "\n".join(
        f"{i}. {names[a]} — {_kind_label(k)}" for i, (a, k) in enumerate(zip(party, kinds, strict=True), 1)
    )
    await state.set_state(Booking.summary)
    await state.update_data(booking_id=hold.booking_id)
    await message.edit_text(
        _(
            "Please check, then confirm:\n\n{office}\n{address}\n{day}, {start}–{end} {zone}\n\n{people}\n\n"
            "You can cancel until {last_cancel}. After this booking your account can book again from {frozen}, "
            "whether you come, miss it or cancel.\nThe places are held for you until {held} {zone}."
        ).format(
            office=data["office_name"],
            address=data["office_address"],
            day=texts.long_date(hold.day),
            start=f"{hold.start:%H:%M}",
            end=f"{hold.end:%H:%M}",
            zone=data["zone"],
            people=people,
            last_cancel=texts.long_date(hold.last_cancel_day),
            frozen=texts.long_date(hold.frozen_until.astimezone(zone).date()),
            held=f"{hold.held_until.astimezone(zone):%H:%M}",
        ),
        reply_markup=InlineKeyboardMarkup(
            inline_keyboard=[
                [
                    InlineKeyboardButton(
                        text=_("✅ Confirm booking"), callback_data=kb.Confirm(booking_id=hold.booking_id).pack()
                    )
                ],
                [InlineKeyboardButton(text=_("◀ Other times"), callback_data=kb.Back(to="slots").pack())],
            ]
        ),
    )


async def back(
    query: CallbackQuery, callback_data: kb.Back, state: FSMContext, account: AccountView | None, runtime: Runtime
) -> None:
    """Steps back; a held booking is let go at once, so its places return to others now."""
    await query.answer()
    data = await state.get_data()
    if account is not None and data.get("booking_id") and await state.get_state() == Booking.summary.state:
        await runtime.desk.release_hold(account.id, data["booking_id"])
        await state.update_data(booking_id=None)
    if account is None or "office_code" not in data:
        return
    if callback_data.to == "party":
        await state.set_state(Booking.party)
        await _show_party(message_of(query), state, account)
        return
    day_ = date.fromisoformat(data["day"]) if data.get("day") else None
    if callback_data.to == "slots" and day_ and await _show_slots(message_of(query), state, runtime, day_):
        return
    year, month_ = (day_.year, day_.month) if day_ else (data["year"], data["month"])
    await _show_calendar(message_of(query), state, account, runtime, year, month_)


async def confirm(
    query: CallbackQuery, callback_data: kb.Confirm, state: FSMContext, account: AccountView | None, runtime: Runtime
) -> None:
    """Books: the code in the chat, and the proof as a PDF document."""
    if account is None:
        await query.answer()
        return
    try:
        booked = await runtime.desk.confirm(account.id, callback_data.booking_id)
    except DomainError as err:
        await query.answer(texts.explain(err), show_alert=True)
        return
    await query.answer()
    await state.clear()
    if booked.replayed:
        return  # a double tap: the first tap already said everything
    message = message_of(query)
    await message.edit_text(
        _("Booked ✅\nBooking code: {code}\nShow the proof below (printed or on your phone) at the office.").format(
            code=format_booking_code(booked.code)
        ),
    )
    follow_up(send_proof(message, account, runtime, booked.booking_id))


async def send_proof(message: Message, account: AccountView, runtime: Runtime, booking_id: int) -> None:
    """Renders the proof off the event loop and sends it as a document."""
    lang = texts.locale()
    data = await proof_data(runtime.reader(), account.id, booking_id, lang)
    labels = texts.proof_labels()
    pdf = await render_proof_off_loop(
        data, labels, signing_key=runtime.vault.signing_key, workers=runtime.settings.proof_workers
    )
    name = f"bukti-{data.code}.pdf" if lang == "id" else f"proof-{data.code}.pdf"
    await message.answer_document(BufferedInputFile(pdf, filename=name))


async def typed_in_booking(message: Message, state: FSMContext) -> None:
    """Text in a step that wants a button: says so, and keeps the step."""
    await message.answer(_("Please use the buttons of the message above, or /cancel to stop."))


async def noop(query: CallbackQuery) -> None:
    await query.answer()


def router() -> Router:
    """A fresh router of this feature (a router belongs to one dispatcher)."""
    r = Router(name="booking")
    r.callback_query.register(begin, kb.Menu.filter(F.item == "book"))
    r.message.register(search, Booking.office, F.text)
    r.callback_query.register(browse, kb.Browse.filter())
    r.callback_query.register(province, kb.Province.filter())
    r.callback_query.register(office_chosen, kb.OfficePick.filter())
    r.callback_query.register(rebook, Booking.office, kb.Rebook.filter())
    r.callback_query.register(toggle_member, Booking.party, kb.Member.filter())
    r.callback_query.register(toggle_kind, Booking.party, kb.Kind.filter())
    r.callback_query.register(party_done, Booking.party, kb.PartyDone.filter())
    r.callback_query.register(solo_kind, Booking.calendar, kb.Kind.filter())
    r.callback_query.register(month, Booking.calendar, kb.Month.filter())
    r.callback_query.register(day, Booking.calendar, kb.Day.filter())
    r.callback_query.register(slot, Booking.slot, kb.SlotPick.filter())
    r.callback_query.register(back, kb.Back.filter())
    r.callback_query.register(confirm, Booking.summary, kb.Confirm.filter())
    r.callback_query.register(noop, kb.Noop.filter())
    r.message.register(typed_in_booking, Booking.party)
    r.message.register(typed_in_booking, Booking.calendar)
    r.message.register(typed_in_booking, Booking.slot)
    r.message.register(typed_in_booking, Booking.summary)
    return r
