"""FSM storage from config: Redis shared between workers (keyed by bot id, no TTL), or memory."""

from __future__ import annotations

from collections.abc import AsyncIterator
from datetime import UTC, datetime

import pytest
from aiogram import Bot, Dispatcher, Router
from aiogram.filters import Command, StateFilter
from aiogram.fsm.context import FSMContext
from aiogram.fsm.state import State, StatesGroup
from aiogram.fsm.storage.base import StorageKey
from aiogram.fsm.storage.memory import MemoryStorage
from aiogram.fsm.storage.redis import RedisEventIsolation, RedisStorage
from aiogram.types import Chat, Message, Update, User
from redis.asyncio import Redis

from bot.config import load_settings
from bot.scale.storage import create_events_isolation, create_storage, storage_redis
from tests.servers import fresh_redis_prefix

BOT_ID = 42


class Signup(StatesGroup):
    name = State()


@pytest.fixture
async def redis_prefix() -> AsyncIterator[tuple[str, str]]:
    async with fresh_redis_prefix() as url_and_prefix:
        yield url_and_prefix


def test_without_redis_url_storage_is_in_memory() -> None:
    storage = create_storage(load_settings(redis_url=None))
    assert isinstance(storage, MemoryStorage)
    assert create_events_isolation(storage) is None
    assert storage_redis(storage) is None


async def test_redis_storage_roundtrip_is_keyed_by_bot_without_ttl(
    redis_prefix: tuple[str, str],
) -> None:
    url, prefix = redis_prefix
    settings = load_settings(redis_url=url)
    first = create_storage(settings, prefix=f"{prefix}fsm")
    second = create_storage(settings, prefix=f"{prefix}fsm")  # another worker
    assert isinstance(first, RedisStorage)
    assert isinstance(create_events_isolation(first), RedisEventIsolation)
    key = StorageKey(bot_id=BOT_ID, chat_id=7, user_id=7)
    try:
        await first.set_state(key, Signup.name)
        await first.set_data(key, {"region": "Twente", "step": 2})
        assert await second.get_state(key) == Signup.name.state
        assert await second.get_data(key) == {"region": "Twente", "step": 2}

        other_bot = StorageKey(bot_id=BOT_ID + 1, chat_id=7, user_id=7)
        assert await second.get_state(other_bot) is None
        raw = storage_redis(first)
        assert raw is not None
        state_key = f"{prefix}fsm:{BOT_ID}:7:7:default:state"
        assert await raw.get(state_key) == b"Signup:name"
        assert await raw.ttl(state_key) == -1  # no expiry
        assert await raw.ttl(f"{prefix}fsm:{BOT_ID}:7:7:default:data") == -1

        await second.set_state(key, None)
        await second.set_data(key, {})
        assert await first.get_state(key) is None
        assert await first.get_data(key) == {}
    finally:
        await first.close()
        await second.close()


def _message(update_id: int, text: str) -> Update:
    user = User(id=7, is_bot=False, first_name="Amal")
    return Update(
        update_id=update_id,
        message=Message(
            message_id=update_id,
            date=datetime.now(UTC),
            chat=Chat(id=7, type="private"),
            from_user=user,
            text=text,
        ),
    )


def _worker(storage: RedisStorage, seen: list[str]) -> Dispatcher:
    router = Router()

    @router.message(Command("signup"))
    async def ask_name(message: Message, state: FSMContext) -> None:
        await state.set_state(Signup.name)

    @router.message(StateFilter(Signup.name))
    async def got_name(message: Message, state: FSMContext) -> None:
        seen.append(message.text or "")
        await state.clear()

    dp = Dispatcher(storage=storage, events_isolation=create_events_isolation(storage))
    dp.include_router(router)
    return dp


async def test_conversation_continues_on_another_worker(redis_prefix: tuple[str, str]) -> None:
    url, prefix = redis_prefix
    settings = load_settings(redis_url=url)
    first = create_storage(settings, prefix=f"{prefix}fsm")
    second = create_storage(settings, prefix=f"{prefix}fsm")
    assert isinstance(first, RedisStorage) and isinstance(second, RedisStorage)
    seen: list[str] = []
    bot = Bot(f"{BOT_ID}:TEST")
    try:
        await _worker(first, seen).feed_update(bot, _message(1, "/signup"))
        await _worker(second, seen).feed_update(bot, _message(2, "Amal from Eritrea"))
        assert seen == ["Amal from Eritrea"]
        async with Redis.from_url(url) as raw:
            assert [k async for k in raw.scan_iter(match=f"{prefix}fsm:*")] == []
    finally:
        await first.close()
        await second.close()
        await bot.session.close()
