"""/healthz: the database answers SELECT 1, Redis (when configured) answers PING, and the
inbox (when given) is not waiting for either to come back."""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Awaitable, Callable
from typing import TYPE_CHECKING

from aiohttp import web
from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncEngine

if TYPE_CHECKING:
    from redis.asyncio import Redis

    from bot.scale.outage import Outage

log = logging.getLogger(__name__)

OK = "ok"
NOT_CONFIGURED = "not configured"


class HealthCheck:
    def __init__(
        self,
        engine: AsyncEngine,
        redis: Redis | None = None,
        timeout: float = 3.0,
        outage: Outage | None = None,
    ):
        self.engine = engine
        self.redis = redis
        self.timeout = timeout
        self.outage = outage

    async def _database(self) -> None:
        async with self.engine.connect() as conn:
            await conn.execute(text("SELECT 1"))

    async def _redis(self) -> None:
        assert self.redis is not None
        await self.redis.ping()

    async def _probe(self, name: str, check: Callable[[], Awaitable[None]]) -> str:
        try:
            async with asyncio.timeout(self.timeout):
                await check()
        except Exception as exc:
            # The reason goes to the log only: /healthz is reachable by whoever reaches the port.
            log.warning("health check failed", extra={"component": name, "reason": repr(exc)})
            return f"unavailable ({type(exc).__name__})"
        return OK

    async def check(self) -> tuple[bool, dict[str, str]]:
        """(healthy, {"database": ..., "redis": ...}) with "ok", "not configured" or the failure."""
        if self.redis is None:
            database, redis = await self._probe("database", self._database), NOT_CONFIGURED
        else:
            database, redis = await asyncio.gather(
                self._probe("database", self._database), self._probe("redis", self._redis)
            )
        report = {"database": database, "redis": redis}
        if self.outage is not None:
            report["updates"] = self.outage.status()
        return all(v in (OK, NOT_CONFIGURED) for v in report.values()), report

    async def handle(self, request: web.Request) -> web.Response:
        healthy, report = await self.check()
        return web.json_response(report, status=200 if healthy else 503)
