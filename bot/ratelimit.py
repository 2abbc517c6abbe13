"""Pacing for bulk sends: one global token bucket that a 429 pauses, and 1 msg/s per chat."""

from __future__ import annotations

import asyncio
import math
import time
from collections.abc import Callable

Clock = Callable[[], float]


class RateLimiter:
    """`rate` messages per second with a small burst; `pause()` stops everyone (429)."""

    def __init__(self, rate: float, burst: float | None = None, clock: Clock = time.monotonic):
        if rate <= 0:
            raise ValueError("rate must be positive")
        self.rate = rate
        self.capacity = burst if burst is not None else max(1.0, rate / 5)
        self.clock = clock
        self.tokens = self.capacity
        self.updated = clock()
        self.paused_until = 0.0
        self.paused_total = 0.0  # seconds the stream was held by retry_after (for statistics)

    def pause(self, seconds: float) -> None:
        """Hold every sender for `seconds` from now (overlapping pauses extend, not add)."""
        now = self.clock()
        until = now + max(0.0, seconds)
        if until > self.paused_until:
            self.paused_total += until - max(now, self.paused_until)
            self.paused_until = until
            self.tokens = 0.0
            self.updated = until

    @property
    def paused(self) -> bool:
        return self.clock() < self.paused_until

    async def acquire(self) -> None:
        while True:
            now = self.clock()
            if now < self.paused_until:
                await asyncio.sleep(self.paused_until - now)
                continue
            if now > self.updated:
                self.tokens = min(self.capacity, self.tokens + (now - self.updated) * self.rate)
                self.updated = now
            if self.tokens >= 1:
                self.tokens -= 1
                return
            await asyncio.sleep((1 - self.tokens) / self.rate)


class ChatSpacing:
    """Remembers when each chat last got a message, to keep at most one per `interval`."""

    def __init__(self, interval: float = 1.0, clock: Clock = time.monotonic) -> None:
        self.interval = interval
        self.clock = clock
        self._last: dict[int, float] = {}

    def ready_at(self, chat_id: int) -> float:
        return self._last.get(chat_id, -math.inf) + self.interval

    def note(self, chat_id: int) -> None:
        now = self.clock()
        self._last[chat_id] = now
        if len(self._last) > 50_000:
            horizon = now - self.interval
            self._last = {chat: at for chat, at in self._last.items() if at > horizon}
