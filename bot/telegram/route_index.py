"""Let a button press visit only the routers that can handle it.

aiogram offers a callback query to every router in turn, and each router checks each of its
handlers' filters (a CallbackData filter splits the data and raises on a wrong prefix) before
the next router is tried: a press of a member's button passed some twenty routers and dozens
of filters. Once the routers are in place, every router whose callback handlers (its own and
its sub-routers') all filter on a CallbackData class gets a router-level filter on the data's
prefix, so the others are passed over at once (bench/README.md). A router with any other
callback handler (a catch-all, an `F.data` rule) is left as it is, and so is the order: the
same handler answers as before. Router-level outer middlewares still see every press (aiogram
runs them before the router's filters; a router with one is visited, only its filter skips).
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import Any

from aiogram import Router
from aiogram.dispatcher.event.bases import UNHANDLED
from aiogram.filters import Filter
from aiogram.filters.callback_data import CallbackQueryFilter
from aiogram.types import CallbackQuery

# separator → the prefixes a router's handlers take; None: a handler takes other data too
Prefixes = dict[str, frozenset[str]] | None


def _takes(prefixes: dict[str, frozenset[str]], query: Any) -> bool:
    data = getattr(query, "data", None)
    if not data:
        return False  # a CallbackData filter takes no empty data either
    return any(data.split(sep, 1)[0] in keys for sep, keys in prefixes.items())


class CallbackPrefixes(Filter):
    """Router-level filter: the press's data begins with one of these CallbackData prefixes."""

    def __init__(self, prefixes: dict[str, frozenset[str]]) -> None:
        self.prefixes = prefixes

    async def __call__(self, query: CallbackQuery) -> bool:
        return _takes(self.prefixes, query)

    def __str__(self) -> str:
        return self._signature_to_string(prefixes=self.prefixes)


def _merge(into: dict[str, set[str]], found: Prefixes) -> bool:
    if found is None:
        return False
    for sep, keys in found.items():
        into.setdefault(sep, set()).update(keys)
    return True


def _prefixes(router: Router) -> Prefixes:
    """Which prefixes the callback handlers under `router` take (None: not only prefixes)."""
    collected: dict[str, set[str]] = {}
    for handler in router.callback_query.handlers:
        found = [
            f.callback for f in handler.filters or () if isinstance(f.callback, CallbackQueryFilter)
        ]
        if not found:
            return None
        data = found[0].callback_data
        collected.setdefault(data.__separator__, set()).add(data.__prefix__)
    for sub in router.sub_routers:
        if not _merge(collected, _prefixes(sub)):
            return None
    return {sep: frozenset(keys) for sep, keys in collected.items()}


def _pass_over(router: Router, prefixes: dict[str, frozenset[str]]) -> None:
    """A press for other prefixes returns at the router's door: aiogram would first wrap its
    (empty) outer middlewares and copy the update's data three times to reach the filter."""
    visit: Callable[..., Awaitable[Any]] = router.propagate_event

    async def propagate_event(update_type: str, event: Any, **kwargs: Any) -> Any:
        if update_type == "callback_query" and not _takes(prefixes, event):
            return UNHANDLED
        return await visit(update_type, event, **kwargs)

    router.propagate_event = propagate_event  # type: ignore[method-assign]


def index_callbacks(root: Router) -> int:
    """Give each router under `root` (not `root` itself) whose callback handlers all filter
    on CallbackData a filter on those prefixes; returns how many got one. Those without outer
    middlewares on their callback queries are also passed over before aiogram's visit."""
    added = 0
    for router in root.chain_tail:
        if router is root:
            continue
        prefixes = _prefixes(router)
        if prefixes is not None:
            router.callback_query.filter(CallbackPrefixes(prefixes))
            if not router.callback_query.outer_middleware:
                _pass_over(router, prefixes)
            added += 1
    return added
