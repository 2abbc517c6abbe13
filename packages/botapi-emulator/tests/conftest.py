"""Fixtures for the Bot API emulator tests: a started emulator, an aiogram Bot and raw HTTP."""

from __future__ import annotations

from collections.abc import AsyncIterator

import aiohttp
import pytest
from aiogram import Bot
from aiogram.client.session.aiohttp import AiohttpSession
from aiogram.client.telegram import TelegramAPIServer
from raw_api import RawApi

from botapi_emulator import Emulator

TOKEN = "123456789:AAHdqTcvCH1vGWJxfSeofSAs0K5PALDsaw"


@pytest.fixture
async def emulator() -> AsyncIterator[Emulator]:
    async with Emulator(token=TOKEN, bot_username="expertpool_test_bot", seed=7) as emu:
        yield emu


class LocalSession(AiohttpSession):
    """aiogram's session without the 250 ms pause it takes on close for TLS shutdown."""

    async def close(self) -> None:
        if self._session is not None and not self._session.closed:
            await self._session.close()


def make_bot(emulator: Emulator, token: str = TOKEN) -> Bot:
    return Bot(token, session=LocalSession(api=TelegramAPIServer.from_base(emulator.api_url)))


@pytest.fixture
async def bot(emulator: Emulator) -> AsyncIterator[Bot]:
    bot = make_bot(emulator)
    yield bot
    await bot.session.close()


@pytest.fixture
async def http() -> AsyncIterator[aiohttp.ClientSession]:
    async with aiohttp.ClientSession() as session:
        yield session


@pytest.fixture
def raw(http: aiohttp.ClientSession, emulator: Emulator) -> RawApi:
    return RawApi(http, emulator)
