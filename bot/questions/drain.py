"""The drainer of the question outbox (`bot.questions.outbox`): a leader-only service.

Each lane (a region's coordinators) is drained by its own task, one job at a time in order;
every send waits for its chat's pace (a group takes about 20 messages a minute), waits out a
429's `retry_after` and retries server and network errors, for up to `PATIENCE` seconds per
message. What is sent is recorded and committed before the next message goes, so a job
that stops halfway (crash, outage) sends only the rest when it runs again.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import time
import uuid
from collections.abc import Awaitable, Callable
from typing import Any, TypeVar

from aiogram import Bot
from aiogram.exceptions import TelegramRetryAfter
from aiogram.utils.i18n import I18n
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from bot.bridge import Bridge
from bot.config import Settings
from bot.messenger import Reason, Undeliverable
from bot.questions import outbox, render
from bot.questions.relay import Inbox
from bot.questions.translation import Translator
from bot.ratelimit import RateLimiter
from bot.telegram.messenger import TelegramMessenger
from bot.waiting import wait_event
from db.base import utcnow
from db.models import Member, OutboxJob, Question

log = logging.getLogger(__name__)
T = TypeVar("T")

# A group takes about 20 messages a minute: a question's first messages go at once (burst),
# a busy stretch settles at 20 a minute; a 429 beyond that pauses the chat as it asks.
GROUP_RATE = 20 / 60
GROUP_BURST = 20.0
PRIVATE_RATE, PRIVATE_BURST = 1.0, 3.0  # a coordinator's private chat (no topic)
PATIENCE = 300.0  # seconds one message may wait for 429s and outages before its job waits
MAX_BACKOFF = 30.0


class Pacing:
    """One token bucket per chat; a 429 pauses only its chat."""

    def __init__(self) -> None:
        self._chats: dict[int, RateLimiter] = {}
        self.throttled = 0  # 429s seen (for statistics and tests)

    def of(self, chat_id: int) -> RateLimiter:
        limiter = self._chats.get(chat_id)
        if limiter is None:
            group = chat_id < 0
            limiter = RateLimiter(
                GROUP_RATE if group else PRIVATE_RATE, GROUP_BURST if group else PRIVATE_BURST
            )
            self._chats[chat_id] = limiter
        return limiter


class PacedMessenger:
    """A `Messenger` for the outbox: paced per chat, patient, committing before each send."""

    def __init__(
        self,
        messenger: TelegramMessenger,
        pacing: Pacing,
        session: AsyncSession,
        job_id: int | None = None,
        worker: str = "",
    ):
        self.messenger, self.pacing, self.session = messenger, pacing, session
        self.job_id, self.worker = job_id, worker

    async def _send(self, chat_id: int, call: Callable[[], Awaitable[T]]) -> T:
        limiter = self.pacing.of(chat_id)
        deadline = time.monotonic() + PATIENCE
        backoff = 0.5
        while True:
            await limiter.acquire()
            # What was sent before this is recorded, and the job is still ours (LostClaim:
            # another drainer took it over while this one was stalled; it sends no more).
            if self.job_id is not None:
                await outbox.hold(self.session, self.job_id, self.worker)
            elif self.session.in_transaction():
                await self.session.commit()
            try:
                return await call()
            except Undeliverable as exc:
                if exc.reason is not Reason.FAILED:
                    raise
                cause = exc.__cause__
                if isinstance(cause, TelegramRetryAfter):
                    self.pacing.throttled += 1
                    limiter.pause(cause.retry_after)
                    if time.monotonic() + cause.retry_after > deadline:
                        raise
                    log.info(
                        "coordinators' chat rate limited",
                        extra={"chat_id": chat_id, "retry_after": cause.retry_after},
                    )
                    continue
                if time.monotonic() + backoff > deadline:
                    raise
                await asyncio.sleep(backoff)
                backoff = min(backoff * 2, MAX_BACKOFF)

    async def send_text(
        self,
        chat_id: int,
        text: str,
        *,
        markup: Any = None,
        thread_id: int | None = None,
        reply_to: int | None = None,
    ) -> int:
        return await self._send(
            chat_id,
            lambda: self.messenger.send_text(
                chat_id, text, markup=markup, thread_id=thread_id, reply_to=reply_to
            ),
        )

    async def copy(
        self, chat_id: int, from_chat_id: int, message_id: int, *, thread_id: int | None = None
    ) -> int:
        return await self._send(
            chat_id,
            lambda: self.messenger.copy(chat_id, from_chat_id, message_id, thread_id=thread_id),
        )

    async def send_file(
        self, chat_id: int, kind: str, file_id: str, *, caption: str | None = None
    ) -> int:
        return await self._send(
            chat_id, lambda: self.messenger.send_file(chat_id, kind, file_id, caption=caption)
        )

    async def create_topic(self, chat_id: int, name: str) -> int:
        return await self._send(chat_id, lambda: self.messenger.create_topic(chat_id, name))

    async def edit_text(
        self, chat_id: int, message_id: int, text: str, *, markup: Any = None
    ) -> None:
        await self._send(
            chat_id, lambda: self.messenger.edit_text(chat_id, message_id, text, markup=markup)
        )

    async def edit_markup(self, chat_id: int, message_id: int, markup: Any = None) -> None:
        await self._send(chat_id, lambda: self.messenger.edit_markup(chat_id, message_id, markup))

    async def delete(self, chat_id: int, message_id: int) -> None:
        await self._send(chat_id, lambda: self.messenger.delete(chat_id, message_id))

    async def react(self, chat_id: int, message_id: int, emoji: str) -> None:
        await self._send(chat_id, lambda: self.messenger.react(chat_id, message_id, emoji))

    async def close_topic(self, chat_id: int, thread_id: int) -> None:
        await self._send(chat_id, lambda: self.messenger.close_topic(chat_id, thread_id))

    async def reopen_topic(self, chat_id: int, thread_id: int) -> None:
        await self._send(chat_id, lambda: self.messenger.reopen_topic(chat_id, thread_id))

    async def delete_topic(self, chat_id: int, thread_id: int) -> None:
        await self._send(chat_id, lambda: self.messenger.delete_topic(chat_id, thread_id))


class Drainer:
    """Drains the outbox while this process leads: `start`, `stop`, `wake`, `settled`."""

    def __init__(
        self,
        bot: Bot,
        session_factory: async_sessionmaker[AsyncSession],
        settings: Settings,
        i18n: I18n,
        bridge: Bridge | None = None,
        *,
        translator: Translator | None = None,
        poll: float = 1.0,
        worker: str | None = None,
    ) -> None:
        """`translator`: the dispatcher's (its quick wait, late translations added at once);
        else one is made from `bridge` for each job. `worker`: who claims jobs (default: this
        instance and a random part, so two drainers never share their claims)."""
        self.session_factory, self.settings, self.i18n = session_factory, settings, i18n
        self.messenger = TelegramMessenger(bot)
        self.views = render.InboxViews(i18n)
        self.bridge = bridge
        self.translator = translator
        self.poll = poll
        self.pacing = Pacing()
        self.worker = worker or f"{settings.instance_id}/{uuid.uuid4().hex[:8]}"
        self.sent_jobs = 0
        self.lost_claims = 0
        self._event = asyncio.Event()
        self._task: asyncio.Task[None] | None = None
        self._lanes: dict[int, asyncio.Task[None]] = {}
        self._unsubscribe: Callable[[], None] | None = None

    def wake(self) -> None:
        self._event.set()

    async def start(self) -> None:
        if self._task is None:
            if self.settings.is_sqlite:  # the single process: claims left by its last run end
                async with self.session_factory() as session:
                    await outbox.release(session)
            self._unsubscribe = outbox.on_queued(self.wake)
            self._task = asyncio.create_task(self._run(), name="outbox")

    async def stop(self) -> None:
        if self._unsubscribe is not None:
            self._unsubscribe()
        tasks = [t for t in (self._task, *self._lanes.values()) if t is not None]
        for task in tasks:
            task.cancel()
        for task in tasks:
            with contextlib.suppress(asyncio.CancelledError):
                await task
        self._task = None
        self._lanes.clear()

    async def settled(self) -> None:
        """Wait until no job whose time has come is waiting or being sent (tests, sandbox)."""
        while True:
            while self._lanes:
                await asyncio.gather(*self._lanes.values(), return_exceptions=True)
            async with self.session_factory() as session:
                if not await outbox.waiting(session, utcnow()):
                    return
            self.wake()
            await asyncio.sleep(0.02)

    async def _run(self) -> None:
        while True:
            self._event.clear()
            try:
                await self._tick()
            except Exception:
                log.exception("outbox check failed")
            await wait_event(self._event, self.poll)

    async def _tick(self) -> None:
        async with self.session_factory() as session:
            jobs = await outbox.due(session, utcnow(), self.worker)
        for job in jobs:
            if job.lane not in self._lanes:
                self._lanes[job.lane] = asyncio.create_task(
                    self._lane(job.lane), name=f"outbox-{job.lane}"
                )

    async def _lane(self, lane: int) -> None:
        try:
            while True:
                async with self.session_factory() as session:
                    job = await outbox.claim_next(session, lane, self.worker, utcnow())
                    if job is None:
                        return
                    try:
                        await self._do(session, job)
                    except outbox.LostClaim:
                        await session.rollback()
                        self.lost_claims += 1
                        log.warning(
                            "outbox job taken over by another drainer", extra={"job": job.id}
                        )
                        return
        finally:
            self._lanes.pop(lane, None)

    def _translator(self) -> Translator | None:
        if self.translator is not None:
            return self.translator
        if self.bridge is None or not self.bridge.configured:
            return None
        return Translator(self.bridge, self.session_factory)

    async def _do(self, session: AsyncSession, job: OutboxJob) -> None:
        job_id = job.id
        question = await session.get(Question, job.question_id)
        member = await session.get(Member, question.member_id) if question else None
        if question is None or member is None:
            await outbox.done(session, job)
            await session.commit()
            return
        translator = self._translator()
        inbox = Inbox(
            PacedMessenger(self.messenger, self.pacing, session, job_id, self.worker),
            session,
            self.settings,
            self.views,
            translator,
        )
        try:
            with self.i18n.context():
                if job.kind == outbox.STATE:
                    await inbox.sync_state(question)
                else:
                    await inbox.deliver(question, member)
        except outbox.LostClaim:
            raise
        except Undeliverable as exc:
            await session.commit()  # what was sent is recorded
            await self._failed(session, job_id, exc.reason is Reason.FAILED, str(exc))
            return
        except Exception as exc:
            log.exception("outbox job failed", extra={"job": job_id})
            await session.rollback()
            await self._failed(session, job_id, True, f"{type(exc).__name__}: {exc}")
            return
        finally:
            if translator is not None and translator is not self.translator:
                await translator.close()
        await outbox.hold(session, job_id, self.worker)  # else the new holder finishes it
        await outbox.done_by_id(session, job_id)
        await session.commit()
        self.sent_jobs += 1

    async def _failed(
        self, session: AsyncSession, job_id: int, transient: bool, error: str
    ) -> None:
        job = await session.get(OutboxJob, job_id, populate_existing=True)
        if job is None or job.claimed_by != self.worker:
            return
        job.claimed_by, job.claimed_until = None, None  # its next try: whoever is free
        now = utcnow()
        if transient and not outbox.failed(job, now, error):
            log.warning("question not delivered yet, trying again later", extra={"error": error})
        else:
            job.done_at, job.error = now, error[:200]
            log.error("question not delivered, given up", extra={"error": error, "job": job_id})
        await session.commit()
