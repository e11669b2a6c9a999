"""The stand-in as a forum supergroup (the help desk's staff group), through the real aiogram client."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator

import pytest
import pytest_asyncio
from aiogram import Bot, Dispatcher, F, Router
from aiogram.client.session.aiohttp import AiohttpSession
from aiogram.client.telegram import TelegramAPIServer
from aiogram.exceptions import TelegramBadRequest, TelegramRetryAfter
from aiogram.types import BufferedInputFile, Message
from aiohttp import ClientSession

from devtools.standin import GROUP_MESSAGES_PER_MINUTE, BotApiStandin

TOKEN = "123456789:AAEhBP0av28dHUcCn2K1q8s0jcO7jUjHnHQ"
STAFF = -1001234567890
OTHER_GROUP = -1009876543210
UNKNOWN_GROUP = -1005555555555
BUDI = 5001
SITI = 5002
RINA = 7001

# One aiogram client for the module, as in test_standin.py: closing an AiohttpSession sleeps a quarter of a second.
pytestmark = pytest.mark.asyncio(loop_scope="module")


@pytest_asyncio.fixture(loop_scope="module", scope="module")
async def client() -> AsyncIterator[Bot]:
    bot = Bot(TOKEN, session=AiohttpSession())
    yield bot
    await bot.session.close()


@pytest_asyncio.fixture(loop_scope="module")
async def standin() -> AsyncIterator[BotApiStandin]:
    async with BotApiStandin() as api:
        api.add_forum_group(STAFF)
        yield api


@pytest_asyncio.fixture(loop_scope="module")
async def bot(standin: BotApiStandin, client: Bot) -> Bot:
    client.session.api = TelegramAPIServer.from_base(standin.base_url)
    return client


# --- Topics ---------------------------------------------------------------------------------------------------------


async def test_a_topic_is_created_and_a_message_sent_into_it_lands_there(standin: BotApiStandin, bot: Bot) -> None:
    topic = await bot.create_forum_topic(STAFF, "Tiket #12 · Budi")

    sent = await bot.send_message(STAFF, "Paspor saya hilang", message_thread_id=topic.message_thread_id)
    general = await bot.send_message(STAFF, "Pengumuman untuk semua staf")

    assert topic.name == "Tiket #12 · Budi"
    assert topic.icon_color == 7322096
    assert topic.message_thread_id == 2  # the id of its opening service message; 1 is the group's creation
    assert sent.message_thread_id == topic.message_thread_id
    assert sent.is_topic_message is True
    assert (sent.chat.id, sent.chat.type, sent.chat.title, sent.chat.is_forum) == (
        STAFF,
        "supergroup",
        "Staf Bantuan",
        True,
    )
    opening = sent.reply_to_message  # Telegram shows every message in a topic as a reply to its opening
    assert opening is not None and opening.forum_topic_created is not None
    assert opening.forum_topic_created.name == "Tiket #12 · Budi"
    assert opening.message_id == topic.message_thread_id
    assert general.message_thread_id is None and general.is_topic_message is None
    assert standin.topics(STAFF) == [
        {
            "thread_id": topic.message_thread_id,
            "name": "Tiket #12 · Budi",
            "icon_color": 7322096,
            "closed": False,
            "deleted": False,
        }
    ]
    assert [m["text"] for m in standin.group_messages(STAFF, topic.message_thread_id)] == ["Paspor saya hilang"]
    assert [m["text"] for m in standin.group_messages(STAFF)] == ["Paspor saya hilang", "Pengumuman untuk semua staf"]


async def test_a_topic_takes_documents_edits_and_deletions_like_a_private_chat(
    standin: BotApiStandin, bot: Bot
) -> None:
    topic = await bot.create_forum_topic(STAFF, "Tiket #13", icon_color=16766590)
    thread = topic.message_thread_id

    proof = await bot.send_document(
        STAFF, BufferedInputFile(b"%PDF-1.4\n", filename="bukti.pdf"), message_thread_id=thread
    )
    note = await bot.send_message(STAFF, "Sedang dicek", message_thread_id=thread)
    edited = await bot.edit_message_text("Sudah dicek", chat_id=STAFF, message_id=note.message_id)
    await bot.delete_message(STAFF, proof.message_id)

    assert topic.icon_color == 16766590
    assert isinstance(edited, Message) and edited.message_thread_id == thread
    assert [m["text"] for m in standin.group_messages(STAFF, thread)] == ["Sudah dicek"]
    with pytest.raises(TelegramBadRequest, match="message can't be deleted"):
        await bot.delete_message(STAFF, thread)  # the opening goes only with the topic


async def test_a_deleted_topic_refuses_with_message_thread_not_found_and_a_closed_one_with_topic_closed(
    standin: BotApiStandin, bot: Bot
) -> None:
    closed = (await bot.create_forum_topic(STAFF, "Tiket #1")).message_thread_id
    deleted = (await bot.create_forum_topic(STAFF, "Tiket #2")).message_thread_id

    assert await bot.close_forum_topic(STAFF, closed)
    assert await bot.delete_forum_topic(STAFF, deleted)

    with pytest.raises(TelegramBadRequest, match="TOPIC_CLOSED"):
        await bot.send_message(STAFF, "Halo", message_thread_id=closed)
    with pytest.raises(TelegramBadRequest, match="message thread not found"):
        await bot.send_message(STAFF, "Halo", message_thread_id=deleted)
    with pytest.raises(TelegramBadRequest, match="message thread not found"):
        await bot.send_message(STAFF, "Halo", message_thread_id=1)  # General is reached by naming no thread
    with pytest.raises(TelegramBadRequest, match="TOPIC_NOT_MODIFIED"):
        await bot.close_forum_topic(STAFF, closed)
    with pytest.raises(TelegramBadRequest, match="TOPIC_ID_INVALID"):
        await bot.delete_forum_topic(STAFF, deleted)
    with pytest.raises(TelegramBadRequest, match="TOPIC_ID_INVALID"):
        await bot.reopen_forum_topic(STAFF, 999)
    assert await bot.reopen_forum_topic(STAFF, closed)
    await bot.send_message(STAFF, "Dibuka lagi", message_thread_id=closed)
    assert [(t["closed"], t["deleted"]) for t in standin.topics(STAFF)] == [(False, False), (False, True)]
    assert [e[2] for e in standin.errors][:2] == ["Bad Request: TOPIC_CLOSED", "Bad Request: message thread not found"]


async def test_a_topic_closed_or_deleted_by_staff_in_the_app_refuses_the_bot_alike(
    standin: BotApiStandin, bot: Bot
) -> None:
    closed = (await bot.create_forum_topic(STAFF, "Tiket #3")).message_thread_id
    deleted = (await bot.create_forum_topic(STAFF, "Tiket #4")).message_thread_id
    await bot.send_message(STAFF, "Pesan lama", message_thread_id=deleted)

    update_id = await standin.staff_closes_topic(STAFF, closed)
    await standin.staff_deletes_topic(STAFF, deleted)

    with pytest.raises(TelegramBadRequest, match="TOPIC_CLOSED"):
        await bot.send_message(STAFF, "Halo", message_thread_id=closed)
    with pytest.raises(TelegramBadRequest, match="message thread not found"):
        await bot.send_message(STAFF, "Halo", message_thread_id=deleted)
    assert standin.group_messages(STAFF, deleted) == []  # a topic goes with its messages
    updates = await bot.get_updates()
    assert [u.update_id for u in updates] == [update_id]  # a deletion sends bots nothing
    notice = updates[0].message
    assert notice is not None and notice.forum_topic_closed is not None
    assert notice.message_thread_id == closed


async def test_topics_are_refused_outside_a_forum_and_an_unknown_group_is_not_found(
    standin: BotApiStandin, bot: Bot
) -> None:
    await standin.user_sends_text(BUDI, "/start")
    standin.add_group(OTHER_GROUP, "Grup biasa")

    with pytest.raises(TelegramBadRequest, match="the chat is not a forum"):
        await bot.create_forum_topic(BUDI, "Tiket")
    with pytest.raises(TelegramBadRequest, match="the chat is not a forum"):
        await bot.create_forum_topic(OTHER_GROUP, "Tiket")
    with pytest.raises(TelegramBadRequest, match="chat not found"):
        await bot.create_forum_topic(UNKNOWN_GROUP, "Tiket")
    with pytest.raises(TelegramBadRequest, match="chat not found"):
        await bot.send_message(UNKNOWN_GROUP, "Halo")
    with pytest.raises(TelegramBadRequest, match="chat not found"):
        await bot.close_forum_topic(UNKNOWN_GROUP, 2)
    plain = await bot.send_message(OTHER_GROUP, "Halo", message_thread_id=5)  # no topics: the thread is ignored
    assert plain.message_thread_id is None and plain.chat.is_forum is None


async def test_a_topic_name_is_cleaned_and_cut_as_telegram_does_and_a_blank_one_is_refused(bot: Bot) -> None:
    with pytest.raises(TelegramBadRequest, match="title must be non-empty"):
        await bot.create_forum_topic(STAFF, "   ")

    long = await bot.create_forum_topic(STAFF, "x" * 200)
    spaced = await bot.create_forum_topic(STAFF, "  Tiket \n #5  ")

    assert long.name == "x" * 128
    assert spaced.name == "Tiket #5"


# --- The group's own limit ------------------------------------------------------------------------------------------


async def test_the_21st_message_in_a_minute_to_one_group_is_answered_429_while_private_chats_go_on(
    standin: BotApiStandin, bot: Bot
) -> None:
    thread = (await bot.create_forum_topic(STAFF, "Tiket #6")).message_thread_id
    standin.add_forum_group(OTHER_GROUP)
    standin.meet(BUDI)

    for i in range(GROUP_MESSAGES_PER_MINUTE):  # topics and General count alike: it is one group
        await bot.send_message(STAFF, f"pesan {i}", message_thread_id=thread if i % 2 else None)
    with pytest.raises(TelegramRetryAfter) as refused:
        await bot.send_message(STAFF, "satu lagi", message_thread_id=thread)
    async with (
        ClientSession(base_url=standin.base_url) as http,
        http.post(f"/bot{TOKEN}/sendMessage", json={"chat_id": STAFF, "text": "lagi"}) as r,
    ):
        raw = (r.status, await r.json())

    assert 55 <= refused.value.retry_after <= 60
    retry_after = raw[1]["parameters"]["retry_after"]
    assert raw == (
        429,
        {
            "ok": False,
            "error_code": 429,
            "description": f"Too Many Requests: retry after {retry_after}",
            "parameters": {"retry_after": retry_after},
        },
    )
    await bot.send_message(BUDI, "chat pribadi tidak terpengaruh")
    await bot.send_message(OTHER_GROUP, "grup lain punya batasnya sendiri")
    assert [s.chat_id for s in standin.sends()].count(STAFF) == GROUP_MESSAGES_PER_MINUTE


async def test_the_group_limit_can_be_lowered_or_turned_off_and_a_slot_frees_when_the_oldest_leaves(
    client: Bot,
) -> None:
    async with BotApiStandin(group_per_minute=2, group_window=1.0) as paced:
        client.session.api = TelegramAPIServer.from_base(paced.base_url)
        paced.add_forum_group(STAFF)
        await client.send_message(STAFF, "satu")
        await client.send_message(STAFF, "dua")
        with pytest.raises(TelegramRetryAfter) as refused:
            await client.send_message(STAFF, "tiga")
        assert refused.value.retry_after == 1
        await asyncio.sleep(1.05)
        await client.send_message(STAFF, "tiga, sedetik kemudian")

        paced.group_per_minute = None
        for i in range(5):
            await client.send_message(STAFF, f"tanpa batas {i}")


# --- Staff write: updates, and waiting for the bot ------------------------------------------------------------------


async def test_a_staff_message_in_a_topic_arrives_as_an_update_the_bot_can_read(
    standin: BotApiStandin, bot: Bot
) -> None:
    thread = (await bot.create_forum_topic(STAFF, "Tiket #7")).message_thread_id
    asked = await bot.send_message(STAFF, "Pemohon bertanya", message_thread_id=thread)

    in_topic = await standin.staff_sends_in_topic(
        STAFF, RINA, thread, "/tutup@antrean_bot selesai", username="rina_cs", reply_to=asked.message_id
    )
    in_general = await standin.staff_sends_in_topic(STAFF, RINA, None, "Rapat jam 3")
    updates = await bot.get_updates()

    assert [u.update_id for u in updates] == [in_topic, in_general]
    message = updates[0].message
    assert message is not None and message.from_user is not None
    assert (message.from_user.id, message.from_user.username, message.from_user.is_bot) == (RINA, "rina_cs", False)
    assert (message.chat.id, message.chat.is_forum) == (STAFF, True)
    assert message.message_thread_id == thread
    assert message.is_topic_message is True
    assert message.text == "/tutup@antrean_bot selesai"
    assert message.entities is not None
    assert (message.entities[0].type, message.entities[0].length) == ("bot_command", 18)
    assert message.reply_to_message is not None and message.reply_to_message.message_id == asked.message_id
    general = updates[1].message
    assert general is not None
    assert general.message_thread_id is None and general.is_topic_message is None
    assert [m["text"] for m in standin.group_messages(STAFF, thread)] == [
        "Pemohon bertanya",
        "/tutup@antrean_bot selesai",
    ]
    with pytest.raises(LookupError):
        await standin.staff_sends_in_topic(STAFF, RINA, 999, "ke topik yang tidak ada")


def _helpdesk_router() -> Router:
    """A help desk in miniature: an applicant's message opens a topic; staff's answer in it goes back to them."""
    router = Router()
    threads: dict[int, int] = {}

    @router.message(F.chat.type == "private", F.text)
    async def applicant(message: Message, bot: Bot) -> None:
        topic = await bot.create_forum_topic(STAFF, f"Tiket · {message.chat.id}")
        threads[topic.message_thread_id] = message.chat.id
        await bot.send_message(STAFF, message.text or "", message_thread_id=topic.message_thread_id)
        await message.answer("Diteruskan ke petugas")

    @router.message(F.chat.id == STAFF, F.is_topic_message, F.text)
    async def staff(message: Message, bot: Bot) -> None:
        assert message.message_thread_id is not None
        await bot.send_message(threads[message.message_thread_id], message.text or "")
        await message.answer("Terkirim")  # aiogram answers in the message's topic

    return router


async def test_wait_for_group_and_wait_for_bot_follow_a_ticket_from_applicant_to_staff_and_back(
    standin: BotApiStandin, bot: Bot
) -> None:
    dp = Dispatcher()
    dp.include_router(_helpdesk_router())
    polling = asyncio.create_task(dp.start_polling(bot, handle_signals=False, close_bot_session=False))
    try:
        await standin.user_sends_text(BUDI, "Paspor saya hilang")
        opened = await standin.wait_for_group(STAFF, calls=2)
        await standin.wait_for_bot(BUDI)
        thread = standin.topics(STAFF)[0]["thread_id"]
        await standin.staff_sends_in_topic(STAFF, RINA, thread, "Silakan datang Senin")
        passed_on = await standin.wait_for_bot(BUDI)
        acknowledged = await standin.wait_for_group(STAFF)
        with pytest.raises(TimeoutError, match="made 0 of 1 calls about group"):
            await standin.wait_for_group(STAFF, timeout=0.1)  # each call is handed out once
    finally:
        await dp.stop_polling()
        await polling

    assert [method for method, _ in opened] == ["createForumTopic", "sendMessage"]
    assert [(m, p["chat_id"], p["text"]) for m, p in passed_on] == [("sendMessage", BUDI, "Silakan datang Senin")]
    assert [(m, p["text"], p["message_thread_id"]) for m, p in acknowledged] == [("sendMessage", "Terkirim", thread)]
    assert [m["text"] for m in await standin.chat(BUDI)][-1] == "Silakan datang Senin"
    with pytest.raises(LookupError):
        await standin.wait_for_group(UNKNOWN_GROUP)
