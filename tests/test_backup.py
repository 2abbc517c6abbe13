"""`python -m bot backup` / `restore` on each backend: an older backup is migrated after the
restore, a non-empty database needs --force, a backup from a newer bot is refused."""

from __future__ import annotations

import os
import shutil
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from pathlib import Path

import pytest
from sqlalchemy import func, select, text

from bot import cli_backup
from bot.cli_admin import CliError
from bot.config import Settings
from db import migrate
from db.engine import create_engine
from db.models import Region
from tests.servers import fresh_postgres_database

OLDER = "0017"  # the revision before the head: a backup made by the previous release


def _settings(url: str) -> Settings:
    return Settings(database_url=url, _env_file=None)  # type: ignore[call-arg]


@asynccontextmanager
async def another_database(url: str, tmp_path: Path) -> AsyncIterator[str]:
    """A second empty database on the same backend as `url`."""
    if url.startswith("sqlite"):
        yield f"sqlite+aiosqlite:///{tmp_path / 'restored.db'}"
    else:
        async with fresh_postgres_database() as other:
            yield other


async def _execute(url: str, sql: str) -> None:
    engine = create_engine(url)
    try:
        async with engine.begin() as conn:
            await conn.execute(text(sql))
    finally:
        await engine.dispose()


async def test_restore_migrates_an_older_backup_and_guards_the_target(
    empty_database_url: str, tmp_path: Path
) -> None:
    source = _settings(empty_database_url)
    file = tmp_path / "older.backup"
    with pytest.raises(CliError, match="nothing to back up"):
        await cli_backup.backup(source, file, None)
    engine = create_engine(empty_database_url)
    try:
        await migrate.upgrade(engine, OLDER)
    finally:
        await engine.dispose()
    assert (await cli_backup.backup(source, file, None))[0].endswith(f"schema {OLDER})")
    assert file.stat().st_mode & 0o077 == 0  # members' data: readable by its owner only

    async with another_database(empty_database_url, tmp_path) as url:
        target = _settings(url)
        lines = await cli_backup.restore(target, file, force=False)
        assert lines == [
            f"restored {file} (schema {OLDER})",
            f"migrated from {OLDER} to {migrate.head_revision()}",
        ]
        engine = create_engine(url)
        try:
            assert await migrate.current_revision(engine) == migrate.head_revision()
            async with engine.connect() as conn:
                assert await conn.scalar(select(func.count()).select_from(Region)) == 5
        finally:
            await engine.dispose()

        with pytest.raises(CliError, match="add --force"):
            await cli_backup.restore(target, file, force=False)
        # A backup made by a newer bot (a schema version this code does not know) is refused.
        await _execute(empty_database_url, "UPDATE alembic_version SET version_num = '0099'")
        newer = tmp_path / "newer.backup"
        await cli_backup.backup(source, newer, None)
        with pytest.raises(CliError, match="0099, which this version of the bot does not know"):
            await cli_backup.restore(target, newer, force=True)
        # --force replaces what is there.
        await _execute(url, "DELETE FROM regions WHERE code = 'twente'")
        await cli_backup.restore(target, file, force=True)
        engine = create_engine(url)
        try:
            async with engine.connect() as conn:
                assert await conn.scalar(select(func.count()).select_from(Region)) == 5
        finally:
            await engine.dispose()


def test_backup_dir_keeps_backups_for_the_retention_period(tmp_path: Path) -> None:
    now = 1_800_000_000.0
    names = ["expertpool-old.db", "expertpool-new.dump", "expertpool-latest.db", "other.db"]
    for name in names:
        (tmp_path / name).write_bytes(b"x")

    os.utime(tmp_path / "expertpool-old.db", (now - 29 * 86400, now - 29 * 86400))
    os.utime(tmp_path / "other.db", (now - 99 * 86400, now - 99 * 86400))
    for name in names[1:3]:
        os.utime(tmp_path / name, (now - 27 * 86400, now - 27 * 86400))
    removed = cli_backup.prune(tmp_path, 28, keep=tmp_path / "expertpool-latest.db", now=now)
    assert removed == [f"deleted backup older than 28 days: {tmp_path / 'expertpool-old.db'}"]
    assert sorted(p.name for p in tmp_path.iterdir()) == sorted(names[1:])


def test_a_missing_pg_dump_is_named(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(shutil, "which", lambda _name: None)
    with pytest.raises(CliError, match="pg_dump is not installed"):
        cli_backup._tool("pg_dump")
