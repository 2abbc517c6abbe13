"""End-to-end fixtures: the emulator on 127.0.0.1 and the real dispatcher polling it over HTTP."""

from __future__ import annotations

from collections.abc import AsyncIterator, Awaitable, Callable

import pytest
from sqlalchemy import select

from bot.config import Settings
from bot.sandbox.emulator import Emulator
from bot.testing import RunningBot
from db.models import Member

TOKEN = "123456:E2E-test-token"
ADMIN_ID = 900_001


@pytest.fixture
async def emulator() -> AsyncIterator[Emulator]:
    async with Emulator(token=TOKEN, bot_username="expertpool_bot") as emu:
        yield emu
        emu.assert_no_rejections()


@pytest.fixture
def settings_factory(emulator: Emulator, database_url: str) -> Callable[..., Settings]:
    def make(**overrides: object) -> Settings:
        values: dict[str, object] = {
            "bot_token": TOKEN,
            "telegram_api_url": emulator.api_url,
            "database_url": database_url,
            "admin_ids": (ADMIN_ID,),
            "default_locale": "nl",
            "_env_file": None,
        }
        values.update(overrides)
        return Settings(**values)  # type: ignore[arg-type]

    return make


@pytest.fixture
def settings(settings_factory: Callable[..., Settings]) -> Settings:
    return settings_factory()


@pytest.fixture
async def app(emulator: Emulator, settings: Settings) -> AsyncIterator[RunningBot]:
    running = await RunningBot.start(settings)
    await emulator.wait_until_polling()
    yield running
    await running.stop()


@pytest.fixture
def member_row(app: RunningBot) -> Callable[[int], Awaitable[Member | None]]:
    async def load(telegram_id: int) -> Member | None:
        await app.settled()
        async with app.session_factory() as session:
            return await session.scalar(select(Member).where(Member.telegram_id == telegram_id))

    return load
