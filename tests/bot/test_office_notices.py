"""What offices tell applicants through the outbox: a closure of their date, the reminder the day before, and the
staff's own broadcasts.

Through the stand-in, the real aiogram stack and the worker's sender beside the bot, on a SQLite file.
"""

from __future__ import annotations

import asyncio
from datetime import datetime, time, timedelta
from zoneinfo import ZoneInfo

from sqlalchemy import select

from core.crypto import Vault
from core.domain.booking import ApplicationType, BookingStatus
from core.persistence.tables import accounts
from core.services import announcements, audit, broadcasts, calendar, my_bookings, quota
from core.services.broadcasts import Audience, Draft
from tests.bot.conftest import BotWorld
from tests.bot.test_alerts import _messages_with
from tests.bot.test_booking import USER, _ready, _to_summary
from tests.conftest import NEXT_MONDAY, SECRET
from tests.factories import add_office, register, release_days, sample_office, slot_ids

JAKARTA = ZoneInfo("Asia/Jakarta")
JAYAPURA = ZoneInfo("Asia/Jayapura")
TUESDAY = NEXT_MONDAY + timedelta(days=1)


async def _booked(world: BotWorld) -> int:
    """The family of USER books Monday 08:00 through the chat; the booking's id."""
    await _ready(world)
    await _to_summary(world)
    await world.tap(USER, "✅ Konfirmasi pesanan", calls=3)
    account = await register_lookup(world)
    (booking,) = await my_bookings.my_bookings(world.runtime.reader(), account, world.clock.now())
    return booking.booking_id


async def register_lookup(world: BotWorld) -> int:
    async with world.runtime.engine.connect() as conn:
        return int((await conn.execute(select(accounts.c.id).where(accounts.c.telegram_user_id == USER))).scalar_one())


async def _frozen_until(world: BotWorld) -> datetime | None:
    async with world.runtime.engine.connect() as conn:
        query = select(accounts.c.frozen_until).where(accounts.c.telegram_user_id == USER)
        value: datetime | None = (await conn.execute(query)).scalar_one()
        return value


async def test_closing_a_booked_date_cancels_tells_the_owner_why_waives_the_wait_and_the_family_books_again(
    world: BotWorld,
) -> None:
    booking_id = await _booked(world)
    office = await world.runtime.directory.by_id(1)
    assert office is not None and office.code == "TST"
    await release_days(world.runtime, office, [TUESDAY])
    assert await _frozen_until(world) is not None  # the booking froze the account for 30 days after Monday

    closed = await quota.close_date(
        world.runtime.uow(), "TST", NEXT_MONDAY, "banjir", world.clock.now(), cancel_bookings=True
    )
    assert len(closed.cancelled) == 1 and closed.applicants == 2

    (notice,) = await _messages_with(world, USER, "tutup pada")
    assert "⛔ Kantor Imigrasi Uji TST tutup pada Senin, 30 November 2026: banjir." in str(notice["text"])
    assert "dibatalkan oleh kantor" in str(notice["text"]) and "Masa tunggu 30 hari tidak berlaku" in str(
        notice["text"]
    )
    # The places are gone, not given back to others; the date is grey with the reason.
    day = await calendar.day_view(world.runtime.reader(), "TST", NEXT_MONDAY, party=1, now=world.clock.now())
    assert day.closure is not None and day.closure.name == "banjir"
    assert all(s.capacity == 0 and s.taken == 0 for s in day.slots)
    account = await register_lookup(world)
    (cancelled,) = await my_bookings.my_bookings(world.runtime.reader(), account, world.clock.now())
    assert cancelled.status is BookingStatus.CANCELLED and cancelled.cancelled_by_office
    assert await _frozen_until(world) is None  # the wait is waived
    (entry,) = [e for e in await audit.recent(world.runtime.reader()) if e.action == "date_closed"]
    assert entry.reason == "banjir" and entry.after["cancelled"] == [cancelled.code]

    # The notice's button: the same two people at the same office, straight to the calendar; they book Tuesday.
    await world.tap(USER, "📅 Pesan lagi (👤 2)", calls=2)
    assert "PEMOHON LVT (paspor baru), ANGGOTA KELUARGA A (penggantian)" in await world.last(USER)
    assert "tutup pada" in str((await world.telegram.chat(USER))[-2].get("text"))  # the notice stays above it
    await world.tap(USER, "1✅", calls=2)
    await world.tap(USER, "08:00–09:00 · sisa 10", calls=2)
    await world.tap(USER, "✅ Konfirmasi pesanan", calls=3)
    assert "Pesanan berhasil ✅" in " ".join(str(m.get("text")) for m in await world.telegram.chat(USER))
    again = [b for b in await my_bookings.my_bookings(world.runtime.reader(), account, world.clock.now())]
    assert [(b.day, b.status, b.party_size) for b in again] == [
        (TUESDAY, BookingStatus.CONFIRMED, 2),
        (NEXT_MONDAY, BookingStatus.CANCELLED, 2),
    ]
    assert booking_id == cancelled.booking_id
    assert world.errors == []


async def test_a_booked_date_is_not_closed_without_consent_or_a_reason(world: BotWorld) -> None:
    await _booked(world)
    now = world.clock.now()
    try:
        await quota.close_date(world.runtime.uow(), "TST", NEXT_MONDAY, "banjir", now)
    except quota.DateHasBookings as err:
        assert err.taken == 2
    else:
        raise AssertionError("closed without consent")
    try:
        await quota.close_date(world.runtime.uow(), "TST", NEXT_MONDAY, " ", now, cancel_bookings=True)
    except quota.ClosureNeedsReason:
        pass
    else:
        raise AssertionError("closed without a reason")
    account = await register_lookup(world)
    (standing,) = await my_bookings.my_bookings(world.runtime.reader(), account, now)
    assert standing.status is BookingStatus.CONFIRMED
    await asyncio.sleep(0.2)
    assert await _messages_with(world, USER, "tutup pada", wait=0.1) == []


async def test_the_day_before_each_owner_gets_a_reminder_with_the_proof_at_ten_in_the_offices_own_zone(
    world: BotWorld,
) -> None:
    await _booked(world)  # Monday 30 November at TST (WIB), by the chat
    wit = await add_office(world.runtime, sample_office("WIT", zone="Asia/Jayapura"))
    await release_days(world.runtime, wit, [NEXT_MONDAY])
    papua = 8801
    await world.text(papua, "/start")  # a chat Telegram knows
    owner = await register(world.runtime, Vault(SECRET), papua)
    first = (await slot_ids(world.runtime, wit, NEXT_MONDAY))[0]
    hold = await world.runtime.desk.hold(owner.id, first, [owner.applicants[0].id], [ApplicationType.NEW], "k1")
    await world.runtime.desk.confirm(owner.id, hold.booking_id)

    def reminders(chat: list[dict[str, object]]) -> list[dict[str, object]]:
        return [m for m in chat if "Besok" in str(m.get("caption", ""))]

    world.clock.set(datetime.combine(NEXT_MONDAY - timedelta(days=1), time(9, 59), JAYAPURA))
    await asyncio.sleep(0.3)
    assert reminders(await world.telegram.chat(papua)) == []
    world.clock.set(datetime.combine(NEXT_MONDAY - timedelta(days=1), time(10, 0), JAYAPURA))  # 08:00 WIB
    for _ in range(100):
        if reminders(await world.telegram.chat(papua)):
            break
        await asyncio.sleep(0.05)
    (papua_reminder,) = reminders(await world.telegram.chat(papua))
    caption = str(papua_reminder["caption"])
    assert "⏰ Besok, Senin, 30 November 2026, 08:00–09:00 WIT" in caption
    assert "Kantor Imigrasi Uji WIT" in caption and "Yang harus dibawa (asli)" in caption
    assert "document" in papua_reminder
    assert reminders(await world.telegram.chat(USER)) == []  # 08:00 in Jakarta: not yet

    world.clock.set(datetime.combine(NEXT_MONDAY - timedelta(days=1), time(10, 0), JAKARTA))
    for _ in range(100):
        if reminders(await world.telegram.chat(USER)):
            break
        await asyncio.sleep(0.05)
    (reminder,) = reminders(await world.telegram.chat(USER))
    assert "⏰ Besok, Senin, 30 November 2026, 08:00–09:00 WIB" in str(reminder["caption"])
    assert "ANGGOTA KELUARGA A: akta kelahiran" in str(reminder["caption"])  # what each one brings
    await asyncio.sleep(0.3)
    assert (
        len(reminders(await world.telegram.chat(USER))) == 1 and len(reminders(await world.telegram.chat(papua))) == 1
    )
    assert world.errors == []


async def test_a_staff_broadcast_reaches_each_subscriber_in_the_language_it_reads(world: BotWorld) -> None:
    office = await add_office(world.runtime, sample_office())
    for user, language in ((8901, "id"), (8902, "en")):
        await world.telegram.user_sends_text(user, "halo")
        await announcements.subscribe(world.runtime.uow(), user, office.id or 0, language, world.clock.now())
    draft = Draft(
        "TST", Audience.SUBSCRIBERS, "Sabtu ini layanan paspor buka 08:00.", "This Saturday: open from 08:00."
    )
    sent = await broadcasts.send(world.runtime.uow(), draft, world.clock.now())
    (indonesian,) = await _messages_with(world, 8901, "📢")
    (english,) = await _messages_with(world, 8902, "📢")
    assert indonesian["text"] == "📢 Kantor Imigrasi Uji TST\n\nSabtu ini layanan paspor buka 08:00."
    assert english["text"] == "📢 Kantor Imigrasi Uji TST\n\nThis Saturday: open from 08:00."
    for _ in range(100):
        done = await broadcasts.progress(world.runtime.reader(), sent.id)
        if done.finished:
            break
        await asyncio.sleep(0.05)
    assert (done.sent, done.pending, done.percent) == (2, 0, 100)
