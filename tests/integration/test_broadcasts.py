"""Staff broadcasts on SQLite and PostgreSQL: who gets them, their progress, pause, resume and cancel, and who may."""

from __future__ import annotations

import pytest
from sqlalchemy import select

from core.crypto import Passwords, Vault
from core.domain.announcements import RowState
from core.domain.booking import ApplicationType
from core.domain.staff import NotAllowed, Role, StaffMember
from core.persistence.tables import outbox
from core.runtime import Runtime
from core.services import announcements, audit, broadcasts, staff
from core.services.broadcasts import Audience, Draft
from tests.conftest import NEXT_MONDAY
from tests.factories import add_office, register, release_days, sample_office, slot_ids


async def _member(rt: Runtime, role: Role, *offices: str, name: str) -> StaffMember:
    return await staff.create_staff(
        rt.uow(), Passwords(time_cost=1, memory_kib=8192), username=name, display_name=name.title(),
        password="kata-sandi-panjang", role=role, office_codes=list(offices), now=rt.clock.now(),
    )  # fmt: skip


async def _rows(rt: Runtime, broadcast_id: int) -> dict[int, str]:
    async with rt.engine.connect() as conn:
        found = await conn.execute(
            select(outbox.c.chat_id, outbox.c.state).where(outbox.c.announcement_id == broadcast_id)
        )
        return {r.chat_id: r.state for r in found}


async def test_a_broadcast_reaches_the_offices_reachable_subscribers_and_can_be_paused_resumed_and_cancelled(
    runtime: Runtime,
) -> None:
    tst = await add_office(runtime, sample_office("TST"))
    oth = await add_office(runtime, sample_office("OTH"))
    now = runtime.clock.now()
    for chat in (101, 102, 103):
        await announcements.subscribe(runtime.uow(), chat, tst.id or 0, "id", now)
    await announcements.subscribe(runtime.uow(), 104, oth.id or 0, "id", now)
    officer = await _member(runtime, Role.OFFICE, "TST", name="kantor")

    draft = Draft("tst", Audience.SUBSCRIBERS, "  Layanan Sabtu dibuka.  ", "Saturday service is open.")
    assert await broadcasts.audience_size(runtime.reader(), draft, officer) == 3
    sent = await broadcasts.send(runtime.uow(), draft, now, officer)
    assert (sent.total, sent.pending, sent.sent, sent.percent) == (3, 3, 0, 0)
    assert sent.text_id == "Layanan Sabtu dibuka." and sent.office.code == "TST"
    assert await _rows(runtime, sent.id) == {101: "pending", 102: "pending", 103: "pending"}

    paused = await broadcasts.control(runtime.uow(), sent.id, "pause", now, officer)
    assert paused.state == "paused" and paused.pending == 3
    assert set((await _rows(runtime, sent.id)).values()) == {RowState.PAUSED.value}
    resumed = await broadcasts.control(runtime.uow(), sent.id, "resume", now, officer)
    assert resumed.state == "sending" and set((await _rows(runtime, sent.id)).values()) == {"pending"}
    cancelled = await broadcasts.control(runtime.uow(), sent.id, "cancel", now, officer)
    assert (cancelled.state, cancelled.cancelled, cancelled.pending, cancelled.percent) == ("cancelled", 3, 0, 100)
    again = await broadcasts.control(runtime.uow(), sent.id, "resume", now, officer)  # cancelling is final
    assert again.state == "cancelled" and again.pending == 0

    actions = [e.action for e in await audit.recent(runtime.reader())]
    assert actions[:4] == ["broadcast_cancelled", "broadcast_resumed", "broadcast_paused", "broadcast_sent"]
    assert [p.id for p in await broadcasts.recent(runtime.reader(), officer)] == [sent.id]


async def test_a_broadcast_to_a_date_reaches_the_owners_of_its_confirmed_bookings_only(runtime: Runtime) -> None:
    office = await add_office(runtime, sample_office())
    await release_days(runtime, office, [NEXT_MONDAY])
    vault = Vault("test-secret-0123456789abcdef")
    first = (await slot_ids(runtime, office, NEXT_MONDAY))[0]
    for user in (201, 202):
        account = await register(runtime, vault, user)
        hold = await runtime.desk.hold(account.id, first, [account.applicants[0].id], [ApplicationType.NEW], "k")
        if user == 201:
            await runtime.desk.confirm(account.id, hold.booking_id)  # 202 only holds: not booked
    draft = Draft("TST", Audience.BOOKED, "Bawa fotokopi KK.", day=NEXT_MONDAY)
    sent = await broadcasts.send(runtime.uow(), draft, runtime.clock.now())
    assert await _rows(runtime, sent.id) == {201: "pending"}
    assert sent.day == NEXT_MONDAY and sent.audience is Audience.BOOKED


async def test_only_staff_of_the_office_may_broadcast_and_see_its_broadcasts(runtime: Runtime) -> None:
    await add_office(runtime, sample_office("TST"))
    await add_office(runtime, sample_office("OTH"))
    other = await _member(runtime, Role.OFFICE, "OTH", name="lain")
    counter = await _member(runtime, Role.COUNTER, "TST", name="loket")
    draft = Draft("TST", Audience.SUBSCRIBERS, "Halo")
    for who in (other, counter):
        with pytest.raises(NotAllowed):
            await broadcasts.send(runtime.uow(), draft, runtime.clock.now(), who)
    sent = await broadcasts.send(runtime.uow(), draft, runtime.clock.now())  # the command line on the server
    with pytest.raises(broadcasts.NoSuchBroadcast):
        await broadcasts.progress(runtime.reader(), sent.id, other)
    assert await broadcasts.recent(runtime.reader(), other) == []


@pytest.mark.parametrize(
    ("draft", "error"),
    [
        (Draft("TST", Audience.SUBSCRIBERS, "   "), broadcasts.BroadcastText),
        (Draft("TST", Audience.SUBSCRIBERS, "x" * (broadcasts.MAX_TEXT + 1)), broadcasts.BroadcastText),
        (Draft("TST", Audience.SUBSCRIBERS, "ok", "y" * (broadcasts.MAX_TEXT + 1)), broadcasts.BroadcastText),
        (Draft("TST", Audience.BOOKED, "ok"), broadcasts.BroadcastNeedsDay),
    ],
)
async def test_a_broadcast_without_indonesian_text_too_long_or_without_its_date_is_refused_and_nothing_written(
    runtime: Runtime, draft: Draft, error: type[Exception]
) -> None:
    await add_office(runtime, sample_office("TST"))
    with pytest.raises(error):
        await broadcasts.send(runtime.uow(), draft, runtime.clock.now())
    assert await broadcasts.recent(runtime.reader(), await _member(runtime, Role.ADMIN, name="admin")) == []
