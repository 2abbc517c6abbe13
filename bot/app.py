"""Running the bot: migrate, wait for the Bot API with back-off, then long polling."""

from __future__ import annotations

import asyncio
import logging
import signal
from collections.abc import Coroutine
from typing import Any

from aiogram import Bot
from aiogram.exceptions import TelegramNetworkError, TelegramServerError, TelegramUnauthorizedError

from bot.config import ConfigError, Settings
from bot.factory import create_bot, create_dispatcher
from bot.i18n import create_i18n
from db import migrate
from db.engine import create_engine, create_session_factory
from db.seed import seed_regions

log = logging.getLogger(__name__)


async def prepare_database(settings: Settings) -> None:
    """Apply migrations and seed a fresh database (used by `run` and `migrate`)."""
    engine = create_engine(settings.database_url)
    try:
        await migrate.upgrade(engine)
        async with create_session_factory(engine)() as session:
            added = await seed_regions(session)
            await session.commit()
        log.info("database ready", extra={"revision": migrate.head_revision(), "seeded": added})
    finally:
        await engine.dispose()


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


async def run_polling(settings: Settings) -> None:
    settings.require_token()
    await prepare_database(settings)
    engine = create_engine(settings.database_url)
    bot = create_bot(settings)
    i18n = create_i18n(settings.default_locale)
    dp = create_dispatcher(settings, create_session_factory(engine), i18n)
    try:
        await wait_for_api(bot)
        await bot.delete_webhook(drop_pending_updates=False)
        await dp.start_polling(
            bot, allowed_updates=dp.resolve_used_update_types(), handle_signals=False
        )
    finally:
        await bot.session.close()
        await engine.dispose()


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
