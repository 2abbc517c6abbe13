"""Preparing the database: migrations and the region seed (`run`, `migrate` and the CLI).

Imports no aiogram, so the commands that only touch the database start quickly.
"""

from __future__ import annotations

import logging

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
    """prepare_database, one process at a time on PostgreSQL, for workers starting together."""
    if settings.is_sqlite:
        await prepare_database(settings)
        return
    from bot.scale.locks import KEY_PREFIX, postgres_exclusive

    async with postgres_exclusive(settings.database_url, f"{KEY_PREFIX}:migrate"):
        await prepare_database(settings)
