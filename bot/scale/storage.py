"""FSM storage: Redis when REDIS_URL is set (shared by every worker), memory otherwise."""

from __future__ import annotations

import sys
from typing import TYPE_CHECKING, Any

from aiogram.fsm.storage.base import BaseEventIsolation, BaseStorage, DefaultKeyBuilder
from aiogram.fsm.storage.memory import MemoryStorage

from bot.config import Settings

if TYPE_CHECKING:  # imported when REDIS_URL is set: a bot without Redis does not load it
    from redis.asyncio import Redis

FSM_PREFIX = "fsm"


def create_storage(settings: Settings, *, prefix: str = FSM_PREFIX) -> BaseStorage:
    """RedisStorage keyed by bot id (no TTLs: a conversation waits as long as the member does)."""
    if settings.redis_url is None:
        return MemoryStorage()
    from aiogram.fsm.storage.redis import RedisStorage
    from redis.asyncio import Redis

    key_builder = DefaultKeyBuilder(prefix=prefix, with_bot_id=True, with_destiny=True)
    return RedisStorage(Redis.from_url(settings.redis_url), key_builder=key_builder)


def create_events_isolation(storage: BaseStorage) -> BaseEventIsolation | None:
    """With Redis, a lock so updates of one chat are handled one at a time across all workers;
    otherwise None, leaving the dispatcher's in-process default."""
    if _is_redis(storage):
        return storage.create_isolation()  # type: ignore[attr-defined,no-any-return]
    return None


def storage_redis(storage: BaseStorage) -> Redis | None:
    """The Redis client behind a RedisStorage (for health checks), else None."""
    return storage.redis if _is_redis(storage) else None  # type: ignore[attr-defined]


def _is_redis(storage: Any) -> bool:
    """A RedisStorage (its module is loaded only if one was made)."""
    module = sys.modules.get("aiogram.fsm.storage.redis")
    return module is not None and isinstance(storage, module.RedisStorage)
