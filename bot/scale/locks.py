"""Named cross-process locks: Redis (expiring, renewed), PostgreSQL (session advisory), local."""

from __future__ import annotations

import asyncio
import hashlib
import logging
import uuid
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import TYPE_CHECKING, Protocol

from sqlalchemy.engine import make_url

from bot.config import Settings

if TYPE_CHECKING:  # imported where used: a bot on SQLite without Redis loads neither
    import asyncpg  # type: ignore[import-untyped]
    from redis.asyncio import Redis

log = logging.getLogger(__name__)

KEY_PREFIX = "expertpool"
REDIS_TTL = 20.0
PG_CHECK_INTERVAL = 2.0
# Server-side keepalives, so PostgreSQL ends the session (and frees the lock) of a leader whose
# host vanished without closing the socket, within ~25 s instead of the OS default of hours.
PG_KEEPALIVES = {
    "tcp_keepalives_idle": "10",
    "tcp_keepalives_interval": "5",
    "tcp_keepalives_count": "3",
}

# Extend/delete the key only while it still holds our token, so a leader that stalled past
# the TTL cannot prolong or remove the lock a successor now holds.
_EXTEND = """
if redis.call("get", KEYS[1]) == ARGV[1] then
    return redis.call("pexpire", KEYS[1], ARGV[2])
end
return 0
"""
_DELETE = """
if redis.call("get", KEYS[1]) == ARGV[1] then
    return redis.call("del", KEYS[1])
end
return 0
"""


class LockBackend(Protocol):
    """One named lock. `acquire` and `renew` say whether this process holds it now."""

    kind: str
    renew_interval: float

    async def acquire(self) -> bool: ...

    async def renew(self) -> bool: ...

    async def release(self) -> None: ...

    async def close(self) -> None: ...


class LocalLockBackend:
    """A single process (SQLite): it always holds the lock."""

    kind = "local"
    renew_interval = 3600.0

    async def acquire(self) -> bool:
        return True

    async def renew(self) -> bool:
        return True

    async def release(self) -> None:
        return None

    async def close(self) -> None:
        return None


class RedisLockBackend:
    """SET NX PX with a per-holder token; renewed every TTL/3 by compare-and-extend."""

    kind = "redis"

    def __init__(self, redis: Redis, key: str, *, owner: str, ttl: float = REDIS_TTL) -> None:
        self.redis = redis
        self.key = key
        self.token = f"{owner}:{uuid.uuid4().hex}"
        self.ttl_ms = max(1, int(ttl * 1000))
        self.renew_interval = ttl / 3
        self._extend = redis.register_script(_EXTEND)
        self._delete = redis.register_script(_DELETE)
        self._valid_until = 0.0

    async def acquire(self) -> bool:
        sent = asyncio.get_running_loop().time()
        async with asyncio.timeout(self.renew_interval):
            got = await self.redis.set(self.key, self.token, nx=True, px=self.ttl_ms)
        if got:
            self._valid_until = sent + self.ttl_ms / 1000
        return bool(got)

    async def renew(self) -> bool:
        from redis.exceptions import RedisError

        loop = asyncio.get_running_loop()
        sent = loop.time()
        try:
            async with asyncio.timeout(self.renew_interval / 2):
                extended = await self._extend(keys=[self.key], args=[self.token, self.ttl_ms])
        except (RedisError, OSError, TimeoutError) as exc:
            # Keep leading only while another attempt still fits before the key would expire.
            still_valid = loop.time() + self.renew_interval < self._valid_until
            log.warning(
                "could not renew leader lock",
                extra={"lock": self.key, "reason": repr(exc), "retrying": still_valid},
            )
            return still_valid
        if not extended:
            return False
        self._valid_until = sent + self.ttl_ms / 1000
        return True

    async def release(self) -> None:
        self._valid_until = 0.0
        async with asyncio.timeout(self.renew_interval):
            await self._delete(keys=[self.key], args=[self.token])

    async def close(self) -> None:
        await self.redis.aclose()


def _asyncpg_dsn(database_url: str) -> str:
    return make_url(database_url).set(drivername="postgresql").render_as_string(hide_password=False)


def advisory_key(name: str) -> int:
    """A stable signed 64-bit key for pg_advisory_lock from a lock name."""
    digest = hashlib.blake2b(name.encode(), digest_size=8).digest()
    return int.from_bytes(digest, "big", signed=True)


class PostgresLockBackend:
    """Session-level advisory lock on a dedicated connection: the connection is the lease."""

    kind = "postgresql"

    def __init__(
        self,
        database_url: str,
        name: str,
        *,
        check_interval: float = PG_CHECK_INTERVAL,
        timeout: float = 5.0,
    ) -> None:
        self.dsn = _asyncpg_dsn(database_url)
        self.key = advisory_key(name)
        self.renew_interval = check_interval
        self.timeout = timeout
        self._conn: asyncpg.Connection | None = None

    async def _connection(self) -> asyncpg.Connection:
        import asyncpg

        if self._conn is None or self._conn.is_closed():
            self._conn = await asyncpg.connect(
                self.dsn, timeout=self.timeout, server_settings=PG_KEEPALIVES
            )
        return self._conn

    async def acquire(self) -> bool:
        conn = await self._connection()
        got = await conn.fetchval("SELECT pg_try_advisory_lock($1)", self.key, timeout=self.timeout)
        return bool(got)

    async def renew(self) -> bool:
        import asyncpg

        conn = self._conn
        if conn is None or conn.is_closed():
            return False
        try:
            await conn.fetchval("SELECT 1", timeout=min(self.timeout, self.renew_interval))
        except (asyncpg.PostgresError, asyncpg.InterfaceError, OSError, TimeoutError) as exc:
            log.warning("leader lock connection failed", extra={"reason": repr(exc)})
            return False
        return True

    async def release(self) -> None:
        """Close the connection: the server frees the lock when the session ends."""
        import asyncpg

        conn, self._conn = self._conn, None
        if conn is None or conn.is_closed():
            return
        try:
            await conn.close(timeout=self.timeout)
        except (asyncpg.PostgresError, asyncpg.InterfaceError, OSError, TimeoutError):
            conn.terminate()

    async def close(self) -> None:
        await self.release()


@asynccontextmanager
async def postgres_exclusive(
    database_url: str, name: str, timeout: float = 5.0
) -> AsyncIterator[None]:
    """Run the block while holding a session advisory lock; other processes wait their turn."""
    import asyncpg

    conn = await asyncpg.connect(
        _asyncpg_dsn(database_url), timeout=timeout, server_settings=PG_KEEPALIVES
    )
    try:
        await conn.execute("SELECT pg_advisory_lock($1)", advisory_key(name))
        yield
    finally:
        await conn.close(timeout=timeout)


def lock_name(settings: Settings, name: str) -> str:
    """Lock names carry the bot id, so bots sharing a Redis or a database don't collide."""
    bot_id = settings.require_token().partition(":")[0] if settings.bot_token else "nobot"
    return f"{KEY_PREFIX}:{bot_id}:{name}"


def create_lock_backend(
    settings: Settings, name: str = "leader", *, redis_ttl: float = REDIS_TTL
) -> LockBackend:
    """Redis when REDIS_URL is set, else PostgreSQL advisory locks, else (SQLite) local."""
    full_name = lock_name(settings, name)
    if settings.redis_url is not None:
        from redis.asyncio import Redis

        return RedisLockBackend(
            Redis.from_url(settings.redis_url), full_name, owner=settings.instance_id, ttl=redis_ttl
        )
    if not settings.is_sqlite:
        return PostgresLockBackend(settings.database_url, full_name)
    return LocalLockBackend()
