"""Bot API objects built with python-telegram-bot's classes, so the JSON is PTB's.

The emulator never writes a Message/Chat/User dict by hand: it builds PTB objects
and serialises them with ``to_dict()``. Chat and User objects are built once and
cached on the state objects; that keeps sendMessage cheap.
"""

from __future__ import annotations

import datetime as dt
import json
import time
from collections.abc import Iterable
from typing import Any

import telegram
from telegram import Chat, InlineKeyboardMarkup, Message, MessageEntity, User

from .spec import BotApiSpec
from .state import BotRights, ChatState, TopicState, UserState

UTC = dt.UTC
_KEYBOARD_CACHE_SIZE = 1024
_ENTITY_CACHE_SIZE = 4096
_ACCENT_COLORS = 7  # Telegram derives the default accent colour (0-6) from the id
_MAX_REACTIONS = 11  # the default per-message reaction limit of a chat
_NESTED_MESSAGES = (
    "message",
    "edited_message",
    "reply_to_message",
    "pinned_message",
    "callback_query",
)


def now() -> dt.datetime:
    return dt.datetime.fromtimestamp(int(time.time()), tz=UTC)


class ObjectFactory:
    def __init__(self, spec: BotApiSpec) -> None:
        message = spec.types["Message"].fields or {}
        # PTB serialises unset service flags as False; Telegram omits optional flags.
        self._false_flags = tuple(
            name
            for name, f in message.items()
            if not f.required and set(f.types) <= {"Boolean", "True"}
        )
        self._keyboards: dict[str, InlineKeyboardMarkup] = {}
        self._entities: dict[tuple[tuple[str, Any], ...], MessageEntity] = {}

    # -- users and chats -------------------------------------------------
    def user(self, user: UserState) -> User:
        cached = user.cache.get("ptb")
        if cached is None:
            cached = User(
                id=user.id,
                is_bot=user.is_bot,
                first_name=user.first_name,
                last_name=user.last_name,
                username=user.username,
                language_code=user.language_code,
                is_premium=user.is_premium,
            )
            user.cache["ptb"] = cached
        return cached

    def user_dict(self, user: UserState) -> dict[str, Any]:
        cached = user.cache.get("dict")
        if cached is None:
            cached = user.cache["dict"] = self.user(user).to_dict()
        return dict(cached)

    def chat(self, chat: ChatState) -> Chat:
        cached = chat.cache.get("ptb")
        if cached is None:
            cached = Chat(
                id=chat.id,
                type=chat.type,
                title=chat.title,
                username=chat.username,
                first_name=chat.first_name,
                last_name=chat.last_name,
                is_forum=chat.is_forum or None,
            )
            chat.cache["ptb"] = cached
        return cached

    def chat_dict(self, chat: ChatState) -> dict[str, Any]:
        return self.chat(chat).to_dict()

    def chat_full_info(self, chat: ChatState, pinned: dict[str, Any] | None) -> dict[str, Any]:
        info = telegram.ChatFullInfo(
            id=chat.id,
            type=chat.type,
            title=chat.title,
            username=chat.username,
            first_name=chat.first_name,
            last_name=chat.last_name,
            is_forum=chat.is_forum or None,
            description=chat.description,
            accent_color_id=chat.id % _ACCENT_COLORS,
            max_reaction_count=_MAX_REACTIONS,
            accepted_gift_types=telegram.AcceptedGiftTypes(True, True, True, True, False),
            pinned_message=Message.de_json(pinned, None) if pinned else None,
            permissions=telegram.ChatPermissions.all_permissions() if chat.is_group else None,
        )
        return self.clean(info.to_dict())

    # -- messages --------------------------------------------------------
    def clean(self, data: dict[str, Any]) -> dict[str, Any]:
        for name in self._false_flags:
            if data.get(name) is False:
                del data[name]
        for key in _NESTED_MESSAGES:
            nested = data.get(key)
            if isinstance(nested, dict):
                self.clean(nested)
        return data

    def message_obj(
        self,
        *,
        chat: ChatState,
        sender: UserState,
        message_id: int,
        content: dict[str, Any],
        thread_id: int | None = None,
        reply_to: dict[str, Any] | None = None,
        forward_origin: telegram.MessageOrigin | None = None,
    ) -> Message:
        """A new message; ``content`` holds Message keyword arguments (text, photo, ...)."""
        return Message(
            message_id=message_id,
            date=now(),
            chat=self.chat(chat),
            from_user=self.user(sender),
            message_thread_id=thread_id,
            is_topic_message=True if thread_id is not None and chat.is_forum else None,
            reply_to_message=Message.de_json(reply_to, None) if reply_to else None,
            forward_origin=forward_origin,
            **content,
        )

    def rebuild(self, data: dict[str, Any]) -> dict[str, Any]:
        """Re-validate an edited message dict through PTB."""
        msg = Message.de_json(data, None)
        assert msg is not None
        return self.clean(msg.to_dict())

    def content_from(self, data: dict[str, Any]) -> dict[str, Any]:
        """PTB keyword arguments that reproduce the content of a stored message."""
        msg = Message.de_json(data, None)
        assert msg is not None
        keys = (
            "text",
            "entities",
            "caption",
            "caption_entities",
            "photo",
            "voice",
            "document",
            "audio",
            "video",
            "sticker",
            "animation",
            "video_note",
            "location",
            "contact",
            "venue",
            "poll",
            "dice",
            "has_media_spoiler",
            "show_caption_above_media",
        )
        return {k: getattr(msg, k) for k in keys if getattr(msg, k, None) not in (None, ())}

    def entities(self, items: Iterable[dict[str, Any]] | None) -> list[MessageEntity] | None:
        """PTB entities (immutable, so equal ones are built once and shared)."""
        if not items:
            return None
        result = []
        for item in items:
            key = tuple(item.items()) if "user" not in item else None
            entity = self._entities.get(key) if key is not None else None
            if entity is None:
                entity = MessageEntity.de_json(item, None)
                if entity is None:
                    continue
                if key is not None and len(self._entities) < _ENTITY_CACHE_SIZE:
                    self._entities[key] = entity
            result.append(entity)
        return result

    def inline_markup(self, markup: dict[str, Any] | None) -> InlineKeyboardMarkup | None:
        """PTB keyboard for a checked reply_markup; cached, as bots resend the same keyboards."""
        if not markup or "inline_keyboard" not in markup:
            return None
        key = json.dumps(markup, separators=(",", ":"))
        cached = self._keyboards.get(key)
        if cached is None:
            if len(self._keyboards) >= _KEYBOARD_CACHE_SIZE:
                self._keyboards.clear()
            cached = self._keyboards[key] = InlineKeyboardMarkup.de_json(markup, None)
        return cached

    def bot_user(self, bot: UserState) -> dict[str, Any]:
        """getMe's answer, built once."""
        cached = bot.cache.get("me")
        if cached is None:
            cached = bot.cache["me"] = User(
                id=bot.id,
                is_bot=True,
                first_name=bot.first_name,
                username=bot.username,
                can_join_groups=True,
                can_read_all_group_messages=False,
                supports_inline_queries=False,
                can_connect_to_business=False,
                has_main_web_app=False,
            ).to_dict()
        return dict(cached)

    @staticmethod
    def forward_origin(sender: UserState, source: ChatState, date: int) -> telegram.MessageOrigin:
        when = dt.datetime.fromtimestamp(date, tz=UTC)
        if source.type == "channel":
            return telegram.MessageOriginChannel(
                when, Chat(source.id, source.type, title=source.title), 0
            )
        return telegram.MessageOriginUser(when, ObjectFactory._plain_user(sender))

    @staticmethod
    def external_reply(
        original: dict[str, Any], source: ChatState, sender: UserState
    ) -> telegram.ExternalReplyInfo:
        """What a reply to a message in another chat carries instead of reply_to_message."""
        origin = ObjectFactory.forward_origin(sender, source, original["date"])
        if source.type == "private":
            return telegram.ExternalReplyInfo(origin)
        chat = Chat(source.id, source.type, title=source.title, username=source.username)
        return telegram.ExternalReplyInfo(origin, chat, original["message_id"])

    @staticmethod
    def _plain_user(user: UserState) -> User:
        return User(
            user.id, user.first_name, user.is_bot, last_name=user.last_name, username=user.username
        )

    # -- other results ---------------------------------------------------
    @staticmethod
    def forum_topic(topic: TopicState) -> dict[str, Any]:
        return telegram.ForumTopic(
            message_thread_id=topic.message_thread_id,
            name=topic.name,
            icon_color=topic.icon_color,
            icon_custom_emoji_id=topic.icon_custom_emoji_id,
        ).to_dict()

    @staticmethod
    def topic_created(topic: TopicState) -> telegram.ForumTopicCreated:
        return telegram.ForumTopicCreated(topic.name, topic.icon_color, topic.icon_custom_emoji_id)

    def chat_member(
        self, user: UserState, status: str, rights: BotRights | None = None
    ) -> dict[str, Any]:
        """ChatMember* for ``status``; ``rights`` limit an administrator (else: all rights)."""
        return self.member_obj(self._plain_user(user), status, rights).to_dict()

    @staticmethod
    def member_obj(user: User, status: str, rights: BotRights | None = None) -> telegram.ChatMember:
        if status == "creator":
            return telegram.ChatMemberOwner(user, is_anonymous=False)
        if status == "administrator":
            return telegram.ChatMemberAdministrator(
                user,
                can_be_edited=False,
                is_anonymous=False,
                can_manage_chat=True,
                can_delete_messages=rights.can_delete_messages if rights else True,
                can_manage_video_chats=True,
                can_restrict_members=True,
                can_promote_members=False,
                can_change_info=True,
                can_invite_users=True,
                can_post_stories=False,
                can_edit_stories=False,
                can_delete_stories=False,
                can_pin_messages=rights.can_pin_messages if rights else True,
                can_manage_topics=rights.can_manage_topics if rights else True,
                # Bot API 10.2 field, newer than PTB 22.8; current clients (aiogram 3.31) require it.
                api_kwargs={"can_send_welcome_messages": False},
            )
        if status == "member":
            return telegram.ChatMemberMember(user)
        if status == "kicked":
            return telegram.ChatMemberBanned(user, until_date=dt.datetime.fromtimestamp(0, tz=UTC))
        return telegram.ChatMemberLeft(user)

    @staticmethod
    def bot_command(command: dict[str, Any]) -> dict[str, Any]:
        return telegram.BotCommand(command["command"], command["description"]).to_dict()

    @staticmethod
    def message_id(message_id: int) -> dict[str, Any]:
        return telegram.MessageId(message_id).to_dict()

    def update(self, update_id: int, kind: str, payload: telegram.TelegramObject) -> dict[str, Any]:
        return self.clean(telegram.Update(update_id, **{kind: payload}).to_dict())  # type: ignore[arg-type]
