"""Let a button press visit only the routers that can handle it.

aiogram offers a callback query to every router in turn, and each router checks each of its
handlers' filters (a CallbackData filter splits the data and raises on a wrong prefix) before
the next router is tried: a press of a member's button passed some twenty routers and dozens
of filters. Once the routers are in place, every router whose callback handlers (its own and
its sub-routers') all filter on a CallbackData class gets a router-level filter on the data's
prefix, so the others are passed over at once (bench/README.md). A router with any other
callback handler (a catch-all, an `F.data` rule) is left as it is, and so is the order: the
same handler answers as before. Router-level outer middlewares still see every press (aiogram
runs them before the router's filters).
"""

from __future__ import annotations

from aiogram import Router
from aiogram.filters import Filter
from aiogram.filters.callback_data import CallbackQueryFilter
from aiogram.types import CallbackQuery

# separator → the prefixes a router's handlers take; None: a handler takes other data too
Prefixes = dict[str, frozenset[str]] | None


class CallbackPrefixes(Filter):
    """Router-level filter: the press's data begins with one of these CallbackData prefixes."""

    def __init__(self, prefixes: dict[str, frozenset[str]]) -> None:
        self.prefixes = prefixes

    async def __call__(self, query: CallbackQuery) -> bool:
        data = query.data
        if not data:
            return False  # a CallbackData filter takes no empty data either
        return any(data.split(sep, 1)[0] in keys for sep, keys in self.prefixes.items())

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


def index_callbacks(root: Router) -> int:
    """Give each router under `root` (not `root` itself) whose callback handlers all filter
    on CallbackData a filter on those prefixes; returns how many got one."""
    added = 0
    for router in root.chain_tail:
        if router is root:
            continue
        prefixes = _prefixes(router)
        if prefixes is not None:
            router.callback_query.filter(CallbackPrefixes(prefixes))
            added += 1
    return added
