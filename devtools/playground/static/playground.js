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
  return response.json();
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
      showAnswers(chat.answers);
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

// Taps whose answer has not come yet: when the bot answers one with a text, Telegram shows it as a pop-up
// (a short notice at the top, or a dialog to close with show_alert); answers to earlier page loads are not shown.
const awaitingAnswer = new Set();

async function tap(button, messageId, data) {
  button.classList.add("pending");
  await attempt(async () => {
    const {callback_query_id: queryId} = await act("callbacks", {message_id: messageId, data});
    if (queryId) awaitingAnswer.add(queryId);
  });
  button.classList.remove("pending");
}

let noticeTimer = 0;
function showAnswers(answers) {
  for (const answer of answers || []) {
    if (!awaitingAnswer.delete(answer.callback_query_id)) continue;
    if (answer.show_alert) {
      $("alert-text").textContent = answer.text;
      $("alert").hidden = false;
      $("alert-close").focus();
    } else {
      const notice = $("notice");
      notice.textContent = answer.text;
      notice.hidden = false;
      clearTimeout(noticeTimer);
      noticeTimer = setTimeout(() => { notice.hidden = true; }, 3500);
    }
  }
}
$("alert-close").addEventListener("click", () => { $("alert").hidden = true; });

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
