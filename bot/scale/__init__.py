"""The scale path: Redis FSM storage, leader election, webhook mode and health checks."""

from bot.scale.health import HealthCheck
from bot.scale.leader import LeaderServices, Leadership
from bot.scale.locks import (
    LocalLockBackend,
    LockBackend,
    PostgresLockBackend,
    RedisLockBackend,
    create_lock_backend,
)
from bot.scale.storage import create_events_isolation, create_storage
from bot.scale.webhook import WebhookHandler, create_webhook_app

__all__ = [
    "HealthCheck",
    "LeaderServices",
    "Leadership",
    "LocalLockBackend",
    "LockBackend",
    "PostgresLockBackend",
    "RedisLockBackend",
    "WebhookHandler",
    "create_events_isolation",
    "create_lock_backend",
    "create_storage",
    "create_webhook_app",
]
