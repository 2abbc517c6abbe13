"""PostgreSQL's pool (db/engine.py): a connection that waited is pinged before use, so one
whose server side went away (a restart, a dropped TCP connection) is replaced unnoticed; one
used a moment ago is not pinged (a round trip per checkout cost every update)."""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

import pytest
from sqlalchemy import text
from sqlalchemy.exc import DBAPIError
from sqlalchemy.ext.asyncio import AsyncEngine

from db import engine as engines
from tests.servers import fresh_postgres_database

PID = text("SELECT pg_backend_pid()")


@asynccontextmanager
async def pooled_connection_killed() -> AsyncIterator[tuple[AsyncEngine, int]]:
    """An engine whose one pooled connection was used, returned, and then ended on the
    server's side (from another engine's connection); yields the engine and that pid."""
    async with fresh_postgres_database() as url:
        engine = engines.create_engine(url, pool_size=1, max_overflow=1)
        killer = engines.create_engine(url)
        try:
            async with engine.connect() as connection:
                pid = (await connection.execute(PID)).scalar_one()
            async with killer.connect() as connection:
                await connection.execute(text("SELECT pg_terminate_backend(:pid)"), {"pid": pid})
            yield engine, pid
        finally:
            await killer.dispose()
            await engine.dispose()


async def test_a_connection_that_waited_is_pinged_and_replaced_when_gone(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setattr(engines, "PING_AFTER_IDLE", 0.0)  # every connection "waited"
    async with pooled_connection_killed() as (engine, first):
        async with engine.connect() as connection:  # the ping finds it gone: a new one
            assert (await connection.execute(PID)).scalar_one() != first


async def test_a_connection_used_a_moment_ago_is_not_pinged(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setattr(engines, "PING_AFTER_IDLE", 3600.0)
    async with pooled_connection_killed() as (engine, _pid):
        with pytest.raises(DBAPIError) as raised:  # not pinged: the statement meets it
            async with engine.connect() as connection:
                await connection.execute(text("SELECT 1"))
        assert raised.value.connection_invalidated
        async with engine.connect() as connection:  # and the pool has moved on
            assert (await connection.execute(text("SELECT 1"))).scalar_one() == 1
