"""Checks shared by the methods that put messages into chats."""

from __future__ import annotations

from typing import Any

from ..errors import bad_request, forbidden
from ..limits import check_reply_markup
from ..state import ChatState, MessageRecord
from . import Call

_KICKED = {"supergroup": "supergroup chat", "group": "group chat", "channel": "channel chat"}


def target_chat(call: Call, key: str = "chat_id") -> ChatState:
    """The chat named by ``key``, which the bot must be able to write to."""
    world = call.world
    chat = world.chat(call.params[key])
    status = chat.members.get(world.bot.id)
    if chat.is_group and status in ("left", "kicked", None):
        kind = _KICKED.get(chat.type, "group chat")
        if status == "kicked":
            raise forbidden(f"bot was kicked from the {kind}")
        raise forbidden(f"bot is not a member of the {kind}")
    if chat.type == "private" and not chat.bot_started:
        raise forbidden("bot can't initiate conversation with a user")
    return chat


def source_chat(call: Call) -> ChatState:
    return call.world.chat(call.params["from_chat_id"])


def reply_target(call: Call, chat: ChatState) -> MessageRecord | None:
    """The message replied to (reply_parameters or the legacy reply_to_message_id)."""
    params = call.params
    reply = params.get("reply_parameters")
    if reply is not None:
        message_id = reply["message_id"]
        allow_missing = bool(reply.get("allow_sending_without_reply"))
        if reply.get("chat_id") not in (None, chat.id, chat.username and f"@{chat.username}"):
            chat = call.world.chat(reply["chat_id"])
    elif params.get("reply_to_message_id"):
        message_id = params["reply_to_message_id"]
        allow_missing = bool(params.get("allow_sending_without_reply"))
    else:
        return None
    record = call.world.message(chat, message_id)
    if record is None and not allow_missing:
        raise bad_request("message to be replied not found")
    return record


def thread_for(call: Call, chat: ChatState, reply_to: MessageRecord | None = None) -> int | None:
    """Validate ``message_thread_id``; a reply in a topic lands in that topic."""
    thread_id: int | None = call.params.get("message_thread_id")
    if thread_id is None:
        if reply_to is not None and chat.is_forum:
            return reply_to.thread_id
        return None
    return check_thread(call, chat, thread_id, by_bot=True)


def check_thread(call: Call, chat: ChatState, thread_id: int, *, by_bot: bool) -> int:
    if chat.is_forum:
        topic = chat.topics.get(thread_id)
        if topic is None or topic.deleted:
            raise bad_request("message thread not found")
        if topic.closed and not (
            by_bot
            and chat.bot.status in ("administrator", "creator")
            and chat.bot.can_manage_topics
        ):
            raise bad_request("TOPIC_CLOSED")
        return thread_id
    if call.world.message(chat, thread_id) is None:
        raise bad_request("message thread not found")
    return thread_id


def markup_content(call: Call, chat: ChatState) -> dict[str, Any]:
    """Message content for ``reply_markup``; reply keyboards are kept on the chat."""
    markup = call.params.get("reply_markup")
    if not markup:
        return {}
    check_reply_markup(markup)
    if "inline_keyboard" in markup:
        return {"reply_markup": call.world.objects.inline_markup(markup)}
    if "keyboard" in markup:
        chat.reply_keyboard = markup
    elif markup.get("remove_keyboard"):
        chat.reply_keyboard = None
    return {}


def edited_record(call: Call) -> MessageRecord:
    """Target of an edit* call: must exist and be the bot's own message."""
    params = call.params
    if params.get("inline_message_id"):
        raise bad_request("MESSAGE_ID_INVALID")
    if "chat_id" not in params:
        raise bad_request("chat_id is empty")
    chat = target_chat(call)
    if "message_id" not in params:
        raise bad_request("message identifier is not specified")
    record = call.world.message(chat, params["message_id"])
    if record is None:
        raise bad_request("message to edit not found")
    if not record.from_bot:
        raise bad_request("message can't be edited")
    return record


def normalized_entities(entities: Any) -> list[tuple[Any, ...]]:
    keys = ("type", "offset", "length", "url", "language", "custom_emoji_id")
    return [tuple(str(e.get(k)) for k in keys) for e in entities or ()]
