"""Handling updates from the inbox (bot.inbox.store): at least once, one chat in order.

Long polling stores each fetched batch (one statement, committed) before the next getUpdates
confirms it to Telegram; webhook workers store each update before answering 200. Workers
claim stored updates and feed them to the dispatcher, a bounded number at a time; a handled
update is marked done, a failing one is tried again up to MAX_ATTEMPTS times and then parked
with a message to the admins (in their language, without the member's words).
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import logging
import time
from collections.abc import Sequence
from datetime import timedelta
from typing import Any

from aiogram import Bot, Dispatcher
from aiogram.dispatcher.middlewares.user_context import UserContextMiddleware
from aiogram.exceptions import (
    TelegramAPIError,
    TelegramConflictError,
    TelegramNetworkError,
    TelegramServerError,
)
from aiogram.methods import GetUpdates, TelegramMethod
from aiogram.types import Update
from aiogram.utils.i18n import I18n
from pydantic import ValidationError
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from bot.config import Settings
from bot.inbox import effects, store
from bot.scale.outage import Outage, is_outage
from bot.services import members, roles
from bot.waiting import unabandoned, wait_event
from db.base import utcnow

log = logging.getLogger(__name__)


CONCURRENCY = 16  # updates handled at once per process (each of a different chat)
# While more is waiting than is in hand, claim when this many slots are free (or CLAIM_DELAY
# seconds after the last claim), not after every update: a claim is a few statements and a
# commit (about 8 ms on SQLite), the same for 1 update as for 4.
CLAIM_BATCH = 4
CLAIM_DELAY = 0.1
IDLE_CHECK = 1.0  # seconds: look for updates stored by other workers, expired leases, retries
PRUNE_EVERY = 600.0
POLL_TIMEOUT = 25
# While the database or Redis is away: retry after this many seconds, growing to the maximum.
RETRY_DELAY = 0.5
RETRY_DELAY_MAX = 5.0


def incoming(update: Update, raw: str | None = None) -> store.Incoming:
    context = UserContextMiddleware.resolve_event_context(update)
    return store.Incoming(
        update_id=update.update_id,
        kind=update.event_type,
        payload=raw or update.model_dump_json(exclude_none=True),
        chat_id=context.chat.id if context.chat else None,
        user_id=context.user.id if context.user else None,
    )


class GetRawUpdates(GetUpdates):
    """getUpdates answered as plain JSON objects. The poller only stores updates, and each is
    validated into aiogram's models once, when it is handled: validating the whole batch here
    as well (and serialising it again to store it) cost about a sixth of the bot's CPU."""

    __returning__ = list[dict[str, Any]]  # type: ignore[assignment]


def incoming_raw(data: dict[str, Any]) -> store.Incoming:
    """An update as Telegram sent it, ready to store. The chat and the sender are read where
    aiogram's UserContextMiddleware finds them for the kinds members and staff send; any other
    kind is validated to find them."""
    payload = json.dumps(data, ensure_ascii=False, separators=(",", ":"))
    update_id = data["update_id"]
    kind = next((key for key in data if key != "update_id"), "")
    body = data.get(kind)
    if isinstance(body, dict):
        sender = body.get("from") or {}
        if kind in ("message", "edited_message", "my_chat_member", "chat_member"):
            chat = body["chat"]["id"]
            return store.Incoming(update_id, kind, payload, chat, sender.get("id"))
        if kind == "callback_query":
            message = body.get("message")
            chat = message["chat"]["id"] if message else None
            return store.Incoming(update_id, kind, payload, chat, sender.get("id"))
    try:
        return incoming(Update.model_validate(data), payload)
    except ValidationError:  # stored all the same: its handling fails, and it is parked
        log.warning("update not understood", extra={"update_id": update_id, "kind": kind})
        return store.Incoming(update_id, kind or "unknown", payload)


def alert_text(i18n: I18n, locale: str, claimed: store.Claimed) -> str:
    return i18n.gettext(
        "An update could not be handled after {attempts} tries. It was set aside so that "
        "the chat can go on. Kind: {kind}, update {update_id}. The logs say why.",
        locale=locale,
    ).format(attempts=claimed.attempts, kind=claimed.kind, update_id=claimed.update_id)


class Inbox:
    def __init__(
        self,
        dp: Dispatcher,
        bot: Bot,
        session_factory: async_sessionmaker[AsyncSession],
        settings: Settings,
        i18n: I18n,
        *,
        concurrency: int = CONCURRENCY,
    ) -> None:
        self.dp, self.bot, self.session_factory = dp, bot, session_factory
        metrics = dp.workflow_data.get("metrics")
        if metrics is not None:  # /metrics reports the updates held while the database is away
            metrics.held_updates = lambda: self.held_updates
        self.settings, self.i18n = settings, i18n
        self.worker = settings.instance_id
        self.lease = timedelta(seconds=settings.inbox_lease_seconds)
        self.concurrency = concurrency
        self.wake = asyncio.Event()
        self.handling: dict[int, asyncio.Task[None]] = {}
        self.finished: dict[int, int] = {}  # handled, not yet marked done: update_id → attempt
        self.requeued: list[int] = []  # met an outage: to be claimable again, attempt uncounted
        self.outage = Outage(bot, settings, i18n, session_factory)

    @property
    def held_updates(self) -> int:
        """Updates long polling fetched but could not store yet (the database is away): they
        wait in memory, unconfirmed to Telegram (at most one getUpdates batch, 100)."""
        return self.outage.held

    def retry_delay(self) -> float:
        """Seconds before the next try while a service is away, growing with the outage."""
        since = self.outage.since
        elapsed = 0.0 if since is None else time.time() - since
        return min(RETRY_DELAY_MAX, max(RETRY_DELAY, elapsed / 10))

    async def accept(self, updates: Sequence[store.Incoming]) -> None:
        """Store updates durably (returns once committed) and wake the handlers."""
        async with self.session_factory() as session:
            await store.store(session, updates)
        self.wake.set()

    async def run(self) -> None:
        """Handle stored updates until cancelled; then finish the ones in hand."""
        while True:
            try:
                await unabandoned(self._start_up())
                break
            except Exception as exc:  # the database is away: the updates wait for it
                self.outage.began("claim", exc)
                await asyncio.sleep(self.retry_delay())
        renewing = asyncio.create_task(self._renew(), name="inbox-renew")
        loop = asyncio.get_running_loop()
        pruned_at = claimed_at = loop.time()
        backlog = False  # the last claim got all it asked for: more may be waiting
        batch = min(CLAIM_BATCH, self.concurrency)
        try:
            while True:
                self.wake.clear()
                free = self.concurrency - len(self.handling)
                early = CLAIM_DELAY - (loop.time() - claimed_at)
                if backlog and self.handling and free < batch and early > 0:
                    await wait_event(self.wake, early)  # a few more free slots first
                    continue
                finished, self.finished = self.finished, {}
                requeued, self.requeued = self.requeued, []
                claimed = []
                if free > 0 or finished or requeued:
                    try:
                        claimed = await unabandoned(self._claim(free, list(finished), requeued))
                    except Exception as exc:  # the database is away: look again in a moment
                        if not is_outage(exc):
                            log.warning("inbox claim failed", exc_info=True)
                        self.outage.began("claim", exc)
                        self.finished.update(finished)
                        self.requeued.extend(requeued)
                        finished = {}
                        await wait_event(self.wake, self.retry_delay())
                        continue
                    self.outage.ended("claim")
                    claimed_at = loop.time()
                    backlog = free > 0 and len(claimed) == free
                    self._handled_again(finished)
                    for item in claimed:
                        task = asyncio.create_task(self._handle(item))
                        self.handling[item.update_id] = task
                    if claimed:
                        continue
                if loop.time() - pruned_at > PRUNE_EVERY:
                    pruned_at = loop.time()
                    try:
                        await unabandoned(self._prune())
                    except Exception as exc:  # next time
                        log.warning("inbox not pruned", extra={"reason": repr(exc)})
                await wait_event(self.wake, IDLE_CHECK)
        finally:
            renewing.cancel()
            in_hand = list(self.handling.values())
            if in_hand:
                _done, pending = await asyncio.wait(in_hand, timeout=10)
                for task in pending:
                    task.cancel()
            if self.finished:
                try:
                    async with self.session_factory() as session:
                        await store.done(session, list(self.finished))
                except Exception as exc:  # handled again after the restart, effects once
                    log.warning("handled updates not marked done", extra={"reason": repr(exc)})
                else:
                    self._handled_again(self.finished)

    async def _start_up(self) -> None:
        async with self.session_factory() as session:
            # One SQLite process is the only worker: whatever it had claimed is free again.
            await store.release(session, None if self.settings.is_sqlite else self.worker)
            await store.prune(session)

    async def _claim(
        self, free: int, done_ids: list[int], requeued: list[int]
    ) -> list[store.Claimed]:
        async with self.session_factory() as session:
            if requeued:
                until = utcnow() + timedelta(seconds=self.retry_delay())
                await store.requeue(session, self.worker, requeued, until)
            return await store.claim(
                session, self.worker, free, done_ids=done_ids, lease=self.lease
            )

    async def _prune(self) -> None:
        async with self.session_factory() as session:
            await store.prune(session)

    @staticmethod
    def _handled_again(finished: dict[int, int]) -> None:
        for update_id, attempt in finished.items():
            if attempt > 1:  # its first worker died while handling it
                log.info("update handled again", extra={"update_id": update_id, "attempt": attempt})

    async def _renew(self) -> None:
        while True:
            await asyncio.sleep(self.lease.total_seconds() / 3)
            try:
                async with self.session_factory() as session:
                    await store.renew(session, self.worker, list(self.handling), self.lease)
            except Exception:  # a database hiccup: the next round tries again
                log.warning("inbox leases not renewed", exc_info=True)

    async def _handle(self, claimed: store.Claimed) -> None:
        try:
            try:
                update = Update.model_validate_json(claimed.payload, context={"bot": self.bot})
                last = claimed.attempts >= store.MAX_ATTEMPTS
                with effects.handling(claimed.update_id, last):
                    result = await self.dp.feed_update(
                        self.bot, update, inbox=store.Delivery(claimed.update_id, claimed.attempts)
                    )
                if isinstance(result, TelegramMethod):
                    await self.dp.silent_call_request(self.bot, result)
            except Exception as exc:
                if is_outage(exc):  # tried again when the service is back, not counted
                    self.outage.began("handling", exc)
                    self.requeued.append(claimed.update_id)
                    await self.outage.tell(claimed.payload)
                    return
                log.exception(
                    "update failed",
                    extra={"update_id": claimed.update_id, "attempt": claimed.attempts},
                )
                async with self.session_factory() as session:
                    parked = await store.failed(
                        session, claimed, timedelta(seconds=claimed.attempts)
                    )
                if parked:
                    await self._alert(claimed)
            else:
                # Marked done with the next claim, in the same commit.
                self.finished[claimed.update_id] = claimed.attempts
                self.outage.ended("handling")
        finally:
            self.handling.pop(claimed.update_id, None)
            self.wake.set()

    async def _alert(self, claimed: store.Claimed) -> None:
        log.error("update parked", extra={"update_id": claimed.update_id, "kind": claimed.kind})
        async with self.session_factory() as session:
            for admin_id in await roles.coordinator_ids(session, self.settings, None):
                reader = await members.get_by_telegram_id(session, admin_id)
                locale = (
                    reader.language if reader and reader.language else self.settings.default_locale
                )
                try:
                    await self.bot.send_message(admin_id, alert_text(self.i18n, locale, claimed))
                except TelegramAPIError as exc:
                    log.warning("parked-update alert not delivered", extra={"reason": str(exc)})


async def poll(dp: Dispatcher, bot: Bot, inbox: Inbox, max_delay: float = 30.0) -> None:
    """Long polling into the inbox: a batch is stored before the next getUpdates confirms it."""
    log.info("long polling")
    await bot.delete_webhook(drop_pending_updates=False)
    allowed = dp.resolve_used_update_types()
    offset = await _first_offset(inbox)
    delay = 1.0
    while True:
        # While a batch is held (not stored yet), ask again without waiting: the same batch,
        # and what came since, up to Telegram's 100.
        timeout = 0 if inbox.outage.held else POLL_TIMEOUT
        try:
            updates = await bot(
                GetRawUpdates(offset=offset, timeout=timeout, allowed_updates=allowed)
            )
        except (TelegramNetworkError, TelegramServerError, TelegramConflictError) as exc:
            log.warning(
                "getUpdates failed, retrying", extra={"reason": str(exc), "retry_in_s": delay}
            )
            await asyncio.sleep(delay)
            delay = min(delay * 2, max_delay)
            continue
        delay = 1.0
        if updates:
            if not await _store_or_hold(inbox, updates):
                await asyncio.sleep(inbox.retry_delay())
                continue  # the same offset: Telegram keeps the batch until it is stored
            offset = updates[-1]["update_id"] + 1


async def _first_offset(inbox: Inbox) -> int | None:
    while True:
        try:
            async with inbox.session_factory() as session:
                return await store.next_offset(session)
        except Exception as exc:
            inbox.outage.began("store", exc)
            await asyncio.sleep(inbox.retry_delay())


async def _store_or_hold(inbox: Inbox, updates: list[dict[str, Any]]) -> bool:
    """Store a fetched batch; when the database is away, hold it in memory (unconfirmed),
    tell its senders the bot is unavailable (once per few minutes each) and say False."""
    try:
        await inbox.accept([incoming_raw(u) for u in updates])
    except Exception as exc:
        if not is_outage(exc):
            log.warning("updates not stored, retrying", exc_info=True)
        inbox.outage.began("store", exc)
        inbox.outage.held = len(updates)
        for update in updates:
            await inbox.outage.tell(update)
        return False
    inbox.outage.held = 0
    inbox.outage.ended("store")
    return True


async def serve(dp: Dispatcher, bot: Bot, inbox: Inbox) -> None:
    """Long polling and handling, with the dispatcher's start-up and shut-down hooks."""
    workflow = {"dispatcher": dp, "bots": [bot], **dp.workflow_data}
    await dp.emit_startup(bot=bot, **workflow)
    try:
        handling = asyncio.create_task(inbox.run(), name="inbox")
        try:
            await poll(dp, bot, inbox)
        finally:
            handling.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await handling
    finally:
        await dp.emit_shutdown(bot=bot, **workflow)
