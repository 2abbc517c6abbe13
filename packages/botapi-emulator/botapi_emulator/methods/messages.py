"""sendMessage, edits, deletions, copies and forwards."""

from __future__ import annotations

from typing import Any

from ..errors import NOT_MODIFIED, bad_request
from ..limits import caption_text, check_bulk_ids, check_reply_markup, message_text
from ..state import ChatState, MessageRecord
from . import Call, method
from .common import (
    edited_record,
    markup_content,
    normalized_entities,
    reply_target,
    source_chat,
    target_chat,
    thread_for,
)


@method("sendMessage")
async def send_message(call: Call) -> dict[str, Any]:
    params = call.params
    text, entities = message_text(
        params.get("text"), params.get("parse_mode"), params.get("entities")
    )
    chat = target_chat(call)
    reply_to = reply_target(call, chat)
    thread_id = thread_for(call, chat, reply_to)
    objects = call.world.objects
    content: dict[str, Any] = {"text": text, **markup_content(call, chat)}
    if entities:
        content["entities"] = objects.entities(entities)
    record = call.world.post(chat, call.world.bot, content, thread_id=thread_id, reply_to=reply_to)
    return record.data


@method("editMessageText")
async def edit_message_text(call: Call) -> dict[str, Any]:
    params = call.params
    record = edited_record(call)
    text, entities = message_text(
        params.get("text"), params.get("parse_mode"), params.get("entities")
    )
    if "text" not in record.data:
        raise bad_request("there is no text in the message to edit")
    markup = _new_markup(call)
    if (
        text == record.data["text"]
        and normalized_entities(entities) == normalized_entities(record.data.get("entities"))
        and markup == record.data.get("reply_markup")
    ):
        raise bad_request(NOT_MODIFIED)
    return call.world.edit(record, {"text": text, "entities": entities, "reply_markup": markup})


@method("editMessageCaption")
async def edit_message_caption(call: Call) -> dict[str, Any]:
    params = call.params
    record = edited_record(call)
    if "text" in record.data:
        raise bad_request("there is no caption in the message to edit")
    caption, entities = caption_text(
        params.get("caption"), params.get("parse_mode"), params.get("caption_entities")
    )
    markup = _new_markup(call)
    if (
        caption == record.data.get("caption")
        and normalized_entities(entities)
        == normalized_entities(record.data.get("caption_entities"))
        and markup == record.data.get("reply_markup")
    ):
        raise bad_request(NOT_MODIFIED)
    return call.world.edit(
        record, {"caption": caption, "caption_entities": entities, "reply_markup": markup}
    )


@method("editMessageReplyMarkup")
async def edit_message_reply_markup(call: Call) -> dict[str, Any]:
    record = edited_record(call)
    markup = _new_markup(call)
    if markup == record.data.get("reply_markup"):
        raise bad_request(NOT_MODIFIED)
    return call.world.edit(record, {"reply_markup": markup})


def _new_markup(call: Call) -> dict[str, Any] | None:
    markup = call.params.get("reply_markup")
    if not markup:
        return None
    check_reply_markup(markup)
    ptb = call.world.objects.inline_markup(markup)
    return ptb.to_dict() if ptb is not None else None


@method("deleteMessage")
async def delete_message(call: Call) -> bool:
    chat = call.world.chat(call.params["chat_id"])
    record = call.world.message(chat, call.params["message_id"])
    if record is None:
        raise bad_request("message to delete not found")
    _check_deletable(call, chat, record)
    call.world.delete(record)
    return True


@method("deleteMessages")
async def delete_messages(call: Call) -> bool:
    chat = call.world.chat(call.params["chat_id"])
    ids: list[int] = call.params["message_ids"]
    check_bulk_ids(ids, increasing=False)
    for message_id in ids:
        record = call.world.message(chat, message_id)
        if record is not None:
            _check_deletable(call, chat, record)
            call.world.delete(record)
    return True


def _check_deletable(call: Call, chat: ChatState, record: MessageRecord) -> None:
    if "forum_topic_created" in record.data:
        raise bad_request("message can't be deleted")
    if record.from_bot or chat.type == "private":
        return
    rights = chat.bot
    if rights.status not in ("administrator", "creator") or not rights.can_delete_messages:
        raise bad_request("message can't be deleted")


def _copy_source(call: Call, what: str) -> tuple[ChatState, MessageRecord]:
    source = source_chat(call)
    record = call.world.message(source, call.params["message_id"])
    if record is None:
        raise bad_request(f"message to {what} not found")
    if record.service:
        raise bad_request(
            "message can't be forwarded" if what == "forward" else "message can't be copied"
        )
    return source, record


@method("copyMessage")
async def copy_message(call: Call) -> dict[str, Any]:
    source, original = _copy_source(call, "copy")
    chat = target_chat(call)
    record = _copy_into(call, chat, original, replace_caption=True)
    return call.world.objects.message_id(record.message_id)


@method("forwardMessage")
async def forward_message(call: Call) -> dict[str, Any]:
    source, original = _copy_source(call, "forward")
    chat = target_chat(call)
    return _copy_into(call, chat, original, forward_from=source).data


@method("copyMessages", "forwardMessages")
async def copy_messages(call: Call) -> list[dict[str, Any]]:
    forward = call.method.lower() == "forwardmessages"
    ids: list[int] = call.params["message_ids"]
    check_bulk_ids(ids, increasing=True)
    source = source_chat(call)
    chat = target_chat(call)
    results = []
    for message_id in ids:
        original = call.world.message(source, message_id)
        if original is None or original.service:
            continue
        record = _copy_into(
            call,
            chat,
            original,
            forward_from=source if forward else None,
            drop_caption=bool(call.params.get("remove_caption")),
        )
        results.append(call.world.objects.message_id(record.message_id))
    return results


def _copy_into(
    call: Call,
    chat: ChatState,
    original: MessageRecord,
    *,
    forward_from: ChatState | None = None,
    replace_caption: bool = False,
    drop_caption: bool = False,
) -> MessageRecord:
    world = call.world
    params = call.params
    content = world.objects.content_from(original.data)
    if "text" not in content:
        if drop_caption:
            content.pop("caption", None)
            content.pop("caption_entities", None)
        elif replace_caption and "caption" in params:
            caption, entities = caption_text(
                params["caption"], params.get("parse_mode"), params.get("caption_entities")
            )
            content["caption"] = caption
            content["caption_entities"] = world.objects.entities(entities)
    content.update(markup_content(call, chat))
    origin = None
    if forward_from is not None:
        sender = world.users[original.sender_id]
        origin = world.objects.forward_origin(sender, forward_from, original.data["date"])
    reply_to = reply_target(call, chat)
    return world.post(
        chat,
        world.bot,
        content,
        thread_id=thread_for(call, chat, reply_to),
        reply_to=reply_to,
        forward_origin=origin,
    )
