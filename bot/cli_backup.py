"""`python -m bot backup` and `python -m bot restore`: copies of the database that restore.

SQLite: the online backup API (a consistent copy while the bot runs). PostgreSQL: `pg_dump`
in its custom format, restored with `pg_restore`. A backup never migrates; a restore takes
the migration lock, refuses a non-empty database without --force, refuses a backup made by
a newer version of the bot, and migrates an older one with the normal start-up path.
Backups hold members' data: files are written readable by their owner only.
"""

from __future__ import annotations

import argparse
import asyncio
import os
import shutil
import sqlite3
import time
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from sqlalchemy.engine import URL, make_url

from bot.cli_admin import CliError
from bot.config import Settings

SQLITE_MAGIC = b"SQLite format 3\x00"
PGDUMP_MAGIC = b"PGDMP"
NAME_PREFIX = "expertpool-"
TOOLS_HINT = "install the PostgreSQL client tools of the server's version (e.g. postgresql-client)"


def add_parsers(commands: Any) -> None:
    backup = commands.add_parser(
        "backup", help="copy the database to a file (safe while the bot runs; never migrates)"
    )
    where = backup.add_mutually_exclusive_group(required=True)
    where.add_argument("--out", type=Path, metavar="FILE", help="write the backup to FILE")
    where.add_argument(
        "--dir",
        type=Path,
        metavar="DIR",
        help="write expertpool-<UTC time>.db|.dump into DIR and delete the backups there "
        "older than BACKUP_RETENTION_DAYS",
    )
    restore = commands.add_parser(
        "restore", help="replace the database by a backup (stop the bot first), then migrate"
    )
    restore.add_argument("file", type=Path, metavar="FILE")
    restore.add_argument(
        "--force", action="store_true", help="overwrite a database that already holds tables"
    )


async def run(args: argparse.Namespace, settings: Settings) -> list[str]:
    """Carry out the command; return the lines to print."""
    if args.command == "backup":
        return await backup(settings, args.out, args.dir)
    return await restore(settings, args.file, force=args.force)


# --- backup ----------------------------------------------------------------------------------


async def backup(settings: Settings, out: Path | None, directory: Path | None) -> list[str]:
    now = datetime.now(UTC)
    if out is None:
        assert directory is not None
        suffix = ".db" if settings.is_sqlite else ".dump"
        out = directory / f"{NAME_PREFIX}{now:%Y%m%dT%H%M%SZ}{suffix}"
    out.parent.mkdir(parents=True, exist_ok=True)
    partial = out.with_name(out.name + ".partial")
    try:
        if settings.is_sqlite:
            revision = await asyncio.to_thread(_sqlite_backup, _sqlite_path(settings), partial)
        else:
            revision = await _postgres_backup(settings.database_url, partial)
        os.replace(partial, out)
    finally:
        partial.unlink(missing_ok=True)
    lines = [f"backup written: {out} ({out.stat().st_size} bytes, schema {revision})"]
    if directory is not None:
        lines += prune(directory, settings.backup_retention_days, keep=out)
    return lines


def prune(directory: Path, days: int, keep: Path, now: float | None = None) -> list[str]:
    """Delete this command's backups in `directory` older than `days` (never `keep`)."""
    limit = (now or time.time()) - days * 86400
    removed = []
    for path in sorted(directory.glob(f"{NAME_PREFIX}*")):
        if path.suffix in (".db", ".dump") and path != keep and path.stat().st_mtime < limit:
            path.unlink()
            removed.append(f"deleted backup older than {days} days: {path}")
    return removed


def _private_file(path: Path) -> None:
    path.touch(mode=0o600, exist_ok=True)
    path.chmod(0o600)


def _sqlite_path(settings: Settings) -> Path:
    database = make_url(settings.database_url).database or ""
    if not database or database == ":memory:" or database.startswith("file:"):
        raise CliError("DATABASE_URL: backup and restore need a SQLite database file")
    return Path(database)


def _sqlite_revision(connection: sqlite3.Connection) -> str | None:
    try:
        row = connection.execute("SELECT version_num FROM alembic_version").fetchone()
    except sqlite3.DatabaseError:
        return None
    return None if row is None else str(row[0])


def _sqlite_backup(source_path: Path, target: Path) -> str:
    if not source_path.exists():
        raise CliError(f"no database at {source_path}: nothing to back up")
    source = sqlite3.connect(source_path, timeout=30)
    try:
        _private_file(target)
        copy = sqlite3.connect(target)
        try:
            source.backup(copy)  # one step: a consistent snapshot; writers go on (WAL)
            revision = _sqlite_revision(copy)
            if revision is None:
                raise CliError(f"{source_path} has no schema yet: nothing to back up")
            copy.execute("PRAGMA journal_mode=DELETE")  # a single self-contained file
            (check,) = copy.execute("PRAGMA quick_check").fetchone()
            if check != "ok":
                raise CliError(f"the copy failed its integrity check: {check}")
        finally:
            copy.close()
    finally:
        source.close()
    return revision


def _pg_env(url: URL) -> dict[str, str]:
    """libpq's environment for the pg_* tools: the password never shows in `ps`."""
    env = dict(os.environ)
    values = {
        "PGHOST": url.host,
        "PGPORT": str(url.port) if url.port else None,
        "PGUSER": url.username,
        "PGPASSWORD": url.password,
        "PGDATABASE": url.database,
        "PGSSLMODE": url.query.get("sslmode") or url.query.get("ssl"),  # type: ignore[arg-type]
    }
    env.update({k: str(v) for k, v in values.items() if v})
    return env


def _tool(name: str) -> str:
    found = shutil.which(name)
    if found is None:
        raise CliError(f"{name} is not installed, and PostgreSQL backups need it: {TOOLS_HINT}")
    return found


async def _call(tool: str, *args: str, env: dict[str, str]) -> bytes:
    proc = await asyncio.create_subprocess_exec(
        _tool(tool), *args, env=env, stdout=asyncio.subprocess.PIPE, stderr=asyncio.subprocess.PIPE
    )
    out, err = await proc.communicate()
    if proc.returncode != 0:
        reason = err.decode(errors="replace").strip().splitlines()
        raise CliError(f"{tool} failed: {reason[0] if reason else f'exit {proc.returncode}'}")
    return out


async def _postgres_revision(database_url: str) -> str | None:
    from db import migrate
    from db.engine import create_engine

    engine = create_engine(database_url)
    try:
        return await migrate.current_revision(engine)
    finally:
        await engine.dispose()


async def _postgres_backup(database_url: str, target: Path) -> str:
    revision = await _postgres_revision(database_url)
    if revision is None:
        raise CliError("the database has no schema yet: nothing to back up")
    _private_file(target)
    # One transaction (pg_dump's snapshot): consistent while the bot writes.
    env = _pg_env(make_url(database_url))
    await _call("pg_dump", "--format=custom", "--no-owner", "--no-acl", "-f", str(target), env=env)
    dumped = await _dump_revision(target)
    return dumped or revision


async def _dump_revision(path: Path) -> str | None:
    """The schema version a pg_dump file holds (its alembic_version row)."""
    out = await _call(
        "pg_restore", "--data-only", "--table=alembic_version", "-f", "-", str(path),
        env=dict(os.environ),
    )  # fmt: skip
    lines = out.decode(errors="replace").splitlines()
    for i, line in enumerate(lines):
        if line.startswith("COPY ") and "alembic_version" in line and i + 1 < len(lines):
            value = lines[i + 1].strip()
            return None if value == "\\." else value
    return None


# --- restore ---------------------------------------------------------------------------------


def check_revision(revision: str | None, source: Path) -> str:
    """The backup's schema version, if this version of the bot knows it (else CliError)."""
    from alembic.script import ScriptDirectory
    from alembic.util import CommandError

    from db import migrate

    if revision is None:
        raise CliError(f"{source} holds no schema version: not a backup of this bot")
    script = ScriptDirectory.from_config(migrate.alembic_config())
    try:
        known = script.get_revision(revision)
    except CommandError:
        known = None
    if known is None:
        raise CliError(
            f"{source} has schema version {revision}, which this version of the bot does not "
            f"know (its newest is {migrate.head_revision()}): the backup was made by a newer "
            "version. Install that version (or newer) to restore it"
        )
    return revision


def _file_head(source: Path) -> bytes:
    if not source.is_file():
        raise CliError(f"no backup file at {source}")
    with source.open("rb") as handle:
        return handle.read(16)


async def restore(settings: Settings, source: Path, *, force: bool) -> list[str]:
    from bot.database import prepare_database, sqlite_exclusive

    head = _file_head(source)
    if settings.is_sqlite:
        if not head.startswith(SQLITE_MAGIC):
            raise CliError(f"{source} is not a SQLite backup (DATABASE_URL is SQLite)")
        async with sqlite_exclusive(settings.database_url):  # workers starting now wait
            revision = await asyncio.to_thread(
                _sqlite_restore, source, _sqlite_path(settings), force
            )
            await prepare_database(settings)
    else:
        if not head.startswith(PGDUMP_MAGIC):
            raise CliError(f"{source} is not a pg_dump backup (DATABASE_URL is PostgreSQL)")
        from bot.scale.locks import KEY_PREFIX, postgres_exclusive

        revision = check_revision(await _dump_revision(source), source)
        async with postgres_exclusive(settings.database_url, f"{KEY_PREFIX}:migrate"):
            await _postgres_restore(settings.database_url, source, force)
            await prepare_database(settings)
    from db import migrate

    head_revision = migrate.head_revision()
    lines = [f"restored {source} (schema {revision})"]
    if revision != head_revision:
        lines.append(f"migrated from {revision} to {head_revision}")
    return lines


def _sqlite_restore(source: Path, target: Path, force: bool) -> str:
    backup_db = sqlite3.connect(f"file:{source}?mode=ro", uri=True)
    try:
        revision = check_revision(_sqlite_revision(backup_db), source)
        target.parent.mkdir(parents=True, exist_ok=True)
        database = sqlite3.connect(target, timeout=30)
        try:
            tables = database.execute(
                "SELECT count(*) FROM sqlite_master WHERE type = 'table'"
            ).fetchone()[0]
            if tables and not force:
                raise CliError(
                    f"the database {target} already holds {tables} tables: add --force to "
                    "replace it by the backup (stop the bot first)"
                )
            backup_db.backup(database)  # replaces every page, in one transaction
        finally:
            database.close()
    finally:
        backup_db.close()
    return revision


_TABLES = "SELECT tablename FROM pg_tables WHERE schemaname = current_schema()"
_WIPE = """
DO $$ DECLARE r record; BEGIN
  FOR r IN SELECT tablename FROM pg_tables WHERE schemaname = current_schema() LOOP
    EXECUTE 'DROP TABLE IF EXISTS ' || quote_ident(r.tablename) || ' CASCADE';
  END LOOP;
  FOR r IN SELECT sequence_name AS name FROM information_schema.sequences
           WHERE sequence_schema = current_schema() LOOP
    EXECUTE 'DROP SEQUENCE IF EXISTS ' || quote_ident(r.name) || ' CASCADE';
  END LOOP;
  FOR r IN SELECT t.typname FROM pg_type t JOIN pg_namespace n ON n.oid = t.typnamespace
           WHERE n.nspname = current_schema() AND t.typtype = 'e' LOOP
    EXECUTE 'DROP TYPE IF EXISTS ' || quote_ident(r.typname) || ' CASCADE';
  END LOOP;
END $$;
"""


async def _postgres_restore(database_url: str, source: Path, force: bool) -> None:
    import asyncpg  # type: ignore[import-untyped]

    from bot.scale.locks import _asyncpg_dsn

    conn = await asyncpg.connect(_asyncpg_dsn(database_url), timeout=10)
    try:
        tables = await conn.fetch(_TABLES)
        if tables and not force:
            raise CliError(
                f"the database already holds {len(tables)} tables: add --force to replace it "
                "by the backup (stop the bot first)"
            )
        if tables:
            await conn.execute(_WIPE)
    finally:
        await conn.close()
    env = _pg_env(make_url(database_url))
    try:
        await _call(
            "pg_restore", "--no-owner", "--no-acl", "--single-transaction", "--exit-on-error",
            "-d", env.get("PGDATABASE", ""), str(source), env=env,
        )  # fmt: skip
    except CliError as exc:
        if tables:  # the old tables are gone already: say so
            raise CliError(f"{exc} (the database was emptied; run restore again)") from None
        raise
