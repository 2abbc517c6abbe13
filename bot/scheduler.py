"""APScheduler 3 in the leader process. The database is the source of truth: at start every
feature rebuilds its jobs from it, so a restart loses nothing and late runs are caught up.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Awaitable, Callable
from dataclasses import dataclass

from aiogram import Bot
from aiogram.utils.i18n import I18n
from apscheduler.schedulers.asyncio import AsyncIOScheduler
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from bot.config import Settings

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class JobContext:
    """What a job needs; jobs have no update, so they pass locales explicitly."""

    bot: Bot
    session_factory: async_sessionmaker[AsyncSession]
    settings: Settings
    i18n: I18n


Rebuilder = Callable[["Scheduler"], Awaitable[None]]


class Scheduler:
    def __init__(self, context: JobContext) -> None:
        self.context = context
        self.aps = AsyncIOScheduler(timezone=context.settings.tz)
        self._rebuilders: list[tuple[str, Rebuilder]] = []

    def on_start(self, name: str, rebuild: Rebuilder) -> None:
        """Register a feature's job (re)builder, called every time the scheduler starts."""
        self._rebuilders.append((name, rebuild))

    async def start(self) -> None:
        self.aps.start()
        for name, rebuild in self._rebuilders:
            try:
                await rebuild(self)
            except Exception:
                log.exception("could not rebuild jobs", extra={"feature": name})
        log.info("scheduler started", extra={"jobs": len(self.aps.get_jobs())})

    async def stop(self, grace: float = 10.0) -> None:
        if self.aps.running:
            # APScheduler's asyncio executor cancels running jobs on shutdown; let them finish
            # (their own unit of work commits or rolls back) for a few seconds first.
            self.aps.pause()
            executor = self.aps._lookup_executor("default")
            running = [f for f in getattr(executor, "_pending_futures", ()) if not f.done()]
            if running:
                await asyncio.wait(running, timeout=grace)
            self.aps.shutdown(wait=False)
        self.aps = AsyncIOScheduler(timezone=self.context.settings.tz)
        log.info("scheduler stopped")
