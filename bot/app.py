"""Running the bot: migrate, wait for the Bot API, then long polling or a webhook server.

Either way the process competes for leadership: only the leader runs leader-only services.
"""

from __future__ import annotations

import asyncio
import logging
import signal
from collections.abc import Coroutine
from contextlib import AsyncExitStack
from typing import Any

from aiogram import Bot
from aiogram.exceptions import (
    TelegramAPIError,
    TelegramNetworkError,
    TelegramServerError,
    TelegramUnauthorizedError,
)
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncEngine, AsyncSession, async_sessionmaker

from bot.commands import publish_commands
from bot.config import ConfigError, Settings
from bot.database import prepare_database, prepare_database_exclusively
from bot.factory import create_bot, create_dispatcher
from bot.features import leader_services, start_bridge, stop_bridge
from bot.i18n import CatalogueI18n, create_i18n
from bot.ops.metrics import ApiCallMetrics, Metrics, instrument
from bot.ops.server import metrics_server
from bot.privacy import notice
from bot.scale.health import HealthCheck
from bot.scale.inbox import Inbox, serve
from bot.scale.leader import LeaderServices, Leadership
from bot.scale.locks import create_lock_backend
from bot.scale.storage import create_events_isolation, create_storage, storage_redis
from bot.scale.webhook import webhook_server
from bot.telegram.warm import warm_up
from db.engine import create_engine, create_session_factory
from db.models import Survey

log = logging.getLogger(__name__)

__all__ = [  # prepare_database lives in bot.database; the test harness imports it from here
    "prepare_database",
    "prepare_database_exclusively",
    "require_survey_secret",
    "run",
    "run_until_signal",
    "wait_for_api",
]


async def require_survey_secret(settings: Settings) -> None:
    """Refuse to start without SURVEY_SECRET once anonymous surveys exist: their answers
    could be neither resumed nor told apart from a second response."""
    if settings.survey_secret is not None:
        return
    engine = create_engine(settings.database_url)
    try:
        async with create_session_factory(engine)() as session:
            found = await session.scalar(select(Survey.id).where(Survey.anonymous).limit(1))
    finally:
        await engine.dispose()
    if found is not None:
        raise ConfigError(
            "SURVEY_SECRET is not set, but the database holds anonymous surveys: "
            "set it (at least 32 characters, see .env.example)"
        )


async def wait_for_api(bot: Bot, max_delay: float = 60.0) -> None:
    """Call getMe until the Bot API answers, backing off and saying why each time."""
    delay = 1.0
    while True:
        try:
            me = await bot.get_me()
        except TelegramUnauthorizedError:
            raise ConfigError("BOT_TOKEN was rejected by the Bot API (401 Unauthorized)") from None
        except (TelegramNetworkError, TelegramServerError, OSError) as exc:
            log.warning(
                "Bot API not reachable, retrying",
                extra={"reason": str(exc), "retry_in_s": delay},
            )
            await asyncio.sleep(delay)
            delay = min(delay * 2, max_delay)
        else:
            log.info("connected to Bot API", extra={"bot": me.username, "bot_id": me.id})
            return


def _open(
    stack: AsyncExitStack, settings: Settings
) -> tuple[AsyncEngine, Bot, async_sessionmaker[AsyncSession], CatalogueI18n]:
    """What every serving process has: the database engine and sessions, the Bot (both
    closed with `stack`) and the catalogues."""
    engine = create_engine(settings.database_url)
    stack.push_async_callback(engine.dispose)
    bot = create_bot(settings)
    stack.push_async_callback(bot.session.close)
    return engine, bot, create_session_factory(engine), create_i18n(settings.default_locale)


async def run(settings: Settings, services: LeaderServices | None = None) -> None:
    """Serve updates until cancelled: webhook mode when WEBHOOK_URL is set, else long polling.

    `services` are the leader-only services (scheduler, broadcaster): started when this
    process is elected, stopped when it loses leadership or shuts down.
    """
    settings.require_token()
    await prepare_database_exclusively(settings)
    await require_survey_secret(settings)
    services = services if services is not None else LeaderServices()
    async with AsyncExitStack() as stack:
        engine, bot, session_factory, i18n = _open(stack, settings)
        storage = create_storage(settings)
        stack.push_async_callback(storage.close)
        dp = create_dispatcher(
            settings,
            session_factory,
            i18n,
            storage,
            events_isolation=create_events_isolation(storage),
        )
        await notice.apply(session_factory, settings)
        bridge = await start_bridge(bot, session_factory, settings, i18n, dp)
        stack.push_async_callback(stop_bridge, dp)
        leader_services(bot, session_factory, settings, i18n, services, dp, bridge)
        metrics = instrument(dp, bot)
        await wait_for_api(bot)
        try:
            await publish_commands(bot, session_factory, settings, i18n)
        except TelegramAPIError as exc:
            log.warning("command menu not published", extra={"reason": str(exc)})
        leadership = await stack.enter_async_context(
            Leadership(
                create_lock_backend(settings),
                instance_id=settings.instance_id,
                on_elected=services.start_all,
                on_lost=services.stop_all,
            )
        )
        if metrics is not None:
            metrics.is_leader = lambda: leadership.is_leader
        warm_up()  # before the first update, not during it
        inbox = Inbox(dp, bot, session_factory, settings, i18n)
        health = HealthCheck(engine, storage_redis(storage), outage=inbox.outage)
        if settings.webhook_url is None:
            if metrics is not None:  # /metrics and /healthz on METRICS_PORT, if set
                await stack.enter_async_context(metrics_server(settings, metrics, health.handle))
            await serve(dp, bot, inbox)
        else:
            async with webhook_server(settings, dp, bot, health, inbox):
                await inbox.run()


async def run_broadcaster(settings: Settings) -> None:
    """`python -m bot broadcaster`: the broadcast engine alone, for BROADCAST_ENGINE=process.

    It takes its own leadership lock ("broadcaster"), so of several such processes one
    sends and the others wait to take over; it finds new work in the database (the bot's
    handlers store it) every couple of seconds. Runs until cancelled (SIGTERM).
    """
    from bot.broadcast.engine import Broadcaster

    settings.require_token()
    await prepare_database_exclusively(settings)
    async with AsyncExitStack() as stack:
        _engine, bot, session_factory, i18n = _open(stack, settings)
        await notice.apply(session_factory, settings)
        await wait_for_api(bot)
        broadcaster = Broadcaster(bot, session_factory, settings, i18n)
        # METRICS_PORT: /metrics with its deliveries, Bot API calls, queue and leader state.
        metrics = Metrics(settings, session_factory)
        bot.session.middleware(ApiCallMetrics(metrics))
        broadcaster.journal.on_result = metrics.delivery
        services = LeaderServices()
        services.add("broadcaster", broadcaster.start, broadcaster.stop)
        leadership = await stack.enter_async_context(
            Leadership(
                create_lock_backend(settings, "broadcaster"),
                instance_id=settings.instance_id,
                on_elected=services.start_all,
                on_lost=services.stop_all,
            )
        )
        metrics.is_leader = lambda: leadership.is_leader
        await stack.enter_async_context(metrics_server(settings, metrics))
        log.info("broadcast engine process ready", extra={"rate": settings.broadcast_rate})
        await asyncio.Event().wait()


async def run_until_signal(coro: Coroutine[Any, Any, None]) -> None:
    """Run the main coroutine; SIGINT/SIGTERM cancel it so cleanup runs and the exit is clean."""
    loop = asyncio.get_running_loop()
    task = asyncio.ensure_future(coro)
    for sig in (signal.SIGINT, signal.SIGTERM):
        loop.add_signal_handler(sig, task.cancel)
    try:
        await task
    except asyncio.CancelledError:
        log.info("stopped by signal")
    finally:
        for sig in (signal.SIGINT, signal.SIGTERM):
            loop.remove_signal_handler(sig)
