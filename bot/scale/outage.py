"""The database or Redis away: which errors say so, since when, and telling members.

No update is lost meanwhile (bot.scale.inbox): long polling keeps a batch it could not store
in memory and does not confirm it to Telegram; a webhook answers 503 so Telegram delivers it
again; an update whose handling met the outage is retried later without counting as a failed
attempt. A member who writes meanwhile hears once per NOTICE_EVERY seconds that the bot is
temporarily unavailable and that what they sent is not lost.
"""

from __future__ import annotations

import asyncio
import json
import logging
import sys
import time
from typing import Any

from aiogram import Bot
from aiogram.exceptions import TelegramAPIError
from aiogram.utils.i18n import I18n
from sqlalchemy.exc import DBAPIError
from sqlalchemy.exc import TimeoutError as PoolTimeoutError
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from bot.config import SUPPORTED_LOCALES, Settings
from bot.marking import N_
from bot.services import members

log = logging.getLogger(__name__)

NOTICE_EVERY = 300.0  # seconds between two notices to one chat
NOTICE_CHATS = 10_000  # chats remembered; older entries go first
LANGUAGE_LOOKUP = 1.0  # seconds to find the member's language (the database may be away)

UNAVAILABLE = N_(
    "Sorry, the bot has a technical problem right now. What you sent is not lost: the bot "
    "will answer it as soon as the problem is solved."
)

# SQLite's own words for a file it cannot use right now (its errors are all OperationalError,
# a missing table as much as a locked file).
_SQLITE_AWAY = ("database is locked", "unable to open database", "disk i/o error")
_AWAY: tuple[type[BaseException], ...] = (
    ConnectionError,  # refused, reset, aborted (asyncpg and redis raise these when connecting)
    TimeoutError,
    PoolTimeoutError,
)


def _away() -> tuple[type[BaseException], ...]:
    """The errors that mean "away"; Redis's only once redis is loaded (without REDIS_URL it
    never is, and nothing can raise them)."""
    errors = sys.modules.get("redis.exceptions")
    if errors is None:
        return _AWAY
    return (*_AWAY, errors.ConnectionError, errors.TimeoutError, errors.BusyLoadingError)


def is_outage(exc: BaseException) -> bool:
    """Did `exc` come from the database or Redis being unreachable (not from a bug)?"""
    seen: set[int] = set()
    away = _away()
    todo: list[BaseException | None] = [exc]
    while todo:
        error = todo.pop()
        if error is None or id(error) in seen or isinstance(error, TelegramAPIError):
            continue
        seen.add(id(error))
        if isinstance(error, away):
            return True
        if isinstance(error, DBAPIError):
            if error.connection_invalidated:
                return True
            if any(words in str(error.orig).lower() for words in _SQLITE_AWAY):
                return True
            todo.append(error.orig)
        if type(error).__module__.startswith("asyncpg") and "Connection" in type(error).__name__:
            return True  # asyncpg's ConnectionDoesNotExistError, PostgresConnectionError, …
        if isinstance(error, BaseExceptionGroup):
            todo.extend(error.exceptions)
        todo.extend((error.__cause__, error.__context__))
    return False


def reply_target(data: dict[str, Any]) -> tuple[int, int, str | None] | None:
    """(chat, user, Telegram language code) of a member's private message or button press."""
    body = data.get("message") or data.get("edited_message") or data.get("callback_query")
    if not isinstance(body, dict):
        return None
    chat = (body.get("message") or {}).get("chat") if "data" in body else body.get("chat")
    sender = body.get("from") or {}
    if not chat or chat.get("type") != "private" or not sender.get("id"):
        return None
    return int(chat["id"]), int(sender["id"]), sender.get("language_code")


class Outage:
    """What this process knows about its database and Redis being away."""

    def __init__(
        self,
        bot: Bot,
        settings: Settings,
        i18n: I18n,
        session_factory: async_sessionmaker[AsyncSession] | None = None,
    ) -> None:
        self.bot, self.settings, self.i18n = bot, settings, i18n
        self.session_factory = session_factory
        self.since: float | None = None  # time.time() of the first failure, None when well
        self.held = 0  # updates long polling fetched and keeps in memory until it can store them
        self.where = ""  # what failed first: store, claim or handling
        self._told: dict[int, float] = {}

    @property
    def active(self) -> bool:
        return self.since is not None

    def began(self, where: str, exc: BaseException) -> None:
        if self.since is None:
            self.since, self.where = time.time(), where
            log.warning("service unavailable", extra={"where": where, "reason": repr(exc)})

    def ended(self, where: str) -> None:
        """A success at `where`: a handled update ends any outage; a store or a claim ends
        one that began there (Redis may still be away while the database answers)."""
        if self.since is None or (where != "handling" and self.where == "handling"):
            return
        log.info("service back", extra={"down_s": round(time.time() - self.since, 1)})
        self.since, self.where = None, ""

    def status(self) -> str:
        """For /healthz: "ok", or since when updates wait and how many are held in memory."""
        if self.since is None:
            return "ok"
        since = time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime(self.since))
        return f"retrying since {since} ({self.held} updates held in memory)"

    async def tell(self, raw: str | dict[str, Any]) -> bool:
        """Tell the sender of this update (a member in a private chat) that the bot is
        temporarily unavailable, unless their chat was told in the last NOTICE_EVERY seconds."""
        try:
            data = json.loads(raw) if isinstance(raw, str) else raw
        except ValueError:
            return False
        target = reply_target(data) if isinstance(data, dict) else None
        if target is None:
            return False
        chat_id, user_id, language_code = target
        now = time.monotonic()
        if now - self._told.get(chat_id, -NOTICE_EVERY) < NOTICE_EVERY:
            return False
        self._told[chat_id] = now
        if len(self._told) > NOTICE_CHATS:
            for chat in sorted(self._told, key=self._told.__getitem__)[: NOTICE_CHATS // 10]:
                del self._told[chat]
        locale = await self._language(user_id, language_code)
        try:
            await self.bot.send_message(chat_id, self.i18n.gettext(UNAVAILABLE, locale=locale))
        except TelegramAPIError as exc:
            log.warning("unavailability notice not delivered", extra={"reason": str(exc)})
            return False
        return True

    async def _language(self, user_id: int, language_code: str | None) -> str:
        """The member's chosen language when the database answers (only Redis is away, as far
        as known), else Telegram's."""
        if self.session_factory is not None and self.where == "handling":
            try:
                async with asyncio.timeout(LANGUAGE_LOOKUP), self.session_factory() as session:
                    member = await members.get_by_telegram_id(session, user_id)
                if member is not None and member.language in SUPPORTED_LOCALES:
                    return member.language
            except Exception:  # the database is away: Telegram's language will do
                pass
        code = (language_code or "").split("-")[0].lower()
        return code if code in SUPPORTED_LOCALES else self.settings.default_locale
