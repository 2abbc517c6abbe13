"""Engine and session factory. SQLite gets WAL and foreign keys on every connection."""

from __future__ import annotations

import time
from pathlib import Path
from typing import Any

from sqlalchemy import event
from sqlalchemy.engine import make_url
from sqlalchemy.exc import DisconnectionError
from sqlalchemy.ext.asyncio import (
    AsyncEngine,
    AsyncSession,
    async_sessionmaker,
    create_async_engine,
)

from db import sqlite_onehop

# Handlers name the session type from here: they receive the unit of work from the
# middleware and hand it to services, and never import sqlalchemy themselves (.importlinter).
__all__ = ["AsyncSession", "create_engine", "create_session_factory"]


# Connections kept open to a SQLite file: the inbox handles 16 updates at once and the poller,
# claims, broadcaster and outbox take a few more. A connection beyond the pool is opened and
# closed each time (a thread, a file handle and the pragmas below: about a millisecond).
SQLITE_POOL_SIZE = 24
# PostgreSQL: the same 16 updates at once and the few beside them. SQLAlchemy's default of 5
# opened and closed a connection (TCP, authentication, an empty statement cache) for most
# updates of a burst: about a twentieth of the bot's CPU and a round trip each. With several
# workers, mind the server's max_connections (100 by default): (20 + 10 overflow) each.
POSTGRES_POOL_SIZE = 20


def _sqlite_pragmas(dbapi_connection: Any, _record: Any) -> None:
    cursor = dbapi_connection.cursor()
    cursor.execute("PRAGMA foreign_keys=ON")
    cursor.execute("PRAGMA journal_mode=WAL")
    cursor.execute("PRAGMA synchronous=NORMAL")
    # No busy timeout: statements run on the event loop, where SQLite's own wait would sleep
    # the whole loop; the dialect waits for a lock asynchronously instead (BUSY_WAIT).
    cursor.execute("PRAGMA busy_timeout=0")
    cursor.close()


def create_engine(database_url: str, **kwargs: Any) -> AsyncEngine:
    url = make_url(database_url)
    if url.drivername == "sqlite+aiosqlite":
        url = url.set(drivername=f"sqlite+{sqlite_onehop.DRIVER}")
    if url.get_backend_name() == "sqlite":
        database = url.database or ""
        if database and database != ":memory:" and not database.startswith("file:"):
            Path(database).parent.mkdir(parents=True, exist_ok=True)
        if database and database != ":memory:":
            kwargs.setdefault("pool_size", SQLITE_POOL_SIZE)
        # Statements run on the event loop's thread, connecting in aiosqlite's (one at a time).
        kwargs.setdefault("connect_args", {"check_same_thread": False})
        engine = create_async_engine(url, **kwargs)
        event.listen(engine.sync_engine, "connect", _sqlite_pragmas)
        return engine
    kwargs.setdefault("pool_size", POSTGRES_POOL_SIZE)
    engine = create_async_engine(url, **kwargs)
    if not kwargs.get("pool_pre_ping"):
        _ping_when_idle(engine)
    return engine


# A pooled connection that waited longer than this is pinged before use (a restarted server
# or a dropped TCP connection is found then, not in the middle of an update). SQLAlchemy's
# pool_pre_ping pinged on every checkout: a round trip and about a twentieth of the bot's CPU
# per update on PostgreSQL, for connections that were in use a moment before.
PING_AFTER_IDLE = 10.0


def _ping_when_idle(engine: AsyncEngine) -> None:
    pool, dialect = engine.sync_engine.pool, engine.sync_engine.dialect

    def fresh(_dbapi_connection: Any, record: Any) -> None:
        record.info["returned_at"] = time.monotonic()

    def checkout(dbapi_connection: Any, record: Any, _proxy: Any) -> None:
        returned_at = record.info.get("returned_at")
        if returned_at is not None and time.monotonic() - returned_at < PING_AFTER_IDLE:
            return
        try:
            dialect.do_ping(dbapi_connection)
        except Exception as exc:  # the pool drops this connection and takes another
            raise DisconnectionError(f"pooled connection is gone: {exc!r}") from exc

    event.listen(pool, "connect", fresh)
    event.listen(pool, "checkin", fresh)
    event.listen(pool, "checkout", checkout)


def create_session_factory(engine: AsyncEngine) -> async_sessionmaker[AsyncSession]:
    return async_sessionmaker(engine, expire_on_commit=False, autoflush=False)
