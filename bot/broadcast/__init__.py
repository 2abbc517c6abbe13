"""Bulk delivery: announcements (and later surveys and reminders) through one engine.

    broadcaster = register(services, dp, bot, session_factory, settings, i18n)

registers the engine as a leader-only service (started on election, stopped when
leadership ends) and puts it in the dispatcher's data as `broadcaster`, so handlers can
`wake()` it after creating or cancelling work. Other processes need no engine: the
leader also looks for new work every few seconds.

How it works (details in each module):
- service.create stores a broadcast, its versions and one 'queued' delivery per recipient
  (audience.recipient_criteria, one INSERT ... SELECT);
- engine.Broadcaster runs one broadcast at a time, urgent first, holding the others in
  quiet hours (quiet.py); run.Run paces sends (ratelimit.py: global rate, 1 msg/s per
  chat, a 429 pauses everyone) and sorts outcomes (403 / chat not found: unreachable;
  5xx / network: retried with back-off; other 400: failed); a run and its progress message
  (progress.py) get only the engine's shared pieces (context.EngineContext), not the engine;
- journal.Journal commits 'sending' before each call and 'sent' right after, so a crash
  leaves only the calls in flight ambiguous; on start they are sent again;
- content.pick chooses the version: one for everyone, else the reader's language,
  else English, else Dutch, else the first given; the header is in the reader's language.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from importlib import import_module
from typing import TYPE_CHECKING, Any, Protocol

if TYPE_CHECKING:
    from aiogram import Bot, Dispatcher
    from aiogram.utils.i18n import I18n
    from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

    from bot.broadcast.engine import Broadcaster
    from bot.broadcast.options import EngineOptions
    from bot.config import Settings

# Loaded on first use, not on import: `python -m bot retention` uses bot.broadcast's data
# pieces and must not pay for aiogram (the engine's).
_WHERE = {"Broadcaster": "bot.broadcast.engine", "EngineOptions": "bot.broadcast.options"}

Callback = Callable[[], Awaitable[None]]


class ServiceRegistry(Protocol):
    """What bot.scale.leader.LeaderServices offers."""

    def add(self, name: str, start: Callback, stop: Callback) -> None: ...


def register(
    services: ServiceRegistry,
    dp: Dispatcher,
    bot: Bot,
    session_factory: async_sessionmaker[AsyncSession],
    settings: Settings,
    i18n: I18n,
    options: EngineOptions | None = None,
) -> Broadcaster:
    from bot.broadcast.engine import Broadcaster

    broadcaster = Broadcaster(bot, session_factory, settings, i18n, options)
    services.add("broadcaster", broadcaster.start, broadcaster.stop)
    dp["broadcaster"] = broadcaster
    return broadcaster


def __getattr__(name: str) -> Any:
    if name not in _WHERE:
        raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
    return getattr(import_module(_WHERE[name]), name)


__all__ = ["Broadcaster", "EngineOptions", "register"]
