"""Run the real bot in-process against a Bot API URL (tests, benchmarks, the sandbox).

Development support, not part of the bot's package: the bot's own entry point is
``python -m bot run`` (bot.app).
"""

from __future__ import annotations

import asyncio
import contextlib
from dataclasses import dataclass, field
from typing import Any

from aiogram import Bot, Dispatcher
from aiogram.fsm.storage.base import BaseStorage
from sqlalchemy.ext.asyncio import AsyncEngine, AsyncSession, async_sessionmaker

from bot.app import prepare_database
from bot.bridge import Bridge
from bot.broadcast import Broadcaster, EngineOptions
from bot.commands import publish_commands
from bot.config import Settings
from bot.factory import create_bot, create_dispatcher
from bot.features import start_bridge, stop_bridge
from bot.i18n import CatalogueI18n, create_i18n
from bot.privacy import notice
from bot.questions.drain import Drainer
from bot.scale.storage import create_events_isolation, create_storage
from bot.scheduler import JobContext
from db.engine import create_engine, create_session_factory


class UpdateTracker:
    """Counts updates the dispatcher is handling, to wait until all are done.

    Wraps the dispatcher's public ``feed_update``, which polling and webhooks call once per
    update before any middleware (so an update waiting for its chat's lock is counted).
    """

    def __init__(self, dispatcher: Dispatcher) -> None:
        self.active = 0
        self._idle = asyncio.Event()
        self._idle.set()
        feed = dispatcher.feed_update

        async def tracked_feed_update(bot: Bot, update: Any, **kwargs: Any) -> Any:
            self.active += 1
            self._idle.clear()
            try:
                return await feed(bot, update, **kwargs)
            finally:
                self.active -= 1
                if self.active == 0:
                    self._idle.set()

        dispatcher.feed_update = tracked_feed_update  # type: ignore[method-assign]

    async def idle(self) -> None:
        # One turn of the loop lets updates just handed to new tasks reach feed_update.
        await asyncio.sleep(0)
        while not self._idle.is_set():
            await self._idle.wait()
            await asyncio.sleep(0)


@dataclass
class RunningBot:
    """The bot's dispatcher long-polling in a background task, with its database at hand."""

    settings: Settings
    engine: AsyncEngine
    session_factory: async_sessionmaker[AsyncSession]
    bot: Bot
    dispatcher: Dispatcher
    i18n: CatalogueI18n
    tracker: UpdateTracker
    task: asyncio.Task[Any] | None = field(default=None, repr=False)
    broadcaster: Broadcaster | None = None
    bridge: Bridge | None = None
    outbox: Drainer | None = None

    def job_context(self) -> JobContext:
        """What the leader's scheduler would give a job of this bot."""
        return JobContext(self.bot, self.session_factory, self.settings, self.i18n, self.bridge)

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
            settings,
            session_factory,
            i18n,
            storage,
            events_isolation=create_events_isolation(storage),
        )
        running = cls(settings, engine, session_factory, bot, dp, i18n, UpdateTracker(dp))
        await notice.apply(session_factory, settings)
        running.bridge = await start_bridge(bot, session_factory, settings, i18n, dp)
        if broadcaster is not False:
            options = broadcaster if isinstance(broadcaster, EngineOptions) else None
            running.broadcaster = Broadcaster(bot, session_factory, settings, i18n, options)
            dp["broadcaster"] = running.broadcaster
            await running.broadcaster.start()
        running.outbox = Drainer(
            bot, session_factory, settings, i18n, running.bridge,
            translator=dp.workflow_data.get("translator"),
        )  # fmt: skip
        dp["outbox"] = running.outbox  # leader_services then leaves the outbox to it
        await running.outbox.start()
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
        """Wait until every update received so far is fully handled (and committed), and
        the question outbox has sent what is due (no sleeps needed in tests)."""
        await self.tracker.idle()
        if self.outbox is not None:
            await self.outbox.settled()
            await self.tracker.idle()

    async def stop(self) -> None:
        await self.settled()  # let handlers finish before storage and sessions close
        if self.broadcaster is not None:
            await self.broadcaster.stop()
        if self.outbox is not None:
            await self.outbox.stop()
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
        await stop_bridge(self.dispatcher)
        await self.dispatcher.storage.close()
        await self.bot.session.close()
        await self.engine.dispose()
