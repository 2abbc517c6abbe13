"""The emulated Telegram world: who exists, which chats, what was said, and updates."""

from __future__ import annotations

import itertools
import random
from dataclasses import dataclass, field
from typing import Any

import telegram
from telegram import Message

from .errors import bad_request
from .files import FileStore
from .objects import ObjectFactory, now
from .spec import BotApiSpec
from .state import (
    BotRights,
    ChatState,
    EventLog,
    MemberStatus,
    MessageRecord,
    TopicState,
    UserState,
)
from .updates import UpdateHub

FIRST_USER_ID = 6_100_000_001  # realistic ten-digit user ids
FIRST_SUPERGROUP_ID = -1_002_100_000_001
SERVICE_KEYS = frozenset(
    {
        "forum_topic_created",
        "forum_topic_closed",
        "forum_topic_reopened",
        "forum_topic_edited",
        "pinned_message",
        "new_chat_members",
        "left_chat_member",
    }
)
_USER_MEDIA = ("photo", "voice", "document", "audio", "video", "sticker", "animation", "video_note")
TOPIC_COLORS = (0x6FB9F0, 0xFFD67E, 0xCB86DB, 0x8EEE98, 0xFF93B2, 0xFB6F5F)


@dataclass
class CallbackState:
    id: str
    user_id: int
    chat_id: int
    message_id: int
    data: str | None
    answer: dict[str, Any] | None = None


@dataclass
class World:
    spec: BotApiSpec
    bot: UserState
    seed: int = 0
    chats: dict[int, ChatState] = field(default_factory=dict)
    users: dict[int, UserState] = field(default_factory=dict)
    callbacks: dict[str, CallbackState] = field(default_factory=dict)
    commands: dict[tuple[str, str], list[dict[str, Any]]] = field(default_factory=dict)
    bot_texts: dict[tuple[str, str], str] = field(default_factory=dict)
    default_menu_button: dict[str, Any] | None = None
    privacy_mode: bool = True

    def __post_init__(self) -> None:
        rng = random.Random(self.seed)
        self.objects = ObjectFactory(self.spec)
        self.files = FileStore(rng.getrandbits(32))
        self.events = EventLog()
        self.updates = UpdateHub(first_update_id=rng.randint(100_000_000, 900_000_000))
        self.users[self.bot.id] = self.bot
        self._user_ids = itertools.count(FIRST_USER_ID + rng.randint(0, 10_000) * 1000)
        self._group_ids = itertools.count(FIRST_SUPERGROUP_ID - rng.randint(0, 10_000) * 1000, -1)
        self._callback_ids = itertools.count(rng.getrandbits(40) * 1000)
        self.chat_instance_salt = rng.getrandbits(32)

    # -- people and chats ------------------------------------------------
    def add_user(
        self,
        first_name: str,
        *,
        last_name: str | None = None,
        username: str | None = None,
        language_code: str | None = None,
        user_id: int | None = None,
        is_premium: bool | None = None,
    ) -> UserState:
        if user_id is not None and user_id in self.users:
            raise ValueError(f"user id {user_id} is taken")
        user = UserState(
            id=user_id if user_id is not None else next(self._user_ids),
            first_name=first_name,
            last_name=last_name,
            username=username,
            language_code=language_code,
            is_premium=is_premium,
        )
        self.users[user.id] = user
        self.chats[user.id] = ChatState(
            id=user.id,
            type="private",
            username=username,
            first_name=first_name,
            last_name=last_name,
            members={user.id: "member", self.bot.id: "member"},
        )
        self.events.add("user", chat_id=user.id, data={"user_id": user.id})
        return user

    def add_group(
        self,
        title: str,
        *,
        forum: bool,
        members: dict[int, MemberStatus],
        bot_rights: BotRights,
        username: str | None = None,
        chat_id: int | None = None,
    ) -> ChatState:
        chat = ChatState(
            id=chat_id if chat_id is not None else next(self._group_ids),
            type="supergroup",
            title=title,
            username=username,
            is_forum=forum,
            members={**members, self.bot.id: bot_rights.status},
            bot=bot_rights,
        )
        self.chats[chat.id] = chat
        self.events.add("chat", chat_id=chat.id, data={"title": title})
        return chat

    def chat(self, chat_id: int | str) -> ChatState:
        """Resolve a ``chat_id`` parameter (id or @username) as Telegram does."""
        chat: ChatState | None = None
        if isinstance(chat_id, int):
            chat = self.chats.get(chat_id)
        elif chat_id.startswith("@"):
            name = chat_id[1:].lower()
            chat = next(  # bots can't address people by @username, only public chats
                (
                    c
                    for c in self.chats.values()
                    if c.type != "private" and (c.username or "").lower() == name
                ),
                None,
            )
        if chat is None:
            raise bad_request("chat not found")
        return chat

    # -- messages --------------------------------------------------------
    def post(
        self,
        chat: ChatState,
        sender: UserState,
        content: dict[str, Any],
        *,
        thread_id: int | None = None,
        reply_to: MessageRecord | None = None,
        forward_origin: telegram.MessageOrigin | None = None,
        message_id: int | None = None,
        update_kind: str | None = None,
    ) -> MessageRecord:
        """Store a new message; ``update_kind`` also queues it for the bot."""
        message_id = message_id or chat.take_message_id()
        if reply_to is not None and reply_to.chat_id != chat.id:
            source = self.chats[reply_to.chat_id]
            sender_of_original = self.users[reply_to.sender_id]
            external = self.objects.external_reply(reply_to.data, source, sender_of_original)
            content = {**content, "external_reply": external}
            reply_to = None
        obj = self.objects.message_obj(
            chat=chat,
            sender=sender,
            message_id=message_id,
            content=content,
            thread_id=thread_id,
            reply_to=reply_to.data if reply_to else None,
            forward_origin=forward_origin,
        )
        data = self.objects.clean(obj.to_dict())
        seq = self.events.seq + 1
        record = MessageRecord(
            chat_id=chat.id,
            message_id=message_id,
            data=data,
            sender_id=sender.id,
            from_bot=sender.id == self.bot.id,
            thread_id=thread_id,
            seq=seq,
            version=seq,
            service=not content.keys().isdisjoint(SERVICE_KEYS),
        )
        chat.messages[message_id] = record
        self.events.add("message", chat_id=chat.id, message_id=message_id, thread_id=thread_id)
        if update_kind is not None:
            self.updates.push(update_kind, lambda uid: self.objects.update(uid, update_kind, obj))
        return record

    def message(self, chat: ChatState, message_id: int) -> MessageRecord | None:
        record = chat.messages.get(message_id)
        return None if record is None or record.deleted else record

    def edit(
        self, record: MessageRecord, changes: dict[str, Any], *, update_kind: str | None = None
    ) -> dict[str, Any]:
        """Apply ``changes`` (None removes a key), stamp edit_date, keep the old version."""
        new = dict(record.data)
        for key, value in changes.items():
            if value is None:
                new.pop(key, None)
            else:
                new[key] = value
        new["edit_date"] = int(now().timestamp())
        data = self.objects.rebuild(new)
        record.history.append(record.data)
        record.data = data
        record.version = self.events.seq + 1
        self.events.add(
            "edit", chat_id=record.chat_id, message_id=record.message_id, thread_id=record.thread_id
        )
        if update_kind is not None:
            obj = Message.de_json(data, None)
            assert obj is not None
            self.updates.push(update_kind, lambda uid: self.objects.update(uid, update_kind, obj))
        return data

    def delete(self, record: MessageRecord) -> None:
        record.deleted = True
        record.version = self.events.seq + 1
        self.events.add(
            "delete",
            chat_id=record.chat_id,
            message_id=record.message_id,
            thread_id=record.thread_id,
        )

    # -- forum topics ----------------------------------------------------
    def create_topic(
        self,
        chat: ChatState,
        creator: UserState,
        name: str,
        icon_color: int | None = None,
        icon_custom_emoji_id: str | None = None,
    ) -> TopicState:
        """A new topic; its id is the id of its "topic created" service message, as on Telegram."""
        thread_id = chat.take_message_id()
        if icon_color is None:
            icon_color = TOPIC_COLORS[thread_id % len(TOPIC_COLORS)]
        topic = TopicState(thread_id, name, icon_color, icon_custom_emoji_id, created_by=creator.id)
        chat.topics[thread_id] = topic
        created = {"forum_topic_created": self.objects.topic_created(topic)}
        self.topic_service(chat, topic, creator, created, "created", message_id=thread_id)
        return topic

    def topic_service(
        self,
        chat: ChatState,
        topic: TopicState,
        actor: UserState,
        content: dict[str, Any],
        action: str,
        message_id: int | None = None,
    ) -> None:
        """Post a topic service message (created/closed/...) and announce the change."""
        thread_id = topic.message_thread_id
        kind = None if actor.is_bot else "message"
        self.post(
            chat, actor, content, thread_id=thread_id, message_id=message_id, update_kind=kind
        )
        data = {"name": topic.name, "action": action}
        self.events.add("topic", chat_id=chat.id, thread_id=thread_id, data=data)

    # -- callback queries ------------------------------------------------
    def new_callback(
        self, user: UserState, record: MessageRecord, data: str | None
    ) -> tuple[CallbackState, dict[str, Any] | None]:
        state = CallbackState(
            str(next(self._callback_ids)), user.id, record.chat_id, record.message_id, data
        )
        self.callbacks[state.id] = state
        obj = telegram.CallbackQuery(
            id=state.id,
            from_user=self.objects.user(user),
            chat_instance=str(
                (record.chat_id * 7919 + self.chat_instance_salt) & 0x7FFFFFFFFFFFFFFF
            ),
            message=Message.de_json(record.data, None),
            data=data,
        )
        update = self.updates.push(
            "callback_query", lambda uid: self.objects.update(uid, "callback_query", obj)
        )
        self.events.add(
            "callback",
            chat_id=record.chat_id,
            message_id=record.message_id,
            data={"id": state.id, "data": data},
        )
        return state, update

    def bot_sees(
        self, chat: ChatState, content: dict[str, Any], reply: MessageRecord | None
    ) -> bool:
        """Does a person's message reach the bot? (group privacy mode, as on Telegram)"""
        if chat.type == "private":
            return True
        status = chat.members.get(self.bot.id)
        if status in (None, "left", "kicked"):
            return False
        if not self.privacy_mode or status in ("administrator", "creator"):
            return True
        if reply is not None and reply.from_bot:
            return True
        text = str(content.get("text") or "")
        mention = f"@{self.bot.username}".lower() if self.bot.username else None
        if text.startswith("/"):
            command = text.split(maxsplit=1)[0].lower()
            return "@" not in command or (mention is not None and command.endswith(mention))
        if mention is not None and mention in text.lower():
            return True
        return "text" not in content and not any(k in content for k in _USER_MEDIA)
