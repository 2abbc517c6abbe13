"""Run the dispatcher's plain-function filters on the event loop, not in threads.

aiogram (3.2x) calls a filter or handler that is not a coroutine function through
`asyncio.to_thread`: every `F.…` expression (a MagicFilter) and every plain function used as
a filter is a trip to the default thread pool and back, for a check of a few attribute
lookups. A member's message passes a dozen such checks on its way through the routers, so
the trips cost more CPU than the checks (measured in bench/handlers.py; bench/README.md).
The bot's filters and handlers never block, so once the routers are in place each plain
callable is wrapped in a coroutine function that calls it directly.
"""

from __future__ import annotations

import functools
from collections.abc import Callable
from typing import Any

from aiogram import Router
from aiogram.dispatcher.event.handler import CallableObject


def _inline(callback: Callable[..., Any]) -> Callable[..., Any]:
    @functools.wraps(callback)
    async def call(*args: Any, **kwargs: Any) -> Any:
        return callback(*args, **kwargs)

    return call


def _on_the_loop(item: CallableObject) -> int:
    if item.awaitable:
        return 0
    item.callback = _inline(item.callback)
    item.awaitable = True
    return 1


def run_on_the_loop(root: Router) -> int:
    """Make every plain-function filter and handler under `root` (routers, their observers,
    observer-level filters) a direct call; returns how many were changed."""
    changed = 0
    for router in root.chain_tail:
        for observer in router.observers.values():
            handlers = [*observer.handlers, observer._handler]  # _handler: observer filters
            for handler in handlers:
                changed += _on_the_loop(handler)
                for event_filter in handler.filters or ():
                    changed += _on_the_loop(event_filter)
    return changed
