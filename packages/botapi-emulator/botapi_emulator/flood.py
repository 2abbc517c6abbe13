"""Optional flood control: token buckets answered with 429 and ``retry_after``.

Defaults come from ``telegram.constants.FloodLimit`` (30 msg/s overall, 1 msg/s per
chat, 20 msg/min per group). Off until ``configure()`` is called.
"""

from __future__ import annotations

import math
import time
from collections.abc import Callable
from dataclasses import dataclass

from telegram.constants import FloodLimit

from .errors import too_many_requests


@dataclass
class _Bucket:
    capacity: float
    rate: float  # tokens per second
    tokens: float
    updated: float

    def refill(self, now: float) -> None:
        self.tokens = min(self.capacity, self.tokens + (now - self.updated) * self.rate)
        self.updated = now

    def wait_time(self) -> float:
        return 0.0 if self.tokens >= 1 else (1 - self.tokens) / self.rate


class FloodControl:
    def __init__(self, clock: Callable[[], float] = time.monotonic) -> None:
        self.clock = clock
        self.enabled = False
        self.global_per_sec: float | None = None
        self.per_chat_per_sec: float | None = None
        self.per_chat_burst = 1
        self.per_group_per_min: float | None = None
        self.per_group_burst = 1
        self.hits = 0
        self._global: _Bucket | None = None
        self._chats: dict[int, _Bucket] = {}

    def configure(
        self,
        *,
        global_per_sec: float | None = FloodLimit.MESSAGES_PER_SECOND,
        per_chat_per_sec: float | None = FloodLimit.MESSAGES_PER_SECOND_PER_CHAT,
        per_chat_burst: int = 3,
        per_group_per_min: float | None = FloodLimit.MESSAGES_PER_MINUTE_PER_GROUP,
        per_group_burst: int | None = None,
    ) -> None:
        """Turn limits on; pass None for a limit to leave it out."""
        self.enabled = True
        self.global_per_sec = global_per_sec
        self.per_chat_per_sec = per_chat_per_sec
        self.per_chat_burst = per_chat_burst
        self.per_group_per_min = per_group_per_min
        self.per_group_burst = per_group_burst or int(per_group_per_min or 1)
        self.reset()

    def disable(self) -> None:
        self.enabled = False
        self.reset()

    def reset(self) -> None:
        self._global = None
        self._chats.clear()

    def check(self, chat_id: int | None, is_group: bool) -> None:
        """Consume one message slot or raise 429 with the wait until the next one."""
        if not self.enabled:
            return
        now = self.clock()
        buckets = []
        if self.global_per_sec:
            if self._global is None:
                self._global = _Bucket(
                    self.global_per_sec, self.global_per_sec, self.global_per_sec, now
                )
            buckets.append(self._global)
        if chat_id is not None:
            bucket = self._chat_bucket(chat_id, is_group, now)
            if bucket is not None:
                buckets.append(bucket)
        for bucket in buckets:
            bucket.refill(now)
        wait = max((b.wait_time() for b in buckets), default=0.0)
        if wait > 0:
            self.hits += 1
            raise too_many_requests(max(1, math.ceil(wait)))
        for bucket in buckets:
            bucket.tokens -= 1

    def _chat_bucket(self, chat_id: int, is_group: bool, now: float) -> _Bucket | None:
        bucket = self._chats.get(chat_id)
        if bucket is not None:
            return bucket
        if is_group and self.per_group_per_min:
            cap = float(self.per_group_burst)
            bucket = _Bucket(cap, self.per_group_per_min / 60, cap, now)
        elif not is_group and self.per_chat_per_sec:
            cap = float(self.per_chat_burst)
            bucket = _Bucket(cap, self.per_chat_per_sec, cap, now)
        else:
            return None
        self._chats[chat_id] = bucket
        return bucket
