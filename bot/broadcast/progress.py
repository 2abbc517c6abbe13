"""The coordinator's progress message: edited at most every few seconds, then a summary."""

from __future__ import annotations

import asyncio
import contextlib
import logging
import time
from collections.abc import Mapping
from datetime import datetime

from aiogram.exceptions import TelegramAPIError, TelegramRetryAfter
from sqlalchemy import update

from bot.broadcast import texts
from bot.broadcast.context import EngineContext
from bot.broadcast.tally import Tally
from bot.waiting import wait_event
from db.models import Broadcast

log = logging.getLogger(__name__)


class Progress:
    def __init__(self, ctx: EngineContext, broadcast: Broadcast) -> None:
        self.ctx = ctx
        self.broadcast_id = broadcast.id
        self.chat_id = broadcast.created_by
        self.locale = broadcast.locale
        self.message_id = broadcast.progress_message_id
        self.shown = broadcast.progress_text
        self._task: asyncio.Task[None] | None = None
        self._enough = asyncio.Event()

    def follow(self, tally: Tally) -> None:
        """Edit the message every PROGRESS interval while `tally` changes."""
        self._enough.clear()
        self._task = asyncio.create_task(self._follow(tally), name="broadcast-progress")

    async def stop_following(self) -> None:
        """Stop editing. An edit in flight finishes and is recorded first: cancelled between
        Telegram and the database, the next Progress would repeat it ("not modified")."""
        if self._task is None:
            return
        self._enough.set()
        current = asyncio.current_task()
        if current is None or not current.cancelling():  # aborted: stop at once
            await asyncio.wait({self._task}, timeout=self.ctx.options.stop_timeout)
        self._task.cancel()
        with contextlib.suppress(asyncio.CancelledError):
            await self._task
        self._task = None

    async def _follow(self, tally: Tally) -> None:
        started, done_before = time.monotonic(), tally.total - tally.remaining
        while True:
            if await wait_event(self._enough, self.ctx.options.progress_interval):
                return
            done_now = tally.total - tally.remaining
            if done_now == done_before:
                continue  # nothing new; also avoids repeating the text shown before a restart
            rate = (done_now - done_before) / max(1e-6, time.monotonic() - started)
            eta = tally.remaining / rate if rate > 0 and tally.remaining else None
            with texts.in_locale(self.ctx.i18n, self.locale):
                text = texts.progress(
                    self.broadcast_id, tally.total, tally.sent, tally.unreachable, eta
                )
            await self.show(text)

    async def waiting(self, starts_at: datetime) -> None:
        with texts.in_locale(self.ctx.i18n, self.locale):
            await self.show(texts.waiting(self.broadcast_id, starts_at, self.ctx.settings.tz))

    async def finished(self, counts: Mapping[str, int], cancelled: bool) -> None:
        """Last edit with the final counts; the summary comes as a new message (it notifies)."""
        total = sum(counts.values())
        sent, unreachable = counts.get("sent", 0), counts.get("unreachable", 0)
        with texts.in_locale(self.ctx.i18n, self.locale):
            final = texts.progress(self.broadcast_id, total, sent, unreachable, None)
            summary = texts.summary(self.broadcast_id, counts, cancelled)
        if self.message_id is not None:
            await self.show(final)
        await self._send_summary(summary)

    async def show(self, text: str) -> None:
        if self.chat_id is None or text == self.shown:
            return
        ctx = self.ctx
        await ctx.limiter.acquire()
        ctx.spacing.note(self.chat_id)
        try:
            if self.message_id is None:
                sent = await ctx.bot.send_message(self.chat_id, text)
                self.message_id = sent.message_id
            else:
                await ctx.bot.edit_message_text(
                    text=text, chat_id=self.chat_id, message_id=self.message_id
                )
        except TelegramRetryAfter as exc:
            ctx.limiter.pause(exc.retry_after)
            return
        except TelegramAPIError as exc:
            log.info("progress message not updated", extra={"error": exc.message})
            self.chat_id = None  # gone or blocked: stop trying for this run
            return
        self.shown = text
        async with ctx.session_factory() as session:
            await session.execute(
                update(Broadcast)
                .where(Broadcast.id == self.broadcast_id)
                .values(progress_text=text, progress_message_id=self.message_id)
            )
            await session.commit()

    async def _send_summary(self, text: str) -> None:
        if self.chat_id is None:
            return
        await self.ctx.limiter.acquire()
        try:
            await self.ctx.bot.send_message(self.chat_id, text)
        except TelegramAPIError as exc:
            log.info("broadcast summary not sent", extra={"error": exc.message})
