"""Backups round-trip (issue 20): a pool filled through the bot (coordinators, members with
their intake answers, questions and answers, imported surveys, a meeting with replies) is
backed up, restored into a fresh database and compared table by table.

"Identical rows" is only a fair demand of a backup taken while nothing moves: that one must
restore row for row. A backup taken while members keep writing is a snapshot of one moment:
restored, it migrates and passes the integrity checks, every table the traffic did not touch
is row for row as before, and no table holds a row that existed neither before nor after.
"""

from __future__ import annotations

import asyncio
import sqlite3
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import select, text

from bot import cli_backup
from bot.config import Settings
from bot.meetings import texts as meeting_texts
from bot.surveys import jobs
from botapi_emulator import Emulator, SimUser
from db import migrate
from db.base import Base
from db.engine import create_engine
from expertpool_sandbox import demo
from expertpool_sandbox.harness import RunningBot
from expertpool_sandbox.snapshot import Ids
from tests.e2e.conftest import broadcasting_bot
from tests.e2e.people import t, wait_text
from tests.e2e.test_meetings import local
from tests.e2e.test_surveys import PULSE, answer_pulse, context, invitation
from tests.test_backup import another_database

Rows = dict[str, set[tuple[Any, ...]]]
FILLED = ("members", "questions", "survey_responses", "meetings", "meeting_replies")


@pytest.fixture
def settings(settings_factory: Callable[..., Settings]) -> Settings:
    return settings_factory(admin_ids=(demo.ADMIN_ID,), quiet_hours="off")


async def rows(url: str) -> Rows:
    """Every row of every table of the bot's schema (and the schema version)."""
    engine = create_engine(url)
    try:
        async with engine.connect() as conn:
            found: Rows = {}
            for table in Base.metadata.sorted_tables:
                found[table.name] = {tuple(r) for r in await conn.execute(select(table))}
            version = await conn.execute(text("SELECT version_num FROM alembic_version"))
            found["alembic_version"] = {tuple(r) for r in version}
            return found
    finally:
        await engine.dispose()


def primary_keys(table: str, found: Rows) -> set[tuple[Any, ...]]:
    columns = [c.name for c in Base.metadata.tables[table].columns]
    key = [columns.index(c.name) for c in Base.metadata.tables[table].primary_key.columns]
    return {tuple(row[i] for i in key) for row in found[table]}


async def plan_meeting(emulator: Emulator, app: RunningBot) -> None:
    """Femke (the demo's Twente coordinator) invites her pool; two members say yes."""
    femke = next(u for u in emulator.users.values() if u.first_name == "Femke")
    await femke.send_command("/meeting_new", args=f"twente {local(5)} Bibliotheek | Gesprek")
    send = "✅ " + t(app, "Send invitations", "nl")
    await femke.press(send, await femke.wait_for_message(lambda m: send in m.button_texts))
    for name, language in (("Amina", "ar"), ("Mehmet", "tr")):
        member = next(u for u in emulator.users.values() if u.first_name == name)
        invitation = await wait_text(member, t(app, meeting_texts.INVITED, language), timeout=15)
        await member.press("✅ " + t(app, "Yes", language), invitation)
        await member.wait_for_message(lambda m: any("✔️" in b for b in m.button_texts))


async def run_pulse(emulator: Emulator, app: RunningBot) -> None:
    """Femke sends the demo's monthly pulse survey to Twente; Mehmet answers it."""
    femke = next(u for u in emulator.users.values() if u.first_name == "Femke")
    await femke.send_text("/survey_schedule pulse twente now")
    await wait_text(femke, "Gepland #")
    await app.settled()
    assert await jobs.tick(context(app)) >= 1
    mehmet = next(u for u in emulator.users.values() if u.first_name == "Mehmet")
    invited = await invitation(mehmet, PULSE, "tr")
    await answer_pulse(app, mehmet, invited, "tr", "4", ["money"], True)


async def keep_writing(members: list[SimUser], answered: asyncio.Event, stop: asyncio.Event) -> int:
    """Members press /start and wait for the answer, round after round, until `stop`."""
    rounds = 0
    while not stop.is_set() or rounds < 2:
        for member in members:
            await member.send_command("/start")
        for member in members:
            await member.wait_for_message(timeout=15)
        rounds += 1
        answered.set()
    return rounds


async def test_backup_and_restore_round_trip(
    emulator: Emulator, settings: Settings, database_url: str, tmp_path: Path
) -> None:
    demo.admin(emulator)
    async with broadcasting_bot(emulator, settings) as app:
        await demo.seed(emulator, app, Ids())
        await plan_meeting(emulator, app)
        await run_pulse(emulator, app)
    # Nothing moves (the broadcaster may still be sending invitations while the bot runs).
    quiet = tmp_path / "quiet.backup"
    await cli_backup.backup(settings, quiet, None)
    before = await rows(database_url)

    async with broadcasting_bot(emulator, settings) as app:
        members = [
            u for u in emulator.users.values() if u.first_name in ("Amina", "Olena", "Yonas")
        ]
        answered, stop = asyncio.Event(), asyncio.Event()
        traffic = asyncio.create_task(keep_writing(members, answered, stop))
        await asyncio.wait_for(answered.wait(), 15)  # updates keep arriving from now on
        busy = tmp_path / "busy.backup"
        await cli_backup.backup(settings, busy, None)
        stop.set()
        assert await traffic >= 2
        await app.settled()
        after = await rows(database_url)
    for table in FILLED:
        assert before[table], f"the demo left {table} empty"

    async with another_database(database_url, tmp_path) as url:
        target = Settings(database_url=url, _env_file=None)  # type: ignore[call-arg]
        await cli_backup.restore(target, quiet, force=False)
        restored = await rows(url)
        for table, found in before.items():
            assert restored[table] == found, table

        await cli_backup.restore(target, busy, force=True)
        engine = create_engine(url)
        try:
            assert await migrate.current_revision(engine) == migrate.head_revision()
        finally:
            await engine.dispose()
        snapshot = await rows(url)
        if url.startswith("sqlite"):  # (pg_restore has checked every constraint)
            path = url.split("///", 1)[1]
            with sqlite3.connect(path) as check:
                assert check.execute("PRAGMA integrity_check").fetchone() == ("ok",)
                assert check.execute("PRAGMA foreign_key_check").fetchall() == []
        touched = {name for name in before if before[name] != after[name]}
        assert "inbox_updates" in touched
        for table, found in snapshot.items():
            if table not in touched:
                assert found == before[table], table
            elif table != "alembic_version":
                keys = primary_keys(table, snapshot)
                known = primary_keys(table, before) | primary_keys(table, after)
                assert keys <= known, table
        assert len(snapshot["inbox_updates"]) > len(before["inbox_updates"])  # mid-traffic
