"""Forum topics in supergroups: create, edit, close, reopen, delete."""

from __future__ import annotations

from typing import Any

import telegram

from ..errors import bad_request
from ..limits import check_topic_name
from ..state import ChatState, TopicState
from . import Call, method
from .common import target_chat


def _forum(call: Call, *, action: str = "manage") -> ChatState:
    chat = target_chat(call)
    if not chat.is_forum:
        raise bad_request("the chat is not a forum")
    rights = chat.bot
    if rights.status not in ("administrator", "creator") or not rights.can_manage_topics:
        raise bad_request(f"not enough rights to {action} a topic")
    return chat


def _topic(call: Call, chat: ChatState) -> TopicState:
    topic = chat.topics.get(call.params["message_thread_id"])
    if topic is None or topic.deleted:
        raise bad_request("message thread not found")
    return topic


@method("createForumTopic")
async def create_forum_topic(call: Call) -> dict[str, Any]:
    chat = _forum(call, action="create")
    name: str = call.params["name"]
    check_topic_name(name)
    world = call.world
    topic = world.create_topic(
        chat,
        world.bot,
        name,
        call.params.get("icon_color"),
        call.params.get("icon_custom_emoji_id"),
    )
    return world.objects.forum_topic(topic)


@method("editForumTopic")
async def edit_forum_topic(call: Call) -> bool:
    chat = _forum(call, action="edit")
    topic = _topic(call, chat)
    name = call.params.get("name")
    emoji = call.params.get("icon_custom_emoji_id")
    if name is not None:
        check_topic_name(name)
    if (name is None or name == topic.name) and (
        emoji is None or emoji == topic.icon_custom_emoji_id
    ):
        raise bad_request("TOPIC_NOT_MODIFIED")
    topic.name = name or topic.name
    topic.icon_custom_emoji_id = emoji if emoji is not None else topic.icon_custom_emoji_id
    edited = telegram.ForumTopicEdited(name=name, icon_custom_emoji_id=emoji)
    call.world.topic_service(chat, topic, call.world.bot, {"forum_topic_edited": edited}, "edited")
    return True


@method("closeForumTopic", "reopenForumTopic")
async def close_forum_topic(call: Call) -> bool:
    closing = call.method.lower() == "closeforumtopic"
    chat = _forum(call, action="close" if closing else "reopen")
    topic = _topic(call, chat)
    if topic.closed == closing:
        raise bad_request("TOPIC_NOT_MODIFIED")
    topic.closed = closing
    content: dict[str, Any] = (
        {"forum_topic_closed": telegram.ForumTopicClosed()}
        if closing
        else {"forum_topic_reopened": telegram.ForumTopicReopened()}
    )
    call.world.topic_service(
        chat, topic, call.world.bot, content, "closed" if closing else "reopened"
    )
    return True


@method("deleteForumTopic")
async def delete_forum_topic(call: Call) -> bool:
    chat = _forum(call, action="delete")
    topic = _topic(call, chat)
    topic.deleted = True
    world = call.world
    for record in list(chat.live_messages()):
        if record.thread_id == topic.message_thread_id:
            world.delete(record)
    world.events.add(
        "topic",
        chat_id=chat.id,
        thread_id=topic.message_thread_id,
        data={"name": topic.name, "action": "deleted"},
    )
    return True


@method("unpinAllForumTopicMessages")
async def unpin_all_forum_topic_messages(call: Call) -> bool:
    chat = _forum(call, action="pin messages in")
    _topic(call, chat)
    return True


@method("getForumTopicIconStickers")
async def get_forum_topic_icon_stickers(call: Call) -> list[dict[str, Any]]:
    return []
