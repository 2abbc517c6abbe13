"""Prometheus metrics of one bot (its own CollectorRegistry: several bots in one process,
as in tests, never share counters).

On the hot path an update costs one counter increment and one histogram observation
(`UpdateMetrics`); a Bot API call one counter increment (`ApiCallMetrics`). What the
database knows (open and overdue questions per region, the broadcast queue) and the ping
times of the database and Redis are read when /metrics is scraped (`Metrics.render`), at
most once per `REFRESH_EVERY` seconds. Labels carry kinds, methods, outcomes and region
codes: never a member, a chat or a text.
"""

from __future__ import annotations

import asyncio
import logging
import math
import time
from collections.abc import Awaitable, Callable
from typing import TYPE_CHECKING, Any

from aiogram import BaseMiddleware, Bot, Dispatcher
from aiogram.client.session.middlewares.base import (
    BaseRequestMiddleware,
    NextRequestMiddlewareType,
)
from aiogram.dispatcher.event.bases import UNHANDLED
from aiogram.exceptions import (
    TelegramAPIError,
    TelegramBadRequest,
    TelegramConflictError,
    TelegramForbiddenError,
    TelegramNetworkError,
    TelegramNotFound,
    TelegramRetryAfter,
    TelegramServerError,
    TelegramUnauthorizedError,
)
from aiogram.methods import TelegramMethod
from aiogram.methods.base import Response, TelegramType
from aiogram.types import TelegramObject, Update
from prometheus_client import (
    CONTENT_TYPE_LATEST,
    CollectorRegistry,
    Counter,
    Gauge,
    Histogram,
    generate_latest,
)
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from bot.config import Settings
from bot.inbox import store
from bot.ops import queries

if TYPE_CHECKING:
    from redis.asyncio import Redis

log = logging.getLogger(__name__)

REFRESH_EVERY = 5.0  # seconds: scrapes closer together share one round of queries
PING_TIMEOUT = 3.0
LATENCY_BUCKETS = (0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0, 30.0)
# Delivery results as the broadcast journal records them; "queued" again means a retry.
DELIVERY_STATUS = {"queued": "retried"}


class Metrics:
    def __init__(
        self,
        settings: Settings,
        session_factory: async_sessionmaker[AsyncSession],
        redis: Redis | None = None,
    ) -> None:
        self.settings = settings
        self.session_factory = session_factory
        self.redis = redis
        self.instance_id = settings.instance_id
        self.is_leader: Callable[[], bool] | None = None  # set once leadership is contested
        self.registry = registry = CollectorRegistry(auto_describe=False)
        p = "expertpool_"
        self.updates = Counter(
            p + "updates", "Updates handled, by kind and outcome (handled, unhandled, error).",
            ["type", "outcome"], registry=registry,
        )  # fmt: skip
        self.handler_seconds = Histogram(
            p + "handler_seconds", "Seconds from taking an update to the end of its handling.",
            ["type"], buckets=LATENCY_BUCKETS, registry=registry,
        )  # fmt: skip
        self.last_update = Gauge(
            p + "last_update_timestamp_seconds", "When the last update was handled (Unix time).",
            registry=registry,
        )  # fmt: skip
        self.errors = Counter(
            p + "errors", "Unhandled errors in updates, by exception type.",
            ["exception"], registry=registry,
        )  # fmt: skip
        self.api_calls = Counter(
            p + "bot_api_calls",
            "Bot API requests by method and result (ok, 400, 401, 403, 404, 409, 429, 5xx, "
            "network, other).",
            ["method", "result"], registry=registry,
        )  # fmt: skip
        self.deliveries = Counter(
            p + "broadcast_deliveries",
            "Broadcast deliveries recorded, by status (sent, retried, failed, unreachable, "
            "skipped).",
            ["status"], registry=registry,
        )  # fmt: skip
        self.broadcast_queue = Gauge(
            p + "broadcast_queue", "Deliveries of running broadcasts still queued or being sent.",
            registry=registry,
        )  # fmt: skip
        self.inbox_waiting = Gauge(
            p + "inbox_waiting", "Stored updates not handled yet (neither done nor parked).",
            registry=registry,
        )  # fmt: skip
        self.inbox_held = Gauge(
            p + "inbox_held",
            "Updates fetched by long polling but not stored yet: the database is away; they "
            "wait in memory, unconfirmed to Telegram.",
            registry=registry,
        )  # fmt: skip
        self.held_updates: Callable[[], int] | None = None  # set once the inbox exists
        self.questions_open = Gauge(
            p + "questions_open", "Open questions per region.", ["region"], registry=registry
        )
        self.questions_overdue = Gauge(
            p + "questions_overdue",
            "Open questions without an answer for longer than QUESTION_REMINDER_HOURS, "
            "per region.",
            ["region"], registry=registry,
        )  # fmt: skip
        self.translations = Counter(
            p + "translations",
            "Texts sent to a translation provider, by provider and outcome.",
            ["provider", "outcome"], registry=registry,
        )  # fmt: skip
        self.leader = Gauge(
            p + "leader", "1 while this instance runs the leader-only services, else 0.",
            ["instance_id"], registry=registry,
        )  # fmt: skip
        self.ping_seconds = Gauge(
            p + "ping_seconds",
            "Round trip of a trivial request to the database or Redis at the last scrape "
            "(NaN: no answer).",
            ["service"], registry=registry,
        )  # fmt: skip
        self._refreshed_at = -math.inf
        self._refreshing = asyncio.Lock()
        self._regions: set[str] = set()

    # -- recorders handed to other parts (no prometheus types leak out) ----------
    def delivery(self, state: str) -> None:
        self.deliveries.labels(DELIVERY_STATUS.get(state, state)).inc()

    def translation(self, provider: str, outcome: str, count: int = 1) -> None:
        self.translations.labels(provider, outcome).inc(count)

    def error(self, exception: str) -> None:
        self.errors.labels(exception).inc()

    # -- scrape time ---------------------------------------------------------------
    async def refresh(self) -> None:
        async with self._refreshing:
            now = time.monotonic()
            if now - self._refreshed_at < REFRESH_EVERY:
                return
            self._refreshed_at = now
            await asyncio.gather(self._from_database(), self._ping_redis())
            if self.held_updates is not None:
                self.inbox_held.set(self.held_updates())
            leading = self.is_leader() if self.is_leader is not None else False
            self.leader.labels(self.instance_id).set(1 if leading else 0)

    async def _from_database(self) -> None:
        try:
            async with asyncio.timeout(PING_TIMEOUT):
                async with self.session_factory() as session:
                    started = time.perf_counter()
                    await queries.ping(session)
                    self.ping_seconds.labels("database").set(time.perf_counter() - started)
                    counts = await queries.questions_per_region(
                        session, self.settings.question_reminder_hours
                    )
                    queue = await queries.broadcast_queue(session)
                    waiting = await store.waiting_count(session)
        except Exception as exc:
            log.warning("metrics: database not read", extra={"reason": repr(exc)})
            self.ping_seconds.labels("database").set(math.nan)
            return
        for gone in self._regions - set(counts):
            self.questions_open.remove(gone)
            self.questions_overdue.remove(gone)
        self._regions = set(counts)
        for region, (open_count, overdue_count) in counts.items():
            self.questions_open.labels(region).set(open_count)
            self.questions_overdue.labels(region).set(overdue_count)
        self.broadcast_queue.set(queue)
        self.inbox_waiting.set(waiting)

    async def _ping_redis(self) -> None:
        if self.redis is None:
            return
        started = time.perf_counter()
        try:
            async with asyncio.timeout(PING_TIMEOUT):
                await self.redis.ping()
        except Exception as exc:
            log.warning("metrics: Redis not reached", extra={"reason": repr(exc)})
            self.ping_seconds.labels("redis").set(math.nan)
            return
        self.ping_seconds.labels("redis").set(time.perf_counter() - started)

    async def render(self) -> tuple[bytes, str]:
        """The exposition text and its content type."""
        await self.refresh()
        return generate_latest(self.registry), CONTENT_TYPE_LATEST


class _Children:
    """A labelled metric's children, looked up once per set of labels (prometheus_client's
    `labels()` validates and locks on every call)."""

    def __init__(self, metric: Any) -> None:
        self.metric = metric
        self._children: dict[tuple[str, ...], Any] = {}

    def __call__(self, *labels: str) -> Any:
        child = self._children.get(labels)
        if child is None:
            child = self._children[labels] = self.metric.labels(*labels)
        return child


class UpdateMetrics(BaseMiddleware):
    """The outermost of the bot's update middlewares: counts each update by kind and
    outcome and times its handling. Label children are cached: no lookups per update."""

    def __init__(self, metrics: Metrics) -> None:
        self.metrics = metrics
        self._counted = _Children(metrics.updates)
        self._timed = _Children(metrics.handler_seconds)

    async def __call__(
        self,
        handler: Callable[[TelegramObject, dict[str, Any]], Awaitable[Any]],
        event: TelegramObject,
        data: dict[str, Any],
    ) -> Any:
        kind = event.event_type if isinstance(event, Update) else "unknown"
        started = time.perf_counter()
        outcome = "error"
        try:
            result = await handler(event, data)
            outcome = "unhandled" if result is UNHANDLED else "handled"
            return result
        finally:
            ended = time.perf_counter()
            self._counted(kind, outcome).inc()
            self._timed(kind).observe(ended - started)
            self.metrics.last_update.set(time.time())


# The result label of a failed call, by its exception (first match).
_RESULTS: tuple[tuple[type[BaseException], str], ...] = (
    (TelegramRetryAfter, "429"),
    (TelegramForbiddenError, "403"),
    (TelegramServerError, "5xx"),
    (TelegramNetworkError, "network"),
    (TelegramBadRequest, "400"),
    (TelegramUnauthorizedError, "401"),
    (TelegramNotFound, "404"),
    (TelegramConflictError, "409"),
)


def api_result(exc: BaseException) -> str:
    return next((label for kind, label in _RESULTS if isinstance(exc, kind)), "other")


class ApiCallMetrics(BaseRequestMiddleware):
    """Counts every HTTP request to the Bot API (retries included: it is the innermost
    request middleware) by method and result."""

    def __init__(self, metrics: Metrics) -> None:
        self.metrics = metrics
        self._counted = _Children(metrics.api_calls)

    async def __call__(
        self,
        make_request: NextRequestMiddlewareType[TelegramType],
        bot: Bot,
        method: TelegramMethod[TelegramType],
    ) -> Response[TelegramType]:
        try:
            response = await make_request(bot, method)
        except (TelegramAPIError, TelegramNetworkError) as exc:
            self._counted(method.__api_method__, api_result(exc)).inc()
            raise
        self._counted(method.__api_method__, "ok").inc()
        return response


def instrument(
    dp: Dispatcher, bot: Bot, is_leader: Callable[[], bool] | None = None
) -> Metrics | None:
    """Connect the dispatcher's metrics to the Bot's API calls and to the services the
    dispatcher holds (the language bridge, the broadcaster). Call once per Bot."""
    metrics = dp.workflow_data.get("metrics")
    if not isinstance(metrics, Metrics):
        return None
    bot.session.middleware(ApiCallMetrics(metrics))
    if is_leader is not None:
        metrics.is_leader = is_leader
    bridge = dp.workflow_data.get("bridge")
    if bridge is not None:
        bridge.on_outcome = metrics.translation
    broadcaster = dp.workflow_data.get("broadcaster")
    if broadcaster is not None:
        broadcaster.journal.on_result = metrics.delivery
    return metrics
