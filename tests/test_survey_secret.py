"""SURVEY_SECRET: the anonymity key has its own setting, independent of the bot token."""

from __future__ import annotations

import asyncio
import sys
from pathlib import Path

import pytest
from sqlalchemy.ext.asyncio import AsyncSession

from bot.app import prepare_database, require_survey_secret
from bot.config import ConfigError, Settings, load_settings
from bot.services.roles import Actor
from bot.surveys import library, schedule
from bot.surveys.anonymity import respondent_key
from db.base import utcnow
from tests.process import ROOT, bot_env

SECRET = "k" * 32
PULSE = (ROOT / "surveys" / "monthly-pulse.yaml").read_text(encoding="utf-8")
ADMIN = Actor(telegram_id=1, is_admin=True, region_ids=frozenset())


def _settings(**values: object) -> Settings:
    return Settings(_env_file=None, **values)  # type: ignore[arg-type]


def test_a_new_bot_token_keeps_the_respondent_key() -> None:
    before = _settings(bot_token="1:old", survey_secret=SECRET)
    after = _settings(bot_token="1:new-after-rotation", survey_secret=SECRET)
    assert respondent_key(before, 7, 42) == respondent_key(after, 7, 42)
    other_secret = _settings(bot_token="1:old", survey_secret="o" * 32)
    assert respondent_key(other_secret, 7, 42) != respondent_key(before, 7, 42)
    assert respondent_key(before, 8, 42) != respondent_key(before, 7, 42)


def test_no_key_without_the_secret() -> None:
    with pytest.raises(ConfigError, match="^SURVEY_SECRET is not set"):
        respondent_key(_settings(bot_token="1:abc"), 1, 2)


def test_a_short_secret_stops_start_up(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    monkeypatch.chdir(tmp_path)
    monkeypatch.setenv("SURVEY_SECRET", "too-short")
    with pytest.raises(ConfigError, match="^SURVEY_SECRET: must be at least 32 characters"):
        load_settings()
    monkeypatch.setenv("SURVEY_SECRET", SECRET)
    assert load_settings().survey_secret.get_secret_value() == SECRET  # type: ignore[union-attr]


async def test_anonymous_surveys_cannot_be_scheduled_without_the_secret(
    session: AsyncSession,
) -> None:
    await library.import_text(session, ADMIN, PULSE, utcnow())
    with pytest.raises(schedule.NoSecret):
        await schedule.create(
            session, ADMIN, _settings(bot_token="1:abc"), slug="pulse", region_code="twente",
            words=["now"], locale="en", now=utcnow(),
        )  # fmt: skip


async def _database_with_anonymous_survey(database_url: str) -> Settings:
    settings = _settings(bot_token="1:abc", database_url=database_url)
    await prepare_database(settings)
    from db.engine import create_engine, create_session_factory

    engine = create_engine(settings.database_url)
    try:
        async with create_session_factory(engine)() as session:
            await library.import_text(session, ADMIN, PULSE, utcnow())
            await session.commit()
    finally:
        await engine.dispose()
    return settings


async def test_start_up_refuses_a_missing_secret_when_anonymous_surveys_exist(
    database_url: str,
) -> None:
    empty = _settings(bot_token="1:abc", database_url=database_url)
    await prepare_database(empty)
    await require_survey_secret(empty)  # no anonymous survey yet: starting is fine
    settings = await _database_with_anonymous_survey(database_url)
    with pytest.raises(ConfigError, match="^SURVEY_SECRET is not set, but the database holds"):
        await require_survey_secret(settings)
    await require_survey_secret(settings.model_copy(update={"survey_secret": SECRET}))


async def test_python_m_bot_run_refuses_in_one_line(tmp_path: Path) -> None:
    database_url = f"sqlite+aiosqlite:///{tmp_path / 'bot.db'}"
    await _database_with_anonymous_survey(database_url)
    proc = await asyncio.create_subprocess_exec(
        sys.executable, "-m", "bot", "run", cwd=tmp_path,
        env=bot_env(BOT_TOKEN="1:abc", DATABASE_URL=database_url,
                    TELEGRAM_API_URL="http://127.0.0.1:9"),
        stdout=asyncio.subprocess.PIPE, stderr=asyncio.subprocess.PIPE,
    )  # fmt: skip
    _out, err = await asyncio.wait_for(proc.communicate(), 60)
    assert proc.returncode == 2
    lines = err.decode().strip().splitlines()
    assert lines[-1].startswith("Configuration error: SURVEY_SECRET is not set")
    assert "Traceback" not in err.decode()
