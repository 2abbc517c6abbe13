"""A simulated supergroup (forum or not) the bot is in."""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING

from .state import ChatState, MemberStatus, TopicState
from .view import SimMessage
from .waiting import Observer, Predicate

if TYPE_CHECKING:
    from .people import SimUser
    from .server import Emulator


class SimGroup(Observer):
    """A supergroup (forum or not) with the bot in it."""

    def __init__(self, emulator: Emulator, state: ChatState) -> None:
        super().__init__(emulator)
        self.state = state
        self._seen_topics: set[int] = set()

    def __repr__(self) -> str:
        return f"<SimGroup {self.id} {self.title!r}{' forum' if self.state.is_forum else ''}>"

    @property
    def id(self) -> int:
        return self.state.id

    @property
    def title(self) -> str:
        return self.state.title or ""

    @property
    def topics(self) -> dict[int, TopicState]:
        """Live topics by message_thread_id."""
        return {k: t for k, t in self.state.topics.items() if not t.deleted}

    def topic(self, name: str) -> TopicState:
        found = [t for t in self.topics.values() if t.name == name]
        if not found:
            raise LookupError(f"no topic named {name!r} in {self.title!r}")
        return found[-1]

    def _default_chat(self) -> ChatState:
        return self.state

    def add_member(self, user: SimUser, status: MemberStatus = "member") -> None:
        self.state.members[user.id] = status

    async def wait_for_topic(
        self, predicate: Callable[[TopicState], bool] | str | None = None, *, timeout: float = 5.0
    ) -> TopicState:
        """The next topic created in this group not yet returned here (by name or predicate)."""

        def matches(topic: TopicState) -> bool:
            if isinstance(predicate, str):
                return topic.name == predicate
            return predicate is None or predicate(topic)

        def find() -> TopicState | None:
            for thread_id, topic in self.state.topics.items():
                if thread_id in self._seen_topics or not matches(topic):
                    continue
                self._seen_topics.add(thread_id)
                return topic
            return None

        return await self._wait(find, timeout, f"new topic in {self.title!r}", self.state)

    def topic_messages(self, thread_id: int) -> list[SimMessage]:
        return self.messages(thread_id=thread_id)

    async def wait_in_topic(
        self, thread_id: int, predicate: Predicate | None = None, *, timeout: float = 5.0
    ) -> SimMessage:
        return await self.wait_for_message(predicate, timeout=timeout, thread_id=thread_id)
