"""Run the real bot in-process against a Bot API URL (tests, benchmarks, the sandbox)."""

from __future__ import annotations

import asyncio
import contextlib
from dataclasses import dataclass, field
from typing import Any

from aiogram import Bot, Dispatcher
from aiogram.fsm.storage.base import BaseStorage
from sqlalchemy.ext.asyncio import AsyncEngine, AsyncSession, async_sessionmaker

from bot.app import prepare_database
from bot.broadcast import Broadcaster, EngineOptions
from bot.commands import publish_commands
from bot.config import Settings
from bot.factory import create_bot, create_dispatcher
from bot.i18n import CatalogueI18n, create_i18n
from bot.scale.storage import create_events_isolation, create_storage
from db.engine import create_engine, create_session_factory


@dataclass
class RunningBot:
    """The bot's dispatcher long-polling in a background task, with its database at hand."""

    settings: Settings
    engine: AsyncEngine
    session_factory: async_sessionmaker[AsyncSession]
    bot: Bot
    dispatcher: Dispatcher
    i18n: CatalogueI18n
    task: asyncio.Task[Any] | None = field(default=None, repr=False)
    broadcaster: Broadcaster | None = None

    @classmethod
    async def start(
        cls,
        settings: Settings,
        storage: BaseStorage | None = None,
        *,
        migrate: bool = True,
        broadcaster: bool | EngineOptions = False,
    ) -> RunningBot:
        """`broadcaster` True (or engine options): also run the broadcast engine in-process."""
        if migrate:
            await prepare_database(settings)
        engine = create_engine(settings.database_url)
        session_factory = create_session_factory(engine)
        i18n = create_i18n(settings.default_locale)
        bot = create_bot(settings)
        storage = storage or create_storage(settings)
        dp = create_dispatcher(
            settings, session_factory, i18n, storage, events_isolation=create_events_isolation(storage)
        )
        running = cls(settings, engine, session_factory, bot, dp, i18n)
        if broadcaster is not False:
            options = broadcaster if isinstance(broadcaster, EngineOptions) else None
            running.broadcaster = Broadcaster(bot, session_factory, settings, i18n, options)
            dp["broadcaster"] = running.broadcaster
            await running.broadcaster.start()
        await publish_commands(bot, session_factory, settings, i18n)
        running.task = asyncio.create_task(
            dp.start_polling(
                bot,
                handle_signals=False,
                close_bot_session=False,
                allowed_updates=dp.resolve_used_update_types(),
                polling_timeout=10,
            )
        )
        return running

    async def settled(self) -> None:
        """Wait until every update received so far is fully handled (and committed)."""
        while tasks := set(self.dispatcher._handle_update_tasks):
            await asyncio.gather(*tasks, return_exceptions=True)

    async def stop(self) -> None:
        await self.settled()  # let handlers finish before storage and sessions close
        if self.broadcaster is not None:
            await self.broadcaster.stop()
        if self.task is not None and not self.task.done():
            with contextlib.suppress(RuntimeError):
                await self.dispatcher.stop_polling()
            try:
                await asyncio.wait_for(self.task, 10)
            except (TimeoutError, asyncio.CancelledError):
                self.task.cancel()
                with contextlib.suppress(asyncio.CancelledError):
                    await self.task
        if self.task is not None and self.task.done() and not self.task.cancelled():
            exc = self.task.exception()
            if exc is not None:
                raise exc
        await self.dispatcher.storage.close()
        await self.bot.session.close()
        await self.engine.dispose()
