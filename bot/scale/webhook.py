"""Webhook mode: an aiohttp app that feeds Telegram's POSTs to the dispatcher, plus /healthz."""

from __future__ import annotations

import asyncio
import hmac
import logging
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import Any

from aiogram import Bot, Dispatcher
from aiogram.exceptions import TelegramBadRequest, TelegramNetworkError, TelegramServerError
from aiogram.methods import TelegramMethod
from aiogram.types import Update
from aiohttp import web
from pydantic import ValidationError

from bot.config import ConfigError, Settings
from bot.ops.metrics import Metrics
from bot.ops.server import METRICS_PATH, metrics_handler
from bot.scale.health import HealthCheck
from bot.scale.inbox import Inbox, incoming
from bot.scale.outage import is_outage

log = logging.getLogger(__name__)

SECRET_HEADER = "X-Telegram-Bot-Api-Secret-Token"
HEALTH_PATH = "/healthz"


class WebhookHandler:
    """POST handler: checks the secret token on every request, then stores the update in the
    inbox and answers 200 once it is committed (503 when it could not be stored, so Telegram
    delivers it again); the inbox's workers handle it.

    Without an inbox (tests) the update is handled inline and 200 goes out after that.
    """

    def __init__(
        self, dp: Dispatcher, bot: Bot, secret_token: str, inbox: Inbox | None = None, **data: Any
    ) -> None:
        if not secret_token:
            raise ValueError("a webhook needs a secret token")
        self.dp = dp
        self.bot = bot
        self.inbox = inbox
        self.data = data
        self._secret = secret_token.encode()

    def authorized(self, request: web.Request) -> bool:
        given = request.headers.get(SECRET_HEADER, "").encode("utf-8", "replace")
        return hmac.compare_digest(given, self._secret)

    async def handle(self, request: web.Request) -> web.Response:
        if not self.authorized(request):
            has_token = SECRET_HEADER in request.headers
            extra = {"remote": request.remote, "has_token": has_token}
            log.warning("webhook request without the right secret token", extra=extra)
            return web.json_response({"ok": False, "error": "unauthorized"}, status=401)
        try:
            raw = await request.text()
            update = Update.model_validate_json(raw, context={"bot": self.bot})
        except (ValueError, ValidationError):
            return web.json_response({"ok": False, "error": "not an update"}, status=400)
        if self.inbox is not None:
            try:
                await self.inbox.accept([incoming(update, raw)])
            except Exception as exc:
                # Telegram delivers it again (and holds back the later ones meanwhile).
                if not is_outage(exc):
                    log.exception("update not stored", extra={"update_id": update.update_id})
                self.inbox.outage.began("store", exc)
                await self.inbox.outage.tell(raw)
                return web.json_response({"ok": False, "error": "not stored"}, status=503)
            self.inbox.outage.ended("store")
            return web.json_response({"ok": True})
        try:
            result: TelegramMethod[Any] | None = await self.dp.feed_webhook_update(
                self.bot, update, **self.data
            )
        except Exception:
            # aiogram has logged it. Answer 200 as polling would move on: a 5xx makes Telegram
            # redeliver the same failing update and hold back every later one meanwhile.
            return web.json_response({"ok": True})
        if isinstance(result, TelegramMethod):
            await self.dp.silent_call_request(self.bot, result)
        return web.json_response({"ok": True})


def create_webhook_app(
    dp: Dispatcher,
    bot: Bot,
    *,
    secret_token: str,
    path: str,
    health: HealthCheck | None = None,
    inbox: Inbox | None = None,
    **data: Any,
) -> web.Application:
    """The web app alone (no start-up of its own), so tests can serve it with TestServer.
    With the dispatcher's metrics (bot.ops.metrics) it also serves /metrics."""
    app = web.Application()
    app.router.add_post(path, WebhookHandler(dp, bot, secret_token, inbox, **data).handle)
    if health is not None:
        app.router.add_get(HEALTH_PATH, health.handle)
    metrics = dp.workflow_data.get("metrics")
    if isinstance(metrics, Metrics):
        app.router.add_get(METRICS_PATH, metrics_handler(metrics))
    return app


async def start_site(app: web.Application, host: str, port: int) -> web.AppRunner:
    """Listen on host:port (0 = any free port; see `bound_port`). Raises OSError if it can't."""
    runner = web.AppRunner(app, access_log=None, shutdown_timeout=10.0)
    await runner.setup()
    try:
        await web.TCPSite(runner, host, port).start()
    except BaseException:
        await runner.cleanup()
        raise
    return runner


def bound_port(runner: web.AppRunner) -> int:
    return int(runner.addresses[0][1])


async def set_webhook(
    bot: Bot, dp: Dispatcher, url: str, secret_token: str, max_delay: float = 60.0
) -> None:
    """setWebhook, retrying with back-off while the Bot API is unreachable.

    Every worker may call it: the values are identical, and the webhook is never deleted on
    shutdown, since other workers keep serving it.
    """
    delay = 1.0
    while True:
        try:
            await bot.set_webhook(
                url=url,
                secret_token=secret_token,
                allowed_updates=dp.resolve_used_update_types(),
                drop_pending_updates=False,
            )
        except (TelegramNetworkError, TelegramServerError, OSError) as exc:
            log.warning(
                "setWebhook failed, retrying", extra={"reason": str(exc), "retry_in_s": delay}
            )
            await asyncio.sleep(delay)
            delay = min(delay * 2, max_delay)
        else:
            log.info("webhook set", extra={"url": url})
            return


@asynccontextmanager
async def webhook_server(
    settings: Settings,
    dp: Dispatcher,
    bot: Bot,
    health: HealthCheck | None = None,
    inbox: Inbox | None = None,
) -> AsyncIterator[int]:
    """Serve on WEBHOOK_HOST:WEBHOOK_PORT and register WEBHOOK_URL; yields the bound port.

    On exit the server finishes running requests; the webhook stays registered, since other
    workers keep serving it.
    """
    if settings.webhook_url is None or settings.webhook_secret is None:
        raise ConfigError("WEBHOOK_URL: webhook mode needs WEBHOOK_URL and WEBHOOK_SECRET")
    secret = settings.webhook_secret.get_secret_value()
    app = create_webhook_app(
        dp, bot, secret_token=secret, path=settings.webhook_path, health=health, inbox=inbox
    )
    workflow = {"dispatcher": dp, "bots": [bot], **dp.workflow_data}
    await dp.emit_startup(bot=bot, **workflow)
    try:
        host, port = settings.webhook_host, settings.webhook_port
        try:
            runner = await start_site(app, host, port)
        except OSError as exc:
            reason = exc.strerror or str(exc)
            raise ConfigError(f"WEBHOOK_PORT: cannot listen on {host}:{port}: {reason}") from None
        try:
            port = bound_port(runner)
            extra = {"host": host, "port": port, "path": settings.webhook_path}
            log.info("webhook server listening", extra=extra)
            try:
                await set_webhook(bot, dp, settings.webhook_url, secret)
            except TelegramBadRequest as exc:
                raise ConfigError(f"WEBHOOK_URL: the Bot API refused it: {exc.message}") from None
            yield port
        finally:
            await runner.cleanup()
    finally:
        await dp.emit_shutdown(bot=bot, **workflow)
