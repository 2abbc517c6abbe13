"""Chat information, membership, pins, reactions, menu button and callback answers."""

from __future__ import annotations

from typing import Any

from ..errors import QUERY_TOO_OLD, bad_request
from ..limits import check_answer_text
from . import Call, method
from .common import target_chat


@method("getChat")
async def get_chat(call: Call) -> dict[str, Any]:
    chat = call.world.chat(call.params["chat_id"])
    pinned = None
    if chat.pinned_message_id is not None:
        record = call.world.message(chat, chat.pinned_message_id)
        pinned = record.data if record else None
    return call.world.objects.chat_full_info(chat, pinned)


@method("getChatMember")
async def get_chat_member(call: Call) -> dict[str, Any]:
    world = call.world
    chat = world.chat(call.params["chat_id"])
    user = world.users.get(call.params["user_id"])
    if user is None:
        raise bad_request("user not found")
    status = chat.members.get(user.id, "left")
    if chat.type == "private" and user.id in (chat.id, world.bot.id):
        status = "member"
    return world.objects.chat_member(user, status, chat.bot if user.is_bot else None)


@method("getChatAdministrators")
async def get_chat_administrators(call: Call) -> list[dict[str, Any]]:
    world = call.world
    chat = world.chat(call.params["chat_id"])
    if chat.type == "private":
        raise bad_request("there are no administrators in the private chat")
    return [
        world.objects.chat_member(
            world.users[user_id], status, chat.bot if user_id == world.bot.id else None
        )
        for user_id, status in chat.members.items()
        if status in ("creator", "administrator") and user_id in world.users
    ]


@method("getChatMemberCount")
async def get_chat_member_count(call: Call) -> int:
    chat = call.world.chat(call.params["chat_id"])
    return sum(1 for status in chat.members.values() if status not in ("left", "kicked"))


@method("leaveChat")
async def leave_chat(call: Call) -> bool:
    world = call.world
    chat = world.chat(call.params["chat_id"])
    if chat.type == "private":
        raise bad_request("chat member status can't be changed in private chats")
    chat.members[world.bot.id] = "left"
    chat.bot.status = "left"
    world.events.add("chat", chat_id=chat.id, data={"bot_status": "left"})
    return True


@method("setChatMenuButton")
async def set_chat_menu_button(call: Call) -> bool:
    button = call.params.get("menu_button")
    if "chat_id" in call.params:
        call.world.chat(call.params["chat_id"]).menu_button = button
    else:
        call.world.default_menu_button = button
    return True


@method("getChatMenuButton")
async def get_chat_menu_button(call: Call) -> dict[str, Any]:
    button = None
    if "chat_id" in call.params:
        button = call.world.chat(call.params["chat_id"]).menu_button
    return button or call.world.default_menu_button or {"type": "commands"}


@method("setMessageReaction")
async def set_message_reaction(call: Call) -> bool:
    world = call.world
    chat = target_chat(call)
    record = world.message(chat, call.params["message_id"])
    if record is None:
        raise bad_request("message to react not found")
    record.reactions = list(call.params.get("reaction") or [])
    world.events.add(
        "reaction",
        chat_id=chat.id,
        message_id=record.message_id,
        data={"reaction": record.reactions},
    )
    return True


@method("pinChatMessage")
async def pin_chat_message(call: Call) -> bool:
    world = call.world
    chat = target_chat(call)
    record = world.message(chat, call.params["message_id"])
    if record is None:
        raise bad_request("message to pin not found")
    if chat.is_group and chat.bot.status not in ("administrator", "creator"):
        raise bad_request("not enough rights to manage pinned messages in the chat")
    chat.pinned_message_id = record.message_id
    world.events.add("chat", chat_id=chat.id, message_id=record.message_id, data={"pinned": True})
    return True


@method("unpinChatMessage", "unpinAllChatMessages")
async def unpin_chat_message(call: Call) -> bool:
    chat = target_chat(call)
    chat.pinned_message_id = None
    call.world.events.add("chat", chat_id=chat.id, data={"pinned": False})
    return True


@method("answerCallbackQuery")
async def answer_callback_query(call: Call) -> bool:
    world = call.world
    state = world.callbacks.get(call.params["callback_query_id"])
    if state is None or state.answer is not None:
        raise bad_request(QUERY_TOO_OLD)
    check_answer_text(call.params.get("text"))
    state.answer = {
        key: call.params[key]
        for key in ("text", "show_alert", "url", "cache_time")
        if key in call.params
    }
    world.events.add(
        "callback_answer",
        chat_id=state.chat_id,
        message_id=state.message_id,
        data={"id": state.id, **state.answer},
    )
    return True
