"""Router-level CallbackData prefix filters (bot/telegram/route_index.py)."""

from __future__ import annotations

import asyncio

from aiogram import Dispatcher, Router
from aiogram.dispatcher.event.bases import UNHANDLED
from aiogram.filters.callback_data import CallbackData
from aiogram.types import CallbackQuery, User

from bot.telegram.route_index import CallbackPrefixes, index_callbacks
from handlers import get_routers


class Pick(CallbackData, prefix="pick"):
    n: int


class Other(CallbackData, prefix="oth", sep="|"):
    n: int


def _query(data: str | None) -> CallbackQuery:
    user = User(id=1, is_bot=False, first_name="A")
    return CallbackQuery(id="1", from_user=user, chat_instance="c", data=data)


def _prefix_filters(router: Router) -> list[CallbackPrefixes]:
    return [
        f.callback
        for f in router.callback_query._handler.filters or ()
        if isinstance(f.callback, CallbackPrefixes)
    ]


def test_only_routers_whose_handlers_all_take_callback_data_are_filtered() -> None:
    root = Dispatcher()
    typed, mixed, parent, child = Router(), Router(), Router(), Router()
    typed.callback_query.register(lambda q: None, Pick.filter())
    mixed.callback_query.register(lambda q: None, Pick.filter())
    mixed.callback_query.register(lambda q: None)  # a catch-all: visit it for every press
    child.callback_query.register(lambda q: None, Other.filter())
    parent.include_router(child)
    root.include_routers(typed, mixed, parent)

    assert index_callbacks(root) == 3
    assert not _prefix_filters(root) and not _prefix_filters(mixed)
    (on_typed,) = _prefix_filters(typed)
    (on_parent,) = _prefix_filters(parent)  # its sub-router's prefixes
    run = asyncio.run
    assert run(on_typed(_query("pick:3"))) and not run(on_typed(_query("oth|3")))
    assert run(on_parent(_query("oth|3"))) and not run(on_parent(_query("pick:3")))
    assert not run(on_typed(_query(None)))


def test_the_bot_routers_keep_their_catch_alls() -> None:
    root = Dispatcher()
    root.include_routers(*get_routers())
    index_callbacks(root)
    by_name = {router.name: router for router in root.chain_tail}
    assert not _prefix_filters(by_name["handlers.common"])  # stale buttons
    assert not _prefix_filters(by_name["handlers.consent_gate"])
    (onboarding,) = _prefix_filters(by_name["handlers.onboarding"])
    assert {"lang", "consent", "quotes", "region", "intake"} <= onboarding.prefixes[":"]


def test_a_press_for_other_prefixes_is_passed_over_unless_the_router_has_outer_middleware() -> None:
    seen: list[str] = []

    async def outer(handler, event, data):  # type: ignore[no-untyped-def]
        seen.append(event.data)
        return await handler(event, data)

    root = Dispatcher()
    plain, watched = Router(), Router()
    plain.callback_query.register(lambda q: None, Pick.filter())
    watched.callback_query.register(lambda q: None, Pick.filter())
    watched.callback_query.outer_middleware(outer)
    root.include_routers(plain, watched)
    index_callbacks(root)
    assert "propagate_event" in vars(plain) and "propagate_event" not in vars(watched)

    async def press(router: Router, data: str) -> object:
        return await router.propagate_event("callback_query", _query(data))

    assert asyncio.run(press(plain, "oth|1")) is UNHANDLED
    assert asyncio.run(press(watched, "oth|1")) is UNHANDLED
    assert seen == ["oth|1"]  # the outer middleware still saw the press
