"""Sending one broadcast: fetch queued deliveries, pace them, classify each outcome."""

from __future__ import annotations

import asyncio
import heapq
import itertools
import logging
import random
import time
from collections import deque
from dataclasses import replace

from aiogram.exceptions import (
    TelegramAPIError,
    TelegramBadRequest,
    TelegramForbiddenError,
    TelegramNetworkError,
    TelegramRetryAfter,
    TelegramServerError,
)
from sqlalchemy import func, select

from bot.broadcast.content import HEADER, Content, pick
from bot.broadcast.context import EngineContext
from bot.broadcast.service import urgent_waiting
from bot.broadcast.tally import Item, Tally
from bot.broadcast.telegram import send
from bot.members.consent import is_reachable
from bot.waiting import wait_event
from db.models import Broadcast, BroadcastDelivery, DeliveryState, Member

log = logging.getLogger(__name__)
# 400 answers meaning the person cannot be reached (rather than a bad message).
GONE = ("chat not found", "peer_id_invalid", "user not found")


class Run:
    """Drives one broadcast until it is done, cancelled, deferred, pre-empted or stopped."""

    def __init__(
        self, ctx: EngineContext, broadcast: Broadcast, versions: dict[str, Content], tally: Tally
    ) -> None:
        self.ctx = ctx
        self.broadcast_id = broadcast.id
        self.urgent = broadcast.urgent
        self.versions = versions
        self.tally = tally
        self.buffer: deque[Item] = deque()
        self.retry: list[tuple[float, int, Item]] = []
        self.inflight: set[asyncio.Task[None]] = set()
        self.changed = asyncio.Event()
        self.recheck = False
        self.crash: BaseException | None = None
        self._order = itertools.count()

    def poke(self) -> None:
        self.recheck = True
        self.changed.set()

    async def drive(self) -> str:
        ctx = self.ctx
        options = ctx.options
        cursor, exhausted = 0, False
        next_check = 0.0
        try:
            while True:
                self.changed.clear()
                if self.crash is not None:
                    raise self.crash
                now = time.monotonic()
                if self.recheck or now >= next_check:
                    self.recheck, next_check = False, now + options.check_interval
                    verdict = await self._verdict()
                    if verdict is not None:
                        return verdict
                if not self.buffer and not exhausted:
                    cursor, exhausted = await self._fill(cursor)
                    continue
                item = self._next_item(now)
                if item is None:
                    if not self.inflight and not self.retry:
                        if await self._queued_left():
                            cursor, exhausted = 0, False
                            continue
                        return "done"
                    await self._wait(self.retry[0][0] - now if self.retry else None)
                    continue
                ready = ctx.spacing.ready_at(item.chat_id)
                if ready > now:
                    heapq.heappush(self.retry, (ready, next(self._order), item))
                    continue
                await self._free_slot()
                await ctx.limiter.acquire()
                ctx.spacing.note(item.chat_id)
                task = asyncio.create_task(self._deliver(item))
                self.inflight.add(task)
                task.add_done_callback(self._finished)
        finally:
            if self.inflight:
                await asyncio.gather(*self.inflight, return_exceptions=True)

    def _next_item(self, now: float) -> Item | None:
        if self.retry and self.retry[0][0] <= now:
            return heapq.heappop(self.retry)[2]
        return self.buffer.popleft() if self.buffer else None

    async def _wait(self, timeout: float | None) -> None:
        await wait_event(self.changed, timeout)

    async def _free_slot(self) -> None:
        while True:
            self.changed.clear()
            if len(self.inflight) < self.ctx.window.size():
                return
            await self.changed.wait()

    def _finished(self, task: asyncio.Task[None]) -> None:
        self.inflight.discard(task)
        if not task.cancelled() and task.exception() is not None:
            self.crash = task.exception()
        self.changed.set()

    async def _verdict(self) -> str | None:
        ctx = self.ctx
        if ctx.stopping:
            return "stopped"
        async with ctx.session_factory() as session:
            status = await session.scalar(
                select(Broadcast.status).where(Broadcast.id == self.broadcast_id)
            )
            if status is None or status == "cancelled":
                return "cancelled"
            if not self.urgent:
                if ctx.quiet_now():
                    return "deferred"
                if await urgent_waiting(session, self.broadcast_id, ctx.now()):
                    return "yield"
        return None

    async def _fill(self, cursor: int) -> tuple[int, bool]:
        size = self.ctx.options.batch_size
        d = BroadcastDelivery
        query = (
            select(d.id, d.member_id, Member.telegram_id, Member.language, Member.status,
                   Member.consent_version)
            .join(Member, Member.id == d.member_id)
            .where(d.broadcast_id == self.broadcast_id, d.state == DeliveryState.QUEUED.value,
                   d.id > cursor)
            .order_by(d.id)
            .limit(size)
        )  # fmt: skip
        async with self.ctx.session_factory() as session:
            rows = (await session.execute(query)).all()
        if not rows:
            return cursor, True
        default = self.ctx.settings.default_locale
        skipped = []
        for row in rows:
            if not is_reachable(row.status, row.consent_version):
                skipped.append(row.id)
            else:
                self.buffer.append(
                    Item(row.id, row.member_id, row.telegram_id, row.language or default)
                )
        if skipped:
            journal = self.ctx.journal
            reason = "member not active"
            await asyncio.gather(
                *(journal.close(i, DeliveryState.SKIPPED, reason) for i in skipped)
            )
            self.tally.skipped += len(skipped)
        return rows[-1].id, len(rows) < size

    async def _queued_left(self) -> bool:
        async with self.ctx.session_factory() as session:
            left = await session.scalar(
                select(func.count()).where(
                    BroadcastDelivery.broadcast_id == self.broadcast_id,
                    BroadcastDelivery.state == DeliveryState.QUEUED.value,
                )
            )
        return bool(left)

    async def _deliver(self, item: Item) -> None:
        ctx, journal = self.ctx, self.ctx.journal
        started = time.monotonic()
        if not await journal.claim(item.delivery_id):
            return  # cancelled or erased meanwhile
        language, content = pick(self.versions, item.language)
        header = ctx.i18n.gettext(HEADER, locale=item.language)

        def uploaded(file_id: str) -> None:  # later copies send the picture by its id
            self.versions[language] = replace(self.versions[language], file_id=file_id)

        try:
            message_id = await send(
                ctx.bot, item.chat_id, content, header, paid=ctx.settings.broadcast_paid,
                timeout=ctx.options.request_timeout, uploaded=uploaded,
            )  # fmt: skip
        except TelegramRetryAfter as exc:
            ctx.limiter.pause(exc.retry_after)
            await journal.requeue(item.delivery_id, f"429: retry after {exc.retry_after}")
            self.buffer.appendleft(item)
        except TelegramForbiddenError as exc:
            await self._unreachable(item, exc)
        except TelegramBadRequest as exc:
            if any(reason in exc.message.lower() for reason in GONE):
                await self._unreachable(item, exc)
            else:
                await self._failed(item, exc)
        except (TelegramServerError, TelegramNetworkError) as exc:
            item.failures += 1
            if item.failures >= ctx.options.max_attempts:
                await self._failed(item, exc)
            else:
                await journal.requeue(item.delivery_id, f"{type(exc).__name__}: {exc.message}")
                delay = ctx.options.retry_base * 2 ** (item.failures - 1)
                delay = min(ctx.options.retry_cap, delay) * random.uniform(0.8, 1.2)
                due = time.monotonic() + delay
                heapq.heappush(self.retry, (due, next(self._order), item))
        except TelegramAPIError as exc:
            await self._failed(item, exc)
        else:
            await journal.sent(item.delivery_id, message_id, ctx.now())
            self.tally.sent += 1
            ctx.window.observe(time.monotonic() - started)

    async def _unreachable(self, item: Item, exc: TelegramAPIError) -> None:
        await self.ctx.journal.unreachable(item.delivery_id, item.member_id, exc.message)
        self.tally.unreachable += 1

    async def _failed(self, item: Item, exc: TelegramAPIError) -> None:
        log.warning(
            "broadcast delivery failed",
            extra={"broadcast_id": self.broadcast_id, "delivery_id": item.delivery_id,
                   "error": exc.message},
        )  # fmt: skip
        await self.ctx.journal.close(item.delivery_id, DeliveryState.FAILED, exc.message)
        self.tally.failed += 1
