"""Bot API method implementations, registered by name (lower-case, like Telegram's router)."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from ..coerce import Upload

if TYPE_CHECKING:
    from ..world import World


@dataclass
class Call:
    """One Bot API call with typed parameters."""

    method: str
    params: dict[str, Any]
    world: World
    uploads: dict[str, Upload] = field(default_factory=dict)
    fetch: Callable[[str], Awaitable[bytes]] | None = None

    def get(self, name: str, default: Any = None) -> Any:
        return self.params.get(name, default)


Handler = Callable[[Call], Awaitable[Any]]
HANDLERS: dict[str, Handler] = {}


def method(*names: str) -> Callable[[Handler], Handler]:
    def register(handler: Handler) -> Handler:
        for name in names:
            HANDLERS[name.lower()] = handler
        return handler

    return register


def load_all() -> dict[str, Handler]:
    """Import the method modules (they register themselves) and return the table."""
    from . import bot, chats, forum, media, messages  # noqa: F401

    return HANDLERS
