"""FSM storage: Redis when REDIS_URL is set (shared by every worker), memory otherwise."""

from __future__ import annotations

from aiogram.fsm.storage.base import BaseEventIsolation, BaseStorage, DefaultKeyBuilder
from aiogram.fsm.storage.memory import MemoryStorage
from aiogram.fsm.storage.redis import RedisStorage
from redis.asyncio import Redis

from bot.config import Settings

FSM_PREFIX = "fsm"


def create_storage(settings: Settings, *, prefix: str = FSM_PREFIX) -> BaseStorage:
    """RedisStorage keyed by bot id (no TTLs: a conversation waits as long as the member does)."""
    if settings.redis_url is None:
        return MemoryStorage()
    key_builder = DefaultKeyBuilder(prefix=prefix, with_bot_id=True, with_destiny=True)
    return RedisStorage(Redis.from_url(settings.redis_url), key_builder=key_builder)


def create_events_isolation(storage: BaseStorage) -> BaseEventIsolation | None:
    """With Redis, a lock so updates of one chat are handled one at a time across all workers;
    otherwise None, leaving the dispatcher's in-process default."""
    if isinstance(storage, RedisStorage):
        return storage.create_isolation()
    return None


def storage_redis(storage: BaseStorage) -> Redis | None:
    """The Redis client behind a RedisStorage (for health checks), else None."""
    return storage.redis if isinstance(storage, RedisStorage) else None
