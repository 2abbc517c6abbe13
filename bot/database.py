"""Preparing the database: migrations and the region seed (`run`, `migrate` and the CLI),
one process at a time.

Imports no aiogram, so the commands that only touch the database start quickly.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from pathlib import Path

from sqlalchemy.engine import make_url

from bot.config import Settings
from db import migrate
from db.engine import create_engine, create_session_factory
from db.seed import seed_regions

log = logging.getLogger(__name__)


async def prepare_database(settings: Settings) -> None:
    """Apply migrations and seed a fresh database (used by `run` and `migrate`)."""
    engine = create_engine(settings.database_url)
    try:
        await migrate.upgrade(engine)
        async with create_session_factory(engine)() as session:
            added = await seed_regions(session)
            await session.commit()
        log.info("database ready", extra={"revision": migrate.head_revision(), "seeded": added})
    finally:
        await engine.dispose()


async def prepare_database_exclusively(settings: Settings) -> None:
    """prepare_database, one process at a time: any worker or CLI command may start at any
    moment (a file lock beside a SQLite file, an advisory lock on PostgreSQL); the first
    migrates, the others wait, find the schema current and go on."""
    if settings.is_sqlite:
        async with sqlite_exclusive(settings.database_url):
            await prepare_database(settings)
        return
    from bot.scale.locks import KEY_PREFIX, postgres_exclusive

    async with postgres_exclusive(settings.database_url, f"{KEY_PREFIX}:migrate"):
        await prepare_database(settings)


def migrate_lock_path(database_url: str) -> Path | None:
    """`<database file>.migrate.lock`, or None for an in-memory database (one process)."""
    database = make_url(database_url).database or ""
    if not database or database == ":memory:" or database.startswith("file:"):
        return None
    return Path(database).with_name(Path(database).name + ".migrate.lock")


@asynccontextmanager
async def sqlite_exclusive(database_url: str, poll: float = 0.05) -> AsyncIterator[None]:
    """Hold an exclusive lock on `<database file>.migrate.lock` for the block. The kernel
    frees it when the holder exits or dies, so a crashed migration never blocks the next."""
    import fcntl  # POSIX only, as the bot's deployments (systemd, containers)

    path = migrate_lock_path(database_url)
    if path is None:
        yield
        return
    path.parent.mkdir(parents=True, exist_ok=True)
    with path.open("a") as handle:
        while True:
            try:
                fcntl.flock(handle, fcntl.LOCK_EX | fcntl.LOCK_NB)
                break
            except BlockingIOError:
                await asyncio.sleep(poll)  # another process migrates: wait, cancellably
        try:
            yield
        finally:
            fcntl.flock(handle, fcntl.LOCK_UN)
