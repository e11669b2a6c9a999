"""A browser chat that plays a Telegram user against the Bot API stand-in: the bot, tried without Telegram."""

from __future__ import annotations

import base64
import hashlib
import html
import json
import re
from urllib.parse import urlsplit

from fastapi import APIRouter
from fastapi.responses import HTMLResponse

PLAYGROUND_PATH = "/playground"
DEMO_PHONE = "+6281234567890"  # what the contact button shares: a well-formed Indonesian mobile number

# The page's own words; the bot's words come from the bot. Indonesian first, as everywhere in the project.
TEXTS: dict[str, dict[str, str]] = {
    "id": {
        "title": "Antrean — uji coba obrolan",
        "subtitle": "bot uji coba",
        "user": "Pemohon {id}",
        "language": "Bahasa Telegram",
        "newApplicant": "Pemohon baru",
        "composer": "Tulis pesan…",
        "send": "Kirim",
        "start": "MULAI",
        "empty": "Belum ada pesan. Tekan MULAI atau kirim /start.",
        "edited": "diedit",
        "download": "Unduh",
        "contact": "Kontak: {phone}",
        "sticker": "Stiker",
        "confirmContact": "Bagikan nomor telepon contoh {phone} kepada bot?",
        "unsupportedButton": "Tombol jenis ini tidak didukung di uji coba.",
        "unreachable": "Telegram tiruan tidak dapat dihubungi: {error}",
        "failed": "Tidak terkirim: {error}",
    },
    "en": {
        "title": "Antrean — chat playground",
        "subtitle": "playground bot",
        "user": "Applicant {id}",
        "language": "Telegram language",
        "newApplicant": "New applicant",
        "composer": "Write a message…",
        "send": "Send",
        "start": "START",
        "empty": "No messages yet. Press START or send /start.",
        "edited": "edited",
        "download": "Download",
        "contact": "Contact: {phone}",
        "sticker": "Sticker",
        "confirmContact": "Share the demo phone number {phone} with the bot?",
        "unsupportedButton": "This kind of button is not supported in the playground.",
        "unreachable": "The Telegram stand-in cannot be reached: {error}",
        "failed": "Not sent: {error}",
    },
}
DEFAULT_LANGUAGE = "id"

_STYLE = """
:root {
  --header: #517da2; --header-text: #fff; --chat: #d7e3ec; --outside: #aebfcc;
  --bot: #fff; --user: #e1f7cf; --meta: #8a9aa8; --link: #2a7ab8;
  --inline: rgba(45, 80, 110, .42); --inline-pressed: rgba(45, 80, 110, .65);
  --panel: #f1f4f7; --reply: #fff; --accent: #3b8ed6; --error: #c0392b;
}
* { box-sizing: border-box; }
html, body { height: 100%; margin: 0; }
body {
  font: 15px/1.4 system-ui, -apple-system, "Segoe UI", Roboto, "Noto Sans", sans-serif;
  background: var(--outside); color: #1b1f23;
}
#app {
  display: flex; flex-direction: column; height: 100vh; height: 100dvh;
  max-width: 760px; margin: 0 auto; background: var(--chat); box-shadow: 0 0 24px rgba(0, 0, 0, .18);
}
header {
  display: flex; align-items: center; gap: 10px; padding: 8px 12px;
  background: var(--header); color: var(--header-text); flex: none;
}
.avatar {
  width: 40px; height: 40px; border-radius: 50%; flex: none; display: grid; place-items: center;
  background: #f5a623; color: #fff; font-weight: 700; font-size: 18px;
}
.who { flex: 1; min-width: 0; }
.who h1 { margin: 0; font-size: 17px; font-weight: 600; }
.who p { margin: 0; font-size: 12.5px; opacity: .85; white-space: nowrap; overflow: hidden; text-overflow: ellipsis; }
.tools { display: flex; align-items: center; gap: 6px; flex-wrap: wrap; justify-content: flex-end; }
.tools label { font-size: 12px; opacity: .9; }
.tools select, .tools button {
  font: inherit; font-size: 13px; border: 1px solid rgba(255, 255, 255, .55); border-radius: 6px;
  background: transparent; color: inherit; padding: 4px 8px; cursor: pointer;
}
.tools select option { color: #1b1f23; }
.sr-only {
  position: absolute; width: 1px; height: 1px; overflow: hidden; clip: rect(0 0 0 0); white-space: nowrap;
}
#messages {
  flex: 1; overflow-y: auto; padding: 12px 10px 8px; display: flex; flex-direction: column; gap: 6px;
  overscroll-behavior: contain;
}
#empty { margin: auto; text-align: center; color: #4d5d6b; max-width: 280px; }
#empty button {
  margin-top: 10px; font: inherit; font-weight: 600; letter-spacing: .06em; padding: 10px 28px;
  border: 0; border-radius: 8px; background: var(--accent); color: #fff; cursor: pointer;
}
.message { display: flex; flex-direction: column; max-width: min(88%, 520px); }
.message.bot { align-self: flex-start; }
.message.user { align-self: flex-end; }
.bubble {
  padding: 6px 9px 4px; border-radius: 12px; box-shadow: 0 1px 1px rgba(0, 0, 0, .12);
  overflow-wrap: anywhere;
}
.message.bot .bubble { background: var(--bot); border-bottom-left-radius: 4px; }
.message.user .bubble { background: var(--user); border-bottom-right-radius: 4px; }
.text { white-space: pre-wrap; }
.text a { color: var(--link); }
.text code, .text pre { font-family: ui-monospace, "DejaVu Sans Mono", monospace; font-size: 13.5px; }
.text pre { margin: 4px 0; padding: 6px; background: #f3f5f7; border-radius: 6px; overflow-x: auto; }
.text blockquote { margin: 4px 0; padding-left: 8px; border-left: 3px solid var(--accent); }
.text .spoiler { background: #c9d1d8; color: transparent; border-radius: 3px; cursor: pointer; }
.text .spoiler.shown { background: none; color: inherit; }
.meta { display: flex; justify-content: flex-end; gap: 6px; font-size: 11.5px; color: var(--meta); margin-top: 1px; }
.sticker { font-size: 56px; line-height: 1.1; }
a.document {
  display: flex; align-items: center; gap: 10px; text-decoration: none; color: inherit; padding: 2px 0;
}
a.document .icon {
  width: 42px; height: 42px; border-radius: 50%; background: var(--accent); color: #fff;
  display: grid; place-items: center; font-size: 20px; flex: none;
}
a.document .name { font-weight: 600; color: var(--link); display: block; word-break: break-all; }
a.document .size { font-size: 12.5px; color: var(--meta); }
.caption { margin-top: 4px; }
.inline-keyboard { display: flex; flex-direction: column; gap: 4px; margin-top: 4px; }
.inline-keyboard .row { display: flex; gap: 4px; }
.inline {
  flex: 1 1 0; min-width: 0; min-height: 36px; padding: 6px 4px; border: 0; border-radius: 8px;
  background: var(--inline); color: #fff; font: inherit; font-size: 14px; font-weight: 500;
  cursor: pointer; text-align: center; text-decoration: none; display: grid; place-items: center;
  overflow: hidden; text-overflow: ellipsis;
}
.inline:focus-visible { background: var(--inline-pressed); }
/* A phone keeps :hover on whatever was tapped last, which would look like a pressed button. */
@media (hover: hover) { .inline:hover { background: var(--inline-pressed); } }
.inline.pending { opacity: .6; }
.inline[disabled] { cursor: not-allowed; opacity: .5; }
#status { flex: none; padding: 6px 12px; background: var(--error); color: #fff; font-size: 13px; }
#status[hidden] { display: none; }
#reply-keyboard {
  flex: none; display: flex; flex-direction: column; gap: 6px; padding: 6px; background: var(--panel);
  border-top: 1px solid #dde3e8;
}
#reply-keyboard[hidden] { display: none; }
#reply-keyboard .row { display: flex; gap: 6px; }
.reply {
  flex: 1 1 0; min-height: 44px; padding: 8px; border: 0; border-radius: 8px; background: var(--reply);
  box-shadow: 0 1px 1px rgba(0, 0, 0, .15); font: inherit; cursor: pointer;
}
#composer-form {
  flex: none; display: flex; align-items: flex-end; gap: 8px; padding: 8px;
  padding-bottom: max(8px, env(safe-area-inset-bottom)); background: #fff; border-top: 1px solid #dde3e8;
}
#composer {
  flex: 1; resize: none; max-height: 140px; min-height: 40px; padding: 9px 12px; border: 1px solid #cfd8df;
  border-radius: 20px; font: inherit; font-size: 16px; line-height: 1.3; outline: none;
}
#composer:focus { border-color: var(--accent); }
#send {
  flex: none; width: 40px; height: 40px; border: 0; border-radius: 50%; background: var(--accent); color: #fff;
  font-size: 18px; cursor: pointer; display: grid; place-items: center;
}
@media (max-width: 480px) {
  .tagline { display: none; }
  .tools { gap: 4px; }
  .tools select, .tools button { font-size: 12px; padding: 4px 6px; }
}
@media (min-width: 800px) {
  #app { height: calc(100vh - 32px); height: calc(100dvh - 32px); margin: 16px auto; border-radius: 10px;
         overflow: hidden; }
}
"""

_SCRIPT = r"""
"use strict";
const config = JSON.parse(document.getElementById("config").textContent);
const T = config.texts;
const BASE = config.standinUrl;
const USER_KEY = "antrean.playground.user";
const LANGUAGE_KEY = "antrean.playground.language";
const $ = (id) => document.getElementById(id);
const say = (template, values) => template.replace(/\{(\w+)\}/g, (_, key) => String(values[key]));

// localStorage can be off (private windows, some embedded browsers): the page then works without memory.
const store = {
  get(key) { try { return localStorage.getItem(key); } catch { return null; } },
  set(key, value) { try { localStorage.setItem(key, value); } catch { /* nothing to keep it in */ } },
};

function freshUserId() {
  return 100000000 + Math.floor(Math.random() * 900000000);
}

function initialUserId() {
  const asked = Number(new URLSearchParams(location.search).get("user"));
  if (Number.isSafeInteger(asked) && asked > 0) return asked;
  const kept = Number(store.get(USER_KEY));
  if (Number.isSafeInteger(kept) && kept > 0) return kept;
  return freshUserId();
}

let userId = initialUserId();
store.set(USER_KEY, String(userId));
let generation = 0;       // bumped for a new applicant, so an answer about the old chat is dropped
const shown = new Map();  // message_id -> {element, signature}
let usedKeyboard = null;  // the message whose one-time reply keyboard was used, hidden as Telegram hides it

const languageSelect = $("language");
const keptLanguage = store.get(LANGUAGE_KEY);
languageSelect.value = ["id", "en"].includes(keptLanguage) ? keptLanguage : config.lang;
languageSelect.addEventListener("change", () => store.set(LANGUAGE_KEY, languageSelect.value));

function showUser() {
  $("user-id").textContent = say(T.user, {id: userId});
}

// A failed poll is cleared by the next good one; a failed action stays until the next action goes through.
let statusKind = null;
function showStatus(text, kind) {
  const status = $("status");
  status.hidden = !text;
  status.textContent = text || "";
  statusKind = text ? kind : null;
}

// --- Talking to the stand-in -------------------------------------------------------------------------------

async function act(path, payload) {
  const response = await fetch(`${BASE}/standin/users/${userId}/${path}`, {
    method: "POST",
    headers: {"Content-Type": "application/json"},
    body: JSON.stringify(payload),
  });
  if (!response.ok) {
    let detail = `HTTP ${response.status}`;
    try { detail = (await response.json()).error || detail; } catch { /* not JSON */ }
    throw new Error(detail);
  }
  pollSoon();
}

async function attempt(action) {
  try {
    await action();
    showStatus(null);
    return true;
  } catch (error) {
    showStatus(say(T.failed, {error: error.message || error}), "action");
    return false;
  }
}

const sendText = (text) => attempt(() => act("messages", {text, language_code: languageSelect.value}));

// The chat is polled; right after the user acts the bot answers within a moment, so look more often then.
let timer = 0;
let inFlight = false;
let again = false;
let eagerUntil = 0;

function pollSoon() {
  eagerUntil = Date.now() + 3000;
  if (inFlight) { again = true; return; }
  clearTimeout(timer);
  timer = setTimeout(poll, 0);
}

async function poll() {
  clearTimeout(timer);
  inFlight = true;
  const asked = generation;
  try {
    const response = await fetch(`${BASE}/standin/users/${userId}/chat`, {cache: "no-store"});
    if (!response.ok) throw new Error(`HTTP ${response.status}`);
    const chat = await response.json();
    if (asked === generation) {
      render(chat);
      if (statusKind === "poll") showStatus(null);
    }
  } catch (error) {
    showStatus(say(T.unreachable, {error: error.message || error}), "poll");
  } finally {
    inFlight = false;
    const delay = again ? 0 : Date.now() < eagerUntil ? 150 : document.hidden ? 3000 : 700;
    again = false;
    timer = setTimeout(poll, delay);
  }
}

// --- Drawing the chat --------------------------------------------------------------------------------------

// The bot may format with Telegram's HTML; the browser parses it inertly and only Telegram's tags are copied,
// as fresh elements, so nothing the bot sends can run script or style the page.
const TAGS = {
  B: "b", STRONG: "b", I: "i", EM: "i", U: "u", INS: "u", S: "s", STRIKE: "s", DEL: "s",
  CODE: "code", PRE: "pre", BLOCKQUOTE: "blockquote", A: "a", SPAN: "span", "TG-SPOILER": "span",
};

function copyAllowed(from, to) {
  for (const node of from.childNodes) {
    if (node.nodeType === Node.TEXT_NODE) {
      to.append(node.data);
    } else if (node.nodeType === Node.ELEMENT_NODE) {
      const tag = TAGS[node.tagName];
      if (!tag) { copyAllowed(node, to); continue; }
      const element = document.createElement(tag);
      if (tag === "a") {
        const href = node.getAttribute("href") || "";
        if (/^(https?:|tg:|mailto:)/i.test(href)) {
          element.href = href;
          element.target = "_blank";
          element.rel = "noopener noreferrer";
        }
      }
      if (tag === "span") {
        element.className = "spoiler";
        element.addEventListener("click", () => element.classList.add("shown"));
      }
      copyAllowed(node, element);
      to.append(element);
    }
  }
}

function formatted(text, parseMode) {
  const box = document.createElement("div");
  box.className = "text";
  if ((parseMode || "").toLowerCase() === "html") {
    copyAllowed(new DOMParser().parseFromString(text, "text/html").body, box);
  } else {
    box.textContent = text;  // as sent: Markdown and plain text are shown as they are
  }
  return box;
}

function sizeOf(bytes) {
  if (!Number.isFinite(bytes)) return "";
  return bytes < 1024 ? `${bytes} B` : bytes < 1048576 ? `${(bytes / 1024).toFixed(1)} KB`
    : `${(bytes / 1048576).toFixed(1)} MB`;
}

function documentLink(document_) {
  const link = document.createElement("a");
  link.className = "document";
  link.dataset.testid = "document";
  link.href = `${BASE}/standin/documents/${encodeURIComponent(document_.file_id)}`;
  link.target = "_blank";
  link.rel = "noopener";
  link.download = document_.file_name || "document";
  link.title = T.download;
  const icon = document.createElement("span");
  icon.className = "icon";
  icon.textContent = "📄";
  const about = document.createElement("span");
  const name = document.createElement("span");
  name.className = "name";
  name.textContent = document_.file_name || "document";
  const size = document.createElement("span");
  size.className = "size";
  size.textContent = [sizeOf(document_.file_size), T.download].filter(Boolean).join(" · ");
  about.append(name, size);
  link.append(icon, about);
  return link;
}

function inlineKeyboard(message) {
  const rows = (message.reply_markup || {}).inline_keyboard;
  if (!Array.isArray(rows) || rows.length === 0) return null;
  const keyboard = document.createElement("div");
  keyboard.className = "inline-keyboard";
  for (const row of rows) {
    const line = document.createElement("div");
    line.className = "row";
    for (const button of row) {
      let element;
      if (typeof button.url === "string") {
        element = document.createElement("a");
        element.href = /^(https?:|tg:)/i.test(button.url) ? button.url : "#";
        element.target = "_blank";
        element.rel = "noopener noreferrer";
      } else {
        element = document.createElement("button");
        element.type = "button";
        if (typeof button.callback_data === "string") {
          element.dataset.data = button.callback_data;
          element.addEventListener("click", () => tap(element, message.message_id, button.callback_data));
        } else {
          element.disabled = true;
          element.title = T.unsupportedButton;
        }
      }
      element.classList.add("inline");
      element.textContent = button.text;
      line.append(element);
    }
    keyboard.append(line);
  }
  return keyboard;
}

async function tap(button, messageId, data) {
  button.classList.add("pending");
  await attempt(() => act("callbacks", {message_id: messageId, data}));
  button.classList.remove("pending");
}

function timeOf(seconds) {
  const time = document.createElement("time");
  const at = new Date(seconds * 1000);
  time.dateTime = at.toISOString();
  time.textContent = at.toLocaleTimeString(config.lang, {hour: "2-digit", minute: "2-digit"});
  return time;
}

function fill(element, message) {
  const fromBot = Boolean(message.from && message.from.is_bot);
  element.className = `message ${fromBot ? "bot" : "user"}`;
  element.dataset.testid = fromBot ? "bot-message" : "user-message";
  element.dataset.messageId = String(message.message_id);
  element.classList.toggle("edited", Boolean(message.edit_date));
  const bubble = document.createElement("div");
  bubble.className = "bubble";
  if (typeof message.text === "string") bubble.append(formatted(message.text, message.parse_mode));
  if (message.document) bubble.append(documentLink(message.document));
  if (typeof message.caption === "string") {
    const caption = formatted(message.caption, message.parse_mode);
    caption.classList.add("caption");
    bubble.append(caption);
  }
  if (message.contact) {
    const contact = document.createElement("div");
    contact.className = "text contact";
    contact.textContent = `📱 ${say(T.contact, {phone: message.contact.phone_number})}`;
    bubble.append(contact);
  }
  if (message.sticker) {
    const sticker = document.createElement("div");
    sticker.className = "sticker";
    sticker.textContent = message.sticker.emoji || "🖼";
    sticker.title = T.sticker;
    bubble.append(sticker);
  }
  const meta = document.createElement("div");
  meta.className = "meta";
  if (message.edit_date) {
    const edited = document.createElement("span");
    edited.className = "edited-mark";
    edited.textContent = T.edited;
    meta.append(edited);
  }
  meta.append(timeOf(message.date));
  bubble.append(meta);
  const keyboard = inlineKeyboard(message);
  element.replaceChildren(...(keyboard ? [bubble, keyboard] : [bubble]));
  if (fromBot && message.from.first_name) {
    $("bot-name").textContent = message.from.first_name;
    $("avatar").textContent = message.from.first_name.slice(0, 1).toUpperCase();
  }
}

function render(chat) {
  const list = $("messages");
  const nearBottom = list.scrollHeight - list.scrollTop - list.clientHeight < 120;
  const present = new Set();
  let changed = false;
  for (const message of chat.messages) {
    present.add(message.message_id);
    const signature = JSON.stringify(message);
    const seen = shown.get(message.message_id);
    if (seen && seen.signature === signature) continue;
    // An edit is drawn into the element already there, so the message keeps its place in the chat.
    const element = seen ? seen.element : document.createElement("div");
    fill(element, message);
    if (!seen) list.append(element);  // message ids only grow, so a new one belongs at the end
    shown.set(message.message_id, {element, signature});
    changed = true;
  }
  for (const [id, seen] of shown) {
    if (!present.has(id)) { seen.element.remove(); shown.delete(id); changed = true; }
  }
  $("empty").hidden = shown.size > 0;
  renderReplyKeyboard(chat);
  if (changed && nearBottom) list.scrollTop = list.scrollHeight;
}

function renderReplyKeyboard(chat) {
  const panel = $("reply-keyboard");
  const markup = chat.keyboard;
  const owner = [...chat.messages].reverse().find((m) => m.reply_markup && m.reply_markup.keyboard);
  const ownerId = owner ? owner.message_id : null;
  const signature = JSON.stringify([markup, ownerId]);
  if (panel.dataset.signature === signature) return;
  panel.dataset.signature = signature;
  panel.replaceChildren();
  const hidden = !markup || !Array.isArray(markup.keyboard)
    || (markup.one_time_keyboard && ownerId !== null && ownerId === usedKeyboard);
  panel.hidden = hidden;
  $("composer").placeholder = (!hidden && markup.input_field_placeholder) || T.composer;
  if (hidden) return;
  for (const row of markup.keyboard) {
    const line = document.createElement("div");
    line.className = "row";
    for (const raw of row) {
      const button = typeof raw === "string" ? {text: raw} : raw;
      const element = document.createElement("button");
      element.type = "button";
      element.className = button.request_contact ? "reply contact" : "reply";
      if (button.request_contact) element.dataset.testid = "share-contact";
      element.textContent = button.text;
      element.addEventListener("click", () => useReplyButton(button, markup, ownerId));
      line.append(element);
    }
    panel.append(line);
  }
}

async function useReplyButton(button, markup, ownerId) {
  let sent;
  if (button.request_contact) {
    // Telegram asks before it shares the number; here the number is a made-up one.
    if (!window.confirm(say(T.confirmContact, {phone: config.demoPhone}))) return;
    sent = await attempt(() => act("contact", {phone: config.demoPhone}));
  } else {
    sent = await sendText(button.text);
  }
  if (sent && markup.one_time_keyboard) {
    usedKeyboard = ownerId;
    $("reply-keyboard").dataset.signature = "";
  }
}

// --- The composer and the header ---------------------------------------------------------------------------

const composer = $("composer");
$("composer-form").addEventListener("submit", async (event) => {
  event.preventDefault();
  const text = composer.value;
  if (!text.trim()) return;
  composer.value = "";
  if (!(await sendText(text))) composer.value = text;
  composer.focus();
});
composer.addEventListener("keydown", (event) => {
  // Enter sends and Shift+Enter starts a new line, as in Telegram; not while an IME is composing a word.
  if (event.key === "Enter" && !event.shiftKey && !event.isComposing) {
    event.preventDefault();
    $("composer-form").requestSubmit();
  }
});
$("start").addEventListener("click", () => sendText("/start"));
$("new-applicant").addEventListener("click", () => {
  userId = freshUserId();
  store.set(USER_KEY, String(userId));
  // A ?user= in the address would bring the old applicant back on reload.
  const url = new URL(location.href);
  url.searchParams.delete("user");
  history.replaceState(null, "", url);
  generation += 1;
  shown.clear();
  usedKeyboard = null;
  $("messages").querySelectorAll(".message").forEach((element) => element.remove());
  $("empty").hidden = false;
  renderReplyKeyboard({messages: [], keyboard: null});
  showUser();
  pollSoon();
});

showUser();
poll();
"""

_PAGE = """<!doctype html>
<html lang="{{lang}}">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1, viewport-fit=cover">
<meta name="referrer" content="no-referrer">
<title>{{title}}</title>
<style>{{style}}</style>
</head>
<body>
<div id="app">
  <header>
    <div class="avatar" id="avatar" aria-hidden="true">{{avatar}}</div>
    <div class="who">
      <h1 id="bot-name">{{botName}}</h1>
      <p><span class="tagline">{{subtitle}} · </span><span id="user-id" data-testid="user-id"></span></p>
    </div>
    <div class="tools">
      <label for="language" class="sr-only">{{language}}</label>
      <select id="language" title="{{language}}" data-testid="language">
        <option value="id">ID</option>
        <option value="en">EN</option>
      </select>
      <button type="button" id="new-applicant" data-testid="new-applicant">{{newApplicant}}</button>
    </div>
  </header>
  <main id="messages" role="log" aria-live="polite" data-testid="messages">
    <div id="empty">
      <div>{{empty}}</div>
      <button type="button" id="start" data-testid="start">{{start}}</button>
    </div>
  </main>
  <div id="status" role="alert" hidden></div>
  <div id="reply-keyboard" data-testid="reply-keyboard" hidden></div>
  <form id="composer-form" autocomplete="off">
    <label for="composer" class="sr-only">{{composer}}</label>
    <textarea id="composer" rows="1" placeholder="{{composer}}" data-testid="composer"></textarea>
    <button type="submit" id="send" title="{{send}}" aria-label="{{send}}" data-testid="send">➤</button>
  </form>
</div>
<script id="config" type="application/json">{{config}}</script>
<script>{{script}}</script>
</body>
</html>
"""

_PLACEHOLDER = re.compile(r"\{\{(\w+)\}\}")


def _digest(source: str) -> str:
    return "'sha256-" + base64.b64encode(hashlib.sha256(source.encode()).digest()).decode() + "'"


def _json_in_script(value: object) -> str:
    # JSON inside <script> must not close the element or open a comment, whatever the strings hold.
    text = json.dumps(value, ensure_ascii=False)
    return text.replace("<", "\\u003c").replace(">", "\\u003e").replace("&", "\\u0026")


def _origin(url: str) -> str:
    parts = urlsplit(url)
    if parts.scheme not in {"http", "https"} or not parts.netloc:
        raise ValueError(f"the stand-in URL must be http(s)://host:port, not {url!r}")
    return f"{parts.scheme}://{parts.netloc}"


def render_page(standin_url: str, *, bot_name: str = "Antrean", lang: str = DEFAULT_LANGUAGE) -> str:
    """The playground page with its chrome in `lang` (Indonesian for any language it does not know)."""
    lang = lang if lang in TEXTS else DEFAULT_LANGUAGE
    texts = TEXTS[lang]
    config = {"standinUrl": standin_url.rstrip("/"), "lang": lang, "texts": texts, "demoPhone": DEMO_PHONE}
    raw = {"style": _STYLE, "script": _SCRIPT, "config": _json_in_script(config)}
    escaped = {**texts, "lang": lang, "botName": bot_name, "avatar": bot_name[:1].upper()}

    def value(match: re.Match[str]) -> str:
        key = match[1]
        return raw[key] if key in raw else html.escape(escaped[key])

    return _PLACEHOLDER.sub(value, _PAGE)


def playground_router(standin_url: str, *, bot_name: str = "Antrean") -> APIRouter:
    """GET /playground: a Telegram-like chat in the browser, talking to the stand-in at `standin_url`."""
    origin = _origin(standin_url)
    # The page shows what the bot sends; the policy lets only our own inline script run and only the stand-in
    # be fetched, so even a rendering mistake cannot load or run anything else.
    policy = "; ".join(
        [
            "default-src 'none'",
            f"script-src {_digest(_SCRIPT)}",
            f"style-src {_digest(_STYLE)}",
            f"connect-src {origin}",
            "img-src data:",
            "base-uri 'none'",
            "form-action 'none'",
            "frame-ancestors 'none'",
        ]
    )
    headers = {"Content-Security-Policy": policy, "Cache-Control": "no-store", "Referrer-Policy": "no-referrer"}
    pages = {lang: render_page(standin_url, bot_name=bot_name, lang=lang) for lang in TEXTS}

    router = APIRouter()

    @router.get(PLAYGROUND_PATH, response_class=HTMLResponse, include_in_schema=False)
    async def playground(lang: str = DEFAULT_LANGUAGE) -> HTMLResponse:
        """The chat page; its own texts in Indonesian, or in English with ?lang=en."""
        return HTMLResponse(pages.get(lang, pages[DEFAULT_LANGUAGE]), headers=headers)

    return router
