"""What a run (run.Run) and a progress message (progress.Progress) need of the engine.

The Broadcaster builds one EngineContext and hands it to every Run and Progress, so they
never see the engine itself: imports go engine → run/progress → context, never back.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from datetime import datetime

from aiogram import Bot
from aiogram.utils.i18n import I18n
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from bot.broadcast.journal import Journal
from bot.broadcast.options import EngineOptions
from bot.broadcast.quiet import QuietHours
from bot.config import Settings
from bot.ratelimit import ChatSpacing, RateLimiter


class SendWindow:
    """Sends in flight: just enough for the rate at the observed latency, at least 1."""

    def __init__(self, rate: float, max_window: int) -> None:
        self.rate = rate
        self.max_window = max_window
        self.latency = 0.0  # average seconds from claiming a delivery to its recorded result

    def size(self) -> int:
        needed = math.ceil(self.rate * self.latency * 1.25)
        return max(1, min(self.max_window, needed))

    def observe(self, seconds: float) -> None:
        self.latency = seconds if not self.latency else 0.9 * self.latency + 0.1 * seconds


@dataclass
class EngineContext:
    bot: Bot
    session_factory: async_sessionmaker[AsyncSession]
    settings: Settings
    i18n: I18n
    options: EngineOptions
    limiter: RateLimiter  # shared by every send: a 429 pauses them all
    spacing: ChatSpacing
    journal: Journal
    window: SendWindow
    quiet: QuietHours | None
    stopping: bool = False  # set by the engine: finish the sends in flight, start no more

    def now(self) -> datetime:
        return self.options.clock()

    def quiet_now(self) -> bool:
        return self.quiet is not None and self.quiet.contains(self.now())
