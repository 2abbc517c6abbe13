"""What a use case may do on Telegram, said without Telegram's library.

Services receive a `Messenger` and call it after they have committed their decision
("commit, then speak"). Keyboards are built by views modules and passed through as opaque
objects (`Markup`); a service never looks inside them. Every failed effect is raised as
`Undeliverable` with a `Reason`, so services never see aiogram's exceptions. The one
implementation on aiogram's Bot is `bot.telegram.messenger.TelegramMessenger`; handlers
get it as the argument `messenger`.
"""

from __future__ import annotations

from enum import StrEnum
from typing import Protocol

Markup = object
"""A reply markup built by a views module (inline keyboard, keyboard removal); opaque here."""


class Reason(StrEnum):
    BLOCKED = "blocked"  # the person blocked the bot, or the bot was removed from the chat
    CHAT_GONE = "chat_gone"  # the chat does not exist (any more)
    NOT_FOUND = "not_found"  # the message or topic is not there (deleted, too old, wrong id)
    NOT_MODIFIED = "not_modified"  # an edit that would change nothing
    REJECTED = "rejected"  # Telegram refused the request for another reason
    FAILED = "failed"  # no usable answer: rate limit, server or network error


class Undeliverable(Exception):
    """A Telegram effect did not happen; `reason` says why, `detail` is Telegram's text."""

    def __init__(self, reason: Reason, detail: str = "") -> None:
        super().__init__(f"{reason}: {detail}" if detail else str(reason))
        self.reason = reason
        self.detail = detail


class Messenger(Protocol):
    """Telegram effects of the use cases. Message-sending methods return the new message id."""

    async def send_text(
        self,
        chat_id: int,
        text: str,
        *,
        markup: Markup | None = None,
        thread_id: int | None = None,
        reply_to: int | None = None,
    ) -> int:
        """`reply_to`: a message in that chat to answer (sent anyway if it is gone)."""
        ...

    async def copy(
        self, chat_id: int, from_chat_id: int, message_id: int, *, thread_id: int | None = None
    ) -> int: ...

    async def send_file(
        self, chat_id: int, kind: str, file_id: str, *, caption: str | None = None
    ) -> int:
        """Send a photo or document (`kind`) Telegram already has, by its file id."""
        ...

    async def edit_text(
        self, chat_id: int, message_id: int, text: str, *, markup: Markup | None = None
    ) -> None: ...

    async def edit_markup(
        self, chat_id: int, message_id: int, markup: Markup | None = None
    ) -> None: ...

    async def delete(self, chat_id: int, message_id: int) -> None: ...

    async def react(self, chat_id: int, message_id: int, emoji: str) -> None: ...

    async def create_topic(self, chat_id: int, name: str) -> int:
        """Open a forum topic; returns its thread id."""
        ...

    async def close_topic(self, chat_id: int, thread_id: int) -> None: ...

    async def reopen_topic(self, chat_id: int, thread_id: int) -> None: ...

    async def delete_topic(self, chat_id: int, thread_id: int) -> None: ...
