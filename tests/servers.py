"""Real PostgreSQL and Redis for tests: a fresh database per test (empty, or a copy of a
migrated template); fail in CI when unreachable."""

from __future__ import annotations

import os
import socket
import uuid
from collections.abc import AsyncIterator, Awaitable, Callable
from contextlib import asynccontextmanager

import pytest

PG_HOST = os.environ.get("TEST_PG_HOST", "127.0.0.1")
PG_PORT = int(os.environ.get("TEST_PG_PORT", "5432"))
PG_USER = os.environ.get("TEST_PG_USER", "postgres")
REDIS_URL = os.environ.get("TEST_REDIS_URL", "redis://127.0.0.1:6379/15")


def in_ci() -> bool:
    return os.environ.get("CI", "").lower() in {"1", "true", "yes"}


def _reachable(host: str, port: int) -> bool:
    try:
        with socket.create_connection((host, port), timeout=1):
            return True
    except OSError:
        return False


def require_server(name: str, host: str, port: int) -> None:
    """Skip locally with a reason; fail in CI, where the server must be running."""
    if _reachable(host, port):
        return
    reason = f"{name} is not reachable at {host}:{port}"
    if in_ci():
        pytest.fail(f"{reason} (CI=true: the server must be running)")
    pytest.skip(f"{reason}; start it to run these tests")


@asynccontextmanager
async def fresh_postgres_database(template: str | None = None) -> AsyncIterator[str]:
    """Create a database (empty, or a copy of `template`), yield its asyncpg URL, drop it
    afterwards. Nobody may be connected to the template while it is copied."""
    import asyncpg

    require_server("PostgreSQL", PG_HOST, PG_PORT)
    name = f"test_{uuid.uuid4().hex[:12]}"
    copy = f' TEMPLATE "{template}"' if template else ""
    admin = await asyncpg.connect(host=PG_HOST, port=PG_PORT, user=PG_USER, database="postgres")
    try:
        await admin.execute(f'CREATE DATABASE "{name}"{copy}')
    finally:
        await admin.close()
    try:
        yield postgres_url(name)
    finally:
        await drop_postgres_database(name)


def postgres_url(name: str) -> str:
    return f"postgresql+asyncpg://{PG_USER}@{PG_HOST}:{PG_PORT}/{name}"


async def drop_postgres_database(name: str) -> None:
    import asyncpg

    admin = await asyncpg.connect(host=PG_HOST, port=PG_PORT, user=PG_USER, database="postgres")
    try:
        await admin.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
    finally:
        await admin.close()


async def create_postgres_template(prepare: Callable[[str], Awaitable[None]]) -> str:
    """A database that `prepare(url)` has filled (migrated, seeded), marked as a template so
    each test copies it (CREATE DATABASE … TEMPLATE) instead of migrating again; its name."""
    import asyncpg

    require_server("PostgreSQL", PG_HOST, PG_PORT)
    name = f"test_template_{uuid.uuid4().hex[:12]}"
    admin = await asyncpg.connect(host=PG_HOST, port=PG_PORT, user=PG_USER, database="postgres")
    try:
        await admin.execute(f'CREATE DATABASE "{name}"')
    finally:
        await admin.close()
    try:
        await prepare(postgres_url(name))
    except BaseException:
        await drop_postgres_database(name)
        raise
    return name


def redis_url() -> str:
    """The test Redis (TEST_REDIS_URL, database 15 by default); skip or fail like PostgreSQL."""
    from urllib.parse import urlsplit

    parts = urlsplit(REDIS_URL)
    require_server("Redis", parts.hostname or "127.0.0.1", parts.port or 6379)
    return REDIS_URL


@asynccontextmanager
async def fresh_redis_prefix() -> AsyncIterator[tuple[str, str]]:
    """Yield (redis url, key prefix of this test only); delete the prefix's keys afterwards."""
    from redis.asyncio import Redis

    url = redis_url()
    prefix = f"test:{uuid.uuid4().hex[:12]}:"
    try:
        yield url, prefix
    finally:
        client = Redis.from_url(url)
        try:
            keys = [key async for key in client.scan_iter(match=f"{prefix}*")]
            if keys:
                await client.delete(*keys)
        finally:
            await client.aclose()


def closed_port() -> int:
    """A local TCP port nothing listens on (for 'server is down' tests)."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])
