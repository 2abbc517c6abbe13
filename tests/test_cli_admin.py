"""`python -m bot region …` / `coordinator …` against a real database (in-process)."""

from __future__ import annotations

import pytest
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncEngine

from bot import cli_admin
from bot.cli import _parser
from bot.config import Settings
from db.engine import create_session_factory
from db.models import AuditEntry, RoleGrant


async def _run(settings: Settings, *argv: str) -> list[str]:
    return await cli_admin.run(_parser().parse_args(argv), settings)


async def test_region_and_coordinator_commands(engine: AsyncEngine, database_url: str) -> None:
    settings = Settings(database_url=database_url, _env_file=None)  # type: ignore[call-arg]
    assert len(await _run(settings, "region", "list")) == 5
    assert await _run(settings, "region", "add", "utrecht", "Utrecht", "Stad") == [
        "added utrecht: Utrecht Stad"
    ]
    await _run(settings, "region", "set", "utrecht", "approval")
    await _run(settings, "region", "rename", "utrecht", "Utrecht")
    assert "utrecht\tUtrecht\tapproval\tactive" in await _run(settings, "region", "list")
    await _run(settings, "coordinator", "add", "@Some_One", "utrecht")
    await _run(settings, "coordinator", "add", "777", "twente")
    assert set(await _run(settings, "coordinator", "list")) == {
        "777\tcoordinator\ttwente",
        "@some_one\tcoordinator\tutrecht",
    }
    assert await _run(settings, "coordinator", "remove", "777", "twente") == ["removed 1 grant(s)"]
    with pytest.raises(cli_admin.CliError, match="unknown region code 'mars'"):
        await _run(settings, "coordinator", "add", "1", "mars")
    with pytest.raises(cli_admin.CliError):
        await _run(settings, "region", "add", "utrecht", "Again")
    async with create_session_factory(engine)() as session:
        assert [g.pending_username for g in await session.scalars(select(RoleGrant))] == [
            "some_one"
        ]
        actions = [
            e.action for e in await session.scalars(select(AuditEntry).order_by(AuditEntry.id))
        ]
    assert actions.count("region_change") == 3 and actions.count("role_grant") == 2
