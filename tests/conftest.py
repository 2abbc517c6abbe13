"""Databases for tests on each backend.

Migrating and seeding from scratch costs about a second per test under load, so it is done
once per session into a template: each test gets a copy of the file (SQLite) or a database
made with CREATE DATABASE … TEMPLATE (PostgreSQL). tests/test_migrations.py still runs the
real migrations on an empty database (`empty_database_url`).
"""

from __future__ import annotations

import asyncio
import shutil
from collections.abc import AsyncIterator, Awaitable, Callable, Iterator
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any, TypeVar

import pytest
from sqlalchemy.ext.asyncio import AsyncEngine, AsyncSession, async_sessionmaker

from bot.members import consent
from db import migrate
from db.engine import create_engine, create_session_factory
from db.seed import seed_regions
from tests.servers import (
    PG_HOST,
    PG_PORT,
    create_postgres_template,
    drop_postgres_database,
    fresh_postgres_database,
    require_server,
)
from tests.translation_servers import DeepLServer

BACKENDS = ["sqlite", "postgresql"]
T = TypeVar("T")


def _in_own_loop(make: Callable[..., Awaitable[T]], *args: Any) -> T:
    """Run session set-up in a loop of its own, apart from the tests' loops."""

    async def call() -> T:
        return await make(*args)

    with ThreadPoolExecutor(1) as pool:
        return pool.submit(asyncio.run, call()).result()


async def migrate_and_seed(url: str) -> None:
    """What `python -m bot migrate` does to a new database."""
    engine = create_engine(url)
    try:
        await migrate.upgrade(engine)
        async with create_session_factory(engine)() as session:
            await seed_regions(session)
            await session.commit()
    finally:
        await engine.dispose()


@pytest.fixture(scope="session")
def sqlite_template(tmp_path_factory: pytest.TempPathFactory) -> Path:
    path = tmp_path_factory.mktemp("template") / "migrated.db"
    _in_own_loop(migrate_and_seed, f"sqlite+aiosqlite:///{path}")
    assert not path.with_name(path.name + "-wal").exists(), "the template is not checkpointed"
    return path


@pytest.fixture(scope="session")
def postgres_template() -> Iterator[str]:
    require_server("PostgreSQL", PG_HOST, PG_PORT)
    name = _in_own_loop(create_postgres_template, migrate_and_seed)
    yield name
    _in_own_loop(drop_postgres_database, name)


@pytest.fixture(params=BACKENDS)
async def empty_database_url(request: pytest.FixtureRequest, tmp_path: Path) -> AsyncIterator[str]:
    """An empty database on each backend: a fresh SQLite file, or a fresh PostgreSQL database."""
    if request.param == "sqlite":
        yield f"sqlite+aiosqlite:///{tmp_path / 'test.db'}"
    else:
        async with fresh_postgres_database() as url:
            yield url


@pytest.fixture(params=BACKENDS)
async def database_url(request: pytest.FixtureRequest, tmp_path: Path) -> AsyncIterator[str]:
    """A migrated and seeded database of this test alone, on each backend."""
    if request.param == "sqlite":
        path = tmp_path / "test.db"
        shutil.copyfile(request.getfixturevalue("sqlite_template"), path)
        yield f"sqlite+aiosqlite:///{path}"
    else:
        async with fresh_postgres_database(request.getfixturevalue("postgres_template")) as url:
            yield url


@pytest.fixture
async def engine(database_url: str) -> AsyncIterator[AsyncEngine]:
    """An engine on the migrated and seeded database."""
    engine = create_engine(database_url)
    yield engine
    await engine.dispose()


@pytest.fixture
def session_factory(engine: AsyncEngine) -> async_sessionmaker[AsyncSession]:
    return create_session_factory(engine)


@pytest.fixture
async def session(
    session_factory: async_sessionmaker[AsyncSession],
) -> AsyncIterator[AsyncSession]:
    async with session_factory() as session:
        yield session


@pytest.fixture(autouse=True)
def _fresh_notice_revision() -> Iterator[None]:
    """A bot's start-up sets the privacy notice's revision for the whole process (a
    translation provider raises it); the next test starts from the base version again."""
    yield
    consent.set_notice_revision(0)


@pytest.fixture
async def deepl() -> AsyncIterator[DeepLServer]:
    """A DeepL API stand-in (tests/translation_servers.py) for the language bridge."""
    async with DeepLServer() as server:
        yield server
