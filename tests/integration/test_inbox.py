"""The webhook's inbox on both databases: repeats recognised, each chat's updates one at a time and in order, a dead
worker's updates taken again after its lease, and a pump that hands updates over and marks them handled."""

from __future__ import annotations

import asyncio
import json
import shutil
import sqlite3
from pathlib import Path
from typing import Any, cast

import pytest

from core.persistence.inbox import _OLDEST, _TAKE, MAX_TAKES, Arrival, Inbox, SqliteInbox, Taken, chat_of
from core.runtime import Runtime
from core.services.inbox import InboxPump, Intake, Kept


def message(update_id: int, chat: int, text: str = "halo") -> dict[str, Any]:
    return {
        "update_id": update_id,
        "message": {"message_id": update_id, "date": 0, "text": text, "chat": {"id": chat, "type": "private"},
                    "from": {"id": chat, "is_bot": False, "first_name": "A"}},
    }  # fmt: skip


def arrival(update_id: int, chat: int, at: float = 1000.0) -> Arrival:
    return Arrival.of(message(update_id, chat), at)


@pytest.fixture
def inbox(runtime: Runtime) -> Inbox:
    """The runtime's: on SQLite, on the ledger's own connection; on PostgreSQL, statements of its own."""
    if "sqlite" in runtime.settings.database_url:
        assert isinstance(runtime.inbox, SqliteInbox)
    return runtime.inbox


def ids(taken: list[Taken]) -> list[int]:
    return [t.update_id for t in taken]


class Counted:
    """The inbox, with each of its transactions written down (how many rows a write kept, what a turn marked)."""

    def __init__(self, inbox: Inbox) -> None:
        self.inbox = inbox
        self.writes: list[int] = []
        self.marked: list[list[int]] = []

    async def put(self, arrivals: list[Arrival]) -> tuple[set[int], set[int]]:
        self.writes.append(len(arrivals))
        return await self.inbox.put(arrivals)

    async def take(self, me: str, limit: int, now: float, lease: float, **turn: Any) -> Any:
        if turn.get("handled"):
            self.marked.append(sorted(turn["handled"]))
        return await self.inbox.take(me, limit, now, lease, **turn)

    def __getattr__(self, name: str) -> Any:
        return getattr(self.inbox, name)


def test_the_chat_of_an_update_is_its_messages_chat_or_the_tapping_users() -> None:
    tap = {"update_id": 2, "callback_query": {"id": "q", "from": {"id": 77}, "data": "x",
           "message": {"message_id": 1, "date": 0, "chat": {"id": 55, "type": "private"}}}}  # fmt: skip
    old_tap = {"update_id": 3, "callback_query": {"id": "q", "from": {"id": 77}, "data": "x"}}
    assert chat_of(message(1, 42)) == 42
    assert chat_of(tap) == 55
    assert chat_of(old_tap) == 77
    assert chat_of({"update_id": 4, "poll": {"id": "p"}}) == 0


def test_a_workers_turn_on_sqlite_walks_the_waiting_updates_in_order_and_sorts_none(
    sqlite_template: Path, tmp_path: Path
) -> None:
    """Through the index of handled updates, a turn read every waiting update and sorted them: in a rush's backlog
    of thousands, that was a quarter of the worker's processor."""
    shutil.copy(sqlite_template, path := tmp_path / "antrean.sqlite3")
    with sqlite3.connect(path) as db:
        for statement, arguments in ((_TAKE, ("w", 2.0, 1.0, 50)), (_OLDEST, ())):
            plan = " / ".join(row[3] for row in db.execute("EXPLAIN QUERY PLAN " + statement, arguments))
            assert "ix_inbox_waiting" in plan, plan
            assert "TEMP B-TREE" not in plan, plan


async def test_an_update_delivered_again_is_recognised_and_kept_once(inbox: Inbox) -> None:
    assert await inbox.put([arrival(1, 10), arrival(2, 11)]) == ({1, 2}, set())
    assert await inbox.put([arrival(2, 11), arrival(3, 12)]) == ({3}, set())
    got = await inbox.take("w1", 10, 1000.0, 30.0)
    assert ids(got.taken) == [1, 2, 3]
    await inbox.take("w1", 0, 1001.0, 30.0, handled=[1, 2, 3])
    assert await inbox.put([arrival(2, 11)]) == (set(), set())  # handled, and still recognised
    assert ids((await inbox.take("w1", 10, 1002.0, 30.0)).taken) == []


async def test_a_chats_next_update_waits_until_the_one_before_is_handled_whoever_holds_it(inbox: Inbox) -> None:
    await inbox.put([arrival(1, 10), arrival(2, 10), arrival(3, 11), arrival(4, 10)])
    first = await inbox.take("w1", 10, 1000.0, 30.0)
    assert ids(first.taken) == [1, 3]  # one update of each chat at a time
    assert ids((await inbox.take("w2", 10, 1000.1, 30.0)).taken) == []  # nothing free for another worker
    await inbox.take("w1", 0, 1000.2, 30.0, handled=[1])
    assert ids((await inbox.take("w2", 10, 1000.3, 30.0)).taken) == [2]
    await inbox.take("w2", 0, 1000.4, 30.0, handled=[2])
    assert ids((await inbox.take("w1", 10, 1000.5, 30.0)).taken) == [4]


async def test_a_dead_workers_updates_are_taken_by_another_when_its_lease_runs_out(inbox: Inbox) -> None:
    await inbox.put([arrival(1, 10), arrival(2, 10)])
    assert ids((await inbox.take("dead", 10, 1000.0, 5.0)).taken) == [1]
    assert ids((await inbox.take("alive", 10, 1004.0, 5.0)).taken) == []  # the lease still runs
    again = (await inbox.take("alive", 10, 1005.5, 5.0)).taken
    assert ids(again) == [1] and again[0].takes == 2  # taken again, and it says so


async def test_a_live_worker_renewing_its_lease_keeps_its_updates(inbox: Inbox) -> None:
    await inbox.put([arrival(1, 10)])
    await inbox.take("slow", 10, 1000.0, 5.0)
    await inbox.take("slow", 0, 1004.0, 5.0, holding=[1])  # renewed until 1009
    assert ids((await inbox.take("other", 10, 1008.0, 5.0)).taken) == []


async def test_an_update_that_took_its_worker_down_every_time_is_put_aside(inbox: Inbox) -> None:
    await inbox.put([arrival(1, 10), arrival(2, 10)])
    now = 1000.0
    for _ in range(MAX_TAKES):
        assert ids((await inbox.take("w", 10, now, 1.0)).taken) == [1]
        now += 2.0  # each worker died holding it
    assert ids((await inbox.take("w", 10, now, 1.0)).taken) == [2]  # the chat goes on without it


async def test_updates_let_go_by_a_stopping_worker_are_free_at_once(inbox: Inbox) -> None:
    await inbox.put([arrival(1, 10)])
    await inbox.take("stopping", 10, 1000.0, 30.0)
    await inbox.let_go("stopping", [1])
    got = (await inbox.take("other", 10, 1000.1, 30.0)).taken
    assert ids(got) == [1] and got[0].takes == 1  # not counted as a death


async def test_a_round_that_fills_its_turns_says_since_when_updates_wait(inbox: Inbox) -> None:
    await inbox.put([arrival(1, 10, at=990.0), arrival(2, 11, at=995.0), arrival(3, 12, at=996.0)])
    full = await inbox.take("w", 2, 1000.0, 30.0)
    assert ids(full.taken) == [1, 2] and full.waiting_since == 996.0
    assert (await inbox.take("w", 5, 1000.0, 30.0)).waiting_since is None  # took all there was


async def test_handled_updates_are_forgotten_after_a_day_and_the_pending_never(inbox: Inbox) -> None:
    await inbox.put([arrival(1, 10), arrival(2, 11)])
    await inbox.take("w", 1, 1000.0, 30.0)
    await inbox.take("w", 0, 1000.0, 30.0, handled=[1])
    assert await inbox.depth() == 1
    assert await inbox.forget_handled(before=1000.0 + 86_400) == 1
    assert await inbox.depth() == 1  # update 2 waits still


async def test_updates_arriving_together_are_kept_in_one_go_and_repeats_are_not_new(inbox: Inbox) -> None:
    intake = Intake(inbox)
    results = await asyncio.gather(*(intake.keep(arrival(i, 10 + i)) for i in (1, 2, 2, 3)))
    assert [r.new for r in results] == [True, True, False, True]
    assert (await intake.keep(arrival(3, 13))).new is False


@pytest.mark.parametrize(("gather", "one_write"), [(0.5, True), (0.0, False)])
async def test_updates_sent_a_few_milliseconds_apart_share_one_write(
    inbox: Inbox, gather: float, one_write: bool
) -> None:
    counted = Counted(inbox)
    intake = Intake(cast(Inbox, counted), gather=gather)

    async def sent(update_id: int) -> Kept:
        await asyncio.sleep(update_id * 0.04)  # each by its own POST, as Telegram sends a rush
        return await intake.keep(arrival(update_id, 10 + update_id))

    results = await asyncio.gather(*(sent(i) for i in range(1, 6)))
    assert all(r.new for r in results)
    assert (counted.writes == [5]) is one_write  # without the wait, nearly a transaction each


async def test_updates_finishing_together_are_marked_handled_in_one_turn(inbox: Inbox) -> None:
    counted = Counted(inbox)

    async def handle(taken: Taken) -> None:
        await asyncio.sleep(0.01 + taken.update_id * 0.002)  # they finish a few milliseconds apart

    pump = InboxPump(cast(Inbox, counted), handle, in_flight=8, lease=30.0, poll=0.05, gap=0.2)
    await inbox.put([arrival(i, 10 + i) for i in range(1, 6)])
    pump.start()
    pump.wake()
    for _ in range(100):
        if await inbox.depth() == 0:
            break
        await asyncio.sleep(0.05)
    await pump.stop()
    assert counted.marked == [[1, 2, 3, 4, 5]]


async def test_a_tap_sent_again_after_its_answer_at_once_was_lost_says_so(inbox: Inbox) -> None:
    intake = Intake(inbox)
    tap = Arrival.of(message(1, 10), 1000.0, answered=True)  # the webhook's reply answered it: that reply was lost
    assert await intake.keep(tap) == Kept(True, False)
    assert await intake.keep(Arrival.of(message(1, 10), 1001.0)) == Kept(False, True)  # so Telegram sent it again
    assert await intake.keep(arrival(2, 11)) == Kept(True, False)
    assert await intake.keep(arrival(2, 11)) == Kept(False, False)


async def test_the_pump_hands_each_chats_updates_over_in_order_and_marks_them_handled(inbox: Inbox) -> None:
    seen: list[tuple[int, str]] = []

    async def handle(taken: Taken) -> None:
        update = json.loads(taken.body)
        await asyncio.sleep(0.01 if update["message"]["text"] == "slow" else 0)
        seen.append((update["message"]["chat"]["id"], update["message"]["text"]))

    pump = InboxPump(inbox, handle, in_flight=4, lease=30.0, poll=0.05)
    intake = Intake(inbox, kept=pump.wake)
    pump.start()
    for i, (chat, text) in enumerate([(1, "slow"), (1, "b"), (2, "slow"), (1, "c"), (2, "d")], start=1):
        await intake.keep(Arrival.of(message(i, chat, text), 1000.0))
    for _ in range(200):
        if len(seen) == 5:
            break
        await asyncio.sleep(0.02)
    await pump.stop()
    assert [t for c, t in seen if c == 1] == ["slow", "b", "c"]
    assert [t for c, t in seen if c == 2] == ["slow", "d"]
    assert await inbox.depth() == 0


async def test_a_handler_that_fails_does_not_stop_its_chat(inbox: Inbox) -> None:
    seen: list[int] = []

    async def handle(taken: Taken) -> None:
        if taken.update_id == 1:
            raise RuntimeError("a handler's bug")
        seen.append(taken.update_id)

    pump = InboxPump(inbox, handle, in_flight=2, lease=30.0, poll=0.05)
    pump.start()
    await inbox.put([arrival(1, 10), arrival(2, 10)])
    pump.wake()
    for _ in range(200):
        if seen:
            break
        await asyncio.sleep(0.02)
    await pump.stop()
    assert seen == [2] and await inbox.depth() == 0  # the failed update is not tried again


async def test_a_stopping_pump_finishes_what_it_holds_and_gives_back_what_it_could_not(inbox: Inbox) -> None:
    started = asyncio.Event()

    async def handle(taken: Taken) -> None:
        started.set()
        await asyncio.sleep(10)

    pump = InboxPump(inbox, handle, in_flight=2, lease=30.0, poll=0.05, me="stopping")
    pump.start()
    await inbox.put([arrival(1, 10)])
    pump.wake()
    await asyncio.wait_for(started.wait(), 5)
    await pump.stop(timeout=0.1)
    got = (await inbox.take("next", 5, 1e12, 30.0)).taken
    assert ids(got) == [1] and got[0].takes == 1
