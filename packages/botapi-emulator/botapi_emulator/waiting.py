"""Waiting for the bot without sleeping: event-driven, each observer with its own cursor.

``wait_for_message`` is a selective receive: it returns the oldest bot message in
the chat that this observer has not been given yet and that matches the filters,
waiting (on the emulator's change notifier, never by polling) until one arrives.
``wait_for_edit`` returns the next edit after the last one returned.
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from typing import TYPE_CHECKING, Any, Final, TypeVar

from .errors import ApiError
from .state import ChatState
from .view import SimMessage

if TYPE_CHECKING:
    from .server import Emulator


class _Any:
    def __repr__(self) -> str:
        return "ANY"


ANY: Final = _Any()
ThreadFilter = int | None | _Any
ChatRef = Any  # ChatState | SimGroup | SimUser | SimMessage | int | "@username" | None
Predicate = Callable[[SimMessage], bool]
T = TypeVar("T")


class Observer:
    """Something that reads bot messages: a simulated user or a group."""

    def __init__(self, emulator: Emulator) -> None:
        self._emu = emulator
        self._seen: dict[int, set[int]] = {}
        self._edit_seq = 0

    def _default_chat(self) -> ChatState:
        raise NotImplementedError

    def _resolve(self, chat: ChatRef) -> ChatState:
        """A chat given as a group, a user (their private chat), a message, an id or @name."""
        if chat is None:
            return self._default_chat()
        if isinstance(chat, ChatState):
            return chat
        if isinstance(chat, SimMessage):
            chat = chat.chat_id
        elif isinstance(chat, Observer):
            return chat._default_chat()
        try:
            return self._emu.world.chat(chat)
        except ApiError:
            raise LookupError(f"no chat {chat!r} in the emulator") from None

    def messages(self, chat: ChatRef = None, *, thread_id: ThreadFilter = ANY) -> list[SimMessage]:
        """The whole transcript of the chat (both sides, deleted ones included)."""
        target = self._resolve(chat)
        return [
            SimMessage(r)
            for r in target.messages.values()
            if thread_id is ANY or r.thread_id == thread_id
        ]

    def bot_messages(
        self, chat: ChatRef = None, *, thread_id: ThreadFilter = ANY
    ) -> list[SimMessage]:
        """The bot's messages in the chat, without service messages (topic created, ...)."""
        return [
            m
            for m in self.messages(chat, thread_id=thread_id)
            if m.from_bot and not m.record.service
        ]

    def last_bot_message(
        self, chat: ChatRef = None, *, thread_id: ThreadFilter = ANY
    ) -> SimMessage | None:
        found = self.bot_messages(chat, thread_id=thread_id)
        return found[-1] if found else None

    async def wait_for_message(
        self,
        predicate: Predicate | None = None,
        *,
        timeout: float = 5.0,
        chat: ChatRef = None,
        thread_id: ThreadFilter = ANY,
    ) -> SimMessage:
        """The next bot message in ``chat`` not yet returned to this observer.

        Service messages (topic created/closed, ...) are not messages the bot wrote and
        are skipped; ``thread_id=None`` matches only messages outside topics.
        """
        target = self._resolve(chat)
        seen = self._seen.setdefault(target.id, set())

        def find() -> SimMessage | None:
            for record in target.messages.values():
                if not record.from_bot or record.service or record.message_id in seen:
                    continue
                if thread_id is not ANY and record.thread_id != thread_id:
                    continue
                message = SimMessage(record)
                if predicate is None or predicate(message):
                    seen.add(record.message_id)
                    return message
            return None

        where = f"chat {target.id}" + ("" if thread_id is ANY else f" thread {thread_id}")
        return await self._wait(find, timeout, f"new bot message in {where}", target)

    def skip_pending(self, chat: ChatRef = None) -> None:
        """Mark every bot message already in ``chat`` as seen."""
        target = self._resolve(chat)
        seen = self._seen.setdefault(target.id, set())
        seen.update(r.message_id for r in target.messages.values() if r.from_bot)

    async def wait_for_edit(
        self,
        message: SimMessage | None = None,
        predicate: Predicate | None = None,
        *,
        timeout: float = 5.0,
        chat: ChatRef = None,
    ) -> SimMessage:
        """The next edit of a bot message (``message`` or any in ``chat``) after the last one returned."""
        target = self._resolve(chat if message is None else message.chat_id)
        events = self._emu.world.events

        def find() -> SimMessage | None:
            for event in events.since(self._edit_seq):
                if event.kind != "edit" or event.chat_id != target.id:
                    continue
                if message is not None and event.message_id != message.message_id:
                    continue
                assert event.message_id is not None
                record = target.messages[event.message_id]
                view = SimMessage(record)
                if record.from_bot and (predicate is None or predicate(view)):
                    self._edit_seq = event.seq
                    return view
            return None

        return await self._wait(find, timeout, f"edit of a bot message in chat {target.id}", target)

    async def _wait(
        self, find: Callable[[], T | None], timeout: float, what: str, chat: ChatState | None
    ) -> T:
        notifier = self._emu.world.events.notifier
        loop = asyncio.get_running_loop()
        deadline = loop.time() + timeout
        while True:
            found = find()
            if found is not None:
                return found
            remaining = deadline - loop.time()
            if remaining <= 0 or not await notifier.wait(remaining):
                found = find()
                if found is not None:
                    return found
                raise TimeoutError(self._timeout_report(what, timeout, chat))

    def _timeout_report(self, what: str, timeout: float, chat: ChatState | None) -> str:
        lines = [f"no {what} within {timeout:g}s"]
        if chat is not None:
            recent = list(chat.messages.values())[-5:]
            if recent:
                lines.append("last messages in the chat:")
                lines.extend(f"  {SimMessage(r)!r}" for r in recent)
        rejections = self._emu.rejections[-5:]
        if rejections:
            lines.append("recent rejected bot requests:")
            lines.extend(f"  {r}" for r in rejections)
        return "\n".join(lines)
