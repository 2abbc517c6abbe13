"""In-memory state of the emulated Telegram: users, chats, messages, topics, events."""

from __future__ import annotations

import asyncio
import time
from collections import deque
from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import Any, Literal

ChatType = Literal["private", "group", "supergroup", "channel"]
MemberStatus = Literal["creator", "administrator", "member", "restricted", "left", "kicked"]
EventKind = Literal[
    "message",
    "edit",
    "delete",
    "topic",
    "callback",
    "callback_answer",
    "chat",
    "user",
    "action",
    "reaction",
    "rejection",
]


class Notifier:
    """Wakes every waiter on each change; waiters re-check their own condition."""

    def __init__(self) -> None:
        self._event = asyncio.Event()

    def notify(self) -> None:
        self._event.set()
        self._event = asyncio.Event()

    async def wait(self, timeout: float | None) -> bool:
        """Wait for the next change; False on timeout."""
        event = self._event
        if timeout is not None and timeout <= 0:
            return False
        try:
            await asyncio.wait_for(event.wait(), timeout)
        except TimeoutError:
            return False
        return True


@dataclass(slots=True)
class UserState:
    id: int
    first_name: str
    last_name: str | None = None
    username: str | None = None
    language_code: str | None = None
    is_bot: bool = False
    is_premium: bool | None = None
    cache: dict[str, Any] = field(default_factory=dict)  # PTB object and dict

    @property
    def full_name(self) -> str:
        return f"{self.first_name} {self.last_name}" if self.last_name else self.first_name


@dataclass(slots=True)
class BotRights:
    status: MemberStatus = "member"
    can_manage_topics: bool = False
    can_delete_messages: bool = False
    can_pin_messages: bool = False


@dataclass(slots=True)
class TopicState:
    message_thread_id: int
    name: str
    icon_color: int
    icon_custom_emoji_id: str | None = None
    closed: bool = False
    deleted: bool = False
    created_by: int | None = None


@dataclass(slots=True)
class MessageRecord:
    """One message as Telegram holds it: current Bot API dict plus its history."""

    chat_id: int
    message_id: int
    data: dict[str, Any]
    sender_id: int
    from_bot: bool
    thread_id: int | None
    seq: int
    version: int
    deleted: bool = False
    history: list[dict[str, Any]] = field(default_factory=list)
    reactions: list[dict[str, Any]] = field(default_factory=list)
    service: bool = False  # forum_topic_created and the like


@dataclass(slots=True)
class ChatState:
    id: int
    type: ChatType
    title: str | None = None
    username: str | None = None
    first_name: str | None = None
    last_name: str | None = None
    is_forum: bool = False
    bot_started: bool = True  # private chats: has the user ever written to the bot?
    pinned_message_id: int | None = None
    description: str | None = None
    members: dict[int, MemberStatus] = field(default_factory=dict)
    bot: BotRights = field(default_factory=BotRights)
    messages: dict[int, MessageRecord] = field(default_factory=dict)
    topics: dict[int, TopicState] = field(default_factory=dict)
    next_message_id: int = 1
    actions: list[tuple[float, str, int | None]] = field(default_factory=list)
    reply_keyboard: dict[str, Any] | None = None
    menu_button: dict[str, Any] | None = None
    cache: dict[str, Any] = field(default_factory=dict)

    @property
    def is_group(self) -> bool:
        return self.type in ("group", "supergroup")

    def take_message_id(self) -> int:
        message_id = self.next_message_id
        self.next_message_id += 1
        return message_id

    def live_messages(self) -> Iterator[MessageRecord]:
        return (m for m in self.messages.values() if not m.deleted)


@dataclass(frozen=True, slots=True)
class Event:
    seq: int
    kind: EventKind
    chat_id: int | None = None
    message_id: int | None = None
    thread_id: int | None = None
    data: dict[str, Any] | None = None
    time: float = 0.0

    def to_json(self) -> dict[str, Any]:
        out: dict[str, Any] = {"seq": self.seq, "kind": self.kind, "time": self.time}
        for key in ("chat_id", "message_id", "thread_id", "data"):
            value = getattr(self, key)
            if value is not None:
                out[key] = value
        return out


class EventLog:
    """Append-only record of what happened, with a notifier for waiters."""

    def __init__(self, maxlen: int = 50_000) -> None:
        self._events: deque[Event] = deque(maxlen=maxlen)
        self.seq = 0
        self.notifier = Notifier()

    def add(self, kind: EventKind, **fields: Any) -> Event:
        self.seq += 1
        event = Event(self.seq, kind, time=time.time(), **fields)
        self._events.append(event)
        self.notifier.notify()
        return event

    def since(self, seq: int) -> list[Event]:
        if not self._events or seq >= self.seq:
            return []
        first = self._events[0].seq
        start = max(0, seq + 1 - first)
        return [self._events[i] for i in range(start, len(self._events))]

    def __iter__(self) -> Iterator[Event]:
        return iter(self._events)
