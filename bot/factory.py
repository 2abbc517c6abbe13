"""Builds Bot and Dispatcher from config; nothing lives at module level."""

from __future__ import annotations

from aiogram import Bot, Dispatcher
from aiogram.client.default import DefaultBotProperties
from aiogram.client.telegram import TelegramAPIServer
from aiogram.enums import ParseMode
from aiogram.fsm.storage.base import BaseEventIsolation, BaseStorage
from aiogram.fsm.storage.memory import MemoryStorage, SimpleEventIsolation
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from bot.config import Settings
from bot.i18n import CatalogueI18n
from bot.middlewares import (
    DbSessionMiddleware,
    LocaleMiddleware,
    MemberMiddleware,
    MessengerMiddleware,
)
from bot.ops.metrics import Metrics, UpdateMetrics
from bot.scale.storage import storage_redis
from bot.telegram.inline_filters import run_on_the_loop
from bot.telegram.json_session import JsonSession
from bot.telegram.responses import PinResponseTypes
from bot.telegram.route_index import index_callbacks, index_messages
from bot.telegram.sending import AnsweringMiddleware, RecoveringSends
from handlers import get_routers
from handlers.errors import ErrorReporter


def create_bot(settings: Settings) -> Bot:
    session = JsonSession(api=TelegramAPIServer.from_base(settings.telegram_api_url))
    session.middleware(RecoveringSends())  # acts only while an update is being handled
    session.middleware(PinResponseTypes())  # no response model rebuilt per API answer
    return Bot(
        token=settings.require_token(),
        session=session,
        default=DefaultBotProperties(parse_mode=ParseMode.HTML, link_preview_is_disabled=True),
    )


def create_dispatcher(
    settings: Settings,
    session_factory: async_sessionmaker[AsyncSession],
    i18n: CatalogueI18n,
    storage: BaseStorage | None = None,
    events_isolation: BaseEventIsolation | None = None,
) -> Dispatcher:
    # Updates of one chat are handled one at a time, so a fast second tap sees what the
    # first one committed (updates of different chats still run concurrently).
    dp = Dispatcher(
        storage=storage or MemoryStorage(),
        events_isolation=events_isolation or SimpleEventIsolation(),
        settings=settings,
    )
    # Its own metrics (dp["metrics"]: bot.ops.metrics.instrument connects the Bot and the
    # services) and error reports (dp["error_reporter"]), built first: they see every update whole.
    metrics = dp["metrics"] = Metrics(settings, session_factory, storage_redis(dp.storage))
    dp.update.outer_middleware(UpdateMetrics(metrics))
    reporter = dp["error_reporter"] = ErrorReporter(settings, session_factory, i18n, metrics)
    dp.errors.register(reporter.handle)
    dp.update.outer_middleware(DbSessionMiddleware(session_factory))
    dp.update.outer_middleware(MemberMiddleware())
    dp.update.outer_middleware(LocaleMiddleware(i18n))
    dp.update.outer_middleware(AnsweringMiddleware())
    dp.update.outer_middleware(MessengerMiddleware())
    dp.include_routers(*get_routers())
    index_callbacks(dp)  # a press visits only the routers that take its prefix
    index_messages(dp)  # and a message only those that may take it
    run_on_the_loop(dp)  # aiogram would run each F.… filter in a thread
    return dp
