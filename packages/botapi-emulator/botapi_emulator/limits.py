"""Telegram's size limits (from python-telegram-bot's ``telegram.constants``) and checks.

No limit is written here as a number: every bound comes from PTB's IntEnums, so
the emulator and the bot's own code can't silently disagree on one.
"""

from __future__ import annotations

import re
from typing import Any

from telegram.constants import (
    BotCommandLimit,
    BotDescriptionLimit,
    BotNameLimit,
    BulkRequestLimit,
    CallbackQueryLimit,
    ForumTopicLimit,
    InlineKeyboardButtonLimit,
    InlineKeyboardMarkupLimit,
    MediaGroupLimit,
    MessageLimit,
    ParseMode,
    PollingLimit,
    WebhookLimit,
)

from .errors import bad_request
from .formatting import parse_html, utf16_len
from .markdown import parse_markdown, parse_markdown_v2

MAX_TEXT = int(MessageLimit.MAX_TEXT_LENGTH)
MAX_CAPTION = int(MessageLimit.CAPTION_LENGTH)
MIN_CALLBACK_DATA = int(InlineKeyboardButtonLimit.MIN_CALLBACK_DATA)
MAX_CALLBACK_DATA = int(InlineKeyboardButtonLimit.MAX_CALLBACK_DATA)
MAX_BUTTONS = int(InlineKeyboardMarkupLimit.TOTAL_BUTTON_NUMBER)
MAX_BUTTONS_PER_ROW = int(InlineKeyboardMarkupLimit.BUTTONS_PER_ROW)
MIN_COMMAND = int(BotCommandLimit.MIN_COMMAND)
MAX_COMMAND = int(BotCommandLimit.MAX_COMMAND)
MIN_COMMAND_DESCRIPTION = int(
    getattr(BotCommandLimit, "MIN_DESCRIPTION", BotCommandLimit.MIN_COMMAND)
)
MAX_COMMAND_DESCRIPTION = int(BotCommandLimit.MAX_DESCRIPTION)
MAX_COMMANDS = int(BotCommandLimit.MAX_COMMAND_NUMBER)
MAX_ANSWER_TEXT = int(CallbackQueryLimit.ANSWER_CALLBACK_QUERY_TEXT_LENGTH)
MIN_TOPIC_NAME = int(ForumTopicLimit.MIN_NAME_LENGTH)
MAX_TOPIC_NAME = int(ForumTopicLimit.MAX_NAME_LENGTH)
MIN_MEDIA_GROUP = int(MediaGroupLimit.MIN_MEDIA_LENGTH)
MAX_MEDIA_GROUP = int(MediaGroupLimit.MAX_MEDIA_LENGTH)
MIN_BULK = int(BulkRequestLimit.MIN_LIMIT)
MAX_BULK = int(BulkRequestLimit.MAX_LIMIT)
MIN_POLL_LIMIT = int(PollingLimit.MIN_LIMIT)
MAX_POLL_LIMIT = int(PollingLimit.MAX_LIMIT)
MIN_WEBHOOK_CONNECTIONS = int(WebhookLimit.MIN_CONNECTIONS_LIMIT)
MAX_WEBHOOK_CONNECTIONS = int(WebhookLimit.MAX_CONNECTIONS_LIMIT)
MAX_SECRET_TOKEN = int(WebhookLimit.MAX_SECRET_TOKEN_LENGTH)
MAX_BOT_DESCRIPTION = int(BotDescriptionLimit.MAX_DESCRIPTION_LENGTH)
MAX_BOT_SHORT_DESCRIPTION = int(BotDescriptionLimit.MAX_SHORT_DESCRIPTION_LENGTH)
MAX_BOT_NAME = int(BotNameLimit.MAX_NAME_LENGTH)

_COMMAND_RE = re.compile(r"[a-z0-9_]+")
_SECRET_RE = re.compile(r"[A-Za-z0-9_-]+")
_URL_SCHEMES = ("http://", "https://", "tg://")
_PARSERS = {
    ParseMode.HTML.value.lower(): parse_html,
    ParseMode.MARKDOWN_V2.value.lower(): parse_markdown_v2,
    ParseMode.MARKDOWN.value.lower(): parse_markdown,
}
Entities = list[dict[str, Any]]


def format_text(
    text: str, parse_mode: str | None, entities: Entities | None
) -> tuple[str, Entities | None]:
    """Apply ``parse_mode`` (explicit ``entities`` win, as on Telegram)."""
    if entities is not None or not parse_mode:
        return text, entities or None
    parser = _PARSERS.get(parse_mode.lower())
    if parser is None:
        raise bad_request("unsupported parse_mode")
    plain, parsed = parser(text)
    return plain, parsed or None


def message_text(
    text: str | None, parse_mode: str | None, entities: Entities | None
) -> tuple[str, Entities | None]:
    if text is None or not text.strip():
        raise bad_request("message text is empty")
    plain, parsed = format_text(text, parse_mode, entities)
    if not plain.strip():
        raise bad_request("message text is empty")
    if utf16_len(plain) > MAX_TEXT:
        raise bad_request("message is too long")
    return plain, parsed


def caption_text(
    caption: str | None, parse_mode: str | None, entities: Entities | None
) -> tuple[str | None, Entities | None]:
    if not caption:
        return None, None
    plain, parsed = format_text(caption, parse_mode, entities)
    if utf16_len(plain) > MAX_CAPTION:
        raise bad_request("message caption is too long")
    return plain or None, parsed


def check_reply_markup(markup: dict[str, Any] | None) -> None:
    if not markup:
        return
    rows = markup.get("inline_keyboard")
    if rows is None:
        rows = markup.get("keyboard")
        if rows is not None and sum(len(row) for row in rows) > MAX_BUTTONS:
            raise bad_request("reply markup is too long")
        return
    if sum(len(row) for row in rows) > MAX_BUTTONS or any(
        len(r) > MAX_BUTTONS_PER_ROW for r in rows
    ):
        raise bad_request("reply markup is too long")
    for row in rows:
        for button in row:
            _check_inline_button(button)


def _check_inline_button(button: dict[str, Any]) -> None:
    if "callback_data" in button:
        size = len(button["callback_data"].encode("utf-8"))
        if not MIN_CALLBACK_DATA <= size <= MAX_CALLBACK_DATA:
            raise bad_request("BUTTON_DATA_INVALID")
    url = button.get("url")
    if url is not None and not url.startswith(_URL_SCHEMES):
        raise bad_request(
            f"inline keyboard button URL '{url}' is invalid: Unsupported URL protocol"
        )
    actions = set(button) - {"text", "icon_custom_emoji_id", "style"}
    if not actions:
        raise bad_request(
            "can't parse inline keyboard button: Text buttons are unallowed in the inline keyboard"
        )


def check_commands(commands: list[dict[str, Any]]) -> None:
    if len(commands) > MAX_COMMANDS:
        raise bad_request("too many commands")
    for command in commands:
        name = command["command"]
        if not MIN_COMMAND <= len(name) <= MAX_COMMAND or not _COMMAND_RE.fullmatch(name):
            raise bad_request("BOT_COMMAND_INVALID")
        description = command["description"]
        if not MIN_COMMAND_DESCRIPTION <= len(description.strip()) <= MAX_COMMAND_DESCRIPTION:
            raise bad_request("BOT_COMMAND_DESCRIPTION_INVALID")


def check_topic_name(name: str) -> None:
    if not MIN_TOPIC_NAME <= len(name.strip()) <= MAX_TOPIC_NAME:
        raise bad_request("TOPIC_TITLE_EMPTY" if not name.strip() else "TOPIC_TITLE_TOO_LONG")


def check_answer_text(text: str | None) -> None:
    if text is not None and utf16_len(text) > MAX_ANSWER_TEXT:
        raise bad_request("MESSAGE_TOO_LONG")


def check_secret_token(token: str | None) -> None:
    if token is not None and (len(token) > MAX_SECRET_TOKEN or not _SECRET_RE.fullmatch(token)):
        raise bad_request("secret token contains unallowed characters")


def check_bulk_ids(ids: list[int], *, increasing: bool) -> None:
    if not MIN_BULK <= len(ids) <= MAX_BULK:
        raise bad_request(
            "message identifiers are not specified" if not ids else "too many messages"
        )
    if increasing and any(b <= a for a, b in zip(ids, ids[1:], strict=False)):
        raise bad_request("message identifiers must be in a strictly increasing order")


def clamp_poll_limit(limit: int | None) -> int:
    return MAX_POLL_LIMIT if limit is None else max(MIN_POLL_LIMIT, min(MAX_POLL_LIMIT, limit))
