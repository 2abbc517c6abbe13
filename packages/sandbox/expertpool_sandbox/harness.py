"""Run the real bot in-process against a Bot API URL (tests, benchmarks, the sandbox).

Development support, not part of the bot's package: the bot's own entry point is
``python -m bot run`` (bot.app).
"""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

from aiogram import Bot, Dispatcher
from aiogram.fsm.storage.base import BaseStorage
from sqlalchemy import func, select, update
from sqlalchemy.ext.asyncio import AsyncEngine, AsyncSession, async_sessionmaker

from bot.app import prepare_database
from bot.bridge import Bridge
from bot.broadcast import Broadcaster, EngineOptions
from bot.commands import publish_commands
from bot.config import Settings
from bot.factory import create_bot, create_dispatcher
from bot.features import start_bridge, stop_bridge
from bot.i18n import CatalogueI18n, create_i18n
from bot.inbox import store
from bot.ops.metrics import instrument
from bot.privacy import notice
from bot.questions.drain import Drainer
from bot.scale.inbox import Inbox, serve
from bot.scale.storage import create_events_isolation, create_storage
from bot.scheduler import JobContext
from db.engine import create_engine, create_session_factory
from db.models import InboxUpdate

KEEP_RECEIVED = 10_000  # the newest updates' payloads kept for `redeliver`


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
    """The bot long-polling into its update inbox and handling from there, as in production,
    in a background task, with its database at hand."""

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
    inbox: Inbox | None = None
    received: dict[int, str] = field(default_factory=dict, repr=False)

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
        # Metrics as `run` connects them; this process runs the leader's services.
        instrument(dp, bot, is_leader=lambda: True)
        await publish_commands(bot, session_factory, settings, i18n)
        # As `python -m bot run` does: every update is stored in the inbox, then handled
        # from there (bot.scale.inbox.serve).
        running.inbox = Inbox(dp, bot, session_factory, settings, i18n)
        accept = running.inbox.accept

        async def accept_and_keep(updates: Sequence[store.Incoming]) -> None:
            for incoming in updates:  # for `redeliver`: the store drops it once handled
                running.received[incoming.update_id] = incoming.payload
            while len(running.received) > KEEP_RECEIVED:  # the sandbox runs for long
                del running.received[next(iter(running.received))]
            await accept(updates)

        running.inbox.accept = accept_and_keep  # type: ignore[method-assign]
        running.task = asyncio.create_task(serve(dp, bot, running.inbox), name="bot")
        return running

    async def _inbox_quiet(self) -> bool:
        """The Bot API has nothing the bot has not stored (an update is confirmed by the
        next getUpdates only once it is stored), and nothing stored is waiting, being
        handled or handled but not yet marked done."""
        await self.tracker.idle()
        if self.inbox is None:
            return True
        if (await self.bot.get_webhook_info()).pending_update_count:
            return False
        if self.inbox.handling or self.inbox.finished:
            return False
        async with self.session_factory() as session:
            return await store.waiting_count(session) == 0

    async def settled(self) -> None:
        """Wait until every update stored so far is handled (and marked done, or parked after
        its retries), and the question outbox has sent what is due (no sleeps in tests)."""
        while True:
            while not await self._inbox_quiet():
                self._check_running()
                if self.inbox is not None:
                    self.inbox.wake.set()
                await asyncio.sleep(0.02)
            if self.outbox is None:
                return
            await self.outbox.settled()
            if await self._inbox_quiet():
                return

    def _check_running(self) -> None:
        if self.task is not None and self.task.done() and not self.task.cancelled():
            exc = self.task.exception()
            if exc is not None:
                raise exc

    async def last_update(self, user_id: int) -> int | None:
        """The newest update stored from `user_id` (None: none yet)."""
        async with self.session_factory() as session:
            return await session.scalar(
                select(func.max(InboxUpdate.update_id)).where(InboxUpdate.user_id == user_id)
            )

    async def redeliver(self, update_id: int) -> None:
        """Handle a stored update again, as after a crash right after it was handled and
        before it was marked done: it is waiting again with its payload, and is claimed and
        handled as any other (its attempt counts up). Returns once everything is settled."""
        await self.settled()
        payload = self.received[update_id]
        async with self.session_factory() as session:
            await session.execute(
                update(InboxUpdate)
                .where(InboxUpdate.update_id == update_id)
                .values(
                    payload=payload, done_at=None, parked_at=None,
                    claimed_by=None, claimed_until=None,
                )
            )  # fmt: skip
            await session.commit()
        assert self.inbox is not None
        self.inbox.wake.set()
        await self.settled()

    async def stop(self) -> None:
        await self.settled()  # let handlers finish before storage and sessions close
        if self.broadcaster is not None:
            await self.broadcaster.stop()
        if self.outbox is not None:
            await self.outbox.stop()
        if self.task is not None and not self.task.done():
            self.task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self.task
        elif self.task is not None:
            self._check_running()
        await stop_bridge(self.dispatcher)
        await self.dispatcher.storage.close()
        await self.bot.session.close()
        await self.engine.dispose()
