"""A stand-in for the Telegram Bot API on loopback: enough of it for aiogram 3, plus a driver that plays users."""

from __future__ import annotations

import asyncio
import contextlib
import copy
import itertools
import json
import math
import mimetypes
import re
import secrets
import time
from collections import deque
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from types import TracebackType
from typing import Any, NamedTuple, Self, cast
from urllib.parse import urlsplit

import aiohttp
from aiohttp import web

Json = dict[str, Any]
Call = tuple[str, Json]

# aiogram sends every request as a form whose values are strings: scalars JSON-encoded ("42", "true"), objects
# and arrays as JSON text, text as is (aiogram/client/session/base.py, prepare_value). Telegram types them per
# parameter; these sets do the same, so handlers and the calls log see ints, bools and dicts.
_JSON_PARAMS = frozenset(
    {
        "reply_markup",
        "allowed_updates",
        "commands",
        "scope",
        "entities",
        "caption_entities",
        "link_preview_options",
        "reply_parameters",
    }
)
_INT_PARAMS = frozenset(
    {
        "chat_id",
        "message_id",
        "max_connections",
        "offset",
        "limit",
        "timeout",
        "cache_time",
        "reply_to_message_id",
        "message_thread_id",
        "icon_color",
    }
)
_BOOL_PARAMS = frozenset(
    {
        "show_alert",
        "disable_notification",
        "protect_content",
        "drop_pending_updates",
        "disable_web_page_preview",
        "allow_sending_without_reply",
        "disable_content_type_detection",
        "is_persistent",
        "allow_paid_broadcast",
    }
)
_INT_TEXT = re.compile(r"-?\d+")
_BOOLS = {"true": True, "false": False, "1": True, "0": False}

# The tags Telegram's HTML parse mode knows: https://core.telegram.org/bots/api#html-style
_HTML_TAGS = frozenset(
    {
        "b",
        "strong",
        "i",
        "em",
        "u",
        "ins",
        "s",
        "strike",
        "del",
        "span",
        "tg-spoiler",
        "a",
        "tg-emoji",
        "code",
        "pre",
        "blockquote",
    }
)
_HTML_ENTITY = re.compile(r"&(#x[0-9a-fA-F]+|#[0-9]+|lt|gt|amp|quot);")
_NAMED_ENTITIES = {"lt": "<", "gt": ">", "amp": "&", "quot": '"'}
_START_TAG = re.compile(r"([a-zA-Z][a-zA-Z0-9-]*)(?:\s.*)?", re.DOTALL)
_COMMAND = re.compile(r"/[A-Za-z0-9_]{1,32}(?:@[A-Za-z0-9_]{3,})?(?=\s|$)")
_TOKEN = re.compile(r"(\d+):[A-Za-z0-9_-]+")
_INLINE_BUTTON_KINDS = (
    "url",
    "callback_data",
    "web_app",
    "login_url",
    "switch_inline_query",
    "switch_inline_query_current_chat",
    "switch_inline_query_chosen_chat",
    "copy_text",
    "callback_game",
    "pay",
)
_CHAT_ACTIONS = frozenset(
    {
        "typing",
        "upload_photo",
        "record_video",
        "upload_video",
        "record_voice",
        "upload_voice",
        "upload_document",
        "choose_sticker",
        "find_location",
        "record_video_note",
        "upload_video_note",
    }
)
# Calls that concern the chat named by their chat_id, for wait_for_bot; chat actions are left out on purpose,
# since a test awaiting "the reply" wants the message that follows the "typing…" and not the action itself.
_CHAT_METHODS = frozenset({"sendMessage", "editMessageText", "editMessageReplyMarkup", "sendDocument", "deleteMessage"})
# Calls that concern the forum named by their chat_id, for wait_for_group.
_TOPIC_METHODS = frozenset({"createForumTopic", "closeForumTopic", "reopenForumTopic", "deleteForumTopic"})

MAX_TEXT = 4096
MAX_CAPTION = 1024
MAX_CALLBACK_DATA = 64
MAX_INLINE_BUTTONS = 100
MAX_UPLOAD = 50 * 1024 * 1024
MAX_ALERT = 200
MAX_COMMAND_DESCRIPTION = 256
# Telegram's limits on new messages (https://core.telegram.org/bots/faq#my-bot-is-hitting-limits-how-do-i-avoid-this):
# about 30 a second to different chats, and about one a second in one chat, where short bursts pass.
MESSAGES_PER_SECOND = 30.0
# With allow_paid_broadcast a bot may send up to 1,000 a second, paying Stars beyond the free 30
# (https://core.telegram.org/bots/api#sendmessage, allow_paid_broadcast).
PAID_MESSAGES_PER_SECOND = 1000.0
CHAT_MESSAGES_PER_SECOND = 1.0  # BotApiStandin(chat_messages_per_second=...) turns it on
CHAT_BURST = 3
# And no more than 20 messages a minute into one group (the same FAQ); the window slides, as a client sees it.
GROUP_MESSAGES_PER_MINUTE = 20
GROUP_WINDOW = 60.0
# A topic's name is cut to 128 characters, not refused (TDLib's clean_name, which the Bot API server applies).
MAX_TOPIC_NAME = 128
# The colours a topic icon may have (https://core.telegram.org/bots/api#createforumtopic); the first is what a topic
# gets when the bot names none, for the Bot API then sends 0 and Telegram shows 0x6FB9F0.
TOPIC_COLORS = (7322096, 16766590, 13338331, 9367192, 16749490, 16478047)

NOT_MODIFIED = (
    "Bad Request: message is not modified: specified new message content and reply markup are exactly the same "
    "as a current content and reply markup of the message"
)
QUERY_TOO_OLD = "Bad Request: query is too old and response timeout expired or query ID is invalid"
CHAT_NOT_FOUND = "Bad Request: chat not found"
NOT_A_FORUM = "Bad Request: the chat is not a forum"
THREAD_NOT_FOUND = "Bad Request: message thread not found"
TOPIC_CLOSED = "Bad Request: TOPIC_CLOSED"
TOPIC_ID_INVALID = "Bad Request: TOPIC_ID_INVALID"
TOPIC_NOT_MODIFIED = "Bad Request: TOPIC_NOT_MODIFIED"
TOPIC_NAME_EMPTY = "Bad Request: title must be non-empty"
BUTTON_DATA_INVALID = "Bad Request: BUTTON_DATA_INVALID"


class ApiError(Exception):
    """A refusal answered the way Telegram words it."""

    def __init__(self, error_code: int, description: str, retry_after: int | None = None) -> None:
        super().__init__(description)
        self.error_code = error_code
        self.description = description
        self.retry_after = retry_after

    def body(self) -> Json:
        answer: Json = {"ok": False, "error_code": self.error_code, "description": self.description}
        if self.retry_after is not None:
            answer["parameters"] = {"retry_after": self.retry_after}
        return answer


def _bad(reason: str) -> ApiError:
    return ApiError(400, f"Bad Request: {reason}")


def _utf16_len(text: str) -> int:
    # Telegram measures text and entity offsets in UTF-16 code units.
    return len(text.encode("utf-16-le")) // 2


def _byte_offset(text: str, index: int) -> int:
    return len(text[:index].encode())


def _html_to_plain(text: str) -> str:
    """The text Telegram shows for an HTML-formatted message, or its "can't parse entities" refusal."""
    out: list[str] = []
    open_tags: list[str] = []
    i = 0
    while i < len(text):
        ch = text[i]
        if ch == "&":
            entity = _HTML_ENTITY.match(text, i)
            if entity is None:
                # Telegram keeps an ampersand that starts no known entity as a literal character.
                out.append(ch)
                i += 1
                continue
            name = entity[1]
            if name.startswith("#x"):
                out.append(chr(int(name[2:], 16)))
            elif name.startswith("#"):
                out.append(chr(int(name[1:])))
            else:
                out.append(_NAMED_ENTITIES[name])
            i = entity.end()
        elif ch == "<":
            end = text.find(">", i)
            where = _byte_offset(text, i)
            if end == -1:
                raise _bad(f"can't parse entities: Unclosed start tag at byte offset {where}")
            inner = text[i + 1 : end]
            if inner.startswith("/"):
                name = inner[1:].strip().lower()
                if not open_tags:
                    raise _bad(f"can't parse entities: Unexpected end tag at byte offset {where}")
                expected = open_tags.pop()
                if name and name != expected:
                    raise _bad(
                        f'can\'t parse entities: Unmatched end tag at byte offset {where}, expected "</{expected}>", '
                        f'found "</{name}>"'
                    )
            else:
                name = (inner.split(maxsplit=1) or [""])[0].lower()
                if _START_TAG.fullmatch(inner) is None or name not in _HTML_TAGS:
                    raise _bad(f'can\'t parse entities: Unsupported start tag "{name}" at byte offset {where}')
                if name == "span" and "tg-spoiler" not in inner:
                    raise _bad(f'can\'t parse entities: Tag "span" must have class "tg-spoiler" at byte offset {where}')
                open_tags.append(name)
            i = end + 1
        else:
            out.append(ch)
            i += 1
    if open_tags:
        raise _bad(f"can't parse entities: Can't find end tag corresponding to start tag \"{open_tags[-1]}\"")
    return "".join(out)


def _formatted(text: str, parse_mode: str | None) -> str:
    """The text as the user will see it once the parse mode has been applied."""
    if parse_mode is None or parse_mode == "":
        return text
    if parse_mode.lower() == "html":
        return _html_to_plain(text)
    if parse_mode.lower() in {"markdown", "markdownv2"}:
        # Not parsed: the project formats in HTML, so Markdown is passed through rather than half-imitated.
        return text
    raise _bad("unsupported parse_mode")


def _without_nulls(value: Any) -> Any:
    # aiogram leaves out null fields and a hand-written JSON client may not; compare and store them alike.
    if isinstance(value, dict):
        return {k: _without_nulls(v) for k, v in value.items() if v is not None}
    if isinstance(value, list):
        return [_without_nulls(v) for v in value]
    return value


def _check_markup(markup: Any, *, inline_only: bool) -> Json | None:
    """The reply markup as stored, or Telegram's refusal of it."""
    if markup is None:
        return None
    if not isinstance(markup, dict):
        raise _bad("can't parse reply keyboard markup JSON object")
    cleaned: Json = _without_nulls(markup)
    markup = cleaned
    if "inline_keyboard" in markup:
        rows = markup["inline_keyboard"]
        if not isinstance(rows, list) or not all(isinstance(row, list) for row in rows):
            raise _bad('field "inline_keyboard" of the InlineKeyboardMarkup should be an Array of Arrays')
        if sum(len(row) for row in rows) > MAX_INLINE_BUTTONS:
            raise _bad("reply markup is too long")
        for row in rows:
            for button in row:
                _check_inline_button(button)
        return cleaned
    if inline_only:
        raise _bad("inline keyboard expected")
    if "keyboard" in markup:
        rows = markup["keyboard"]
        if not isinstance(rows, list) or not all(isinstance(row, list) for row in rows):
            raise _bad('field "keyboard" of the ReplyKeyboardMarkup should be an Array of Arrays')
        for row in rows:
            for button in row:
                if not isinstance(button, str | dict) or (isinstance(button, dict) and "text" not in button):
                    raise _bad("can't parse keyboard button: Text must be non-empty")
        return cleaned
    if markup.get("remove_keyboard") is True or markup.get("force_reply") is True:
        return cleaned
    raise _bad("can't parse reply keyboard markup JSON object")


def _check_inline_button(button: Any) -> None:
    if not isinstance(button, dict) or not isinstance(button.get("text"), str):
        raise _bad('can\'t parse inline keyboard button: Field "text" must be of type String')
    kinds = [kind for kind in _INLINE_BUTTON_KINDS if kind in button]
    if not kinds:
        raise _bad("can't parse inline keyboard button: Text buttons are unallowed in the inline keyboard")
    if "callback_data" in kinds:
        data = button["callback_data"]
        if not isinstance(data, str) or not 1 <= len(data.encode()) <= MAX_CALLBACK_DATA:
            raise ApiError(400, BUTTON_DATA_INVALID)


def _normalise(raw: dict[str, Any]) -> Json:
    """Parameters typed the way Telegram reads them, whether they came as a form or as JSON."""
    params: Json = {}
    for key, value in raw.items():
        if isinstance(value, str):
            if key in _JSON_PARAMS:
                try:
                    value = json.loads(value)
                except ValueError as exc:
                    if key == "reply_markup":
                        raise _bad("can't parse reply keyboard markup JSON object") from exc
                    raise _bad(f"can't parse {key} JSON object") from exc
            elif key in _INT_PARAMS and _INT_TEXT.fullmatch(value):
                value = int(value)
            elif key in _BOOL_PARAMS and value.lower() in _BOOLS:
                value = _BOOLS[value.lower()]
        params[key] = value
    return params


def _int(params: Json, key: str, missing: str) -> int:
    value = params.get(key)
    if value is None or value == "":
        raise _bad(missing)
    if isinstance(value, bool) or not isinstance(value, int):
        raise _bad(f"invalid {key} specified")
    return value


def _opt_str(params: Json, key: str) -> str | None:
    value = params.get(key)
    if value is None:
        return None
    if not isinstance(value, str):
        raise _bad(f"invalid {key} specified")
    return value


def _check_text(plain: str) -> None:
    if not plain.strip():
        raise _bad("message text is empty")
    if _utf16_len(plain) > MAX_TEXT:
        raise _bad("message is too long")


def _text_of(params: Json) -> tuple[str, str | None, str]:
    """A message's text as sent, its parse mode, and what the user sees; refused as Telegram refuses it."""
    text = _opt_str(params, "text")
    if text is None:
        raise _bad("message text is empty")
    parse_mode = _opt_str(params, "parse_mode")
    plain = _formatted(text, parse_mode)
    _check_text(plain)
    return text, parse_mode, plain


def _topic_name(params: Json) -> str:
    """A new topic's name as Telegram keeps it: trimmed, cut to 128 characters, runs of white space made one space."""
    name = params.get("name")
    cleaned = " ".join(str(name or "").strip()[:MAX_TOPIC_NAME].split())
    if not cleaned:
        raise ApiError(400, TOPIC_NAME_EMPTY)
    return cleaned


def _topic_color(params: Json) -> int:
    color = params.get("icon_color")
    if color is None or color == "":
        return TOPIC_COLORS[0]
    if isinstance(color, bool) or not isinstance(color, int) or not 0 <= color <= 0xFFFFFF:
        raise _bad("invalid icon color specified")
    # Telegram keeps only its six colours. What it makes of another is not documented: here it gets the first, as
    # the 0 the Bot API sends for "no colour" does.
    return color if color in TOPIC_COLORS else TOPIC_COLORS[0]


def _as_reply(message: _Message) -> Json:
    # Telegram's reply_to_message never holds a reply_to_message of its own.
    shown = message.api()
    shown.pop("reply_to_message", None)
    return shown


@dataclass
class _Message:
    """One message of a private chat or a group, as sent and as last edited."""

    message_id: int
    chat: Json
    sender: Json
    date: int
    text: str | None = None
    parse_mode: str | None = None
    plain: str | None = None
    entities: list[Json] | None = None
    caption: str | None = None
    caption_plain: str | None = None
    reply_markup: Json | None = None
    document: Json | None = None
    contact: Json | None = None
    sticker: Json | None = None
    edit_date: int | None = None
    reply_to: Json | None = None  # the message this one answers (Telegram's reply_to_message), as it was then
    thread_id: int | None = None  # the forum topic it is in; None in a private chat and in a forum's General topic
    service: Json | None = None  # a service message's own field, e.g. {"forum_topic_created": {...}}

    def api(self) -> Json:
        """The Message object Telegram would return: formatted text, and only inline markup."""
        message: Json = {"message_id": self.message_id, "from": self.sender, "chat": self.chat, "date": self.date}
        if self.plain is not None:
            message["text"] = self.plain
        if self.entities:
            message["entities"] = self.entities
        if self.caption_plain is not None:
            message["caption"] = self.caption_plain
        for key in ("document", "contact", "sticker", "edit_date"):
            if getattr(self, key) is not None:
                message[key] = getattr(self, key)
        if self.reply_markup is not None and "inline_keyboard" in self.reply_markup:
            message["reply_markup"] = self.reply_markup
        if self.reply_to is not None:
            message["reply_to_message"] = self.reply_to
        if self.thread_id is not None:
            message["message_thread_id"] = self.thread_id
            message["is_topic_message"] = True
        if self.service is not None:
            message.update(self.service)
        return copy.deepcopy(message)

    def view(self) -> Json:
        """The message for a test or a playground: text as sent, with its parse mode, and any markup."""
        message = self.api()
        if self.text is not None:
            message["text"] = self.text
        if self.caption is not None:
            message["caption"] = self.caption
        message["parse_mode"] = self.parse_mode
        message["reply_markup"] = copy.deepcopy(self.reply_markup)
        return message


@dataclass
class _Chat:
    """A private chat between the bot and one user; its id is the user's id."""

    user: Json
    messages: dict[int, _Message] = field(default_factory=dict)
    last_message_id: int = 0
    keyboard: Json | None = None
    blocked: bool = False
    log: list[Call] = field(default_factory=list)
    mark: int = 0
    changed: asyncio.Event = field(default_factory=asyncio.Event)

    def next_message_id(self) -> int:
        self.last_message_id += 1
        return self.last_message_id

    @property
    def chat_id(self) -> int:
        return int(self.user["id"])

    def as_chat(self) -> Json:
        return {"id": self.user["id"], "type": "private", "first_name": self.user["first_name"]}


@dataclass
class _Topic:
    """A forum topic. Its id is the id of the service message that opened it, as on Telegram."""

    thread_id: int
    name: str
    icon_color: int
    icon_custom_emoji_id: str | None
    # The opening service message as Telegram shows it: every message in the topic is a reply to it.
    opening: Json
    closed: bool = False
    deleted: bool = False

    def api(self) -> Json:
        """The ForumTopic object Telegram returns."""
        topic: Json = {"message_thread_id": self.thread_id, "name": self.name, "icon_color": self.icon_color}
        if self.icon_custom_emoji_id:
            topic["icon_custom_emoji_id"] = self.icon_custom_emoji_id
        return topic


@dataclass
class _Group:
    """A supergroup where the bot is an administrator (it reads every message); a forum when it has topics.

    Message ids count per group, as in a private chat; 1 is the group's own creation, and a forum's General topic.
    """

    chat_id: int
    title: str
    is_forum: bool
    messages: dict[int, _Message] = field(default_factory=dict)
    last_message_id: int = 1
    topics: dict[int, _Topic] = field(default_factory=dict)
    sent: deque[float] = field(default_factory=deque)  # when the bot's latest new messages here were accepted
    log: list[Call] = field(default_factory=list)
    mark: int = 0
    changed: asyncio.Event = field(default_factory=asyncio.Event)

    def next_message_id(self) -> int:
        self.last_message_id += 1
        return self.last_message_id

    def as_chat(self) -> Json:
        chat: Json = {"id": self.chat_id, "type": "supergroup", "title": self.title}
        if self.is_forum:
            chat["is_forum"] = True
        return chat


@dataclass
class _Query:
    """A tap on an inline button, and the bot's answer once it came."""

    user_id: int
    message_id: int
    data: str
    answer: Json | None = None


@dataclass
class _Document:
    """A file the bot uploaded, kept whole so tests can read it back."""

    data: bytes
    file_id: str
    file_unique_id: str
    file_name: str
    mime_type: str
    file_path: str

    def api(self) -> Json:
        return {
            "file_id": self.file_id,
            "file_unique_id": self.file_unique_id,
            "file_name": self.file_name,
            "mime_type": self.mime_type,
            "file_size": len(self.data),
        }


class Sent(NamedTuple):
    """A new message the stand-in accepted: when (time.monotonic()), to which chat, by which method, paid or not."""

    at: float
    chat_id: int
    method: str
    paid: bool


class _Bucket:
    """A token bucket: `rate` a second, up to `burst` at once."""

    def __init__(self, rate: float, burst: int) -> None:
        self.rate = rate
        self.burst = float(burst)
        self.tokens = float(burst)
        self.stamp = time.monotonic()

    def take(self) -> float:
        """0 when a token was taken; else the seconds until one will be there."""
        now = time.monotonic()
        self.tokens = min(self.burst, self.tokens + (now - self.stamp) * self.rate)
        self.stamp = now
        if self.tokens >= 1:
            self.tokens -= 1
            return 0.0
        return (1 - self.tokens) / self.rate


@dataclass
class _Flood:
    """How many more calls of which method answer 429, and with what retry_after."""

    retry_after: int
    times: int
    method: str | None

    def matches(self, method: str) -> bool:
        if self.method is None:
            # Polling is not the bot sending anything; a blanket flood on it would only slow polling down.
            return method != "getUpdates"
        return self.method.lower() == method.lower()


@dataclass
class _Request:
    """One Bot API call: the token it came with, its typed parameters and its uploaded files."""

    token: str
    params: Json
    files: dict[str, web.FileField]


_Handler = Callable[[_Request], Awaitable[Any]]
_LOOPBACK = frozenset({"127.0.0.1", "localhost", "::1"})
WEBHOOK_CONNECTIONS = 40  # Telegram's default max_connections


@dataclass(frozen=True, slots=True)
class _Webhook:
    url: str
    secret: str | None
    connections: int
    token: str  # the bot's, which set it: calls in the webhook's answers are that bot's


def _chat_of_update(update: Json) -> int:
    """The chat an update is about, whose updates the webhook delivers one at a time."""
    for value in update.values():
        if isinstance(value, dict):
            message = value.get("message", value)
            chat = message.get("chat") if isinstance(message, dict) else None
            if isinstance(chat, dict) and isinstance(chat.get("id"), int):
                return int(chat["id"])
            sender = value.get("from")
            if isinstance(sender, dict) and isinstance(sender.get("id"), int):
                return int(sender["id"])
    return 0


def _new_message(chat: _Chat | _Group, sender: Json, **content: Any) -> _Message:
    """A new message in `chat` from `sender` (a user or the bot), numbered and dated as Telegram does."""
    return _Message(
        message_id=chat.next_message_id(), chat=chat.as_chat(), sender=sender, date=int(time.time()), **content
    )


class BotApiStandin:
    """An in-memory Telegram Bot API on 127.0.0.1 for aiogram, with a Python and HTTP driver that plays users."""

    def __init__(
        self,
        *,
        username: str = "antrean_bot",
        first_name: str = "Antrean",
        token: str | None = None,
        delay: float = 0.0,
        messages_per_second: float | None = MESSAGES_PER_SECOND,
        paid_messages_per_second: float | None = PAID_MESSAGES_PER_SECOND,
        chat_messages_per_second: float | None = None,
        chat_burst: int = CHAT_BURST,
        group_per_minute: int | None = GROUP_MESSAGES_PER_MINUTE,
        group_window: float = GROUP_WINDOW,
    ) -> None:
        # New messages beyond `messages_per_second` (all chats together), or beyond `chat_messages_per_second` in
        # one chat after a burst of `chat_burst`, are answered 429 as Telegram does; None turns a limit off. The
        # limit in one chat is off by default until the bot paces each chat itself: a test that types faster than
        # any person makes the bot's own replies (a notice and the next question) overrun it. Paid broadcasts
        # (allow_paid_broadcast) count against `paid_messages_per_second` instead of the free limit. Into one group
        # at most `group_per_minute` new messages go in any `group_window` seconds; both may be changed at any time.
        self.group_per_minute = group_per_minute
        self.group_window = group_window
        self.username = username
        self.first_name = first_name
        self.token = token
        self.delay = delay
        self._all_chats = (
            None if messages_per_second is None else _Bucket(messages_per_second, max(1, int(messages_per_second)))
        )
        self._paid = (
            None
            if paid_messages_per_second is None
            else _Bucket(paid_messages_per_second, max(1, int(paid_messages_per_second)))
        )
        self._chat_pace = None if chat_messages_per_second is None else (chat_messages_per_second, chat_burst)
        self._sends: list[Sent] = []
        self._chat_buckets: dict[int, _Bucket] = {}
        self._chats: dict[int, _Chat] = {}
        self._groups: dict[int, _Group] = {}
        self._updates: deque[Json] = deque()
        self._last_update_id = 0
        # When (time.monotonic()) each update was first handed to the bot, by update_id: for latency benches.
        self._delivered: dict[int, float] = {}
        self._updates_changed = asyncio.Event()
        self._poll_generation = 0
        self._allowed_updates: list[str] = []
        self._queries: dict[str, _Query] = {}
        self._last_query_id = 0
        self._documents: dict[str, _Document] = {}
        self._commands: dict[tuple[str, str], list[Json]] = {}
        self._floods: list[_Flood] = []
        self._calls: list[Call] = []
        self._errors: list[tuple[str, Json, str]] = []
        self._closing = False
        self._runner: web.AppRunner | None = None
        # setWebhook: updates are POSTed there, in order, instead of waiting for getUpdates.
        self._webhook: _Webhook | None = None
        self._delivering: asyncio.Task[None] | None = None
        self._webhook_errors: list[str] = []
        # A load balancer in front of several workers: POSTs go to these bases in turn (spread_over), and each
        # update may be delivered a second time, to the next one, as Telegram does when an answer was lost.
        self._spread: list[str] = []
        self._next_base = 0
        self.repeat_deliveries = False
        # The pages that may drive users over HTTP (the playground's origin): its chats hold whole NIKs, so any
        # other page a browser has open must neither read them nor post as a user.
        self._origins: set[str] = set()
        self.base_url = ""
        self._methods: dict[str, tuple[str, _Handler]] = {
            name.lower(): (name, handler)
            for name, handler in {
                "getMe": self._get_me,
                "getUpdates": self._get_updates,
                "setWebhook": self._set_webhook,
                "deleteWebhook": self._delete_webhook,
                "getWebhookInfo": self._get_webhook_info,
                "setMyCommands": self._set_my_commands,
                "getMyCommands": self._get_my_commands,
                "deleteMyCommands": self._delete_my_commands,
                "sendMessage": self._send_message,
                "editMessageText": self._edit_message_text,
                "editMessageReplyMarkup": self._edit_message_reply_markup,
                "answerCallbackQuery": self._answer_callback_query,
                "sendDocument": self._send_document,
                "getFile": self._get_file,
                "deleteMessage": self._delete_message,
                "sendChatAction": self._send_chat_action,
                "createForumTopic": self._create_forum_topic,
                "closeForumTopic": self._close_forum_topic,
                "reopenForumTopic": self._reopen_forum_topic,
                "deleteForumTopic": self._delete_forum_topic,
            }.items()
        }

    # --- Life cycle ---------------------------------------------------------------------------------------------

    async def start(self, host: str = "127.0.0.1", port: int = 0) -> str:
        """Listen on host:port (0 picks a free port) and return the base URL to give aiogram."""
        self._closing = False
        app = web.Application(client_max_size=MAX_UPLOAD + 1024 * 1024, middlewares=[self._only_allowed_origins])
        app.on_response_prepare.append(self._allow_browsers)
        app.router.add_route("*", "/bot{token}/{method}", self._api)
        app.router.add_get("/file/bot{token}/{path:.+}", self._file)
        app.router.add_post("/standin/users/{user_id}/messages", self._http_message)
        app.router.add_post("/standin/users/{user_id}/stickers", self._http_sticker)
        app.router.add_post("/standin/users/{user_id}/callbacks", self._http_callback)
        app.router.add_post("/standin/users/{user_id}/contact", self._http_contact)
        app.router.add_get("/standin/users/{user_id}/chat", self._http_chat)
        app.router.add_get("/standin/documents/{file_id}", self._http_document)
        app.router.add_route("OPTIONS", "/standin/{tail:.*}", self._http_preflight)
        # Long polls end on their own when stopping, so a short grace period is enough.
        self._runner = web.AppRunner(app, access_log=None, handle_signals=False, shutdown_timeout=1.0)
        await self._runner.setup()
        site = web.TCPSite(self._runner, host, port)
        await site.start()
        bound_host, bound_port = self._runner.addresses[0][:2]
        self.base_url = f"http://{bound_host}:{bound_port}"
        return self.base_url

    async def stop(self) -> None:
        """Answer pending long polls and stop listening."""
        self._closing = True
        self._wake_pollers()
        if self._runner is not None:
            await self._runner.cleanup()
            self._runner = None

    async def __aenter__(self) -> Self:
        await self.start()
        return self

    async def __aexit__(
        self, exc_type: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        await self.stop()

    # --- Simulation knobs ---------------------------------------------------------------------------------------

    def flood(self, retry_after: int, times: int = 1, method: str | None = None) -> None:
        """Answer the next `times` calls (of `method`, or of any method but getUpdates) with 429 Too Many Requests."""
        self._floods.append(_Flood(retry_after=retry_after, times=times, method=method))

    # --- Driver: users act --------------------------------------------------------------------------------------

    async def user_sends_text(
        self,
        user_id: int,
        text: str,
        *,
        language_code: str | None = None,
        first_name: str | None = None,
        reply_to: int | None = None,
    ) -> int:
        """The user sends text (a leading /command gets its bot_command entity), as a reply to the chat's message
        `reply_to` when given; returns the update_id."""
        chat = self._chat_for_user(user_id, language_code=language_code, first_name=first_name)
        message = _new_message(chat, dict(chat.user), text=text, plain=text)
        if reply_to is not None:
            answered = chat.messages.get(reply_to)
            if answered is None:
                raise ValueError(f"chat {user_id} has no message {reply_to} to reply to")
            message.reply_to = answered.api()
        command = _COMMAND.match(text)
        if command:
            message.entities = [{"type": "bot_command", "offset": 0, "length": _utf16_len(command[0])}]
        return self._user_message(chat, message)

    async def user_sends_sticker(self, user_id: int) -> int:
        """The user sends a sticker; returns the update_id."""
        chat = self._chat_for_user(user_id)
        sticker = {
            "file_id": f"CAACAgIAAxkBAAE{chat.last_message_id + 1:06d}",
            "file_unique_id": f"AgADsticker{chat.last_message_id + 1}",
            "type": "regular",
            "width": 512,
            "height": 512,
            "is_animated": False,
            "is_video": False,
            "emoji": "👍",
        }
        message = _new_message(chat, dict(chat.user), sticker=sticker)
        return self._user_message(chat, message)

    async def user_shares_contact(self, user_id: int, phone: str, *, owner_id: int | None = None) -> int:
        """The user shares a contact (their own, as the request_contact button does, unless owner_id says otherwise)."""
        chat = self._chat_for_user(user_id)
        contact = {"phone_number": phone, "first_name": chat.user["first_name"], "user_id": owner_id or user_id}
        message = _new_message(chat, dict(chat.user), contact=contact)
        return self._user_message(chat, message)

    async def user_taps(self, user_id: int, message_id: int, data: str) -> str:
        """The user taps an inline button of a message in their chat; returns the callback_query id."""
        chat = self._chats.get(user_id)
        message = chat.messages.get(message_id) if chat else None
        if chat is None or message is None:
            raise LookupError(f"chat {user_id} has no message {message_id} to tap")
        self._last_query_id += 1
        query_id = str(4_000_000_000_000_000_000 + self._last_query_id)
        self._queries[query_id] = _Query(user_id=user_id, message_id=message_id, data=data)
        chat.mark = len(chat.log)
        self._push_update(
            {
                "callback_query": {
                    "id": query_id,
                    "from": dict(chat.user),
                    "message": message.api(),
                    "chat_instance": f"-{user_id}",
                    "data": data,
                }
            }
        )
        return query_id

    async def user_taps_button(self, user_id: int, label: str) -> str:
        """The user taps the inline button labelled `label` in the newest message showing one; returns the query id."""
        chat = self._chats.get(user_id)
        for message in reversed(list(chat.messages.values()) if chat else []):
            for row in (message.reply_markup or {}).get("inline_keyboard", []):
                for button in row:
                    if button.get("text") == label and "callback_data" in button:
                        return await self.user_taps(user_id, message.message_id, button["callback_data"])
        raise LookupError(f"no inline button {label!r} in chat {user_id}")

    async def user_blocks_bot(self, user_id: int) -> None:
        """The user blocks the bot: sends to them answer 403 until they write again."""
        self._chat_for_user(user_id).blocked = True

    def earlier_bot_message(self, user_id: int, token: str, text: str, reply_markup: Json | None = None) -> int:
        """A message the bot (`token`'s) sent this user before now, for a benchmark that starts with thousands of
        chats open at a menu (sent one by one, 30 a second, they would take minutes); returns its message_id."""
        chat = self._chat_for_user(user_id)
        markup = _check_markup(reply_markup, inline_only=False)
        message = _new_message(chat, self._bot_user(token), text=text, parse_mode=None, plain=text, reply_markup=markup)
        self._post(chat, message)
        return message.message_id

    def spread_over(self, bases: list[str]) -> None:
        """Play a load balancer: webhook POSTs go to each of `bases` ("http://127.0.0.1:8001") in turn, at the
        webhook's path."""
        self._spread = list(bases)

    def _webhook_target(self, hook: _Webhook) -> str:
        if not self._spread:
            return hook.url
        base = self._spread[self._next_base % len(self._spread)]
        self._next_base += 1
        parts = urlsplit(hook.url)
        return base.rstrip("/") + parts.path + (f"?{parts.query}" if parts.query else "")

    def meet(self, user_id: int, *, language_code: str | None = None, first_name: str | None = None) -> None:
        """A chat the bot may write to, as if the user had started it long ago: no update, nothing in the chat.

        Cheap enough for the tens of thousands of subscribers a broadcast bench needs.
        """
        self._chat_for_user(user_id, language_code=language_code, first_name=first_name)

    # --- Driver: a staff group ------------------------------------------------------------------------------------

    def add_forum_group(self, chat_id: int, title: str = "Staf Bantuan") -> None:
        """A forum supergroup (topics on) where the bot is an administrator: it may open topics, reads every message."""
        self.add_group(chat_id, title, is_forum=True)

    def add_group(self, chat_id: int, title: str = "Staf Bantuan", *, is_forum: bool = False) -> None:
        """A supergroup where the bot is an administrator; without is_forum it has no topics (not turned on)."""
        if chat_id >= 0:
            raise ValueError(f"a group's id is negative, as Telegram's are (e.g. -1001234567890), not {chat_id}")
        if chat_id in self._groups:
            raise ValueError(f"group {chat_id} was added already")
        self._groups[chat_id] = _Group(chat_id=chat_id, title=title, is_forum=is_forum)

    async def staff_sends_in_topic(
        self,
        group_id: int,
        user_id: int,
        thread_id: int | None,
        text: str,
        *,
        first_name: str = "Rina",
        username: str | None = None,
        reply_to: int | None = None,
    ) -> int:
        """A member of staff writes in a topic of the group (its General topic, or the group itself, when thread_id is
        None), as a reply to the group's message `reply_to` when given; returns the update_id.

        Staff are the group's administrators, so a closed topic takes their message, as it does in the app.
        """
        group = self._group(group_id)
        topic = self._staff_topic(group, thread_id)
        staff: Json = {"id": user_id, "is_bot": False, "first_name": first_name, "language_code": "id"}
        if username is not None:
            staff["username"] = username
        message = _new_message(group, staff, text=text, plain=text, **self._place(topic))
        if reply_to is not None:
            answered = group.messages.get(reply_to)
            if answered is None or answered.thread_id != message.thread_id:
                raise ValueError(f"topic {thread_id} of group {group_id} has no message {reply_to} to reply to")
            message.reply_to = _as_reply(answered)
        command = _COMMAND.match(text)
        if command:
            message.entities = [{"type": "bot_command", "offset": 0, "length": _utf16_len(command[0])}]
        return self._staff_message(group, message)

    async def staff_closes_topic(
        self, group_id: int, thread_id: int, *, user_id: int = 7001, first_name: str = "Rina"
    ) -> int:
        """A member of staff closes the topic in the app: the bot's later messages into it are refused with
        TOPIC_CLOSED. The bot gets the "forum_topic_closed" service message, as Telegram sends it; returns its
        update_id."""
        group = self._group(group_id)
        topic = self._staff_topic(group, thread_id)
        if topic is None:
            raise ValueError("closing the General topic is not played by the stand-in")
        if topic.closed:
            raise ValueError(f"topic {thread_id} of group {group_id} is closed already")
        topic.closed = True
        staff: Json = {"id": user_id, "is_bot": False, "first_name": first_name, "language_code": "id"}
        notice = _new_message(group, staff, service={"forum_topic_closed": {}}, **self._place(topic))
        return self._staff_message(group, notice)

    async def staff_deletes_topic(self, group_id: int, thread_id: int) -> None:
        """A member of staff deletes the topic in the app, with all its messages: the bot's later messages into it
        are refused with "message thread not found". Telegram tells bots of no deletion, so no update comes."""
        group = self._group(group_id)
        topic = self._staff_topic(group, thread_id)
        if topic is None:
            raise ValueError("the General topic cannot be deleted")
        self._drop_topic(group, topic)
        self._staff_acted()

    def topics(self, group_id: int) -> list[Json]:
        """The group's topics, oldest first: thread_id, name, icon_color, closed, deleted."""
        return [
            {
                "thread_id": topic.thread_id,
                "name": topic.name,
                "icon_color": topic.icon_color,
                "closed": topic.closed,
                "deleted": topic.deleted,
            }
            for topic in self._group(group_id).topics.values()
        ]

    def group_messages(self, group_id: int, thread_id: int | None = None) -> list[Json]:
        """The bot's and staff's messages in the group as chat() shows a private chat's, oldest first: all of them,
        or those of one topic. Service messages (a topic opened, closed, reopened) are left out: topics() has those.
        A deleted topic's messages are gone, as on Telegram."""
        return [
            message.view()
            for message in self._group(group_id).messages.values()
            if message.service is None and (thread_id is None or message.thread_id == thread_id)
        ]

    # The timeout is part of the check, not a cancellation scope: running out says what the bot did instead.
    async def wait_for_group(self, group_id: int, *, calls: int = 1, timeout: float = 5.0) -> list[Call]:  # noqa: ASYNC109
        """Wait for `calls` bot calls about this group (sends, edits, deletions, topics) that no wait_for_group
        returned yet, made since someone last acted (a user anywhere, or staff); returns those calls."""
        group = self._group(group_id)
        made = await self._calls_about(group, f"group {group_id}", calls, timeout)
        group.mark += len(made)
        return made

    # --- Driver: tests look -------------------------------------------------------------------------------------

    @property
    def calls(self) -> list[Call]:
        """Every API call the bot made but getUpdates, in order, as (method, typed params)."""
        return list(self._calls)

    @property
    def errors(self) -> list[tuple[str, Json, str]]:
        """The calls that were refused, as (method, params, description)."""
        return list(self._errors)

    def sends(self) -> list[Sent]:
        """Every new message accepted (sendMessage, sendDocument), in order, timed with time.monotonic().

        Timed when the stand-in accepts it: what Telegram's limits count. Refused calls and edits are not here.
        """
        return list(self._sends)

    def sent_count(self) -> int:
        """How many new messages were accepted so far (without copying the record)."""
        return len(self._sends)

    async def chat(self, user_id: int) -> list[Json]:
        """The chat's messages as they stand now, oldest first (text as sent, with its parse_mode and markup)."""
        chat = self._chats.get(user_id)
        return [message.view() for message in chat.messages.values()] if chat else []

    def answers(self, user_id: int) -> list[Json]:
        """The bot's answers with a text to this user's taps, oldest first: what Telegram shows as a pop-up."""
        return [
            {"callback_query_id": query_id, "text": q.answer["text"], "show_alert": q.answer["show_alert"]}
            for query_id, q in self._queries.items()
            if q.user_id == user_id and q.answer is not None and q.answer.get("text")
        ]

    async def last_bot_message(self, user_id: int) -> Json | None:
        """The newest message from the bot still in the chat, or None."""
        for message in reversed(await self.chat(user_id)):
            if message["from"]["is_bot"]:
                return message
        return None

    async def keyboard(self, user_id: int) -> Json | None:
        """The reply keyboard the user currently sees under the input field, or None."""
        chat = self._chats.get(user_id)
        return copy.deepcopy(chat.keyboard) if chat else None

    async def document_bytes(self, file_id: str) -> bytes:
        """The bytes of a document the bot sent."""
        return self._documents[file_id].data

    async def answered(self, callback_query_id: str) -> Json | None:
        """How the bot answered a callback query (text, show_alert, …), or None while unanswered."""
        query = self._queries.get(callback_query_id)
        return copy.deepcopy(query.answer) if query else None

    async def unanswered(self) -> list[str]:
        """The callback queries the bot has not answered (yet)."""
        return [query_id for query_id, query in self._queries.items() if query.answer is None]

    async def commands(self, *, scope: Json | None = None, language_code: str = "") -> list[Json]:
        """The bot's command list for a scope and language, as setMyCommands left it."""
        return copy.deepcopy(self._commands.get(self._commands_key(scope, language_code), []))

    async def updates_pending(self) -> int:
        """How many updates the bot has not confirmed yet."""
        return len(self._updates)

    async def delivered_at(self, update_id: int) -> float | None:
        """When (time.monotonic()) the update was first handed to the bot, or None while it has not been.

        Handed over means returned by getUpdates or POSTed to the webhook; a later redelivery keeps the first time.
        """
        return self._delivered.get(update_id)

    # The timeout is part of the check, not a cancellation scope: running out says what the bot did instead.
    async def wait_for_bot(self, user_id: int, *, calls: int = 1, timeout: float = 5.0) -> list[Call]:  # noqa: ASYNC109
        """Wait for `calls` bot calls about this chat since the user's last action (or staff's, in a group: what
        they write there may be passed on to the user); returns those calls."""
        chat = self._chats.get(user_id)
        if chat is None:
            raise LookupError(f"user {user_id} has not written to the bot")
        return await self._calls_about(chat, f"chat {user_id}", calls, timeout)

    async def _calls_about(self, chat: _Chat | _Group, name: str, calls: int, timeout: float) -> list[Call]:  # noqa: ASYNC109
        loop = asyncio.get_running_loop()
        deadline = loop.time() + timeout
        while len(chat.log) - chat.mark < calls:
            remaining = deadline - loop.time()
            if remaining <= 0:
                made = chat.log[chat.mark :]
                raise TimeoutError(
                    f"the bot made {len(made)} of {calls} calls about {name} within {timeout} s: {made}; "
                    f"its last calls overall: {self._calls[-5:]}; refused: {self._errors[-3:]}"
                )
            changed = chat.changed
            try:
                await asyncio.wait_for(changed.wait(), remaining)
            except TimeoutError:
                continue
        return copy.deepcopy(chat.log[chat.mark :])

    # --- Internals: users, updates ------------------------------------------------------------------------------

    def _chat_for_user(self, user_id: int, *, language_code: str | None = None, first_name: str | None = None) -> _Chat:
        chat = self._chats.get(user_id)
        if chat is None:
            user: Json = {
                "id": user_id,
                "is_bot": False,
                "first_name": first_name or "Budi",
                "language_code": language_code or "id",
            }
            chat = self._chats[user_id] = _Chat(user=user)
        else:
            if language_code is not None:
                chat.user["language_code"] = language_code
            if first_name is not None:
                chat.user["first_name"] = first_name
        return chat

    def _user_message(self, chat: _Chat, message: _Message) -> int:
        chat.blocked = False
        chat.messages[message.message_id] = message
        chat.mark = len(chat.log)
        return self._push_update({"message": message.api()})

    def _push_update(self, payload: Json) -> int:
        self._last_update_id += 1
        # Every update is someone acting: what the bot does about a group from now on answers it (wait_for_group).
        for group in self._groups.values():
            group.mark = len(group.log)
        # Telegram does not create updates of kinds the bot's last getUpdates did not allow; drop them the same way.
        if not self._allowed_updates or any(kind in payload for kind in self._allowed_updates):
            self._updates.append({"update_id": self._last_update_id, **payload})
        self._wake_pollers()
        self._deliver()
        return self._last_update_id

    def _wake_pollers(self) -> None:
        self._updates_changed.set()
        self._updates_changed = asyncio.Event()

    def _note_chat_call(self, chat_id: int | None, call: Call) -> None:
        chat: _Chat | _Group | None = None
        if chat_id is not None:
            chat = self._chats.get(chat_id) or self._groups.get(chat_id)
        if chat is None:
            return
        chat.log.append(call)
        chat.changed.set()
        chat.changed = asyncio.Event()

    def _concerned_chat(self, method: str, params: Json) -> int | None:
        if method in _CHAT_METHODS or method in _TOPIC_METHODS:
            chat_id = params.get("chat_id")
            return chat_id if isinstance(chat_id, int) and not isinstance(chat_id, bool) else None
        if method == "answerCallbackQuery":
            query = self._queries.get(str(params.get("callback_query_id")))
            return query.user_id if query else None
        return None

    def _chat_of(self, params: Json) -> _Chat:
        chat_id = params.get("chat_id")
        if chat_id is None or chat_id == "":
            raise _bad("chat_id is empty")
        chat = self._chats.get(chat_id) if isinstance(chat_id, int) else None
        if chat is None:
            raise ApiError(400, CHAT_NOT_FOUND)
        return chat

    # --- Internals: groups --------------------------------------------------------------------------------------

    def _group(self, group_id: int) -> _Group:
        group = self._groups.get(group_id)
        if group is None:
            raise LookupError(f"no group {group_id}: add it with add_forum_group (or add_group) first")
        return group

    def _group_of(self, params: Json) -> _Group | None:
        """The group the call's chat_id names, or None: then it is a private chat, or a chat the bot does not know."""
        chat_id = params.get("chat_id")
        return self._groups.get(chat_id) if isinstance(chat_id, int) and not isinstance(chat_id, bool) else None

    def _conversation_of(self, params: Json) -> _Chat | _Group:
        group = self._group_of(params)
        return group if group is not None else self._chat_of(params)

    def _forum_of(self, params: Json) -> _Group:
        group = self._group_of(params)
        if group is None:
            self._chat_of(params)  # a chat the bot does not know is not found; a private chat is no forum
            raise ApiError(400, NOT_A_FORUM)
        if not group.is_forum:
            raise ApiError(400, NOT_A_FORUM)
        return group

    @staticmethod
    def _topic_of(group: _Group, params: Json) -> _Topic:
        """The live topic the call's message_thread_id names (for closing, reopening, deleting)."""
        thread_id = params.get("message_thread_id")
        topic = group.topics.get(thread_id) if isinstance(thread_id, int) else None
        if topic is None or topic.deleted:
            raise ApiError(400, TOPIC_ID_INVALID)
        return topic

    @staticmethod
    def _topic_to_post_in(group: _Group, params: Json) -> _Topic | None:
        """Where a new message of the bot's goes: a topic, or None for the General topic (or a group without topics,
        where the Bot API ignores message_thread_id); refused as Telegram refuses it."""
        thread_id = params.get("message_thread_id")
        if not group.is_forum or thread_id is None or thread_id == "" or thread_id == 0:
            return None
        topic = group.topics.get(thread_id) if isinstance(thread_id, int) else None
        # The General topic (1) is named by leaving the thread out; naming it is refused too, as on Telegram.
        if topic is None or topic.deleted:
            raise ApiError(400, THREAD_NOT_FOUND)
        if topic.closed:
            raise ApiError(400, TOPIC_CLOSED)
        return topic

    @staticmethod
    def _staff_topic(group: _Group, thread_id: int | None) -> _Topic | None:
        if thread_id is None:
            return None
        topic = group.topics.get(thread_id) if group.is_forum else None
        if topic is None or topic.deleted:
            raise LookupError(f"group {group.chat_id} has no topic {thread_id} (any more)")
        return topic

    @staticmethod
    def _place(topic: _Topic | None) -> Json:
        """The fields that put a new message in its topic: its thread, and the reply to the topic's opening message
        that Telegram shows on every message in a topic."""
        return {} if topic is None else {"thread_id": topic.thread_id, "reply_to": copy.deepcopy(topic.opening)}

    @staticmethod
    def _drop_topic(group: _Group, topic: _Topic) -> None:
        # Deleting a topic deletes its messages, the opening one included.
        topic.deleted = True
        for message_id in [i for i, m in group.messages.items() if m.thread_id == topic.thread_id]:
            del group.messages[message_id]

    def _staff_message(self, group: _Group, message: _Message) -> int:
        group.messages[message.message_id] = message
        self._staff_acted()
        return self._push_update({"message": message.api()})

    def _staff_acted(self) -> None:
        # What staff do may be passed on to any user, so every chat waits afresh (wait_for_bot), groups too.
        for chat in self._chats.values():
            chat.mark = len(chat.log)
        for group in self._groups.values():
            group.mark = len(group.log)

    def _group_wait(self, group: _Group) -> float:
        """0 when the group takes one more message now; else the seconds until the oldest that counts leaves the
        window."""
        if self.group_per_minute is None:
            return 0.0
        limit = max(1, self.group_per_minute)
        now = time.monotonic()
        while group.sent and group.sent[0] <= now - self.group_window:
            group.sent.popleft()
        if len(group.sent) < limit:
            return 0.0
        return group.sent[len(group.sent) - limit] + self.group_window - now

    def _bot_user(self, token: str) -> Json:
        match = _TOKEN.fullmatch(token)
        return {
            "id": int(match[1]) if match else 0,
            "is_bot": True,
            "first_name": self.first_name,
            "username": self.username,
        }

    @staticmethod
    def _commands_key(scope: Any, language_code: Any) -> tuple[str, str]:
        # Telegram keeps one command list per scope and language; no scope means the default one.
        scope = scope if isinstance(scope, dict) and scope else {"type": "default"}
        return json.dumps(scope, sort_keys=True), str(language_code or "")

    # --- HTTP: the Bot API --------------------------------------------------------------------------------------

    async def _api(self, request: web.Request) -> web.Response:
        token = request.match_info["token"]
        if self.delay > 0:
            await asyncio.sleep(self.delay)
            if request.transport is None:
                # The caller went away (its process was killed) before the call was made: Telegram makes no call
                # whose request it did not finish reading, and nobody reads this answer.
                return web.Response(status=499)
        try:
            raw, files = await self._read_params(request)
        except ApiError as refusal:
            return web.json_response(refusal.body(), status=refusal.error_code)
        status, body = await self._call(token, request.match_info["method"], raw, files)
        return web.json_response(body, status=status)

    async def _call(
        self, token: str, asked: str, raw: dict[str, Any], files: dict[str, web.FileField]
    ) -> tuple[int, Json]:
        """One Bot API call, as asked over HTTP or in the answer to a webhook's POST: its status and its body."""
        if not _TOKEN.fullmatch(token) or (self.token is not None and token != self.token):
            return 401, ApiError(401, "Unauthorized").body()
        method, handler = self._methods.get(asked.lower(), (asked, None))
        params: Json = {}
        chat_id: int | None = None
        try:
            params = _normalise(raw)
            if method != "getUpdates":
                self._calls.append((method, params))
            chat_id = self._concerned_chat(method, params)
            if handler is None:
                raise ApiError(404, "Not Found")
            for flood in self._floods:
                if flood.times > 0 and flood.matches(method):
                    flood.times -= 1
                    raise ApiError(429, f"Too Many Requests: retry after {flood.retry_after}", flood.retry_after)
            result = await handler(_Request(token=token, params=params, files=files))
        except ApiError as refusal:
            if method != "getUpdates":
                self._errors.append((method, params, refusal.description))
            return refusal.error_code, refusal.body()
        finally:
            self._floods = [flood for flood in self._floods if flood.times > 0]
            self._note_chat_call(chat_id, (method, params))
        return 200, {"ok": True, "result": result}

    async def _read_params(self, request: web.Request) -> tuple[dict[str, Any], dict[str, web.FileField]]:
        raw: dict[str, Any] = dict(request.query)
        files: dict[str, web.FileField] = {}
        if request.method != "POST" or not request.body_exists:
            return raw, files
        if request.content_type == "application/json":
            try:
                body = await request.json()
            except ValueError as exc:
                raise _bad("can't parse JSON encoded request") from exc
            if not isinstance(body, dict):
                raise _bad("request body must be a JSON object")
            raw.update(body)
        elif request.content_type in {"application/x-www-form-urlencoded", "multipart/form-data"}:
            for key, value in (await request.post()).items():
                if isinstance(value, web.FileField):
                    files[key] = value
                else:
                    raw[key] = value
        return raw, files

    async def _file(self, request: web.Request) -> web.StreamResponse:
        path = request.match_info["path"]
        for document in self._documents.values():
            if document.file_path == path:
                return web.Response(body=document.data, content_type=document.mime_type)
        return web.json_response(ApiError(404, "Not Found").body(), status=404)

    # --- Bot API methods ----------------------------------------------------------------------------------------

    async def _get_me(self, request: _Request) -> Json:
        return {
            **self._bot_user(request.token),
            "can_join_groups": True,
            "can_read_all_group_messages": False,
            "supports_inline_queries": False,
        }

    async def _get_updates(self, request: _Request) -> list[Json]:
        params = request.params
        offset = params.get("offset")
        if isinstance(offset, int) and offset > 0:
            while self._updates and self._updates[0]["update_id"] < offset:
                self._updates.popleft()
        elif isinstance(offset, int) and offset < 0:
            while len(self._updates) > -offset:
                self._updates.popleft()
        limit = params.get("limit")
        limit = min(max(limit, 1), 100) if isinstance(limit, int) else 100
        timeout = params.get("timeout")
        timeout = max(timeout, 0) if isinstance(timeout, int) else 0
        allowed = params.get("allowed_updates")
        if isinstance(allowed, list):
            self._allowed_updates = [str(kind) for kind in allowed]
        # Telegram answers an older long poll with 409 when a newer one arrives: only one poller may run.
        self._poll_generation += 1
        generation = self._poll_generation
        self._wake_pollers()
        loop = asyncio.get_running_loop()
        deadline = loop.time() + timeout
        while True:
            if self._webhook is not None:
                raise ApiError(409, "Conflict: can't use getUpdates method while webhook is active; use deleteWebhook")
            if generation != self._poll_generation:
                raise ApiError(
                    409,
                    "Conflict: terminated by other getUpdates request; make sure that only one bot instance is running",
                )
            batch = copy.deepcopy(list(itertools.islice(self._updates, limit)))
            remaining = deadline - loop.time()
            if batch or self._closing or remaining <= 0:
                now = time.monotonic()
                for update in batch:
                    self._delivered.setdefault(update["update_id"], now)
                return batch
            changed = self._updates_changed
            try:
                await asyncio.wait_for(changed.wait(), remaining)
            except TimeoutError:
                continue

    async def _delete_webhook(self, request: _Request) -> bool:
        if request.params.get("drop_pending_updates") is True:
            self._updates.clear()
        self._webhook = None
        return True

    async def _set_webhook(self, request: _Request) -> bool:
        url = _opt_str(request.params, "url")
        if not url:
            return await self._delete_webhook(request)
        # Loopback only: the stand-in's chats hold whole NIKs, and a webhook is where every update goes.
        host = urlsplit(url).hostname or ""
        if urlsplit(url).scheme not in ("http", "https") or host not in _LOOPBACK:
            raise _bad("bad webhook: the stand-in delivers only to 127.0.0.1, localhost or ::1")
        connections = request.params.get("max_connections", WEBHOOK_CONNECTIONS)
        if not isinstance(connections, int) or not 1 <= connections <= 100:
            raise _bad("bad webhook: max_connections must be between 1 and 100")
        allowed = request.params.get("allowed_updates")
        if isinstance(allowed, list):
            self._allowed_updates = [str(kind) for kind in allowed]
        if request.params.get("drop_pending_updates") is True:
            self._updates.clear()
        self._webhook = _Webhook(url, _opt_str(request.params, "secret_token"), connections, request.token)
        self._wake_pollers()  # a long poll running now ends with 409, as on Telegram
        self._deliver()
        return True

    async def _get_webhook_info(self, request: _Request) -> Json:
        info: Json = {
            "url": self._webhook.url if self._webhook else "",
            "has_custom_certificate": False,
            "pending_update_count": len(self._updates),
        }
        if self._webhook is not None:
            info["max_connections"] = self._webhook.connections
            if self._allowed_updates:
                info["allowed_updates"] = list(self._allowed_updates)
        if self._webhook_errors:
            info["last_error_message"] = self._webhook_errors[-1]
        return info

    def _deliver(self) -> None:
        if self._webhook is not None and (self._delivering is None or self._delivering.done()):
            self._delivering = asyncio.create_task(self._deliver_pending())

    async def _deliver_pending(self) -> None:
        """POSTs queued updates to the webhook, up to its max_connections at once and one at a time in each chat
        (a chat's next update waits for the answer to the one before); an update the bot refuses stays queued."""
        # Closing the session waits for its connections to close: updates that arrive meanwhile find this task not
        # yet done and start no other, so it looks again once the session is closed.
        while self._webhook is not None and not self._closing and self._updates:
            async with aiohttp.ClientSession(connector=aiohttp.TCPConnector(limit=0)) as session:
                await self._post_pending(session)

    async def _post_pending(self, session: aiohttp.ClientSession) -> None:
        posting: dict[int, asyncio.Task[None]] = {}
        busy: set[int] = set()
        done = asyncio.Event()

        def finished(update_id: int, chat: int) -> Callable[[asyncio.Task[None]], None]:
            def callback(_: asyncio.Task[None]) -> None:
                posting.pop(update_id, None)
                busy.discard(chat)
                done.set()

            return callback

        while self._webhook is not None and not self._closing and (self._updates or posting):
            changed = self._updates_changed
            for update in self._updates:
                if len(posting) >= self._webhook.connections:
                    break
                update_id, chat = update["update_id"], _chat_of_update(update)
                if update_id in posting or chat in busy:
                    continue
                busy.add(chat)
                task = asyncio.create_task(self._post_update(session, self._webhook, update))
                task.add_done_callback(finished(update_id, chat))
                posting[update_id] = task
            waits = [asyncio.create_task(done.wait()), asyncio.create_task(changed.wait())]
            await asyncio.wait(waits, return_when=asyncio.FIRST_COMPLETED)
            for wait in waits:
                wait.cancel()
            done.clear()
        for task in list(posting.values()):
            task.cancel()

    async def _post_update(self, session: aiohttp.ClientSession, hook: _Webhook, update: Json) -> None:
        headers = {"X-Telegram-Bot-Api-Secret-Token": hook.secret} if hook.secret else {}
        self._delivered.setdefault(update["update_id"], time.monotonic())
        reply: Any = None
        try:
            async with session.post(self._webhook_target(hook), json=update, headers=headers) as response:
                ok = 200 <= response.status < 300
                reason = f"Wrong response from the webhook: {response.status} {response.reason}"
                if ok and response.content_type == "application/json":
                    reply = await response.json()
        except (aiohttp.ClientError, ValueError) as exc:
            ok, reason = False, f"Connection failed: {exc}"
        if not ok:
            self._webhook_errors.append(reason)
            await asyncio.sleep(0.2)  # Telegram retries later too; the chat's next updates wait meanwhile
            return
        with contextlib.suppress(ValueError):
            self._updates.remove(update)
        if self.repeat_deliveries:  # the answer "was lost": the same update again, maybe to another worker
            with contextlib.suppress(aiohttp.ClientError):
                async with session.post(self._webhook_target(hook), json=update, headers=headers) as again:
                    await again.read()
        # The answer may carry one Bot API call, which Telegram makes for the bot (its result goes nowhere).
        if isinstance(reply, dict) and isinstance(reply.get("method"), str):
            params = {k: v for k, v in reply.items() if k != "method"}
            await self._call(hook.token, reply["method"], params, {})

    async def _set_my_commands(self, request: _Request) -> bool:
        commands = request.params.get("commands")
        if not isinstance(commands, list):
            raise _bad("commands must be an Array")
        for command in commands:
            if not isinstance(command, dict) or not re.fullmatch(r"[a-z0-9_]{1,32}", str(command.get("command"))):
                raise _bad("BOT_COMMAND_INVALID")
            if not 1 <= len(str(command.get("description", ""))) <= MAX_COMMAND_DESCRIPTION:
                raise _bad("BOT_COMMAND_DESCRIPTION_INVALID")
        key = self._commands_key(request.params.get("scope"), request.params.get("language_code"))
        self._commands[key] = [{"command": c["command"], "description": c["description"]} for c in commands]
        return True

    async def _get_my_commands(self, request: _Request) -> list[Json]:
        key = self._commands_key(request.params.get("scope"), request.params.get("language_code"))
        return copy.deepcopy(self._commands.get(key, []))

    async def _delete_my_commands(self, request: _Request) -> bool:
        key = self._commands_key(request.params.get("scope"), request.params.get("language_code"))
        self._commands.pop(key, None)
        return True

    def _reachable_chat(self, params: Json) -> _Chat:
        chat = self._chat_of(params)
        if chat.blocked:
            raise ApiError(403, "Forbidden: bot was blocked by the user")
        return chat

    def _keep_pace(self, chat: _Chat | _Group, request: _Request, method: str) -> None:
        """A new message that passed every check, within Telegram's limits: about 30 a second, 1 a second a chat,
        20 a minute a group.

        Edits and answers to taps are not counted, as Telegram does not count them. A bot over a limit gets 429
        with retry_after, in whole seconds (https://core.telegram.org/bots/faq#my-bot-is-hitting-limits-how-do-i-avoid-this).
        A paid broadcast counts against the paid limit instead of the free one. An accepted message is recorded.
        """
        group = chat if isinstance(chat, _Group) else None
        # The group's own limit is asked first, so a message it refuses takes nothing from the others.
        if group is not None:
            self._refuse_if_waiting(self._group_wait(group))
        paid = request.params.get("allow_paid_broadcast") is True
        overall = self._paid if paid else self._all_chats
        waits = [] if overall is None else [overall.take()]
        if self._chat_pace is not None:
            bucket = self._chat_buckets.get(chat.chat_id)
            if bucket is None:
                bucket = self._chat_buckets[chat.chat_id] = _Bucket(*self._chat_pace)
            waits.append(bucket.take())
        self._refuse_if_waiting(max(waits, default=0.0))
        now = time.monotonic()
        if group is not None:
            group.sent.append(now)
        self._sends.append(Sent(now, chat.chat_id, method, paid))

    @staticmethod
    def _refuse_if_waiting(wait: float) -> None:
        if wait > 0:
            retry_after = max(1, math.ceil(wait))
            raise ApiError(429, f"Too Many Requests: retry after {retry_after}", retry_after)

    def _post(self, chat: _Chat | _Group, message: _Message) -> Json:
        chat.messages[message.message_id] = message
        if isinstance(chat, _Group):
            return message.api()
        markup = message.reply_markup
        if markup is not None and "keyboard" in markup:
            chat.keyboard = markup
        elif markup is not None and markup.get("remove_keyboard") is True:
            chat.keyboard = None
        return message.api()

    async def _send_message(self, request: _Request) -> Json:
        params = request.params
        group = self._group_of(params)
        chat = group if group is not None else self._reachable_chat(params)
        text, parse_mode, plain = _text_of(params)
        markup = _check_markup(params.get("reply_markup"), inline_only=False)
        place = self._place(self._topic_to_post_in(group, params)) if group is not None else {}
        self._keep_pace(chat, request, "sendMessage")
        message = self._from_bot(
            chat, request, text=text, parse_mode=parse_mode, plain=plain, reply_markup=markup, **place
        )
        return self._post(chat, message)

    def _from_bot(self, chat: _Chat | _Group, request: _Request, **content: Any) -> _Message:
        """A new message of the bot's in `chat`."""
        return _new_message(chat, self._bot_user(request.token), **content)

    def _message_to_edit(self, params: Json) -> _Message:
        if params.get("inline_message_id"):
            raise _bad("inline messages are not supported by the stand-in")
        chat = self._conversation_of(params)
        message_id = _int(params, "message_id", "message identifier is not specified")
        message = chat.messages.get(message_id)
        if message is None:
            raise _bad("message to edit not found")
        if not message.sender["is_bot"]:
            raise _bad("message can't be edited")
        return message

    async def _edit_message_text(self, request: _Request) -> Json:
        params = request.params
        message = self._message_to_edit(params)
        text, parse_mode, plain = _text_of(params)
        # Telegram drops the inline keyboard of an edited message unless the edit sends it again.
        markup = _check_markup(params.get("reply_markup"), inline_only=True)
        if message.text is None:
            raise _bad("there is no text in the message to edit")
        # Telegram compares what the user would see, so the same words under another parse mode are no change.
        if text == message.text and plain == message.plain and markup == message.reply_markup:
            raise _bad(NOT_MODIFIED.removeprefix("Bad Request: "))
        message.text, message.parse_mode, message.plain = text, parse_mode, plain
        message.reply_markup = markup
        message.edit_date = int(time.time())
        return message.api()

    async def _edit_message_reply_markup(self, request: _Request) -> Json:
        message = self._message_to_edit(request.params)
        markup = _check_markup(request.params.get("reply_markup"), inline_only=True)
        if markup == message.reply_markup:
            raise _bad(NOT_MODIFIED.removeprefix("Bad Request: "))
        message.reply_markup = markup
        message.edit_date = int(time.time())
        return message.api()

    async def _answer_callback_query(self, request: _Request) -> bool:
        params = request.params
        query = self._queries.get(str(params.get("callback_query_id")))
        if query is None or query.answer is not None:
            raise ApiError(400, QUERY_TOO_OLD)
        text = _opt_str(params, "text")
        if text is not None and _utf16_len(text) > MAX_ALERT:
            raise _bad("MESSAGE_TOO_LONG")
        query.answer = {
            "text": text,
            "show_alert": params.get("show_alert") is True,
            "url": params.get("url"),
            "cache_time": params.get("cache_time"),
        }
        return True

    async def _send_document(self, request: _Request) -> Json:
        params = request.params
        group = self._group_of(params)
        chat = group if group is not None else self._reachable_chat(params)
        document = self._document_of(request)
        caption = _opt_str(params, "caption")
        parse_mode = _opt_str(params, "parse_mode")
        caption_plain = _formatted(caption, parse_mode) if caption is not None else None
        if caption_plain is not None and _utf16_len(caption_plain) > MAX_CAPTION:
            raise _bad("message caption is too long")
        markup = _check_markup(params.get("reply_markup"), inline_only=False)
        place = self._place(self._topic_to_post_in(group, params)) if group is not None else {}
        self._keep_pace(chat, request, "sendDocument")
        message = self._from_bot(
            chat,
            request,
            parse_mode=parse_mode,
            caption=caption,
            caption_plain=caption_plain,
            reply_markup=markup,
            document=document.api(),
            **place,
        )
        return self._post(chat, message)

    def _document_of(self, request: _Request) -> _Document:
        reference = request.params.get("document")
        upload: web.FileField | None = None
        if isinstance(reference, str) and reference.startswith("attach://"):
            upload = request.files.get(reference.removeprefix("attach://"))
            if upload is None:
                raise _bad("wrong file identifier/HTTP URL specified")
        elif reference is None:
            upload = request.files.get("document")
            if upload is None:
                raise _bad("there is no document in the request")
        elif isinstance(reference, str) and reference in self._documents:
            return self._documents[reference]
        else:
            # A URL would make Telegram fetch the file; the stand-in cannot, so it refuses like a bad identifier.
            raise _bad("wrong file identifier/HTTP URL specified")
        data = upload.file.read()
        if not data:
            raise _bad("file must be non-empty")
        file_name = upload.filename or "document"
        # aiogram uploads every file as application/octet-stream; Telegram then goes by the file's extension.
        mime_type = upload.content_type
        if not mime_type or mime_type == "application/octet-stream":
            mime_type = mimetypes.guess_type(file_name)[0] or "application/octet-stream"
        # Unguessable, as Telegram's are: a file id is all the playground needs to fetch a proof with whole NIKs.
        key = secrets.token_urlsafe(24)
        extension = mimetypes.guess_extension(mime_type) or ""
        document = _Document(
            data=data,
            file_id=f"BQACAgIAAxkBAAI{key}",
            file_unique_id=f"AgAD{secrets.token_urlsafe(12)}",
            file_name=file_name,
            mime_type=mime_type,
            file_path=f"documents/file_{key}{extension}",
        )
        self._documents[document.file_id] = document
        return document

    async def _get_file(self, request: _Request) -> Json:
        document = self._documents.get(str(request.params.get("file_id")))
        if document is None:
            raise _bad("invalid file_id")
        return {
            "file_id": document.file_id,
            "file_unique_id": document.file_unique_id,
            "file_size": len(document.data),
            "file_path": document.file_path,
        }

    async def _delete_message(self, request: _Request) -> bool:
        chat = self._conversation_of(request.params)
        message_id = _int(request.params, "message_id", "message identifier is not specified")
        if isinstance(chat, _Group) and message_id in chat.topics:
            # A topic's opening message goes only with the topic (deleteForumTopic).
            raise _bad("message can't be deleted")
        if chat.messages.pop(message_id, None) is None:
            raise _bad("message to delete not found")
        return True

    async def _send_chat_action(self, request: _Request) -> bool:
        if self._group_of(request.params) is None:
            self._reachable_chat(request.params)
        if request.params.get("action") not in _CHAT_ACTIONS:
            raise _bad("wrong parameter action in request")
        return True

    async def _create_forum_topic(self, request: _Request) -> Json:
        params = request.params
        group = self._forum_of(params)
        name = _topic_name(params)
        color = _topic_color(params)
        emoji = _opt_str(params, "icon_custom_emoji_id") or None
        created: Json = {"name": name, "icon_color": color}
        if emoji is not None:
            created["icon_custom_emoji_id"] = emoji
        # The topic's id is its opening service message's, which is in the topic itself.
        opening = self._from_bot(group, request, service={"forum_topic_created": created})
        opening.thread_id = opening.message_id
        group.messages[opening.message_id] = opening
        topic = _Topic(
            thread_id=opening.message_id,
            name=name,
            icon_color=color,
            icon_custom_emoji_id=emoji,
            opening=_as_reply(opening),
        )
        group.topics[topic.thread_id] = topic
        return topic.api()

    async def _close_forum_topic(self, request: _Request) -> bool:
        return self._toggle_topic(request, closed=True)

    async def _reopen_forum_topic(self, request: _Request) -> bool:
        return self._toggle_topic(request, closed=False)

    def _toggle_topic(self, request: _Request, *, closed: bool) -> bool:
        group = self._forum_of(request.params)
        topic = self._topic_of(group, request.params)
        if topic.closed == closed:
            raise ApiError(400, TOPIC_NOT_MODIFIED)
        topic.closed = closed
        service: Json = {"forum_topic_closed" if closed else "forum_topic_reopened": {}}
        notice = self._from_bot(group, request, service=service, **self._place(topic))
        group.messages[notice.message_id] = notice
        return True

    async def _delete_forum_topic(self, request: _Request) -> bool:
        group = self._forum_of(request.params)
        self._drop_topic(group, self._topic_of(group, request.params))
        return True

    # --- HTTP: the driver, for a browser playground -------------------------------------------------------------

    @staticmethod
    def _user_id(request: web.Request) -> int:
        try:
            return int(request.match_info["user_id"])
        except ValueError as exc:
            raise web.HTTPBadRequest(text="user_id must be an integer") from exc

    @staticmethod
    async def _json_body(request: web.Request) -> Json:
        try:
            body = await request.json()
        except ValueError as exc:
            raise web.HTTPBadRequest(text="the body must be JSON") from exc
        if not isinstance(body, dict):
            raise web.HTTPBadRequest(text="the body must be a JSON object")
        return body

    async def _http_message(self, request: web.Request) -> web.Response:
        user_id = self._user_id(request)
        body = await self._json_body(request)
        text = body.get("text")
        if not isinstance(text, str) or not text:
            return web.json_response({"error": "text must be a non-empty string"}, status=400)
        language_code = body.get("language_code")
        first_name = body.get("first_name")
        update_id = await self.user_sends_text(
            user_id,
            text,
            language_code=language_code if isinstance(language_code, str) else None,
            first_name=first_name if isinstance(first_name, str) else None,
        )
        return web.json_response({"update_id": update_id})

    async def _http_sticker(self, request: web.Request) -> web.Response:
        return web.json_response({"update_id": await self.user_sends_sticker(self._user_id(request))})

    async def _http_callback(self, request: web.Request) -> web.Response:
        user_id = self._user_id(request)
        body = await self._json_body(request)
        message_id, data = body.get("message_id"), body.get("data")
        if not isinstance(message_id, int) or not isinstance(data, str):
            return web.json_response({"error": "message_id (integer) and data (string) are required"}, status=400)
        try:
            query_id = await self.user_taps(user_id, message_id, data)
        except LookupError as exc:
            return web.json_response({"error": str(exc)}, status=404)
        return web.json_response({"callback_query_id": query_id})

    async def _http_contact(self, request: web.Request) -> web.Response:
        user_id = self._user_id(request)
        phone = (await self._json_body(request)).get("phone")
        if not isinstance(phone, str) or not phone:
            return web.json_response({"error": "phone must be a non-empty string"}, status=400)
        return web.json_response({"update_id": await self.user_shares_contact(user_id, phone)})

    async def _http_chat(self, request: web.Request) -> web.Response:
        user_id = self._user_id(request)
        return web.json_response(
            {
                "messages": await self.chat(user_id),
                "keyboard": await self.keyboard(user_id),
                "answers": self.answers(user_id),
            }
        )

    def allow_origin(self, origin: str) -> None:
        """Lets pages from `origin` (e.g. http://127.0.0.1:8080, the playground's) play users over HTTP.

        The same port on localhost is let in too: it is the same page opened under its other name.
        """
        self._origins.add(origin)
        for ours, other in (("//127.0.0.1:", "//localhost:"), ("//localhost:", "//127.0.0.1:")):
            if ours in origin:
                self._origins.add(origin.replace(ours, other))

    @web.middleware
    async def _only_allowed_origins(self, request: web.Request, handler: Any) -> web.StreamResponse:
        # A browser names the page's origin on every cross-origin request (aiogram, tests and curl send none):
        # any other page open in the same browser is refused before anything is done, on every route, so it can
        # neither read chats nor post as a user nor point the bot's webhook elsewhere, even blind. The Host must
        # be our own loopback name too: a page on a rebinding DNS name reaches 127.0.0.1 as "same origin".
        origin = request.headers.get("Origin")
        if origin is not None and origin not in self._origins:
            return web.json_response({"error": "this origin may not use the stand-in"}, status=403)
        if (urlsplit(f"//{request.host}").hostname or "") not in _LOOPBACK:
            return web.json_response({"error": "the stand-in answers only on 127.0.0.1 or localhost"}, status=403)
        return cast(web.StreamResponse, await handler(request))

    async def _allow_browsers(self, request: web.Request, response: web.StreamResponse) -> None:
        # The playground page is served by the web app on another port, so the browser needs CORS to reach us.
        origin = request.headers.get("Origin")
        if request.path.startswith("/standin/") and origin in self._origins:
            response.headers["Access-Control-Allow-Origin"] = origin
            response.headers["Access-Control-Allow-Methods"] = "GET, POST, OPTIONS"
            response.headers["Access-Control-Allow-Headers"] = "Content-Type"
            response.headers["Vary"] = "Origin"

    async def _http_preflight(self, request: web.Request) -> web.Response:
        return web.Response(status=204)

    async def _http_document(self, request: web.Request) -> web.Response:
        document = self._documents.get(request.match_info["file_id"])
        if document is None:
            return web.json_response({"error": "no such document"}, status=404)
        return web.Response(
            body=document.data,
            content_type=document.mime_type,
            headers={"Content-Disposition": f'inline; filename="{document.file_name}"'},
        )
