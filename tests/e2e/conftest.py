"""End-to-end fixtures: the emulator on 127.0.0.1 and the real dispatcher polling it over HTTP."""

from __future__ import annotations

from collections.abc import AsyncIterator, Awaitable, Callable
from contextlib import asynccontextmanager
from functools import partial

import pytest
from sqlalchemy import select

from bot.broadcast import EngineOptions
from bot.config import Settings
from bot.questions import drain
from bot.scale.storage import create_storage
from botapi_emulator import Emulator
from db.models import Member
from expertpool_sandbox import harness
from expertpool_sandbox.harness import RunningBot
from tests.servers import fresh_redis_prefix

TOKEN = "123456:E2E-test-token"
ADMIN_ID = 900_001
SURVEY_SECRET = "e2e-survey-secret-0123456789abcdef"


@pytest.fixture
async def emulator() -> AsyncIterator[Emulator]:
    async with Emulator(token=TOKEN, bot_username="expertpool_bot") as emu:
        yield emu
        emu.assert_no_rejections()


@pytest.fixture
async def redis_prefix(database_url: str) -> AsyncIterator[tuple[str, str] | None]:
    """The PostgreSQL runs of the end-to-end suite also keep conversation state in Redis."""
    if not database_url.startswith("postgresql"):
        yield None
        return
    async with fresh_redis_prefix() as found:
        yield found


@pytest.fixture
def settings_factory(
    emulator: Emulator,
    database_url: str,
    redis_prefix: tuple[str, str] | None,
    monkeypatch: pytest.MonkeyPatch,
) -> Callable[..., Settings]:
    if redis_prefix:
        # Every bot this test starts (its own app fixture, a restart) keeps conversation state
        # under this test's prefix: a state left by an earlier test's user with the same id
        # (the emulator numbers users alike in each test) must not meet this one.
        fsm = partial(create_storage, prefix=redis_prefix[1] + "fsm")
        monkeypatch.setattr(harness, "create_storage", fsm)

    def make(**overrides: object) -> Settings:
        values: dict[str, object] = {
            "bot_token": TOKEN,
            "telegram_api_url": emulator.api_url,
            "database_url": database_url,
            "redis_url": redis_prefix[0] if redis_prefix else None,
            "admin_ids": (ADMIN_ID,),
            "default_locale": "nl",
            "survey_secret": SURVEY_SECRET,
            "_env_file": None,
        }
        values.update(overrides)
        return Settings(**values)  # type: ignore[arg-type]

    return make


@pytest.fixture
def settings(settings_factory: Callable[..., Settings]) -> Settings:
    return settings_factory()


@pytest.fixture
async def app(
    emulator: Emulator,
    settings: Settings,
    redis_prefix: tuple[str, str] | None,
    monkeypatch: pytest.MonkeyPatch,
) -> AsyncIterator[RunningBot]:
    # A coordinator's private chat takes one message a second (Telegram's limit; the emulator
    # has none unless told): five questions kept a test waiting seconds for copies it never
    # looks at, at its end. test_faults, with an app of its own, runs at the real pace.
    monkeypatch.setattr(drain, "PRIVATE_RATE", 50.0)
    monkeypatch.setattr(drain, "PRIVATE_BURST", 50.0)
    storage = create_storage(settings, prefix=redis_prefix[1] + "fsm") if redis_prefix else None
    running = await RunningBot.start(settings, storage)
    await emulator.wait_until_polling()
    yield running
    await running.stop()


@asynccontextmanager
async def broadcasting_bot(emulator: Emulator, settings: Settings) -> AsyncIterator[RunningBot]:
    """The bot with its broadcast engine in-process (survey invitations, announcements),
    checking for due work every 50 ms."""
    options = EngineOptions(poll_interval=0.05, progress_interval=60)
    running = await RunningBot.start(settings, broadcaster=options)
    await emulator.wait_until_polling()
    try:
        yield running
    finally:
        await running.stop()


@pytest.fixture
def member_row(app: RunningBot) -> Callable[[int], Awaitable[Member | None]]:
    async def load(telegram_id: int) -> Member | None:
        await app.settled()
        async with app.session_factory() as session:
            return await session.scalar(select(Member).where(Member.telegram_id == telegram_id))

    return load
