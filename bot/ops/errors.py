"""Unhandled errors in updates: a short id for the logs, where it happened, and the gate
that lets the admins hear of the same error at most once per window (no aiogram here).

The same error is a (handler, exception type) pair. The first one is alerted at once; the
repeats within `window` seconds are only counted, and the first one after the window is
alerted with that count (this one included), so nothing is hidden and nobody is flooded.
"""

from __future__ import annotations

import math
import secrets
import time
from collections.abc import Callable
from dataclasses import dataclass

ALERT_WINDOW = 600.0  # seconds: the same error is alerted at most once per 10 minutes


def new_error_id() -> str:
    """Eight hex digits: short enough to say on the phone, unique enough for a day's logs."""
    return secrets.token_hex(4)


def exception_name(exc: BaseException) -> str:
    kind = type(exc)
    if kind.__module__ == "builtins":
        return kind.__qualname__
    return f"{kind.__module__}.{kind.__qualname__}"


def handler_name(exc: BaseException) -> str:
    """The handler (or filter) the error came from: the outermost frame of the `handlers`
    package in the traceback, which is the callback aiogram called; an error before any
    handler (a middleware, a service it called) names the innermost frame of the bot's code."""
    innermost = None
    tb = exc.__traceback__
    while tb is not None:
        frame = tb.tb_frame
        module = str(frame.f_globals.get("__name__", ""))
        name = f"{module}.{frame.f_code.co_qualname}"
        if module.startswith("handlers."):
            return name
        if module.startswith(("bot.", "db.")):
            innermost = name
        tb = tb.tb_next
    return innermost or "unknown"


@dataclass
class _Seen:
    alerted_at: float
    since: int = 0  # occurrences after that alert, not reported yet


class AlertGate:
    """In memory, per process: each worker alerts on its own (at most once per window)."""

    def __init__(
        self, window: float = ALERT_WINDOW, clock: Callable[[], float] = time.monotonic
    ) -> None:
        self.window = window
        self.clock = clock
        self._seen: dict[tuple[str, str], _Seen] = {}

    def admit(self, handler: str, exception: str) -> int | None:
        """Count an occurrence; the number to report if an alert goes out now, else None."""
        now = self.clock()
        key = (handler, exception)
        seen = self._seen.get(key)
        if seen is not None and now - seen.alerted_at < self.window:
            seen.since += 1
            return None
        self._seen[key] = _Seen(now)
        return (seen.since if seen is not None else 0) + 1

    def undelivered(self, handler: str, exception: str, count: int) -> None:
        """The alert admitted with `count` did not reach the chat: the next occurrence is
        alerted at once and reports these too."""
        self._seen[handler, exception] = _Seen(-math.inf, count)
