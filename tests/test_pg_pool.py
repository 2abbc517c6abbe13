"""PostgreSQL's pool (db/engine.py): a connection that waited is pinged before use, so one
whose server side went away (a restart, a dropped TCP connection) is replaced unnoticed; one
used a moment ago is not pinged (a round trip per checkout cost every update)."""

from __future__ import annotations

import pytest
from sqlalchemy import text
from sqlalchemy.exc import DBAPIError

from db import engine as engines
from tests.servers import fresh_postgres_database


async def _kill(url: str, pid: int) -> None:
    """End the server side of connection `pid`, from a connection of another engine."""
    other = engines.create_engine(url)
    try:
        async with other.connect() as connection:
            await connection.execute(text("SELECT pg_terminate_backend(:pid)"), {"pid": pid})
    finally:
        await other.dispose()


async def test_a_connection_that_waited_is_pinged_and_replaced_when_gone(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setattr(engines, "PING_AFTER_IDLE", 0.0)  # every connection "waited"
    async with fresh_postgres_database() as url:
        engine = engines.create_engine(url, pool_size=1, max_overflow=1)
        try:
            async with engine.connect() as connection:
                first = (await connection.execute(text("SELECT pg_backend_pid()"))).scalar_one()
            await _kill(url, first)
            async with engine.connect() as connection:  # the ping finds it gone: a new one
                second = (await connection.execute(text("SELECT pg_backend_pid()"))).scalar_one()
            assert second != first
        finally:
            await engine.dispose()


async def test_a_connection_used_a_moment_ago_is_not_pinged(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setattr(engines, "PING_AFTER_IDLE", 3600.0)
    async with fresh_postgres_database() as url:
        engine = engines.create_engine(url, pool_size=1, max_overflow=1)
        try:
            async with engine.connect() as connection:
                first = (await connection.execute(text("SELECT pg_backend_pid()"))).scalar_one()
            await _kill(url, first)
            with pytest.raises(DBAPIError) as raised:  # not pinged: the statement meets it
                async with engine.connect() as connection:
                    await connection.execute(text("SELECT 1"))
            assert raised.value.connection_invalidated
            async with engine.connect() as connection:  # and the pool has moved on
                assert (await connection.execute(text("SELECT 1"))).scalar_one() == 1
        finally:
            await engine.dispose()
