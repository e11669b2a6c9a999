"""Quota-opening alerts through the stand-in: follow, list, stop; each office's opening at its own moment; a release
by hand at once; the proof through the outbox; Telegram's 403 and 429 as the sender meets them."""

from __future__ import annotations

import asyncio
from datetime import datetime
from typing import Any
from zoneinfo import ZoneInfo

from sqlalchemy import select

from core.crypto import Vault
from core.persistence.tables import outbox, subscriptions
from core.services import announcements, release
from tests.bot.conftest import BotWorld
from tests.bot.test_booking import USER as BOOKER
from tests.bot.test_booking import _ready, _to_summary
from tests.conftest import NEXT_MONDAY, SECRET
from tests.factories import add_office, register, release_days, sample_office

USER = 8600
JAKARTA = ZoneInfo("Asia/Jakarta")
JAYAPURA = ZoneInfo("Asia/Jayapura")


async def _messages_with(world: BotWorld, user: int, words: str, *, wait: float = 5.0) -> list[dict[str, object]]:
    """The bot's messages in a chat that hold `words`, once at least one arrived (the sender runs beside the bot)."""
    deadline = asyncio.get_running_loop().time() + wait
    while True:
        found = [m for m in await world.telegram.chat(user) if words in str(m.get("text", ""))]
        if found or asyncio.get_running_loop().time() > deadline:
            return found
        await asyncio.sleep(0.02)


async def _recorded(world: BotWorld) -> list[Any]:
    """The outbox's rows once none is left being sent: a message reaches the chat a moment before its row says so."""
    for _ in range(250):
        async with world.runtime.engine.connect() as conn:
            rows = list(await conn.execute(select(outbox.c.chat_id, outbox.c.state, outbox.c.message_id)))
        if rows and all(r.state not in ("pending", "sending") for r in rows):
            break
        await asyncio.sleep(0.02)
    return rows


async def test_an_applicant_follows_an_office_from_the_menu_sees_the_list_and_stops_with_one_tap(
    world: BotWorld,
) -> None:
    office = await add_office(world.runtime, sample_office())
    await register(world.runtime, Vault(SECRET), USER)
    await world.text(USER, "/menu")
    await world.tap(USER, "🔔 Pemberitahuan kuota", calls=2)
    assert "Dapatkan pesan saat kantor membuka kuota baru" in await world.last(USER)
    await world.tap(USER, "➕ Ikuti kantor", calls=2)
    await world.tap(USER, "Jakarta Selatan · Kanim Uji TST", calls=2)
    listing = await world.last(USER)
    assert "Anda mendapat pesan saat kuota dibuka di:\n• Kantor Imigrasi Uji TST" in listing
    assert await announcements.subscriber_count(world.runtime.reader(), office.id or 0) == 1
    await world.tap(USER, "🔕 Kantor Imigrasi Uji TST", calls=2)
    assert "Dapatkan pesan" in await world.last(USER)
    assert await announcements.subscriber_count(world.runtime.reader(), office.id or 0) == 0
    assert world.errors == []


async def test_a_typed_city_finds_the_office_to_follow(world: BotWorld) -> None:
    await add_office(world.runtime, sample_office())
    await register(world.runtime, Vault(SECRET), USER)
    await world.text(USER, "/menu")
    await world.tap(USER, "🔔 Pemberitahuan kuota", calls=2)
    await world.tap(USER, "➕ Ikuti kantor", calls=2)
    await world.text(USER, "jakarta")
    assert "Kantor mana yang pembukaan kuotanya ingin Anda ketahui?" in await world.last(USER)
    await world.tap(USER, "Jakarta Selatan · Kanim Uji TST", calls=2)
    assert "• Kantor Imigrasi Uji TST" in await world.last(USER)


async def test_a_date_not_released_yet_points_to_the_calendars_bell_which_follows_the_office(world: BotWorld) -> None:
    office = await add_office(world.runtime, sample_office())
    await release_days(world.runtime, office, [NEXT_MONDAY])
    await register(world.runtime, Vault(SECRET), USER)
    await world.text(USER, "/menu")
    await world.tap(USER, "📅 Pesan antrean", calls=2)
    await world.tap(USER, "Jakarta Selatan · Kanim Uji TST", calls=2)
    await world.tap(USER, "▶", calls=2)
    query = await world.telegram.user_taps_button(USER, "1⏳")  # Tuesday 1 December: the next window's
    await world.telegram.wait_for_bot(USER)
    alert = await world.telegram.answered(query)
    assert alert is not None and "Ketuk 🔔 di bawah kalender" in alert["text"]
    query = await world.telegram.user_taps_button(USER, "🔔 Beri tahu saya saat kuota dibuka")
    await world.telegram.wait_for_bot(USER)
    alert = await world.telegram.answered(query)
    assert alert is not None and "Anda akan mendapat pesan saat Kantor Imigrasi Uji TST membuka kuota" in alert["text"]
    assert await announcements.subscriber_count(world.runtime.reader(), office.id or 0) == 1


async def test_each_office_announces_its_weekly_opening_at_its_own_moment_a_notice_ahead_then_the_alert(
    world: BotWorld,
) -> None:
    wib = await add_office(world.runtime, sample_office("WIB"))
    wit = await add_office(world.runtime, sample_office("WIT", zone="Asia/Jayapura"))
    for user, office in ((8601, wib), (8602, wit)):
        await register(world.runtime, Vault(SECRET), user)
        await world.text(user, "/menu")  # a chat Telegram knows
        await announcements.subscribe(world.runtime.uow(), user, office.id or 0, "id", world.clock.now())
    # Thursday 3 December: next Friday's windows are scheduled, with their announcements.
    world.clock.set(datetime(2026, 12, 3, 9, 0, tzinfo=JAKARTA))
    await release.schedule_weekly_release(world.runtime.uow(), world.clock.now())
    await asyncio.sleep(0.2)
    assert [m for u in (8601, 8602) for m in await world.telegram.chat(u) if "kuota" in str(m.get("text"))] == []

    world.clock.set(datetime(2026, 12, 4, 13, 31, tzinfo=JAYAPURA))  # 11:31 WIB
    soon = await _messages_with(world, 8602, "kuota baru dibuka")
    assert len(soon) == 1 and "Jum 4 Des 14:00 WIT" in str(soon[0]["text"])
    assert await _messages_with(world, 8601, "kuota", wait=0.3) == []

    world.clock.set(datetime(2026, 12, 4, 14, 0, tzinfo=JAYAPURA))
    opened = await _messages_with(world, 8602, "telah membuka kuota")
    assert len(opened) == 1 and "Sen 7 Des" in str(opened[0]["text"])
    assert await _messages_with(world, 8601, "kuota", wait=0.3) == []

    world.clock.set(datetime(2026, 12, 4, 13, 31, tzinfo=JAKARTA))
    assert len(await _messages_with(world, 8601, "kuota baru dibuka")) == 1
    world.clock.set(datetime(2026, 12, 4, 14, 0, tzinfo=JAKARTA))
    assert len(await _messages_with(world, 8601, "telah membuka kuota")) == 1
    await asyncio.sleep(0.2)
    for user in (8601, 8602):  # each heard of its own office once, and of nothing else
        texts_ = [str(m.get("text")) for m in await world.telegram.chat(user)]
        assert sum("kuota baru dibuka" in t for t in texts_) == 1
        assert sum("telah membuka kuota" in t for t in texts_) == 1

    # The alert's button books at that office, on the first date opened.
    await world.tap(8602, "📅 Pesan untuk Sen 7 Des", calls=2)
    assert "Senin, 7 Desember 2026: pilih jam kedatangan (WIT)." in await world.last(8602)
    assert world.errors == []


async def test_a_release_by_hand_alerts_the_offices_subscribers_at_once_and_nobody_else(world: BotWorld) -> None:
    office = await add_office(world.runtime, sample_office())
    other = await add_office(world.runtime, sample_office("OTH"))
    await register(world.runtime, Vault(SECRET), USER)
    await world.text(USER, "/menu")  # a chat Telegram knows
    await announcements.subscribe(world.runtime.uow(), USER, office.id or 0, "id", world.clock.now())
    await announcements.subscribe(world.runtime.uow(), USER + 1, other.id or 0, "en", world.clock.now())
    await world.telegram.user_sends_text(USER + 1, "hi")
    await release_days(world.runtime, office, [NEXT_MONDAY])
    opened = await _messages_with(world, USER, "telah membuka kuota untuk Sen 30 Nov")
    assert len(opened) == 1
    assert await _messages_with(world, USER + 1, "quota", wait=0.3) == []


async def test_a_chat_that_blocked_the_bot_is_marked_and_skipped_and_a_429_is_waited_out_without_a_failure(
    world: BotWorld,
) -> None:
    office = await add_office(world.runtime, sample_office())
    for user in (8701, 8702, 8703):
        await world.text(user, "halo")  # and the bot's answer is out: the 429 below is the sender's to meet
        await announcements.subscribe(world.runtime.uow(), user, office.id or 0, "id", world.clock.now())
    await world.telegram.user_blocks_bot(8702)
    world.telegram.flood(retry_after=1, times=1, method="sendMessage")
    await release_days(world.runtime, office, [NEXT_MONDAY])
    for user in (8701, 8703):
        assert len(await _messages_with(world, user, "telah membuka kuota")) == 1
    states = {r.chat_id: r.state for r in await _recorded(world)}
    async with world.runtime.engine.connect() as conn:
        blocked = (
            await conn.execute(select(subscriptions.c.blocked_at).where(subscriptions.c.chat_id == 8702))
        ).scalar()
    assert states == {8701: "sent", 8702: "blocked", 8703: "sent"}
    assert blocked is not None
    assert world.sender is not None and world.sender.stats.throttled == 1 and world.sender.stats.failed == 0
    # A blocked chat is not written to again; following again makes it reachable.
    assert await announcements.subscriber_count(world.runtime.reader(), office.id or 0) == 2


async def test_the_outbox_row_of_a_proof_is_written_with_the_booking_and_sent_by_the_sender(world: BotWorld) -> None:
    await _ready(world)
    await _to_summary(world)
    await world.tap(BOOKER, "✅ Konfirmasi pesanan", calls=3)
    rows = await _recorded(world)
    assert len(rows) == 1 and rows[0].state == "sent" and rows[0].message_id is not None
