"""Tuning of the broadcast engine (tests shorten the waits and inject a clock)."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime

from db.base import utcnow


@dataclass(frozen=True)
class EngineOptions:
    clock: Callable[[], datetime] = utcnow  # wall clock for due times and quiet hours
    poll_interval: float = 2.0  # look for new work (created by another process) this often
    progress_interval: float = 3.0
    check_interval: float = 1.0  # re-read cancel/quiet/urgent state while sending
    batch_size: int = 500
    chat_interval: float = 1.0  # at most one message per chat per this many seconds
    max_attempts: int = 5  # 5xx and network errors, then 'failed'
    retry_base: float = 1.0
    retry_cap: float = 60.0
    request_timeout: int = 20
    max_window: int = 64  # concurrent sends at most (the window adapts to rate x latency)
    # Gather delivery-state writes this long into one transaction. None: 0 up to the free
    # 30 msg/s (one send in flight), 5 ms for paid rates (fewer, larger commits).
    commit_interval: float | None = None
    stop_timeout: float = 10.0
