"""`Messenger` on aiogram's Bot: the one place where aiogram's errors become `Undeliverable`."""

from __future__ import annotations

from collections.abc import Awaitable
from typing import Any, TypeVar

from aiogram import Bot
from aiogram.exceptions import (
    TelegramAPIError,
    TelegramBadRequest,
    TelegramForbiddenError,
    TelegramMigrateToChat,
    TelegramNotFound,
)
from aiogram.types import ReactionTypeEmoji, ReplyParameters

from bot.messenger import Reason, Undeliverable

T = TypeVar("T")


def reason_of(exc: TelegramAPIError) -> Reason:
    """Why Telegram refused, in the services' words."""
    text = exc.message.lower()
    if isinstance(exc, TelegramForbiddenError):
        return Reason.BLOCKED
    if isinstance(exc, TelegramMigrateToChat):
        return Reason.CHAT_GONE
    if isinstance(exc, TelegramNotFound):
        return Reason.NOT_FOUND
    if isinstance(exc, TelegramBadRequest):
        if "not modified" in text:
            return Reason.NOT_MODIFIED
        if "chat not found" in text:
            return Reason.CHAT_GONE
        if "not found" in text or "message_id_invalid" in text:
            return Reason.NOT_FOUND
        return Reason.REJECTED
    return Reason.FAILED


async def _call(request: Awaitable[T]) -> T:
    try:
        return await request
    except TelegramAPIError as exc:
        raise Undeliverable(reason_of(exc), exc.message) from exc


class TelegramMessenger:
    """Implements `bot.messenger.Messenger` with one aiogram Bot (its default parse mode applies)."""

    def __init__(self, bot: Bot) -> None:
        self.bot = bot

    async def send_text(
        self,
        chat_id: int,
        text: str,
        *,
        markup: Any = None,
        thread_id: int | None = None,
        reply_to: int | None = None,
    ) -> int:
        reply = (
            ReplyParameters(message_id=reply_to, allow_sending_without_reply=True)
            if reply_to is not None
            else None
        )
        sent = await _call(
            self.bot.send_message(
                chat_id,
                text,
                message_thread_id=thread_id,
                reply_markup=markup,
                reply_parameters=reply,
            )
        )
        return sent.message_id

    async def copy(
        self, chat_id: int, from_chat_id: int, message_id: int, *, thread_id: int | None = None
    ) -> int:
        copied = await _call(
            self.bot.copy_message(chat_id, from_chat_id, message_id, message_thread_id=thread_id)
        )
        return copied.message_id

    async def send_file(
        self, chat_id: int, kind: str, file_id: str, *, caption: str | None = None
    ) -> int:
        send = self.bot.send_photo if kind == "photo" else self.bot.send_document
        sent = await _call(send(chat_id, file_id, caption=caption))
        return sent.message_id

    async def edit_text(
        self, chat_id: int, message_id: int, text: str, *, markup: Any = None
    ) -> None:
        await _call(
            self.bot.edit_message_text(
                text=text, chat_id=chat_id, message_id=message_id, reply_markup=markup
            )
        )

    async def edit_markup(self, chat_id: int, message_id: int, markup: Any = None) -> None:
        await _call(
            self.bot.edit_message_reply_markup(
                chat_id=chat_id, message_id=message_id, reply_markup=markup
            )
        )

    async def delete(self, chat_id: int, message_id: int) -> None:
        await _call(self.bot.delete_message(chat_id, message_id))

    async def react(self, chat_id: int, message_id: int, emoji: str) -> None:
        await _call(
            self.bot.set_message_reaction(chat_id, message_id, [ReactionTypeEmoji(emoji=emoji)])
        )

    async def create_topic(self, chat_id: int, name: str) -> int:
        topic = await _call(self.bot.create_forum_topic(chat_id, name))
        return topic.message_thread_id

    async def close_topic(self, chat_id: int, thread_id: int) -> None:
        await _call(self.bot.close_forum_topic(chat_id, thread_id))

    async def reopen_topic(self, chat_id: int, thread_id: int) -> None:
        await _call(self.bot.reopen_forum_topic(chat_id, thread_id))

    async def delete_topic(self, chat_id: int, thread_id: int) -> None:
        await _call(self.bot.delete_forum_topic(chat_id, thread_id))
