"""The scale path: Redis FSM storage, leader election, webhook mode and health checks.

Nothing is imported eagerly: `bot.scale.locks` serves `python -m bot migrate` too, which
must not pay for aiogram (bot.scale.storage, bot.scale.webhook). The names below still
work as `from bot.scale import X`, loaded on first use.
"""

from __future__ import annotations

from importlib import import_module
from typing import Any

_WHERE = {
    "HealthCheck": "bot.scale.health",
    "LeaderServices": "bot.scale.leader",
    "Leadership": "bot.scale.leader",
    "LocalLockBackend": "bot.scale.locks",
    "LockBackend": "bot.scale.locks",
    "PostgresLockBackend": "bot.scale.locks",
    "RedisLockBackend": "bot.scale.locks",
    "create_lock_backend": "bot.scale.locks",
    "create_events_isolation": "bot.scale.storage",
    "create_storage": "bot.scale.storage",
    "WebhookHandler": "bot.scale.webhook",
    "create_webhook_app": "bot.scale.webhook",
}

__all__ = sorted(_WHERE)


def __getattr__(name: str) -> Any:
    if name not in _WHERE:
        raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
    return getattr(import_module(_WHERE[name]), name)
