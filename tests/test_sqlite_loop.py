"""SQLite statements on the event loop (db/sqlite_onehop.py): a lock held by another
connection is waited for without holding up the loop, a long statement moves to aiosqlite's
thread, and a lock that is never given up still ends in SQLite's error."""

from __future__ import annotations

import asyncio
import sqlite3
from pathlib import Path

import pytest
from sqlalchemy import text
from sqlalchemy.exc import OperationalError

from db import sqlite_onehop
from db.engine import create_engine


@pytest.fixture
def url(tmp_path: Path) -> str:
    return f"sqlite+aiosqlite:///{tmp_path / 'loop.db'}"


async def _table(engine) -> None:  # type: ignore[no-untyped-def]
    async with engine.begin() as connection:
        await connection.execute(text("CREATE TABLE t (n INTEGER)"))


def test_a_write_waits_for_another_connections_lock_while_the_loop_runs(url: str) -> None:
    async def scenario() -> tuple[list[str], list[int]]:
        engine = create_engine(url)
        await _table(engine)
        events: list[str] = []
        async with engine.connect() as holder, engine.connect() as waiter:
            await holder.execute(text("INSERT INTO t VALUES (1)"))  # holds the write lock

            async def release_later() -> None:
                await asyncio.sleep(0.2)  # runs only if the waiting write left the loop free
                events.append("holder commits")
                await holder.commit()

            releasing = asyncio.create_task(release_later())
            await waiter.execute(text("INSERT INTO t VALUES (2)"))
            events.append("waiter wrote")
            await waiter.commit()
            await releasing
            rows = [r[0] for r in await waiter.execute(text("SELECT n FROM t ORDER BY n"))]
        await engine.dispose()
        return events, rows

    events, rows = asyncio.run(scenario())
    assert events == ["holder commits", "waiter wrote"]
    assert rows == [1, 2]


def test_a_lock_never_given_up_ends_in_sqlites_error(
    url: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(sqlite_onehop, "BUSY_WAIT", 0.2)

    async def scenario() -> None:
        engine = create_engine(url)
        await _table(engine)
        try:
            async with engine.connect() as holder, engine.connect() as waiter:
                await holder.execute(text("INSERT INTO t VALUES (1)"))
                try:
                    await waiter.execute(text("INSERT INTO t VALUES (2)"))
                finally:
                    await holder.rollback()
        finally:
            await engine.dispose()

    with pytest.raises(OperationalError, match="locked"):
        asyncio.run(scenario())


def test_a_statement_that_held_the_loop_too_long_runs_in_the_thread_next_time(
    url: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(sqlite_onehop, "INLINE_LIMIT", -1.0)  # every statement is "long"
    monkeypatch.setattr(sqlite_onehop, "_slow", set())
    threads: list[str] = []
    original = sqlite_onehop._run

    def run(*args):  # type: ignore[no-untyped-def]
        import threading

        threads.append(threading.current_thread().name)
        return original(*args)

    monkeypatch.setattr(sqlite_onehop, "_run", run)

    async def scenario() -> None:
        engine = create_engine(url)
        await _table(engine)
        threads.clear()
        async with engine.connect() as connection:
            for _ in range(2):
                await connection.execute(text("SELECT count(*) FROM t"))
            with sqlite_onehop.in_thread():
                await connection.execute(text("SELECT 1"))
        await engine.dispose()

    asyncio.run(scenario())
    main = "MainThread"
    assert threads[0] == main  # first time on the loop
    assert threads[1] != main and threads[2] != main  # then, and in in_thread(), in aiosqlite's


def test_connections_have_no_busy_timeout_of_their_own(url: str) -> None:
    async def scenario() -> int:
        engine = create_engine(url)
        async with engine.connect() as connection:
            value = (await connection.execute(text("PRAGMA busy_timeout"))).scalar_one()
        await engine.dispose()
        return int(value)

    assert asyncio.run(scenario()) == 0
    assert sqlite3.SQLITE_BUSY == 5  # the code the dialect retries on
