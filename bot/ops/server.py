"""/metrics over HTTP: a route for the webhook server, or a small server of its own on
METRICS_PORT in polling mode (with /healthz as well)."""

from __future__ import annotations

import logging
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

from aiohttp import web

from bot.config import ConfigError, Settings
from bot.ops.metrics import Metrics

log = logging.getLogger(__name__)

METRICS_PATH = "/metrics"
HEALTH_PATH = "/healthz"


def metrics_handler(metrics: Metrics) -> web.Handler:
    async def handle(request: web.Request) -> web.Response:
        body, content_type = await metrics.render()
        return web.Response(body=body, headers={"Content-Type": content_type})

    return handle


def create_metrics_app(metrics: Metrics, health: web.Handler | None = None) -> web.Application:
    """`health`: the /healthz handler (bot.scale.health.HealthCheck.handle)."""
    app = web.Application()
    app.router.add_get(METRICS_PATH, metrics_handler(metrics))
    if health is not None:
        app.router.add_get(HEALTH_PATH, health)
    return app


@asynccontextmanager
async def metrics_server(
    settings: Settings, metrics: Metrics, health: web.Handler | None = None
) -> AsyncIterator[int | None]:
    """Serve /metrics (and /healthz) on METRICS_HOST:METRICS_PORT; yields the bound port,
    None when METRICS_PORT is not set."""
    if settings.metrics_port is None:
        yield None
        return
    host, port = settings.metrics_host, settings.metrics_port
    runner = web.AppRunner(create_metrics_app(metrics, health), access_log=None)
    await runner.setup()
    try:
        await web.TCPSite(runner, host, port).start()
    except OSError as exc:
        await runner.cleanup()
        reason = exc.strerror or str(exc)
        raise ConfigError(f"METRICS_PORT: cannot listen on {host}:{port}: {reason}") from None
    try:
        port = int(runner.addresses[0][1])
        log.info("metrics server listening", extra={"host": host, "port": port})
        yield port
    finally:
        await runner.cleanup()
