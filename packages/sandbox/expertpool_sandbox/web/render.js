// Building message bubbles from Bot API message objects.
// Text is rendered from text + entities with DOM nodes only: nothing the bot or a user
// wrote is ever parsed as HTML.

const SAFE_SCHEMES = ["http:", "https:", "tg:", "mailto:", "tel:"];
const AVATAR_COLORS = ["#e17076", "#faa774", "#a695e7", "#7bc862", "#6ec9cb", "#65aadd", "#ee7aae"];
const NAME_COLORS = ["#d45246", "#e6772e", "#8c68d1", "#4ea34a", "#2f9ca7", "#3a86c8", "#d5508d"];

export function el(tag, props = {}, ...children) {
  const node = document.createElement(tag);
  for (const [key, value] of Object.entries(props)) {
    if (value === undefined || value === null || value === false) continue;
    if (key === "class") node.className = value;
    else if (key === "text") node.textContent = value;
    else if (key === "dataset") Object.assign(node.dataset, value);
    else if (key.startsWith("on")) node.addEventListener(key.slice(2), value);
    else node.setAttribute(key, value === true ? "" : String(value));
  }
  return add(node, ...children);
}

// Append children, skipping null/undefined (parts a message does not have).
export function add(node, ...children) {
  node.append(...children.filter((c) => c !== null && c !== undefined));
  return node;
}

export function avatarColor(id) {
  return AVATAR_COLORS[Math.abs(Number(id)) % AVATAR_COLORS.length];
}

export function nameColor(id) {
  return NAME_COLORS[Math.abs(Number(id)) % NAME_COLORS.length];
}

export function initials(title) {
  const words = String(title).replace(/[^\p{L}\p{N}\s]/gu, " ").trim().split(/\s+/);
  return words.slice(0, 2).map((w) => Array.from(w)[0] || "").join("").toUpperCase() || "?";
}

export function avatar(id, title, extraClass = "") {
  return el("div", { class: `avatar ${extraClass}`, style: `background:${avatarColor(id)}`, "aria-hidden": "true" },
    initials(title));
}

export function safeUrl(raw) {
  try {
    const url = new URL(raw, "https://invalid.example/");
    if (url.origin === "https://invalid.example") return null;
    return SAFE_SCHEMES.includes(url.protocol) ? url.href : null;
  } catch {
    return null;
  }
}

export function formatTime(unix) {
  return new Date(unix * 1000).toLocaleTimeString([], { hour: "2-digit", minute: "2-digit" });
}

export function formatDay(unix) {
  const day = new Date(unix * 1000);
  const today = new Date();
  if (day.toDateString() === today.toDateString()) return "Today";
  return day.toLocaleDateString([], { day: "numeric", month: "long", year: "numeric" });
}

export function formatSize(bytes) {
  if (!bytes && bytes !== 0) return "";
  if (bytes < 1024) return `${bytes} B`;
  if (bytes < 1024 * 1024) return `${(bytes / 1024).toFixed(1)} KB`;
  return `${(bytes / 1024 / 1024).toFixed(1)} MB`;
}

// --- text with entities -----------------------------------------------------------------

// Offsets are UTF-16 code units, as are JavaScript string indices.
export function formattedText(text, entities, actions) {
  const root = document.createDocumentFragment();
  const sorted = [...(entities || [])]
    .filter((e) => e.length > 0)
    .sort((a, b) => a.offset - b.offset || b.length - a.length);
  fill(root, text, 0, text.length, sorted, actions);
  return root;
}

function fill(parent, text, start, end, entities, actions) {
  let pos = start;
  let i = 0;
  while (i < entities.length) {
    const entity = entities[i];
    if (entity.offset < pos || entity.offset >= end) {
      i += 1;
      continue;
    }
    const stop = Math.min(entity.offset + entity.length, end);
    if (entity.offset > pos) parent.append(text.slice(pos, entity.offset));
    const inner = [];
    let j = i + 1;
    while (j < entities.length && entities[j].offset < stop) {
      if (entities[j].offset + entities[j].length <= stop) inner.push(entities[j]);
      j += 1;
    }
    const node = entityNode(entity, text.slice(entity.offset, stop), actions);
    fill(node.querySelector("code") || node, text, entity.offset, stop, inner, actions);
    parent.append(node);
    pos = stop;
    i = j;
  }
  if (pos < end) parent.append(text.slice(pos, end));
}

function entityNode(entity, content, actions) {
  switch (entity.type) {
    case "bold": return el("b");
    case "italic": return el("i");
    case "underline": return el("u");
    case "strikethrough": return el("s");
    case "code": return el("code", { class: "inline-code" });
    case "pre": return el("pre", { class: "code-block", "data-language": entity.language }, el("code"));
    case "blockquote":
    case "expandable_blockquote": return el("blockquote");
    case "spoiler":
      return el("span", { class: "spoiler", title: "Spoiler: click to show", onclick: (e) => e.currentTarget.classList.add("shown") });
    case "text_link": return link(entity.url, actions);
    case "url": return link(/^[a-z][a-z0-9+.-]*:/i.test(content) ? content : `http://${content}`, actions);
    case "email": return link(`mailto:${content}`);
    case "phone_number": return link(`tel:${content.replace(/[^+\d]/g, "")}`);
    case "bot_command":
      return el("a", { class: "command", href: "#", onclick: (e) => { e.preventDefault(); actions.command(content); } });
    case "mention":
    case "text_mention":
    case "hashtag":
    case "cashtag": return el("span", { class: "mention" });
    default: return el("span");
  }
}

function link(raw, actions) {
  const href = safeUrl(raw);
  if (!href) return el("span", { class: "unsafe-link", title: "link not shown: unsupported address" });
  if (actions?.isBotLink?.(href)) {
    // A link to this bot opens its chat (with /start <payload>), as in Telegram.
    return el("a", { href, class: "bot-link", onclick: (e) => { e.preventDefault(); actions.openLink(href); } });
  }
  return el("a", { href, target: "_blank", rel: "noopener noreferrer" });
}

const TELEGRAM_HOSTS = ["t.me", "www.t.me", "telegram.me", "www.telegram.me"];

// The start parameter of a link to the bot `username`: "survey_1" for
// https://t.me/<username>?start=survey_1 (or tg://resolve?domain=<username>&start=…),
// "" for a link to the bot without one, null for any other address.
export function botStartPayload(raw, username) {
  if (!username) return null;
  let url;
  try {
    url = new URL(raw);
  } catch {
    return null;
  }
  let name;
  if (url.protocol === "tg:" && url.hostname === "resolve") name = url.searchParams.get("domain");
  else if (["http:", "https:"].includes(url.protocol) && TELEGRAM_HOSTS.includes(url.hostname.toLowerCase())) {
    name = url.pathname.replace(/^\/+|\/+$/g, "");
  } else return null;
  if (!name || name.toLowerCase() !== username.toLowerCase()) return null;
  return url.searchParams.get("start") ?? "";
}

// --- message parts ----------------------------------------------------------------------

const MEDIA_KEYS = ["photo", "voice", "document", "audio", "video", "animation", "video_note", "sticker"];

export function mediaKind(message) {
  return MEDIA_KEYS.find((k) => k in message) || null;
}

export function previewText(message) {
  const text = message.text || message.caption;
  if (text) return text;
  const kind = mediaKind(message);
  const labels = {
    photo: "🖼 Photo", voice: "🎤 Voice message", document: "📄 File",
    sticker: `${message.sticker?.emoji || ""} Sticker`.trim(), video_note: "⏺ Video message",
  };
  if (kind) return labels[kind] || kind;
  return serviceText(message) || "Message";
}

export function fileUrl(fileId) {
  return `/_emulator/files/${encodeURIComponent(fileId)}`;
}

export function media(message) {
  const kind = mediaKind(message);
  if (!kind) return null;
  const item = message[kind];
  switch (kind) {
    case "photo": {
      const size = item[item.length - 1];
      const src = fileUrl(size.file_id);
      const [width, height] = photoBox(size.width, size.height);
      return el("a", { class: "photo-link", href: src, target: "_blank", rel: "noopener" },
        el("img", { class: "photo", src, alt: "Photo", width, height, style: `width:${width}px;height:${height}px` }));
    }
    case "sticker":
      return el("div", { class: "sticker", role: "img", "aria-label": "Sticker" }, item.emoji || "🖼");
    case "voice":
    case "audio":
      return el("div", { class: "audio" },
        el("span", { class: "audio-icon", "aria-hidden": "true" }, kind === "voice" ? "🎤" : "🎵"),
        el("audio", { controls: true, preload: "none", src: fileUrl(item.file_id) }),
        el("span", { class: "audio-length" }, `${item.duration || 0}s`));
    case "video":
    case "animation":
    case "video_note":
      return el("video", { class: `video ${kind}`, controls: true, preload: "metadata", src: fileUrl(item.file_id) });
    default:
      return documentRow(item);
  }
}

// Display size fixed before the image loads, so the chat does not jump when it does.
function photoBox(width, height) {
  const max = 340;
  const min = 180;
  const w = Math.max(1, width || 1);
  const h = Math.max(1, height || 1);
  let scale = Math.min(max / w, max / h);
  if (w * scale < min) scale = min / w;
  return [Math.round(w * scale), Math.round(Math.min(h * scale, max))];
}

function documentRow(doc) {
  const name = doc.file_name || "file";
  const extension = name.includes(".") ? name.split(".").pop().slice(0, 4).toUpperCase() : "FILE";
  return el("a", { class: "document", href: fileUrl(doc.file_id), download: name },
    el("span", { class: "document-icon", "aria-hidden": "true" }, extension),
    el("span", { class: "document-text" },
      el("span", { class: "document-name", dir: "auto" }, name),
      el("span", { class: "document-size" }, [formatSize(doc.file_size), doc.mime_type].filter(Boolean).join(" · "))));
}

export function serviceText(message) {
  if (message.forum_topic_created) return `Topic “${message.forum_topic_created.name}” created`;
  if (message.forum_topic_closed) return "Topic closed";
  if (message.forum_topic_reopened) return "Topic reopened";
  if (message.forum_topic_edited) {
    const name = message.forum_topic_edited.name;
    return name ? `Topic renamed to “${name}”` : "Topic changed";
  }
  if (message.pinned_message) return `Pinned: ${previewText(message.pinned_message).slice(0, 60)}`;
  if (message.new_chat_members) return `${message.new_chat_members.map((u) => u.first_name).join(", ")} joined`;
  if (message.left_chat_member) return `${message.left_chat_member.first_name} left`;
  return null;
}

export function quote(message, onJump) {
  const replied = message.reply_to_message;
  const external = message.external_reply;
  if (!replied && !external) return null;
  const source = replied || external;
  const sender = source.from ? source.from.first_name : (source.origin?.sender_user?.first_name || "Message");
  const text = message.quote?.text || previewText(replied || external.origin || external);
  const color = source.from ? nameColor(source.from.id) : "#3390ec";
  return el("div", {
    class: "quote", style: `border-color:${color}`,
    onclick: replied ? () => onJump(replied.message_id) : undefined,
  },
  el("div", { class: "quote-name", style: `color:${color}` }, external && !replied ? `${sender} (other chat)` : sender),
  el("div", { class: "quote-text", dir: "auto" }, text.slice(0, 120)));
}

export function forwarded(message) {
  const origin = message.forward_origin;
  if (!origin) return null;
  const who = origin.sender_user?.first_name || origin.sender_user_name || origin.chat?.title || "someone";
  return el("div", { class: "forwarded" }, `Forwarded from ${who}`);
}
