"""Machine translation in the question flow, without ever keeping a handler waiting long.

A `Translator` wraps the language bridge for the inbox: each request runs in a task with a
database session of its own (the cache row is committed there), and the caller waits at most
`quick_wait` seconds. A request still running after that goes on in the background: its
result lands in the cache, where the retry job (`bot.questions.jobs.retry_translations`)
finds it. What is owed to a chat is a `PendingTranslation` row, so a restart loses nothing.
No aiogram here.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Awaitable, Callable, Sequence
from dataclasses import dataclass
from datetime import timedelta
from typing import Any

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from bot.bridge import (
    Bridge,
    Reason,
    Result,
    Translation,
    Untranslated,
    translate_many,
)
from db.base import utcnow
from db.models import PendingTranslation, QuestionMessage

log = logging.getLogger(__name__)

QUICK_WAIT = 2.0  # seconds a handler waits for a provider before sending the original
RETRY_FIRST = 30.0  # seconds before the first retry; doubles up to RETRY_MAX
RETRY_MAX = 3600.0
MAX_ATTEMPTS = 24  # then the original stays alone (it was delivered long ago)

# Reasons worth telling the reader about ("no translation available").
NOT_AVAILABLE = (Reason.PAIR_UNSUPPORTED, Reason.PERMANENT, Reason.TOO_LONG)


@dataclass(frozen=True)
class NotDrafted:
    """A language a machine draft could not be made in, and why."""

    language: str
    reason: Reason


class Translator:
    """The bridge for the inbox: bounded waits, a session per request, background leftovers."""

    def __init__(
        self,
        bridge: Bridge,
        session_factory: async_sessionmaker[AsyncSession],
        *,
        quick_wait: float = QUICK_WAIT,
        on_late: Callable[[], Awaitable[object]] | None = None,
    ) -> None:
        """`on_late`: called when a translation a caller stopped waiting for arrives after
        all (e.g. the retry job for translations never tried again yet), so it is added
        to its chat at once rather than at the next retry."""
        self.bridge = bridge
        self.session_factory = session_factory
        self.quick_wait = quick_wait
        self.on_late = on_late
        self._tasks: set[asyncio.Task[Any]] = set()
        self._late_run: asyncio.Task[None] | None = None
        self._late_again = False

    @property
    def active(self) -> bool:
        return self.bridge.configured

    @property
    def staff_language(self) -> str:
        return self.bridge.staff_language

    async def translate(
        self,
        text: str,
        source: str,
        target: str,
        *,
        member_id: int | None = None,
        wait: float | None = None,
    ) -> Result:
        """The translation, or Untranslated (TEMPORARY when `wait` passed first: the request
        goes on and stores its result in the cache for the retry job)."""
        task = asyncio.create_task(self._translate(text, source, target, member_id))
        self._tasks.add(task)
        task.add_done_callback(self._tasks.discard)
        done, _pending = await asyncio.wait(
            {task}, timeout=self.quick_wait if wait is None else wait
        )
        if task not in done:
            if self.on_late is not None:
                task.add_done_callback(self._arrived_late)
            return Untranslated(Reason.TEMPORARY, None, None, "still waiting for the provider")
        return task.result()

    async def translate_many(
        self,
        texts: Sequence[str],
        source: str,
        target: str,
        *,
        member_id: int | None = None,
        wait: float | None = None,
    ) -> list[Result]:
        """One result per text (cache first, the rest in one provider call), waiting at most
        `wait` (default `quick_wait`) for all of them; past that each is Untranslated
        (TEMPORARY) and the request goes on, storing what arrives in the cache."""
        if not texts:
            return []
        task = asyncio.create_task(self._translate_many(list(texts), source, target, member_id))
        self._tasks.add(task)
        task.add_done_callback(self._tasks.discard)
        done, _pending = await asyncio.wait(
            {task}, timeout=self.quick_wait if wait is None else wait
        )
        if task not in done:
            return [Untranslated(Reason.TEMPORARY, None, None, "still waiting")] * len(texts)
        return task.result()

    async def translate_into(
        self,
        texts: Sequence[str],
        source: str,
        targets: Sequence[str],
        *,
        wait: float | None = None,
    ) -> dict[str, list[Result]]:
        """`texts` into every target at once (machine drafts), each batch bounded by `wait`."""
        found = await asyncio.gather(
            *(self.translate_many(texts, source, target, wait=wait) for target in targets)
        )
        return dict(zip(targets, found, strict=True))

    async def _translate_many(
        self, texts: list[str], source: str, target: str, member_id: int | None
    ) -> list[Result]:
        try:
            async with self.session_factory() as session:
                results = await translate_many(
                    session, self.bridge, texts, source, target, member_id=member_id
                )
                await session.commit()
                return results
        except Exception:  # a database hiccup must not lose the message: retry later
            log.exception("translation request failed")
            return [Untranslated(Reason.TEMPORARY, None, None, "request failed")] * len(texts)

    def _arrived_late(self, task: asyncio.Task[Result]) -> None:
        if task.cancelled() or not isinstance(task.result(), Translation):
            return
        if self._late_run is None or self._late_run.done():
            self._late_run = asyncio.create_task(self._deliver_late())
        else:
            self._late_again = True  # one more run once the current one is done

    async def _deliver_late(self) -> None:
        assert self.on_late is not None
        while True:
            self._late_again = False
            try:
                await self.on_late()
            except Exception:
                log.exception("late translations not delivered")
            if not self._late_again:
                return

    async def _translate(
        self, text: str, source: str, target: str, member_id: int | None
    ) -> Result:
        return (await self._translate_many([text], source, target, member_id))[0]

    async def idle(self) -> None:
        """Wait until requests left running in the background (and the delivery of late
        translations) are done (tests, shutdown)."""
        while self._tasks or (self._late_run is not None and not self._late_run.done()):
            await asyncio.gather(*self._tasks, return_exceptions=True)
            if self._late_run is not None:
                await asyncio.gather(self._late_run, return_exceptions=True)

    async def close(self) -> None:
        """Stop requests still running (their texts stay pending in the database)."""
        self.on_late = None
        for task in list(self._tasks):
            task.cancel()
        if self._tasks:
            await asyncio.gather(*self._tasks, return_exceptions=True)
        if self._late_run is not None:
            self._late_run.cancel()
            await asyncio.gather(self._late_run, return_exceptions=True)


def translation_copy(question_id: int, chat_id: int, message_id: int) -> QuestionMessage:
    """The record of a translation note in a coordinators' chat (a copy of member words, so
    replying to it answers the question and /delete removes it)."""
    return QuestionMessage(
        question_id=question_id,
        direction="copy",
        kind="translation",
        coordinator_chat_id=chat_id,
        coordinator_message_id=message_id,
        created_at=utcnow(),
    )


def owe(
    session: AsyncSession,
    row: QuestionMessage,
    direction: str,
    *,
    chat_id: int,
    thread_id: int | None,
    reply_to: int | None,
    source: str,
    target: str,
    retry_after: float | None = None,
) -> None:
    """Record a translation still owed to `chat_id` (no commit)."""
    session.add(
        PendingTranslation(
            question_id=row.question_id,
            message_id=row.id,
            direction=direction,
            chat_id=chat_id,
            thread_id=thread_id,
            reply_to=reply_to,
            source=source,
            target=target,
            attempts=0,
            next_attempt_at=utcnow() + timedelta(seconds=max(retry_after or 0.0, RETRY_FIRST)),
            created_at=utcnow(),
        )
    )


async def due(
    session: AsyncSession, *, everything: bool = False, fresh: bool = False
) -> list[PendingTranslation]:
    """Owed translations whose next attempt has come (`everything`: all of them; `fresh`:
    also those never tried again yet, whatever their time)."""
    query = select(PendingTranslation).order_by(PendingTranslation.id)
    if fresh:
        query = query.where(
            (PendingTranslation.attempts == 0) | (PendingTranslation.next_attempt_at <= utcnow())
        )
    elif not everything:
        query = query.where(PendingTranslation.next_attempt_at <= utcnow())
    return list(await session.scalars(query))


def postpone(pending: PendingTranslation, retry_after: float | None) -> bool:
    """Back off after a failed attempt; False when it is time to give up."""
    pending.attempts += 1
    if pending.attempts >= MAX_ATTEMPTS:
        return False
    delay = min(RETRY_FIRST * 2 ** (pending.attempts - 1), RETRY_MAX)
    pending.next_attempt_at = utcnow() + timedelta(seconds=max(delay, retry_after or 0.0))
    return True


__all__ = [
    "NOT_AVAILABLE", "QUICK_WAIT", "NotDrafted", "Translator", "due", "owe", "postpone",
    "translation_copy",
]  # fmt: skip
