"""Sends inside an update that recover, and an update that always gets its answer.

Two parts that work together through a context variable set for each update:

- `RecoveringSends`, a request middleware on the Bot's session: the one path every call a
  handler or use case makes while handling an update goes through (message answers, edits,
  the Messenger). Before a call that shows something it commits the update's database
  session, so what a person sees is stored even when a later step fails. It retries 429
  (after `retry_after`), 5xx and network errors with back-off while the update's time budget
  lasts (`BUDGET` seconds); a longer wait fails at once, so no member's update waits a minute.
  An edit that changes nothing is not an error.
- `AnsweringMiddleware`, an update middleware: a send that still failed ends the update
  quietly (logged; a 403 in the person's own chat marks them unreachable, as the broadcaster
  does); a callback query the handlers left unanswered is answered, so no button spins
  (with a short "please try again" when its handler failed). A message whose handler
  failed hears so from the dispatcher's error handler (handlers.errors).

Calls outside an update (broadcaster, scheduler jobs, start-up) pass through untouched: they
have their own pacing and retries.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import time
from collections.abc import Awaitable, Callable
from contextvars import ContextVar
from dataclasses import dataclass, field
from typing import Any

from aiogram import BaseMiddleware, Bot
from aiogram.client.session.middlewares.base import (
    BaseRequestMiddleware,
    NextRequestMiddlewareType,
)
from aiogram.exceptions import (
    TelegramAPIError,
    TelegramBadRequest,
    TelegramForbiddenError,
    TelegramNetworkError,
    TelegramRetryAfter,
    TelegramServerError,
)
from aiogram.methods import AnswerCallbackQuery, TelegramMethod
from aiogram.methods.base import Response, TelegramType
from aiogram.types import TelegramObject, Update
from aiogram.utils.i18n import gettext as _
from sqlalchemy.ext.asyncio import AsyncSession

from bot.inbox import effects
from bot.services import members

log = logging.getLogger(__name__)

BUDGET = 10.0  # seconds an update may spend retrying its sends, in all
FIRST_BACKOFF = 0.25  # then doubled after each failed try
MAX_BACKOFF = 2.0


@dataclass
class _Update:
    """What the sends of one update share."""

    session: AsyncSession | None
    task: asyncio.Task[Any] | None
    deadline: float
    answered: set[str] = field(default_factory=set)
    failed: bool = False  # a handler raised: nothing more is committed, the person is told

    def left(self) -> float:
        return self.deadline - time.monotonic()


def sorry() -> str:
    return _("Sorry, that did not work. Please try again.")


_current: ContextVar[_Update | None] = ContextVar("expertpool_update_sends", default=None)


def _shows_something(method: TelegramMethod[Any]) -> bool:
    name = method.__api_method__
    return not name.startswith("get") and name != "sendChatAction"


def _not_modified(exc: TelegramAPIError) -> bool:
    return isinstance(exc, TelegramBadRequest) and "not modified" in exc.message.lower()


def _too_old(exc: TelegramAPIError) -> bool:
    text = exc.message.lower()
    return isinstance(exc, TelegramBadRequest) and (
        "query is too old" in text or "query id is invalid" in text
    )


def _in_chat_of(exc: TelegramAPIError, user_id: int) -> bool:
    """The failed call went to the person's own private chat (not a group they act in)."""
    return getattr(exc.method, "chat_id", None) == user_id


class RecoveringSends(BaseRequestMiddleware):
    """Commit, then send; retry what may pass on a second try, within the update's budget."""

    async def __call__(
        self,
        make_request: NextRequestMiddlewareType[TelegramType],
        bot: Bot,
        method: TelegramMethod[TelegramType],
    ) -> Response[TelegramType]:
        update = _current.get()
        if update is None:
            return await make_request(bot, method)
        if (
            update.session is not None
            and update.task is asyncio.current_task()
            and _shows_something(method)
            and update.session.in_transaction()
        ):
            await update.session.commit()  # what the person will see is stored first
        backoff = FIRST_BACKOFF
        while True:
            try:
                result = await make_request(bot, method)
            except TelegramRetryAfter as exc:
                wait = float(exc.retry_after)
                if wait > update.left():
                    raise
                log.info(
                    "rate limited, retrying",
                    extra={"method": method.__api_method__, "retry_after": exc.retry_after},
                )
                await asyncio.sleep(wait)
                continue
            except (TelegramServerError, TelegramNetworkError) as exc:
                if backoff > update.left():
                    raise
                log.info(
                    "send failed, retrying",
                    extra={"method": method.__api_method__, "error": exc.message},
                )
                await asyncio.sleep(backoff)
                backoff = min(backoff * 2, MAX_BACKOFF)
                continue
            except TelegramBadRequest as exc:
                if _not_modified(exc):
                    log.debug("edit changed nothing", extra={"method": method.__api_method__})
                    return True  # type: ignore[return-value]
                raise
            if isinstance(method, AnswerCallbackQuery):
                update.answered.add(method.callback_query_id)
            return result


class AnsweringMiddleware(BaseMiddleware):
    """Per update, inside the database session and after the locale: see the module docstring."""

    async def __call__(
        self,
        handler: Callable[[TelegramObject, dict[str, Any]], Awaitable[Any]],
        event: TelegramObject,
        data: dict[str, Any],
    ) -> Any:
        session: AsyncSession | None = data.get("session")
        state = _Update(session, asyncio.current_task(), time.monotonic() + BUDGET)
        token = _current.set(state)
        try:
            return await handler(event, data)
        except TelegramAPIError as exc:
            await self._undelivered(exc, data)
            return None
        except Exception:
            state.failed, state.session = True, None  # the session is rolled back, not committed
            raise
        finally:
            await self._answer_left(event, data, state)
            _current.reset(token)

    async def _undelivered(self, exc: TelegramAPIError, data: dict[str, Any]) -> None:
        """A send that failed after its retries: the stored state stays; say so in the log."""
        user = data.get("event_from_user")
        gone = isinstance(exc, TelegramForbiddenError) or (
            isinstance(exc, TelegramBadRequest) and "chat not found" in exc.message.lower()
        )
        if gone and user is not None and _in_chat_of(exc, user.id):
            session: AsyncSession | None = data.get("session")
            if session is not None and await members.mark_unreachable(session, user.id):
                log.info("member blocked the bot", extra={"error": exc.message})
                return
        if _too_old(exc):
            log.debug("callback answered too late", extra={"error": exc.message})
            return
        log.warning(
            "reply not delivered",
            extra={"error": exc.message, "method": exc.method.__api_method__},
        )

    async def _answer_left(
        self, event: TelegramObject, data: dict[str, Any], state: _Update
    ) -> None:
        if not isinstance(event, Update) or event.callback_query is None:
            return
        query = event.callback_query
        if query.id in state.answered or effects.repeated():  # answered the first time
            return
        with contextlib.suppress(TelegramAPIError):
            await query.answer(sorry() if state.failed else None)
