"""The dispatcher's error handler: any error no handler caught, in any update.

It gives the error a short id (in the structured log, and as a note on the exception so the
inbox's traceback carries it too), tells the person in their language what happened to what
they sent — saved (a question part already stored) or to be sent again — and alerts the
admins in ALERT_CHAT_ID (rate-limited by bot.ops.errors.AlertGate; never the member's text).

Then it lets the error go on: the inbox (bot.scale.inbox) still sees the update fail, tries
it again and parks it after its last try, as before. The person is told only when no later
try can answer them: on the last try, or at once when this try recorded an effect that a
later try would skip (bot.inbox.effects.recorded). A send that failed after its retries
(e.g. a member who blocked the bot) never reaches here: AnsweringMiddleware ends such an
update quietly.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from typing import Any

from aiogram import Bot
from aiogram.dispatcher.event.bases import SkipHandler
from aiogram.exceptions import (
    TelegramAPIError,
    TelegramNetworkError,
    TelegramRetryAfter,
    TelegramServerError,
)
from aiogram.types import ErrorEvent, Message, User
from aiogram.utils.i18n import I18n

from bot.config import Settings
from bot.i18n import resolve_locale
from bot.inbox import effects
from bot.ops import errors, queries
from bot.ops.metrics import Metrics
from bot.scale.outage import is_outage

log = logging.getLogger(__name__)

LOOKUP_TIMEOUT = 2.0  # seconds for "was it saved?": the database may be why it failed
ALERT_TIMEOUT = 10.0
TRANSIENT = (TelegramNetworkError, TelegramServerError, TelegramRetryAfter, TimeoutError)


def apology(i18n: I18n, locale: str, saved: bool) -> str:
    if saved:
        return i18n.gettext(
            "Sorry, something went wrong. Your message was saved: you do not need to send it "
            "again.",
            locale=locale,
        )
    return i18n.gettext(
        "Sorry, something went wrong. Your message was not saved: please send it again.",
        locale=locale,
    )


def alert_text(
    i18n: I18n, locale: str, error_id: str, handler: str, exception: str, count: int
) -> str:
    ngettext = i18n.gettext  # named so that extraction sees a plural entry
    return (
        i18n.gettext("⚠️ Error {error_id} while handling an update.", locale=locale).format(
            error_id=error_id
        )
        + "\n"
        + i18n.gettext("Handler: {handler}", locale=locale).format(handler=handler)
        + "\n"
        + i18n.gettext("Error type: {exception}", locale=locale).format(exception=exception)
        + "\n"
        + ngettext(
            "It happened {count} time since the last alert about it.",
            "It happened {count} times since the last alert about it.",
            count,
            locale=locale,
        ).format(count=count)
    )


class ErrorReporter:
    def __init__(
        self,
        settings: Settings,
        session_factory: Any,
        i18n: I18n,
        metrics: Metrics | None = None,
        gate: errors.AlertGate | None = None,
    ) -> None:
        self.settings = settings
        self.session_factory = session_factory
        self.i18n = i18n
        self.metrics = metrics
        self.gate = gate or errors.AlertGate()

    async def handle(self, event: ErrorEvent, bot: Bot, **data: Any) -> Any:
        exc = event.exception
        if is_outage(exc):
            # The database or Redis is away: the inbox keeps the update for when it is back
            # and tells the member once (bot/scale/outage.py); no apology, no alert per update.
            raise SkipHandler
        error_id = errors.new_error_id()
        handler = errors.handler_name(exc)
        exception = errors.exception_name(exc)
        exc.add_note(f"error id {error_id}")
        log.error(
            "error in an update",
            extra={
                "error_id": error_id, "handler": handler, "exception": exception,
                "update_id": event.update.update_id, "update_type": event.update.event_type,
                "inbox_update": effects.current(), "last_try": effects.last_try(),
            },
        )  # fmt: skip
        if self.metrics is not None:
            self.metrics.error(exception)
        try:
            await self._apologise(event, data)
            count = self.gate.admit(handler, exception)
            if count is not None and not await self._alert(
                bot, error_id, handler, exception, count
            ):
                self.gate.undelivered(handler, exception, count)
        except Exception:  # reporting must never hide the error itself
            log.exception("error report failed", extra={"error_id": error_id})
        raise SkipHandler  # not handled: the inbox tries the update again, then parks it

    async def _apologise(self, event: ErrorEvent, data: dict[str, Any]) -> None:
        message: Message | None = event.update.message
        if message is None or message.chat.type != "private":
            return  # a button press hears "please try again" from AnsweringMiddleware
        if not (effects.last_try() or effects.recorded()):
            return  # a later try may still answer
        user: User | None = data.get("event_from_user")
        if user is None:
            return
        member = data.get("member")
        locale = resolve_locale(
            getattr(member, "language", None), user.language_code, self.i18n.default_locale
        )
        saved = False
        with contextlib.suppress(Exception):  # the database may be why it failed
            async with asyncio.timeout(LOOKUP_TIMEOUT), self.session_factory() as session:
                saved = await queries.message_saved(session, user.id, message.message_id)
        with contextlib.suppress(TelegramAPIError):
            await message.answer(apology(self.i18n, locale, saved))

    async def _alert(
        self, bot: Bot, error_id: str, handler: str, exception: str, count: int
    ) -> bool:
        """Send the alert. False when it may get through on a later try (the gate then lets
        the next occurrence alert at once); a refusal (a wrong ALERT_CHAT_ID, the bot not in
        that chat) is logged and rate-limited like a delivered alert."""
        chat_id = self.settings.alert_chat_id
        if chat_id is None:
            return True
        text = alert_text(
            self.i18n, self.settings.default_locale, error_id, handler, exception, count
        )
        try:
            async with asyncio.timeout(ALERT_TIMEOUT):
                await bot.send_message(
                    chat_id, text, message_thread_id=self.settings.alert_thread_id, parse_mode=None
                )
        except (TelegramAPIError, TimeoutError) as exc:
            log.warning(
                "error alert not delivered", extra={"error_id": error_id, "reason": repr(exc)}
            )
            return not isinstance(exc, TRANSIENT)
        return True
