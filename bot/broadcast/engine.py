"""The broadcaster: one per installation (the leader process), resumable after any crash.

On start every delivery left 'sending' by a crash goes back to 'queued' (it may have
been delivered: the only possible duplicate), then unfinished broadcasts continue.
Broadcasts run one at a time, urgent ones first; quiet hours hold the others.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from datetime import datetime

from aiogram import Bot
from aiogram.utils.i18n import I18n
from sqlalchemy import select, update
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from bot.broadcast.context import EngineContext, SendWindow
from bot.broadcast.journal import Journal
from bot.broadcast.options import EngineOptions
from bot.broadcast.progress import Progress
from bot.broadcast.quiet import QuietHours, may_start_at
from bot.broadcast.run import Run
from bot.broadcast.service import ACTIVE, load_versions, state_counts
from bot.broadcast.tally import Tally
from bot.config import FREE_BROADCAST_RATE, Settings
from bot.ratelimit import ChatSpacing, RateLimiter
from bot.waiting import wait_event
from db.models import Broadcast, BroadcastDelivery, BroadcastStatus, DeliveryState

log = logging.getLogger(__name__)


class Broadcaster:
    def __init__(
        self,
        bot: Bot,
        session_factory: async_sessionmaker[AsyncSession],
        settings: Settings,
        i18n: I18n,
        options: EngineOptions | None = None,
    ) -> None:
        self.bot = bot
        self.session_factory = session_factory
        self.settings = settings
        self.i18n = i18n
        self.options = options or EngineOptions()
        self.limiter = RateLimiter(settings.broadcast_rate)
        self.spacing = ChatSpacing(self.options.chat_interval)
        self.quiet = QuietHours.from_settings(settings)
        linger = self.options.commit_interval
        if linger is None:
            linger = 0.0 if settings.broadcast_rate <= FREE_BROADCAST_RATE else 0.005
        self.journal = Journal(session_factory, linger)
        window = SendWindow(settings.broadcast_rate, self.options.max_window)
        self.context = EngineContext(
            bot=bot, session_factory=session_factory, settings=settings, i18n=i18n,
            options=self.options, limiter=self.limiter, spacing=self.spacing,
            journal=self.journal, window=window, quiet=self.quiet,
        )  # fmt: skip
        self.resumed = 0  # deliveries found 'sending' at the last start
        self._wake: asyncio.Event | None = None
        self._task: asyncio.Task[None] | None = None
        self._run: Run | None = None

    # -- control -------------------------------------------------------------
    @property
    def running(self) -> bool:
        return self._task is not None and not self._task.done()

    @property
    def stopping(self) -> bool:
        return self.context.stopping

    def now(self) -> datetime:
        return self.context.now()

    @property
    def latency(self) -> float:
        """Average seconds from claiming a delivery to its recorded result."""
        return self.context.window.latency

    def window(self) -> int:
        """Sends in flight at the observed latency (statistics)."""
        return self.context.window.size()

    def wake(self) -> None:
        """Look for work now (a broadcast was created, cancelled, or the clock moved)."""
        if self._wake is not None:
            self._wake.set()
        if self._run is not None:
            self._run.poke()

    async def start(self) -> None:
        if self.running:
            return
        self.context.stopping = False
        self._wake = asyncio.Event()
        self.resumed = await self._resume()
        self.journal.start()
        self._task = asyncio.create_task(self._loop(), name="broadcaster")

    async def stop(self) -> None:
        """Finish the sends in flight, record them, and stop (leadership lost, shutdown)."""
        if self._task is None:
            return
        self.context.stopping = True
        self.wake()
        try:
            async with asyncio.timeout(self.options.stop_timeout):
                await asyncio.shield(self._task)
        except TimeoutError:
            self._task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._task
        await self.journal.stop()
        self._task = None

    async def abort(self) -> None:
        """Stop at once without recording anything more, like a killed process (tests)."""
        self.context.stopping = True
        if self._run is not None:
            for task in list(self._run.inflight):
                task.cancel()
        await self.journal.abort()
        if self._task is not None:
            self._task.cancel()
            with contextlib.suppress(asyncio.CancelledError, Exception):
                await self._task
            self._task = None

    # -- the loop ------------------------------------------------------------
    async def _resume(self) -> int:
        async with self.session_factory() as session:
            result = await session.execute(
                update(BroadcastDelivery)
                .where(BroadcastDelivery.state == DeliveryState.SENDING.value)
                .values(state=DeliveryState.QUEUED.value, last_error="interrupted; resent")
            )
            await session.commit()
        count = int(result.rowcount or 0)  # type: ignore[attr-defined]
        if count:
            log.warning("broadcast deliveries interrupted; resending", extra={"count": count})
        return count

    async def _loop(self) -> None:
        assert self._wake is not None
        while not self.stopping:
            self._wake.clear()
            try:
                wait = await self._step()
            except Exception:
                log.exception("broadcast engine error; retrying")
                wait = self.options.poll_interval
                with contextlib.suppress(Exception):
                    await self._resume()
            if wait > 0 and not self.stopping:
                await wait_event(self._wake, wait)

    async def _step(self) -> float:
        """Do the next piece of work; return how long to wait before looking again."""
        async with self.session_factory() as session:
            ended = list(
                await session.scalars(
                    select(Broadcast).where(
                        Broadcast.status == BroadcastStatus.CANCELLED.value,
                        Broadcast.finished_at.is_(None),
                    )
                )
            )
            waiting = list(
                await session.scalars(
                    select(Broadcast)
                    .where(Broadcast.status.in_(ACTIVE))
                    .order_by(Broadcast.urgent.desc(), Broadcast.id)
                )
            )
        for broadcast in ended:
            await self._finish(broadcast.id)
        now, soonest = self.now(), None
        for broadcast in waiting:
            starts = may_start_at(self.quiet, broadcast.due_at, now, urgent=broadcast.urgent)
            if starts <= now:
                await self._drive(broadcast)
                return 0
            if broadcast.due_at <= now:  # held by quiet hours
                await Progress(self.context, broadcast).waiting(starts)
            soonest = starts if soonest is None else min(soonest, starts)
        if soonest is None:
            return self.options.poll_interval
        return max(0.05, min(self.options.poll_interval, (soonest - now).total_seconds()))

    async def _drive(self, broadcast: Broadcast) -> None:
        async with self.session_factory() as session:
            versions = await load_versions(session, broadcast.id)
            counts = (await state_counts(session, [broadcast.id]))[broadcast.id]
            if broadcast.status == BroadcastStatus.QUEUED:
                await session.execute(
                    update(Broadcast)
                    .where(Broadcast.id == broadcast.id)
                    .values(status=BroadcastStatus.SENDING.value, started_at=self.now())
                )
                await session.commit()
        tally = Tally(broadcast.total, counts["sent"], counts["unreachable"], counts["failed"],
                      counts["skipped"])  # fmt: skip
        progress = Progress(self.context, broadcast)
        run = self._run = Run(self.context, broadcast, versions, tally)
        progress.follow(tally)
        try:
            verdict = await run.drive()
        finally:
            self._run = None
            await progress.stop_following()
        log.info("broadcast run ended", extra={"broadcast_id": broadcast.id, "verdict": verdict})
        if verdict in ("done", "cancelled"):
            await self._finish(broadcast.id, done=verdict == "done")
        elif verdict == "deferred" and self.quiet is not None:
            await progress.waiting(self.quiet.end_after(self.now()))

    async def _finish(self, broadcast_id: int, done: bool = False) -> None:
        async with self.session_factory() as session:
            broadcast = await session.get(Broadcast, broadcast_id)
            if broadcast is None or broadcast.finished_at is not None:
                return
            if done and broadcast.status != BroadcastStatus.CANCELLED:
                broadcast.status = BroadcastStatus.DONE.value
            broadcast.finished_at = self.now()
            counts = (await state_counts(session, [broadcast_id]))[broadcast_id]
            await session.commit()
        log.info(
            "broadcast finished",
            extra={"broadcast_id": broadcast_id, "status": broadcast.status, **dict(counts)},
        )
        cancelled = broadcast.status == BroadcastStatus.CANCELLED
        await Progress(self.context, broadcast).finished(counts, cancelled)
