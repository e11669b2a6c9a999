"""The Bot API stand-in, through the real aiogram client: what the bot tests and the demo rely on."""

from __future__ import annotations

import asyncio
import time
from collections.abc import AsyncIterator

import pytest
import pytest_asyncio
from aiogram import Bot, Dispatcher, F, Router
from aiogram.client.session.aiohttp import AiohttpSession
from aiogram.client.telegram import TelegramAPIServer
from aiogram.exceptions import TelegramBadRequest, TelegramForbiddenError, TelegramRetryAfter
from aiogram.filters import Command
from aiogram.types import (
    BotCommand,
    BufferedInputFile,
    CallbackQuery,
    InlineKeyboardButton,
    InlineKeyboardMarkup,
    KeyboardButton,
    Message,
    ReplyKeyboardMarkup,
    ReplyKeyboardRemove,
)
from aiohttp import ClientSession, web

from bench.workers import free_port
from devtools.standin import CHAT_MESSAGES_PER_SECOND, BotApiStandin

TOKEN = "123456789:AAEhBP0av28dHUcCn2K1q8s0jcO7jUjHnHQ"
BUDI = 5001
SITI = 5002

# One aiogram client for the module, pointed at each test's fresh stand-in: closing an AiohttpSession sleeps a
# quarter of a second (aiogram/client/session/aiohttp.py, close), which per test would double the file's run time.
pytestmark = pytest.mark.asyncio(loop_scope="module")


def _keyboard(*pairs: tuple[str, str]) -> InlineKeyboardMarkup:
    return InlineKeyboardMarkup(
        inline_keyboard=[[InlineKeyboardButton(text=text, callback_data=data)] for text, data in pairs]
    )


@pytest_asyncio.fixture(loop_scope="module", scope="module")
async def client() -> AsyncIterator[Bot]:
    bot = Bot(TOKEN, session=AiohttpSession())
    yield bot
    await bot.session.close()


@pytest_asyncio.fixture(loop_scope="module")
async def standin() -> AsyncIterator[BotApiStandin]:
    async with BotApiStandin() as api:
        yield api


@pytest_asyncio.fixture(loop_scope="module")
async def bot(standin: BotApiStandin, client: Bot) -> Bot:
    client.session.api = TelegramAPIServer.from_base(standin.base_url)
    return client


# --- The bot's side: aiogram calls --------------------------------------------------------------------------------


async def test_get_me_answers_with_the_bot_user_of_the_token(bot: Bot) -> None:
    me = await bot.get_me()

    assert me.is_bot
    assert me.username == "antrean_bot"
    assert me.id == bot.id == 123456789


async def test_a_message_is_sent_edited_and_deleted_and_the_chat_reads_back_as_the_user_sees_it(
    standin: BotApiStandin, bot: Bot
) -> None:
    await standin.user_sends_text(BUDI, "/start")

    first = await bot.send_message(BUDI, "<b>Pilih</b> kantor", parse_mode="HTML", reply_markup=_keyboard(("A", "a")))
    await bot.edit_message_text("Pilih tanggal", chat_id=BUDI, message_id=first.message_id)
    await bot.edit_message_reply_markup(chat_id=BUDI, message_id=first.message_id, reply_markup=_keyboard(("B", "b")))
    second = await bot.send_message(BUDI, "Sampai jumpa")
    await bot.delete_message(BUDI, second.message_id)

    chat = await standin.chat(BUDI)
    assert [m["text"] for m in chat] == ["/start", "Pilih tanggal"]
    assert chat[0]["from"]["is_bot"] is False
    assert chat[1]["from"]["is_bot"] is True
    assert chat[1]["reply_markup"] == {"inline_keyboard": [[{"text": "B", "callback_data": "b"}]]}
    assert first.message_id == 2  # message ids count per chat, the user's /start being the first
    assert first.text == "Pilih kantor"  # Telegram answers with the text after formatting
    assert await standin.last_bot_message(BUDI) == chat[1]


async def test_an_edit_without_a_keyboard_removes_the_keyboard_as_telegram_does(
    standin: BotApiStandin, bot: Bot
) -> None:
    await standin.user_sends_text(BUDI, "/start")
    sent = await bot.send_message(BUDI, "Pilih", reply_markup=_keyboard(("A", "a")))

    await bot.edit_message_text("Dipilih: A", chat_id=BUDI, message_id=sent.message_id)

    last = await standin.last_bot_message(BUDI)
    assert last is not None
    assert last["reply_markup"] is None


async def test_an_edit_that_changes_nothing_raises_message_is_not_modified(standin: BotApiStandin, bot: Bot) -> None:
    await standin.user_sends_text(BUDI, "/start")
    sent = await bot.send_message(BUDI, "Pilih", reply_markup=_keyboard(("A", "a")))

    with pytest.raises(TelegramBadRequest, match="message is not modified"):
        await bot.edit_message_text(
            "Pilih", chat_id=BUDI, message_id=sent.message_id, reply_markup=_keyboard(("A", "a"))
        )
    with pytest.raises(TelegramBadRequest, match="message is not modified"):
        await bot.edit_message_reply_markup(
            chat_id=BUDI, message_id=sent.message_id, reply_markup=_keyboard(("A", "a"))
        )


async def test_editing_or_deleting_a_missing_message_or_writing_to_an_unknown_chat_is_refused(
    standin: BotApiStandin, bot: Bot
) -> None:
    await standin.user_sends_text(BUDI, "/start")

    with pytest.raises(TelegramBadRequest, match="message to edit not found"):
        await bot.edit_message_text("x", chat_id=BUDI, message_id=99)
    with pytest.raises(TelegramBadRequest, match="message can't be edited"):
        await bot.edit_message_text("x", chat_id=BUDI, message_id=1)
    with pytest.raises(TelegramBadRequest, match="message to delete not found"):
        await bot.delete_message(BUDI, 99)
    with pytest.raises(TelegramBadRequest, match="chat not found"):
        await bot.send_message(SITI, "Halo")


async def test_a_user_who_blocked_the_bot_cannot_be_written_to(standin: BotApiStandin, bot: Bot) -> None:
    await standin.user_sends_text(BUDI, "/start")
    await standin.user_blocks_bot(BUDI)

    with pytest.raises(TelegramForbiddenError, match="blocked by the user"):
        await bot.send_message(BUDI, "Kuota dibuka")


async def test_text_is_checked_like_telegram_checks_it(standin: BotApiStandin, bot: Bot) -> None:
    await standin.user_sends_text(BUDI, "/start")

    with pytest.raises(TelegramBadRequest, match="can't parse entities"):
        await bot.send_message(BUDI, "Ani <3 Budi", parse_mode="HTML")
    with pytest.raises(TelegramBadRequest, match="can't parse entities"):
        await bot.send_message(BUDI, "<b>tebal", parse_mode="HTML")
    with pytest.raises(TelegramBadRequest, match="message is too long"):
        await bot.send_message(BUDI, "a" * 4097)
    with pytest.raises(TelegramBadRequest, match="message text is empty"):
        await bot.send_message(BUDI, "<b> </b>", parse_mode="HTML")

    sent = await bot.send_message(BUDI, "a &amp; b &lt;3 " + "x" * 4080, parse_mode="HTML")
    assert sent.text is not None
    assert sent.text.startswith("a & b <3 ")
    assert [error[2] for error in standin.errors][-1] == "Bad Request: message text is empty"


async def test_callback_data_over_64_bytes_is_refused_and_64_is_accepted(standin: BotApiStandin, bot: Bot) -> None:
    await standin.user_sends_text(BUDI, "/start")

    with pytest.raises(TelegramBadRequest, match="BUTTON_DATA_INVALID"):
        await bot.send_message(BUDI, "Pilih", reply_markup=_keyboard(("A", "é" * 33)))
    await bot.send_message(BUDI, "Pilih", reply_markup=_keyboard(("A", "é" * 32)))


async def test_a_reply_keyboard_with_a_contact_button_stays_until_removed(standin: BotApiStandin, bot: Bot) -> None:
    await standin.user_sends_text(BUDI, "/start")
    contact_button = KeyboardButton(text="Bagikan nomor", request_contact=True)

    await bot.send_message(BUDI, "Nomor HP?", reply_markup=ReplyKeyboardMarkup(keyboard=[[contact_button]]))
    shown = await standin.keyboard(BUDI)
    await standin.user_shares_contact(BUDI, "+6281234567890")
    await bot.send_message(BUDI, "Terima kasih", reply_markup=ReplyKeyboardRemove())

    assert shown == {"keyboard": [[{"text": "Bagikan nomor", "request_contact": True}]]}
    assert await standin.keyboard(BUDI) is None
    updates = await bot.get_updates()
    assert updates[-1].message is not None
    assert updates[-1].message.contact is not None
    assert updates[-1].message.contact.user_id == BUDI
    assert updates[-1].message.contact.phone_number == "+6281234567890"


async def test_a_callback_query_can_be_answered_once_and_the_answer_is_kept(standin: BotApiStandin, bot: Bot) -> None:
    await standin.user_sends_text(BUDI, "/start")
    sent = await bot.send_message(BUDI, "Pilih", reply_markup=_keyboard(("A", "a")))
    query_id = await standin.user_taps(BUDI, sent.message_id, "a")
    assert await standin.unanswered() == [query_id]

    assert await bot.answer_callback_query(query_id, text="Penuh", show_alert=True)
    with pytest.raises(TelegramBadRequest, match="query is too old"):
        await bot.answer_callback_query(query_id)

    answer = await standin.answered(query_id)
    assert answer is not None
    assert answer["text"] == "Penuh"
    assert answer["show_alert"] is True
    assert await standin.unanswered() == []
    updates = await bot.get_updates()
    query = updates[-1].callback_query
    assert query is not None
    assert query.data == "a"
    assert query.from_user.id == BUDI
    assert isinstance(query.message, Message)
    assert query.message.message_id == sent.message_id


async def test_a_document_keeps_its_bytes_name_and_type_and_can_be_downloaded(standin: BotApiStandin, bot: Bot) -> None:
    await standin.user_sends_text(BUDI, "/start")
    pdf = b"%PDF-1.4\n% bukti antrean\n"

    sent = await bot.send_document(BUDI, BufferedInputFile(pdf, filename="ANT-7K3Q.pdf"), caption="Bukti antrean")

    document = sent.document
    assert document is not None
    assert document.file_name == "ANT-7K3Q.pdf"
    assert document.mime_type == "application/pdf"
    assert document.file_size == len(pdf)
    assert sent.caption == "Bukti antrean"
    assert await standin.document_bytes(document.file_id) == pdf
    downloaded = await bot.download(document.file_id)
    assert downloaded is not None
    assert downloaded.read() == pdf
    resent = await bot.send_document(BUDI, document.file_id)
    assert resent.document is not None
    assert resent.document.file_id == document.file_id
    chat = await standin.chat(BUDI)
    assert chat[-1]["document"]["file_name"] == "ANT-7K3Q.pdf"


async def test_more_than_a_short_burst_in_one_chat_is_answered_429_and_edits_are_not_counted(client: Bot) -> None:
    async with BotApiStandin(chat_messages_per_second=CHAT_MESSAGES_PER_SECOND) as paced:
        client.session.api = TelegramAPIServer.from_base(paced.base_url)
        for user in (BUDI, SITI):
            await paced.user_sends_text(user, "/start")
        sent = [await client.send_message(BUDI, f"pesan {i}") for i in range(3)]  # a short burst passes
        with pytest.raises(TelegramRetryAfter) as refused:
            await client.send_message(BUDI, "satu lagi")
        assert refused.value.retry_after >= 1
        await client.edit_message_text("diubah", chat_id=BUDI, message_id=sent[0].message_id)  # no new message
        await client.send_message(SITI, "chat lain")  # another chat has its own pace
        await asyncio.sleep(1.05)
        await client.send_message(BUDI, "sedetik kemudian")


async def test_more_than_about_30_new_messages_a_second_to_different_chats_are_answered_429(
    standin: BotApiStandin, bot: Bot
) -> None:
    users = range(6000, 6040)
    for user in users:
        await standin.user_sends_text(user, "/start")
    results = await asyncio.gather(*(bot.send_message(u, "kuota dibuka") for u in users), return_exceptions=True)
    refused = [r for r in results if isinstance(r, TelegramRetryAfter)]
    assert 5 <= len(refused) <= 10 and all(r.retry_after >= 1 for r in refused)
    assert all(isinstance(r, Message) for r in results if r not in refused)


async def test_the_limits_can_be_turned_off_for_a_test_that_measures_something_else(client: Bot) -> None:
    async with BotApiStandin(messages_per_second=None) as unlimited:
        client.session.api = TelegramAPIServer.from_base(unlimited.base_url)
        await unlimited.user_sends_text(BUDI, "/start")
        for i in range(10):
            await client.send_message(BUDI, f"pesan {i}")


async def test_paid_broadcasts_count_against_their_own_thousand_a_second_and_leave_the_free_thirty_alone(
    standin: BotApiStandin, bot: Bot
) -> None:
    users = range(6100, 6200)
    for user in users:
        standin.meet(user)
    paid = await asyncio.gather(
        *(bot.send_message(u, "kuota dibuka", allow_paid_broadcast=True) for u in users), return_exceptions=True
    )
    assert all(isinstance(r, Message) for r in paid)  # 100 at once: well within 1,000 a second
    free = await asyncio.gather(*(bot.send_message(u, "gratis") for u in users[:30]), return_exceptions=True)
    assert all(isinstance(r, Message) for r in free)  # the free limit's burst is untouched by the paid ones
    assert [s.paid for s in standin.sends()] == [True] * 100 + [False] * 30


async def test_paid_broadcasts_beyond_their_limit_are_answered_429_too(client: Bot) -> None:
    async with BotApiStandin(paid_messages_per_second=10) as paced:
        client.session.api = TelegramAPIServer.from_base(paced.base_url)
        users = range(6200, 6215)
        for user in users:
            paced.meet(user)
        results = await asyncio.gather(
            *(client.send_message(u, "kuota dibuka", allow_paid_broadcast=True) for u in users),
            return_exceptions=True,
        )
        refused = [r for r in results if isinstance(r, TelegramRetryAfter)]
        assert 4 <= len(refused) <= 5
        assert paced.sent_count() == len(users) - len(refused)


async def test_every_accepted_new_message_is_recorded_with_its_time_and_chat_and_nothing_else_is(
    standin: BotApiStandin, bot: Bot
) -> None:
    for user in (BUDI, SITI):
        await standin.user_sends_text(user, "/start")
    await standin.user_blocks_bot(SITI)
    before = time.monotonic()
    sent = await bot.send_message(BUDI, "Halo")
    await bot.edit_message_text("Halo lagi", chat_id=BUDI, message_id=sent.message_id)  # an edit: not new
    with pytest.raises(TelegramForbiddenError):
        await bot.send_message(SITI, "Halo")  # refused: not sent
    standin.flood(retry_after=1, method="sendMessage")
    with pytest.raises(TelegramRetryAfter):
        await bot.send_message(BUDI, "Halo")  # refused: not sent
    await bot.send_document(BUDI, BufferedInputFile(b"%PDF-1.4", filename="bukti.pdf"))

    sends = standin.sends()
    assert [(s.chat_id, s.method, s.paid) for s in sends] == [
        (BUDI, "sendMessage", False),
        (BUDI, "sendDocument", False),
    ]
    assert before <= sends[0].at <= sends[1].at <= time.monotonic()
    assert standin.sent_count() == 2


async def test_meeting_a_user_makes_a_chat_the_bot_can_write_to_without_any_update(
    standin: BotApiStandin, bot: Bot
) -> None:
    standin.meet(BUDI, language_code="en")

    assert await standin.updates_pending() == 0
    assert await standin.chat(BUDI) == []
    await bot.send_message(BUDI, "Quota opened")
    assert [m["text"] for m in await standin.chat(BUDI)] == ["Quota opened"]
    update_id = await standin.user_sends_text(BUDI, "/start")
    updates = await bot.get_updates(timeout=0)
    assert [u.update_id for u in updates] == [update_id]
    assert updates[0].message is not None and updates[0].message.from_user is not None
    assert updates[0].message.from_user.language_code == "en"


async def test_flood_makes_aiogram_raise_retry_after_then_lets_calls_through(standin: BotApiStandin, bot: Bot) -> None:
    await standin.user_sends_text(BUDI, "/start")
    standin.flood(retry_after=7, times=2, method="sendMessage")

    for _ in range(2):
        with pytest.raises(TelegramRetryAfter) as refused:
            await bot.send_message(BUDI, "Halo")
        assert refused.value.retry_after == 7
    await bot.get_me()  # other methods are not flooded
    await bot.send_message(BUDI, "Halo")

    assert [method for method, _ in standin.calls] == ["sendMessage", "sendMessage", "getMe", "sendMessage"]


async def test_commands_are_kept_per_scope_and_language(standin: BotApiStandin, bot: Bot) -> None:
    await bot.set_my_commands([BotCommand(command="start", description="Mulai")])
    await bot.set_my_commands([BotCommand(command="start", description="Start")], language_code="en")

    assert [c.description for c in await bot.get_my_commands()] == ["Mulai"]
    assert await standin.commands(language_code="en") == [{"command": "start", "description": "Start"}]
    await bot.delete_my_commands(language_code="en")
    assert await bot.get_my_commands(language_code="en") == []
    with pytest.raises(TelegramBadRequest, match="BOT_COMMAND_INVALID"):
        await bot.set_my_commands([BotCommand(command="Pesan Antrean", description="x")])


# --- Updates: long polling ------------------------------------------------------------------------------------------


async def test_get_updates_waits_for_an_update_and_an_offset_confirms_it(standin: BotApiStandin, bot: Bot) -> None:
    started = time.monotonic()
    polling = asyncio.create_task(bot.get_updates(timeout=5))
    await asyncio.sleep(0.05)
    update_id = await standin.user_sends_text(BUDI, "/start@antrean_bot hello", language_code="en")
    updates = await polling

    assert time.monotonic() - started < 1
    assert [u.update_id for u in updates] == [update_id]
    message = updates[0].message
    assert message is not None
    assert message.text == "/start@antrean_bot hello"
    assert message.from_user is not None
    assert message.from_user.language_code == "en"
    assert message.entities is not None
    assert (message.entities[0].type, message.entities[0].offset, message.entities[0].length) == ("bot_command", 0, 18)
    assert await standin.updates_pending() == 1
    assert await bot.get_updates(offset=update_id + 1, timeout=0) == []
    assert await standin.updates_pending() == 0


async def test_the_time_an_update_was_first_handed_to_the_bot_is_kept_and_a_redelivery_does_not_move_it(
    standin: BotApiStandin, bot: Bot
) -> None:
    update_id = await standin.user_sends_text(BUDI, "/start")
    assert await standin.delivered_at(update_id) is None

    before = time.monotonic()
    await bot.get_updates(timeout=0)
    first = await standin.delivered_at(update_id)
    assert first is not None
    assert before <= first <= time.monotonic()

    await bot.get_updates(timeout=0)  # not confirmed: handed over again
    assert await standin.delivered_at(update_id) == first


async def test_get_updates_returns_empty_when_its_timeout_passes(bot: Bot) -> None:
    started = time.monotonic()

    assert await bot.get_updates(timeout=1) == []
    assert 0.9 < time.monotonic() - started < 2


async def test_a_sticker_arrives_as_a_sticker_message(standin: BotApiStandin, bot: Bot) -> None:
    await standin.user_sends_sticker(BUDI)

    updates = await bot.get_updates()
    assert updates[0].message is not None
    assert updates[0].message.sticker is not None


async def test_wait_for_bot_says_what_the_bot_did_when_it_times_out(standin: BotApiStandin) -> None:
    await standin.user_sends_text(BUDI, "/start")

    with pytest.raises(TimeoutError, match="made 0 of 1 calls"):
        await standin.wait_for_bot(BUDI, timeout=0.1)


# --- The real dispatcher, polling ---------------------------------------------------------------------------------


def _echo_router() -> Router:
    router = Router()

    @router.message(Command("start"))
    async def start(message: Message) -> None:
        await message.answer("Selamat datang", reply_markup=_keyboard(("Pesan", "book")))

    @router.message(F.text)
    async def echo(message: Message) -> None:
        await message.answer(message.text or "")

    @router.callback_query(F.data == "book")
    async def book(callback: CallbackQuery) -> None:
        assert isinstance(callback.message, Message)
        await callback.message.edit_text("Pilih kantor")
        await callback.answer()

    return router


async def test_a_polling_dispatcher_echoes_text_and_answers_a_tap(standin: BotApiStandin, bot: Bot) -> None:
    dp = Dispatcher()
    dp.include_router(_echo_router())
    polling = asyncio.create_task(dp.start_polling(bot, handle_signals=False, close_bot_session=False))
    try:
        await standin.user_sends_text(BUDI, "/start")
        await standin.wait_for_bot(BUDI)
        await standin.user_sends_text(SITI, "Halo", first_name="Siti")
        await standin.wait_for_bot(SITI)
        query_id = await standin.user_taps_button(BUDI, "Pesan")
        made = await standin.wait_for_bot(BUDI, calls=2)
    finally:
        await dp.stop_polling()
        await polling

    assert [method for method, _ in made] == ["editMessageText", "answerCallbackQuery"]
    assert await standin.answered(query_id) is not None
    assert [m["text"] for m in await standin.chat(BUDI)] == ["/start", "Pilih kantor"]
    assert [m["text"] for m in await standin.chat(SITI)] == ["Halo", "Halo"]
    assert await standin.updates_pending() <= 1  # the last confirmation rides on a poll that was stopped


# --- The HTTP driver, for a browser playground ----------------------------------------------------------------------

PLAYGROUND = "http://127.0.0.1:8080"


async def test_the_http_driver_plays_a_user_and_reads_the_chat_and_documents(standin: BotApiStandin, bot: Bot) -> None:
    async with ClientSession(base_url=standin.base_url) as http:
        async with http.post(f"/standin/users/{BUDI}/messages", json={"text": "/start"}) as response:
            assert response.status == 200
            assert (await response.json())["update_id"] == 1
        sent = await bot.send_message(BUDI, "Pilih", reply_markup=_keyboard(("A", "a")))
        async with http.post(
            f"/standin/users/{BUDI}/callbacks", json={"message_id": sent.message_id, "data": "a"}
        ) as r:
            query_id = (await r.json())["callback_query_id"]
        async with http.post(f"/standin/users/{BUDI}/callbacks", json={"message_id": 99, "data": "a"}) as r:
            assert r.status == 404
        async with http.post(f"/standin/users/{BUDI}/contact", json={"phone": "+6281234567890"}) as r:
            assert r.status == 200
        document = await bot.send_document(BUDI, BufferedInputFile(b"%PDF-1.4\n", filename="bukti.pdf"))
        assert document.document is not None
        standin.allow_origin(PLAYGROUND)
        async with http.get(f"/standin/users/{BUDI}/chat", headers={"Origin": PLAYGROUND}) as r:
            chat = await r.json()
            assert r.headers["Access-Control-Allow-Origin"] == PLAYGROUND
        async with http.options(f"/standin/users/{BUDI}/messages") as r:
            assert r.status == 204
        async with http.get(f"/standin/documents/{document.document.file_id}") as r:
            assert r.content_type == "application/pdf"
            assert await r.read() == b"%PDF-1.4\n"

    assert [m["message_id"] for m in chat["messages"]] == [1, 2, 3, 4]
    assert chat["messages"][2]["contact"]["user_id"] == BUDI
    assert chat["messages"][3]["document"]["file_name"] == "bukti.pdf"
    updates = await bot.get_updates()
    assert updates[1].callback_query is not None
    assert updates[1].callback_query.id == query_id


async def test_only_the_playgrounds_page_may_read_chats_or_play_users_from_a_browser(
    standin: BotApiStandin, bot: Bot
) -> None:
    await standin.user_sends_text(BUDI, "/start")
    standin.allow_origin(PLAYGROUND)
    async with ClientSession(base_url=standin.base_url) as http:
        async with http.get(f"/standin/users/{BUDI}/chat", headers={"Origin": "http://evil.example"}) as r:
            foreign_read = (r.status, r.headers.get("Access-Control-Allow-Origin"))
        before = len(await standin.chat(BUDI))
        async with http.post(
            f"/standin/users/{BUDI}/messages",
            data='{"text": "hapus"}',
            headers={"Origin": "http://evil.example", "Content-Type": "text/plain"},  # a "simple" blind POST
        ) as r:
            foreign_post = r.status
        async with http.get(f"/standin/users/{BUDI}/chat", headers={"Origin": "http://localhost:8080"}) as r:
            same_page_other_name = r.headers.get("Access-Control-Allow-Origin")
    assert foreign_read == (403, None) and foreign_post == 403
    assert len(await standin.chat(BUDI)) == before
    assert same_page_other_name == "http://localhost:8080"


async def test_a_foreign_page_cannot_drive_the_bot_api_and_a_rebinding_host_name_gets_nothing(
    standin: BotApiStandin,
) -> None:
    await standin.user_sends_text(BUDI, "/start")
    async with ClientSession(base_url=standin.base_url) as http:
        async with http.get(
            f"/bot{TOKEN}/setWebhook",
            params={"url": "http://127.0.0.1:1/hook"},
            headers={"Origin": "http://evil.example"},
        ) as r:
            foreign = r.status
        async with http.get(
            f"/standin/users/{BUDI}/chat", headers={"Host": f"evil.example:{standin.base_url[-4:]}"}
        ) as r:
            rebound = r.status
        async with http.post(f"/bot{TOKEN}/setWebhook", json={"url": "https://evil.example/hook"}) as r:
            elsewhere = (r.status, (await r.json())["description"])
        async with http.get(f"/bot{TOKEN}/getWebhookInfo") as r:
            info = (await r.json())["result"]
    assert foreign == 403 and rebound == 403
    assert elsewhere[0] == 400 and "127.0.0.1" in elsewhere[1]
    assert info["url"] == ""  # nothing pointed the bot's updates anywhere


async def test_file_ids_cannot_be_guessed_from_one_another(standin: BotApiStandin, bot: Bot) -> None:
    await standin.user_sends_text(BUDI, "/start")
    ids = []
    for _ in range(3):
        sent = await bot.send_document(BUDI, BufferedInputFile(b"%PDF-1.4\n", filename="bukti.pdf"))
        assert sent.document is not None
        ids.append(sent.document.file_id)
    prefix = "BQACAgIAAxkBAAI"
    keys = [i.removeprefix(prefix) for i in ids]
    assert len(set(keys)) == 3 and all(len(k) >= 32 for k in keys)  # 24 random bytes each
    assert not any(k.isdigit() for k in keys)


async def test_the_api_answers_json_bodies_and_unknown_methods_like_telegram(standin: BotApiStandin) -> None:
    await standin.user_sends_text(BUDI, "/start")
    async with ClientSession(base_url=standin.base_url) as http:
        async with http.post(f"/bot{TOKEN}/sendMessage", json={"chat_id": BUDI, "text": "Halo"}) as r:
            sent = await r.json()
        async with http.post(f"/bot{TOKEN}/sendPoll", json={"chat_id": BUDI}) as r:
            unknown = (r.status, await r.json())
        async with http.get("/botnot-a-token/getMe") as r:
            unauthorised = r.status

    assert sent["ok"] is True
    assert sent["result"]["text"] == "Halo"
    assert unknown == (404, {"ok": False, "error_code": 404, "description": "Not Found"})
    assert unauthorised == 401


async def test_an_update_that_arrives_as_the_last_post_ends_still_reaches_the_webhook(
    standin: BotApiStandin, bot: Bot
) -> None:
    # A user writes a few event-loop turns after the webhook got the update before, while the stand-in winds up that
    # delivery (its connections close). Each offset in turn, so the moment is met whenever it falls.
    received: asyncio.Queue[int] = asyncio.Queue()

    async def hook(request: web.Request) -> web.Response:
        received.put_nowait((await request.json())["update_id"])
        return web.json_response({"ok": True})

    app = web.Application()
    app.router.add_post("/hook", hook)
    runner = web.AppRunner(app)
    await runner.setup()
    port = free_port()
    await web.TCPSite(runner, "127.0.0.1", port).start()
    missed = []
    try:
        await bot.set_webhook(f"http://127.0.0.1:{port}/hook")
        for turns in range(40):
            await standin.user_sends_text(BUDI, "halo")
            await asyncio.wait_for(received.get(), 5)
            for _ in range(turns):
                await asyncio.sleep(0)
            sent = await standin.user_sends_text(SITI, "halo")
            try:
                while await asyncio.wait_for(received.get(), 2) != sent:
                    pass
            except TimeoutError:
                missed.append(turns)
                break
    finally:
        await bot.delete_webhook()
        await runner.cleanup()
    assert missed == []
