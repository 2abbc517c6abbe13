"""The bot's update queue: getUpdates long polling and the webhook's source.

Semantics follow the Bot API: an update stays queued until confirmed by a later
``offset``; a negative offset keeps only the newest ``-offset`` updates;
``allowed_updates`` applies to updates created after the call; one getUpdates at a
time (a newer request ends the older one with 409).
"""

from __future__ import annotations

import asyncio
from collections import deque
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from telegram.constants import UpdateType

from .errors import CONFLICT_TERMINATED, CONFLICT_WEBHOOK, ApiError
from .limits import clamp_poll_limit
from .state import Notifier

LONG_POLL_MAX_TIMEOUT = 50  # seconds; the reference server's cap (README "Getting updates")
_DEFAULT_EXCLUDED = frozenset(
    {UpdateType.CHAT_MEMBER, UpdateType.MESSAGE_REACTION, UpdateType.MESSAGE_REACTION_COUNT}
)
ALL_UPDATE_TYPES = frozenset(str(t.value) for t in UpdateType)
DEFAULT_ALLOWED = ALL_UPDATE_TYPES - {str(t.value) for t in _DEFAULT_EXCLUDED}


@dataclass
class WebhookConfig:
    url: str
    secret_token: str | None = None
    max_connections: int = 40
    ip_address: str | None = None
    has_custom_certificate: bool = False
    last_error_date: int | None = None
    last_error_message: str | None = None


@dataclass
class _Poll:
    terminated: bool = False


@dataclass
class UpdateHub:
    first_update_id: int
    allowed: frozenset[str] = DEFAULT_ALLOWED
    webhook: WebhookConfig | None = None
    dropped_by_filter: int = 0
    notifier: Notifier = field(default_factory=Notifier)

    def __post_init__(self) -> None:
        self._queue: deque[dict[str, Any]] = deque()
        self._next_id = self.first_update_id
        self._active: _Poll | None = None
        self._closed = False
        self.delivered_ids: set[int] = set()

    # -- producing -------------------------------------------------------
    def accepts(self, kind: str) -> bool:
        return kind in self.allowed

    def push(self, kind: str, build: Callable[[int], dict[str, Any]]) -> dict[str, Any] | None:
        """Queue an update of ``kind`` built by ``build(update_id)``; None if filtered out."""
        if kind not in self.allowed:
            self.dropped_by_filter += 1
            return None
        update = build(self._next_id)
        self._next_id += 1
        self._queue.append(update)
        self.notifier.notify()
        return update

    def set_allowed(self, allowed: list[str] | None) -> None:
        if allowed is None:
            return
        self.allowed = frozenset(allowed) & ALL_UPDATE_TYPES if allowed else DEFAULT_ALLOWED

    # -- consuming -------------------------------------------------------
    @property
    def pending(self) -> list[dict[str, Any]]:
        return list(self._queue)

    def peek(self) -> dict[str, Any] | None:
        return self._queue[0] if self._queue else None

    def remove(self, update_id: int) -> None:
        if self._queue and self._queue[0]["update_id"] == update_id:
            self._queue.popleft()

    def drop_pending(self) -> None:
        self._queue.clear()

    def confirm(self, offset: int | None) -> None:
        if not offset:
            return
        queue = self._queue
        if offset < 0:
            while len(queue) > -offset:
                queue.popleft()
            return
        while queue and queue[0]["update_id"] < offset:
            queue.popleft()

    async def poll(
        self,
        offset: int | None,
        limit: int | None,
        timeout: int | None,
        allowed_updates: list[str] | None,
    ) -> list[dict[str, Any]]:
        if self.webhook is not None:
            raise ApiError(409, CONFLICT_WEBHOOK)
        self.set_allowed(allowed_updates)
        self.confirm(offset)
        if self._active is not None:
            self._active.terminated = True
        poll = self._active = _Poll()
        self.notifier.notify()
        try:
            wait = max(0, min(timeout or 0, LONG_POLL_MAX_TIMEOUT))
            loop = asyncio.get_running_loop()
            deadline = loop.time() + wait
            while not self._queue and not poll.terminated and not self._closed:
                if self.webhook is not None:
                    raise ApiError(409, CONFLICT_WEBHOOK)
                if not await self.notifier.wait(deadline - loop.time()):
                    break
            if poll.terminated:
                raise ApiError(409, CONFLICT_TERMINATED)
            count = clamp_poll_limit(limit)
            return [self._queue[i] for i in range(min(count, len(self._queue)))]
        finally:
            if self._active is poll:
                self._active = None

    @property
    def polling(self) -> bool:
        """Is a getUpdates request waiting right now?"""
        return self._active is not None

    def close(self) -> None:
        """Release every waiting getUpdates (emulator shutdown)."""
        self._closed = True
        self.notifier.notify()
