// The sandbox page: a small Telegram-like client for the emulated chats.
// Data: /sandbox/api/* (chat list, transcripts, sending text, new members) and the
// emulator's control API under /_emulator/ (live events, button presses, uploads, files).

import {
  add, avatar, botStartPayload, el, forwarded, formatDay, formatTime, formattedText, media, mediaKind,
  nameColor, previewText, quote, serviceText,
} from "./render.js";

const SECTIONS = [
  ["newcomers", "Newcomers"],
  ["staff", "Admin and coordinators"],
  ["groups", "Coordinator groups"],
];
const EVENT_KINDS = ["message", "edit", "delete", "topic", "callback", "callback_answer",
  "chat", "user", "action", "reaction", "rejection"];
const PRESS_TIMEOUT_MS = 10000;
const STICKERS = ["👍", "😀", "😂", "❤️", "🙏", "🐢", "🎉", "🤔"];
// The smallest WebP container: the emulator stores it, the page shows the sticker's emoji.
const STICKER_BYTES = new Uint8Array([82, 73, 70, 70, 4, 0, 0, 0, 87, 69, 66, 80]);

const $ = (id) => document.getElementById(id);
const ui = {
  app: $("app"), list: $("chat-list"), botName: $("bot-name"),
  statusDot: $("status-dot"), statusText: $("status-text"),
  empty: $("empty-state"), header: $("chat-header"), avatar: $("chat-avatar"),
  title: $("chat-title"), subtitle: $("chat-subtitle"),
  acting: $("acting"), actingSelect: $("acting-select"), topicBar: $("topic-bar"),
  messages: $("messages"), startBar: $("start-bar"), composer: $("composer"),
  form: $("composer-form"), text: $("text-input"), menuButton: $("menu-button"),
  commands: $("commands-popup"), keyboardButton: $("keyboard-button"),
  keyboard: $("reply-keyboard"), fileInput: $("file-input"), voiceButton: $("voice-button"),
  stickerButton: $("sticker-button"), stickers: $("sticker-popup"),
  videoNoteButton: $("video-note-button"), videoNoteInput: $("video-note-input"),
  replyPreview: $("reply-preview"), replyName: $("reply-preview-name"),
  replyText: $("reply-preview-text"), toasts: $("toasts"),
  newMemberDialog: $("new-member-dialog"), newMemberLanguage: $("new-member-language"),
  newMemberName: $("new-member-name"), alertDialog: $("alert-dialog"), alertText: $("alert-text"),
};

const state = {
  directory: null,
  chats: new Map(),          // chat id -> directory entry
  selected: null,            // chat id
  thread: new Map(),         // chat id -> selected topic id (null: General)
  actor: new Map(),          // chat id -> user id writing there
  transcripts: new Map(),    // chat id -> Map(message id -> message)
  versions: new Map(),       // chat id -> transcript version fetched
  seen: new Map(),           // "chat" or "chat:topic" -> incoming count already seen
  presses: new Map(),        // callback query id -> {node, timer}
  answers: new Map(),        // answers that arrived before their press was registered
  replyTo: null,
  keyboardHidden: new Set(), // chats whose reply keyboard the user folded away
  typing: new Map(),         // chat id -> timer
  atBottom: true,            // the chat was scrolled to its end (kept there when it shrinks)
  seq: 0,
};

// --- server -----------------------------------------------------------------------------

async function api(path, options = {}) {
  const response = await fetch(path, options);
  const body = await response.json().catch(() => ({}));
  if (!response.ok) throw new Error(body.error || `${response.status} ${response.statusText}`);
  return body;
}

const postJson = (path, body) => api(path, {
  method: "POST", headers: { "Content-Type": "application/json" }, body: JSON.stringify(body),
});

// --- chat list --------------------------------------------------------------------------

async function loadDirectory() {
  const directory = await api("/sandbox/api/directory");
  const first = state.directory === null;
  state.directory = directory;
  state.chats = new Map(directory.chats.map((c) => [c.id, c]));
  if (first) {
    state.seq = directory.seq;
    ui.botName.textContent = `@${directory.bot.username}`;
    for (const chat of directory.chats) markSeen(chat, true);
    fillLanguages(directory.languages);
    connectEvents();
  }
  renderList();
  if (state.selected !== null) renderHeader();
}

function threadKey(chatId, topicId) {
  return topicId === undefined ? String(chatId) : `${chatId}:${topicId}`;
}

function generalIncoming(chat) {
  return chat.incoming - (chat.topics || []).reduce((sum, t) => sum + t.incoming, 0);
}

function unread(chat) {
  if (!chat.topics || !chat.forum) return chat.incoming - (state.seen.get(threadKey(chat.id)) ?? 0);
  const general = generalIncoming(chat) - (state.seen.get(threadKey(chat.id, null)) ?? 0);
  return chat.topics.reduce((sum, t) => sum + topicUnread(chat, t), general);
}

function topicUnread(chat, topic) {
  return topic.incoming - (state.seen.get(threadKey(chat.id, topic.id)) ?? 0);
}

function markSeen(chat, everything = false) {
  if (!chat.forum) {
    state.seen.set(threadKey(chat.id), chat.incoming);
    return;
  }
  const current = state.thread.get(chat.id) ?? null;
  if (everything || current === null) state.seen.set(threadKey(chat.id, null), generalIncoming(chat));
  for (const topic of chat.topics) {
    if (everything || topic.id === current) state.seen.set(threadKey(chat.id, topic.id), topic.incoming);
  }
}

function renderList() {
  const scroll = ui.list.scrollTop;
  ui.list.replaceChildren();
  for (const [section, heading] of SECTIONS) {
    const chats = [...state.chats.values()]
      .filter((c) => c.section === section)
      .sort((a, b) => b.last_date - a.last_date || a.title.localeCompare(b.title));
    if (!chats.length) continue;
    ui.list.append(el("div", { class: "list-heading" }, heading));
    for (const chat of chats) {
      ui.list.append(chatRow(chat));
      if (chat.id === state.selected && chat.forum) ui.list.append(topicRows(chat));
    }
  }
  ui.list.scrollTop = scroll;
}

function chatRow(chat) {
  const count = state.selected === chat.id && !chat.forum ? 0 : unread(chat);
  const last = chat.last;
  const author = chat.type === "private" ? "You" : last?.sender;
  const preview = last ? `${last.from_bot ? "" : `${author}: `}${last.text}` : "No messages yet";
  return el("button", {
    type: "button",
    class: `chat-row${chat.id === state.selected ? " active" : ""}`,
    dataset: { chatId: chat.id },
    "aria-current": chat.id === state.selected ? "true" : undefined,
    onclick: () => selectChat(chat.id),
  },
  avatar(chat.id, chat.title, chat.type === "group" ? "group-avatar" : ""),
  el("span", { class: "chat-row-body" },
    el("span", { class: "chat-row-top" },
      el("span", { class: "chat-row-title", dir: "auto" }, chat.type === "group" ? `👥 ${chat.title}` : chat.title),
      el("span", { class: "chat-row-time" }, chat.last_date ? formatTime(chat.last_date) : "")),
    el("span", { class: "chat-row-role", dir: "auto" }, chat.role),
    el("span", { class: "chat-row-bottom" },
      el("span", { class: "chat-row-preview", dir: "auto" }, preview),
      count > 0 ? el("span", { class: "badge" }, String(count)) : null)));
}

function topicRows(chat) {
  const current = state.thread.get(chat.id) ?? null;
  const rows = el("div", { class: "topic-rows" });
  const entries = [{ id: null, name: "General", color: "#8e99a4", closed: false }, ...chat.topics];
  for (const topic of entries) {
    const count = topic.id === null ? 0 : topicUnread(chat, topic);
    rows.append(el("button", {
      type: "button",
      class: `topic-row${topic.id === current ? " active" : ""}`,
      dataset: { topicId: topic.id ?? "general" },
      onclick: () => selectTopic(chat.id, topic.id),
    },
    el("span", { class: "topic-icon", style: `color:${topic.color}` }, topic.id === null ? "#" : "●"),
    el("span", { class: "topic-name", dir: "auto" }, topic.name),
    topic.closed ? el("span", { class: "topic-closed", title: "closed" }, "🔒") : null,
    count > 0 ? el("span", { class: "badge" }, String(count)) : null));
  }
  return rows;
}

// --- selecting a chat -------------------------------------------------------------------

async function selectChat(chatId) {
  const chat = state.chats.get(chatId);
  if (!chat) return;
  const changed = state.selected !== chatId;
  state.selected = chatId;
  if (changed) {
    state.replyTo = null;
    ui.messages.replaceChildren();
    hideCommands();
  }
  if (!state.actor.has(chatId) && chat.actors.length) state.actor.set(chatId, chat.actors[0].id);
  ui.app.classList.add("chat-open");
  ui.empty.hidden = true;
  ui.header.hidden = false;
  ui.messages.hidden = false;
  renderHeader();
  await refreshMessages(chatId);
  markSeen(chat);
  renderList();
  scrollToBottom();
  if (changed && window.matchMedia("(min-width: 761px)").matches) ui.text.focus();
}

function selectTopic(chatId, topicId) {
  state.thread.set(chatId, topicId);
  state.replyTo = null;
  if (state.selected !== chatId) {
    selectChat(chatId);
    return;
  }
  markSeen(state.chats.get(chatId));
  renderList();
  renderHeader();
  syncMessages(true);
}

function currentChat() {
  return state.selected === null ? null : state.chats.get(state.selected);
}

function currentActor() {
  return state.actor.get(state.selected);
}

function currentThread() {
  const chat = currentChat();
  return chat && chat.forum ? (state.thread.get(chat.id) ?? null) : null;
}

function renderHeader() {
  const chat = currentChat();
  if (!chat) return;
  const picture = avatar(chat.id, chat.title, chat.type === "group" ? "group-avatar" : "");
  picture.id = "chat-avatar";
  ui.avatar.replaceWith(picture);
  ui.avatar = picture;
  ui.title.textContent = chat.title;
  const typing = state.typing.has(chat.id);
  ui.subtitle.textContent = typing ? "bot is typing…" : chat.role;
  ui.subtitle.classList.toggle("typing", typing);
  renderActing(chat);
  renderTopicBar(chat);
  renderComposer(chat);
}

function renderActing(chat) {
  ui.acting.hidden = chat.type !== "group";
  if (chat.type !== "group") return;
  const actor = currentActor();
  const key = JSON.stringify([chat.id, actor, chat.actors]);
  if (ui.actingSelect.dataset.key === key) return;  // keep an open dropdown open
  ui.actingSelect.dataset.key = key;
  ui.actingSelect.replaceChildren(...chat.actors.map((a) => el("option", {
    value: a.id, selected: a.id === actor,
  }, `${a.name}${a.status === "creator" || a.status === "administrator" ? " (admin)" : ""}`)));
}

function renderTopicBar(chat) {
  ui.topicBar.hidden = !chat.forum;
  if (!chat.forum) return;
  const current = currentThread();
  const chips = [{ id: null, name: "General", color: "#8e99a4" }, ...chat.topics].map((topic) => el("button", {
    type: "button",
    class: `topic-chip${topic.id === current ? " active" : ""}`,
    dataset: { topicId: topic.id ?? "general" },
    onclick: () => selectTopic(chat.id, topic.id),
  }, el("span", { class: "topic-dot", style: `background:${topic.color}` }),
  el("span", { dir: "auto" }, topic.name), topic.closed ? " 🔒" : ""));
  ui.topicBar.replaceChildren(...chips);
}

// --- transcripts ------------------------------------------------------------------------

async function refreshMessages(chatId) {
  const since = state.versions.get(chatId) ?? 0;
  const result = await api(`/sandbox/api/chats/${chatId}/messages?since=${since}`);
  const transcript = state.transcripts.get(chatId) ?? new Map();
  for (const message of result.messages) transcript.set(message.message_id, message);
  state.transcripts.set(chatId, transcript);
  state.versions.set(chatId, Math.max(since, result.version));
  if (chatId === state.selected) syncMessages();
}

function visibleMessages() {
  const chat = currentChat();
  const transcript = state.transcripts.get(state.selected) ?? new Map();
  const thread = currentThread();
  return [...transcript.values()]
    .filter((m) => !chat.forum || (m._meta.thread_id ?? null) === thread)
    .sort((a, b) => a.message_id - b.message_id);
}

// Keyed update: only changed messages are rebuilt, so playing audio and scroll survive.
function syncMessages(reset = false) {
  const chat = currentChat();
  if (!chat) return;
  if (reset) ui.messages.replaceChildren();
  const wasAtBottom = nearBottom() || state.atBottom;
  const actor = currentActor();
  const wanted = [];
  let lastDay = null;
  for (const message of visibleMessages()) {
    const day = formatDay(message.date);
    if (day !== lastDay) {
      wanted.push({ key: `day:${day}`, version: "", build: () => el("div", { class: "day" }, el("span", {}, day)) });
      lastDay = day;
    }
    const reactions = (message._meta.reactions || []).map((r) => r.emoji).join("");
    wanted.push({
      key: `m:${message.message_id}`,
      version: `${message._meta.version}|${reactions}|${actor}`,
      build: () => messageRow(chat, message, actor),
    });
  }
  if (!wanted.length) {
    const text = chat.type === "group" ? "No messages in this topic yet." : "No messages yet.";
    wanted.push({ key: "empty", version: text, build: () => el("div", { class: "no-messages" }, text) });
  }
  const existing = new Map([...ui.messages.children].map((node) => [node.dataset.key, node]));
  let previous = null;
  for (const item of wanted) {
    let node = existing.get(item.key);
    if (!node || node.dataset.version !== item.version) {
      const fresh = item.build();
      fresh.dataset.key = item.key;
      fresh.dataset.version = item.version;
      if (node) node.replaceWith(fresh);
      node = fresh;
    }
    existing.delete(item.key);
    const expected = previous ? previous.nextSibling : ui.messages.firstChild;
    if (node !== expected) ui.messages.insertBefore(node, expected);
    previous = node;
  }
  for (const node of existing.values()) node.remove();
  if (wasAtBottom || reset) scrollToBottom();
  renderStartBar(chat);
}

function scrollToBottom() {
  ui.messages.scrollTop = ui.messages.scrollHeight;
  state.atBottom = true;
}

function nearBottom() {
  return ui.messages.scrollHeight - ui.messages.scrollTop - ui.messages.clientHeight < 80;
}

function messageRow(chat, message, actor) {
  const service = message._meta.service
    || (serviceText(message) !== null && !mediaKind(message) && !message.text);
  if (service) {
    return el("div", { class: "row service", dataset: { messageId: message.message_id } },
      el("span", { class: "service-text", dir: "auto" }, serviceText(message) || "Service message"));
  }
  const outgoing = !message._meta.from_bot && message.from && message.from.id === actor;
  const row = el("div", {
    class: `row ${outgoing ? "out" : "in"}${message._meta.from_bot ? " from-bot" : ""}`,
    dataset: { messageId: message.message_id },
  });
  if (message.deleted) {
    row.append(el("div", { class: "bubble deleted" },
      el("span", { class: "deleted-text" }, "🗑 Message deleted"),
      el("span", { class: "meta" }, el("time", {}, formatTime(message.date)))));
    return row;
  }
  const bubble = el("div", { class: "bubble" });
  if (chat.type === "group" && !outgoing && message.from) {
    bubble.append(el("div", { class: "sender", style: `color:${nameColor(message.from.id)}` },
      message.from.first_name, message.from.is_bot ? el("span", { class: "bot-tag" }, "bot") : null));
  }
  add(bubble, forwarded(message), quote(message, jumpTo), media(message));
  const text = message.text ?? message.caption;
  if (text) {
    const entities = message.entities ?? message.caption_entities;
    bubble.append(el("div", { class: "text", dir: "auto" }, formattedText(text, entities, linkActions)));
  }
  bubble.append(meta(message, outgoing));
  const reactions = message._meta.reactions || [];
  if (reactions.length) {
    bubble.append(el("div", { class: "reactions" },
      ...reactions.map((r) => el("span", { class: "reaction" }, r.emoji || "★"))));
  }
  bubble.append(el("button", {
    type: "button", class: "reply-action", title: "Reply", "aria-label": "Reply",
    onclick: () => startReply(message),
  }, "↩"));
  row.append(bubble);
  const keyboard = message.reply_markup?.inline_keyboard;
  if (keyboard) row.append(inlineKeyboard(chat, message, keyboard));
  return row;
}

const linkActions = { command: sendCommand, isBotLink: (href) => startPayload(href) !== null, openLink };

function startPayload(href) {
  return botStartPayload(href, state.directory?.bot?.username);
}

// A t.me link to this bot opens the acting person's chat with it and sends /start <payload>,
// as Telegram does; any other address (other t.me links too) opens in a new tab.
async function openLink(href) {
  const payload = startPayload(href);
  if (payload === null) {
    window.open(href, "_blank", "noopener,noreferrer");
    return;
  }
  const userId = currentActor();
  if (!state.chats.has(userId)) {
    toast("This person has no chat with the bot in the sandbox.", "error");
    return;
  }
  if (state.selected !== userId) await selectChat(userId);
  // Telegram sends /start only with a start parameter (or in a chat not started yet).
  if (payload || !state.chats.get(userId).started) await sendText(payload ? `/start ${payload}` : "/start");
}

function meta(message, outgoing) {
  const previous = message.edit_history?.at(-1);
  const edited = message.edit_date ? el("span", {
    class: "edited",
    title: previous ? `Before: ${previewText(previous)}` : "edited",
  }, "edited") : null;
  return el("span", { class: "meta" }, edited, el("time", {}, formatTime(message.date)),
    outgoing ? el("span", { class: "ticks", "aria-hidden": "true" }, "✓✓") : null);
}

function jumpTo(messageId) {
  const node = ui.messages.querySelector(`[data-message-id="${messageId}"]`);
  if (!node) return;
  node.scrollIntoView({ block: "center", behavior: "smooth" });
  node.classList.add("flash");
  setTimeout(() => node.classList.remove("flash"), 1200);
}

// --- buttons ----------------------------------------------------------------------------

function inlineKeyboard(chat, message, rows) {
  return el("div", { class: "inline-keyboard" }, ...rows.map((row) => el("div", { class: "keyboard-row" },
    ...row.map((button) => el("button", {
      type: "button",
      class: "inline-button",
      dir: "auto",
      dataset: button.callback_data ? { callback: button.callback_data } : {},
      onclick: (event) => pressInline(chat, message, button, event.currentTarget),
    }, button.text, button.url ? el("span", { class: "link-mark" }, " ↗") : null)))));
}

async function pressInline(chat, message, button, node) {
  if (button.url) {
    await openLink(button.url);
    return;
  }
  if (button.copy_text) {
    await navigator.clipboard?.writeText(button.copy_text.text).catch(() => {});
    toast("Copied to the clipboard");
    return;
  }
  if (button.callback_data === undefined) {
    toast("This kind of button does not work in the sandbox.");
    return;
  }
  node.classList.add("pressed");
  try {
    const result = await postJson(`/_emulator/chats/${chat.id}/press`, {
      user_id: currentActor(), message_id: message.message_id, callback_data: button.callback_data,
    });
    const timer = setTimeout(() => {
      state.presses.delete(result.callback_query_id);
      node.classList.remove("pressed");
      toast("The bot did not answer this button press (Telegram would keep showing a spinner).", "error");
    }, PRESS_TIMEOUT_MS);
    state.presses.set(result.callback_query_id, { node, timer });
    const early = state.answers.get(result.callback_query_id);
    if (early) onCallbackAnswer(early);
  } catch (error) {
    node.classList.remove("pressed");
    toast(error.message, "error");
  }
}

function onCallbackAnswer(event) {
  const press = state.presses.get(event.data?.id);
  if (!press) {
    state.answers.set(event.data?.id, event);
    if (state.answers.size > 50) state.answers.delete(state.answers.keys().next().value);
    return;
  }
  state.answers.delete(event.data.id);
  clearTimeout(press.timer);
  press.node.classList.remove("pressed");
  state.presses.delete(event.data.id);
  const answer = event.data;
  if (answer.url) openLink(answer.url);
  if (!answer.text) return;
  if (answer.show_alert) {
    ui.alertText.textContent = answer.text;
    ui.alertDialog.showModal();
  } else {
    toast(answer.text);
  }
}

// --- composer ---------------------------------------------------------------------------

function renderComposer(chat) {
  const keyboard = chat.reply_keyboard;
  const hasKeyboard = Boolean(keyboard?.keyboard?.length);
  ui.keyboardButton.hidden = !hasKeyboard;
  ui.keyboard.hidden = !hasKeyboard || state.keyboardHidden.has(chat.id);
  ui.text.placeholder = keyboard?.input_field_placeholder || (chat.type === "group" ? topicPlaceholder(chat) : "Message");
  if (hasKeyboard) {
    ui.keyboard.replaceChildren(...keyboard.keyboard.map((row) => el("div", { class: "keyboard-row" },
      ...row.map((button) => {
        const label = typeof button === "string" ? button : button.text;
        return el("button", {
          type: "button", class: "keyboard-button", dir: "auto",
          onclick: () => {
            if (keyboard.one_time_keyboard) state.keyboardHidden.add(chat.id);
            sendText(label);
          },
        }, label);
      }))));
  }
  const commands = chat.commands[String(currentActor())] || [];
  ui.menuButton.hidden = commands.length === 0;
  ui.commands.replaceChildren(...commands.map((c) => el("button", {
    type: "button", class: "command-item", role: "menuitem",
    onclick: () => { hideCommands(); sendCommand(`/${c.command}`); },
  }, el("span", { class: "command-name" }, `/${c.command}`),
  el("span", { class: "command-description", dir: "auto" }, c.description))));
  renderReplyPreview();
  renderStartBar(chat);
}

function topicPlaceholder(chat) {
  const thread = currentThread();
  const topic = chat.topics?.find((t) => t.id === thread);
  return topic ? `Message in ${topic.name}` : "Message";
}

function renderStartBar(chat) {
  const start = chat.type === "private" && !chat.started && visibleMessages().length === 0;
  ui.startBar.hidden = !start;
  ui.composer.hidden = start;
}

function hideCommands() {
  ui.commands.hidden = true;
}

function startReply(message) {
  state.replyTo = message;
  renderReplyPreview();
  ui.text.focus();
}

function renderReplyPreview() {
  const message = state.replyTo;
  ui.replyPreview.hidden = !message;
  if (!message) return;
  ui.replyName.textContent = message.from?.first_name || "message";
  ui.replyText.textContent = previewText(message).slice(0, 120);
}

function sendCommand(command) {
  sendText(command);
}

async function sendText(text) {
  const chat = currentChat();
  if (!chat || !text.trim()) return;
  const body = { user_id: currentActor(), text, thread_id: currentThread() };
  if (state.replyTo) body.reply_to = state.replyTo.message_id;
  try {
    await postJson(`/sandbox/api/chats/${chat.id}/send`, body);
    state.replyTo = null;
    renderReplyPreview();
  } catch (error) {
    toast(error.message, "error");
    throw error;
  }
}

async function submitComposer(event) {
  event.preventDefault();
  const text = ui.text.value;
  if (!text.trim()) return;
  ui.text.value = "";
  autosize();
  try {
    await sendText(text);
  } catch {
    ui.text.value = text;
    autosize();
  }
}

async function sendFile(file, kind = fileKind(file), duration = undefined, emoji = undefined) {
  const chat = currentChat();
  if (!chat) return;
  const form = new FormData();
  form.append("user_id", String(currentActor()));
  form.append("kind", kind);
  const thread = currentThread();
  if (thread !== null) form.append("thread_id", String(thread));
  if (ui.text.value.trim() && !["voice", "sticker", "video_note"].includes(kind)) {
    form.append("caption", ui.text.value);
    ui.text.value = "";
    autosize();
  }
  if (duration !== undefined) form.append("duration", String(duration));
  if (emoji !== undefined) form.append("emoji", emoji);
  form.append("file", file, file.name || "voice.ogg");
  try {
    await api(`/_emulator/chats/${chat.id}/send`, { method: "POST", body: form });
  } catch (error) {
    toast(error.message, "error");
  }
}

function fileKind(file) {
  if (file.type === "image/webp" || /\.(webp|tgs)$/i.test(file.name)) return "sticker";
  if (/^image\/(png|jpeg|gif)$/.test(file.type)) return "photo";
  if (/^audio\/(ogg|opus)/.test(file.type) || /\.(ogg|oga|opus)$/i.test(file.name)) return "voice";
  return "document";
}

function sendSticker(emoji) {
  ui.stickers.hidden = true;
  sendFile(new File([STICKER_BYTES], "sticker.webp", { type: "image/webp" }), "sticker", undefined, emoji);
}

function renderStickers() {
  ui.stickers.replaceChildren(...STICKERS.map((emoji) => el("button", {
    type: "button", class: "sticker-choice", role: "menuitem", title: `Sticker ${emoji}`,
    "aria-label": `Sticker ${emoji}`, onclick: () => sendSticker(emoji),
  }, emoji)));
}

// A video message (a round video note) from a chosen video file; its length is read first.
async function sendVideoNote(file) {
  const seconds = await new Promise((resolve) => {
    const probe = document.createElement("video");
    const done = (value) => { URL.revokeObjectURL(probe.src); resolve(value); };
    probe.preload = "metadata";
    probe.onloadedmetadata = () => done(Math.max(1, Math.round(probe.duration) || 1));
    probe.onerror = () => done(1);
    probe.src = URL.createObjectURL(file);
  });
  await sendFile(file, "video_note", Math.min(seconds, 60));
}

function autosize() {
  ui.text.style.height = "auto";
  ui.text.style.height = `${Math.min(ui.text.scrollHeight, 160)}px`;
}

// Voice messages from the microphone, where the browser allows it (localhost does).
const recorder = { media: null, chunks: [], started: 0 };

async function toggleRecording() {
  if (recorder.media) {
    recorder.media.stop();
    return;
  }
  try {
    const stream = await navigator.mediaDevices.getUserMedia({ audio: true });
    const type = MediaRecorder.isTypeSupported("audio/ogg;codecs=opus") ? "audio/ogg;codecs=opus" : "";
    recorder.media = new MediaRecorder(stream, type ? { mimeType: type } : {});
    recorder.chunks = [];
    recorder.started = Date.now();
    recorder.media.ondataavailable = (e) => recorder.chunks.push(e.data);
    recorder.media.onstop = () => {
      stream.getTracks().forEach((t) => t.stop());
      const seconds = Math.max(1, Math.round((Date.now() - recorder.started) / 1000));
      const blob = new Blob(recorder.chunks, { type: "audio/ogg" });
      recorder.media = null;
      ui.voiceButton.classList.remove("recording");
      sendFile(new File([blob], "voice.ogg", { type: "audio/ogg" }), "voice", seconds);
    };
    recorder.media.start();
    ui.voiceButton.classList.add("recording");
    toast("Recording… press 🎤 again to send.");
  } catch (error) {
    toast(`No microphone: ${error.message}`, "error");
  }
}

// --- live events ------------------------------------------------------------------------

const pending = { chats: new Set(), directory: false, timer: null };

function schedule(chatId) {
  if (chatId !== undefined && chatId !== null) pending.chats.add(chatId);
  pending.directory = true;
  if (pending.timer === null) pending.timer = setTimeout(flush, 60);
}

async function flush() {
  pending.timer = null;
  const chats = [...pending.chats];
  pending.chats.clear();
  pending.directory = false;
  try {
    await loadDirectory();
    await Promise.all(chats.filter((id) => state.transcripts.has(id)).map(refreshMessages));
    const chat = currentChat();
    if (chat && chats.includes(chat.id)) {
      markSeen(chat);
      renderList();
    }
  } catch (error) {
    setStatus(false, error.message);
  }
}

function onEvent(event) {
  state.seq = Math.max(state.seq, event.seq);
  switch (event.kind) {
    case "callback_answer":
      onCallbackAnswer(event);
      break;
    case "reaction": {
      const message = state.transcripts.get(event.chat_id)?.get(event.message_id);
      if (message) message._meta.reactions = event.data?.reaction || [];
      if (event.chat_id === state.selected) syncMessages();
      break;
    }
    case "action":
      showTyping(event.chat_id);
      break;
    case "rejection":
      toast(`Telegram would refuse ${event.data?.method}: ${event.data?.description}`, "error");
      break;
    case "callback":
      break;
    default:
      schedule(event.chat_id);
  }
}

function showTyping(chatId) {
  clearTimeout(state.typing.get(chatId));
  state.typing.set(chatId, setTimeout(() => {
    state.typing.delete(chatId);
    if (chatId === state.selected) renderHeader();
  }, 5000));
  if (chatId === state.selected) renderHeader();
}

function connectEvents() {
  const source = new EventSource(`/_emulator/events/stream?since=${state.seq}`);
  for (const kind of EVENT_KINDS) {
    source.addEventListener(kind, (message) => onEvent(JSON.parse(message.data)));
  }
  let lost = false;
  source.onopen = () => {
    // A sandbox that restarted has a new event log: start over from its state.
    if (lost) window.location.reload();
    setStatus(true);
  };
  source.onerror = () => {
    lost = true;
    setStatus(false, "The sandbox stopped or restarts; reconnecting…");
  };
}

function setStatus(online, text) {
  ui.statusDot.classList.toggle("online", online);
  ui.statusText.textContent = online ? "Live: updates appear as they happen" : text;
}

// --- dialogs and toasts -----------------------------------------------------------------

function fillLanguages(languages) {
  ui.newMemberLanguage.replaceChildren(...languages.map((l) => el("option", { value: l.code },
    `${l.name} (${l.code})`)));
  ui.newMemberLanguage.append(el("option", { value: "" }, "not set in the app"));
  ui.newMemberLanguage.value = "ar";
}

async function createMember(event) {
  event.preventDefault();
  try {
    const created = await postJson("/sandbox/api/members", {
      language_code: ui.newMemberLanguage.value, first_name: ui.newMemberName.value,
    });
    ui.newMemberDialog.close();
    ui.newMemberName.value = "";
    await loadDirectory();
    const chat = state.chats.get(created.chat_id);
    if (chat) markSeen(chat, true);
    await selectChat(created.chat_id);
  } catch (error) {
    toast(error.message, "error");
  }
}

function toast(text, kind = "info") {
  const node = el("div", { class: `toast ${kind}`, role: kind === "error" ? "alert" : "status", dir: "auto" }, text);
  ui.toasts.append(node);
  setTimeout(() => node.remove(), kind === "error" ? 7000 : 3500);
}

// --- wiring -----------------------------------------------------------------------------

function wire() {
  $("new-member").addEventListener("click", () => ui.newMemberDialog.showModal());
  $("new-member-form").addEventListener("submit", createMember);
  $("new-member-cancel").addEventListener("click", () => ui.newMemberDialog.close());
  $("back-button").addEventListener("click", () => ui.app.classList.remove("chat-open"));
  $("start-button").addEventListener("click", () => sendCommand("/start"));
  $("reply-cancel").addEventListener("click", () => { state.replyTo = null; renderReplyPreview(); });
  $("attach-button").addEventListener("click", () => ui.fileInput.click());
  ui.fileInput.addEventListener("change", () => {
    const file = ui.fileInput.files[0];
    ui.fileInput.value = "";
    if (file) sendFile(file);
  });
  renderStickers();
  ui.stickerButton.addEventListener("click", () => { ui.stickers.hidden = !ui.stickers.hidden; });
  ui.videoNoteButton.addEventListener("click", () => ui.videoNoteInput.click());
  ui.videoNoteInput.addEventListener("change", () => {
    const file = ui.videoNoteInput.files[0];
    ui.videoNoteInput.value = "";
    if (file) sendVideoNote(file);
  });
  // A reply keyboard (or anything else) that takes room from the chat keeps its end in view.
  ui.messages.addEventListener("scroll", () => { state.atBottom = nearBottom(); });
  new ResizeObserver(() => { if (state.atBottom) scrollToBottom(); }).observe(ui.messages);
  ui.form.addEventListener("submit", submitComposer);
  ui.text.addEventListener("input", autosize);
  ui.text.addEventListener("keydown", (event) => {
    if (event.key === "Enter" && !event.shiftKey && !event.isComposing) {
      event.preventDefault();
      ui.form.requestSubmit();
    }
  });
  ui.menuButton.addEventListener("click", () => { ui.commands.hidden = !ui.commands.hidden; });
  ui.keyboardButton.addEventListener("click", () => {
    const id = state.selected;
    if (state.keyboardHidden.has(id)) state.keyboardHidden.delete(id); else state.keyboardHidden.add(id);
    renderHeader();
  });
  ui.actingSelect.addEventListener("change", () => {
    state.actor.set(state.selected, Number(ui.actingSelect.value));
    renderHeader();
    syncMessages(true);
  });
  if (window.MediaRecorder && navigator.mediaDevices?.getUserMedia) {
    ui.voiceButton.hidden = false;
    ui.voiceButton.addEventListener("click", toggleRecording);
  }
  document.addEventListener("keydown", (event) => {
    if (event.key === "Escape") {
      hideCommands();
      ui.stickers.hidden = true;
      state.replyTo = null;
      renderReplyPreview();
    }
  });
}

wire();
loadDirectory().catch((error) => setStatus(false, `Cannot reach the sandbox: ${error.message}`));
