"""Router-level filters on CallbackData prefixes and on what message handlers take
(bot/telegram/route_index.py)."""

from __future__ import annotations

import asyncio

from aiogram import Dispatcher, F, Router
from aiogram.dispatcher.event.bases import UNHANDLED
from aiogram.filters import Command, CommandStart, Filter, StateFilter
from aiogram.filters.callback_data import CallbackData
from aiogram.fsm.state import State, StatesGroup
from aiogram.types import CallbackQuery, Chat, Message, User

from bot.filters import MenuButton
from bot.telegram.route_index import (
    CallbackPrefixes,
    MessageKey,
    MessageTakes,
    index_callbacks,
    index_messages,
)
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


# -- messages -------------------------------------------------------------------------------


class Flow(StatesGroup):
    name = State()
    text = State()


def _message(text: str | None = None, caption: str | None = None) -> Message:
    chat = Chat(id=1, type="private")
    user = User(id=1, is_bot=False, first_name="A")
    return Message(message_id=1, date=0, chat=chat, from_user=user, text=text, caption=caption)


def _takes(router: Router) -> MessageTakes | None:
    found = [
        f.callback
        for f in router.message._handler.filters or ()
        if isinstance(f.callback, MessageTakes)
    ]
    return found[0] if found else None


def test_a_router_whose_message_handlers_all_name_what_they_take_gets_a_filter() -> None:
    root = Dispatcher()
    commands, states, mixed, menu = Router(), Router(), Router(), Router()
    commands.message.register(lambda m: None, Command("help", "Pause"))
    commands.message.register(lambda m: None, CommandStart())
    states.message.register(lambda m: None, StateFilter(Flow), F.text)
    states.message.register(lambda m: None, F.photo, Flow.name)  # the state stands for it
    mixed.message.register(lambda m: None, Command("help"))
    mixed.message.register(lambda m: None, F.text)  # says nothing: visit for every message
    menu.message.register(lambda m: None, MenuButton("ask"))
    root.include_routers(commands, states, mixed, menu)

    assert index_messages(root) == 3
    assert _takes(mixed) is None and _takes(root) is None
    on_commands, on_states, on_menu = _takes(commands), _takes(states), _takes(menu)
    assert on_commands and on_states and on_menu
    run = asyncio.run
    assert run(on_commands(_message("/help"), None))
    assert run(on_commands(_message("  /PAUSE@expertpool_bot now"), None))  # as aiogram reads
    assert run(on_commands(_message(caption="/start x"), None))
    assert not run(on_commands(_message("/helpme"), None))
    assert not run(on_commands(_message("help"), None))
    assert not run(on_commands(_message(), None))
    assert run(on_states(_message("hi"), Flow.text.state))
    assert not run(on_states(_message("hi"), None))
    assert not run(on_states(_message("hi"), "Other:state"))
    assert run(on_menu(_message("anything with text"), None))
    assert not run(on_menu(_message(caption="a photo"), None))


class HelpOnly(Filter):
    """Says it takes /help only, and counts how often it is asked."""

    def __init__(self) -> None:
        self.asked = 0

    async def __call__(self, message: Message) -> bool:
        self.asked += 1
        return message.text == "/help"

    def routes_messages(self) -> MessageKey:
        return MessageKey(commands=frozenset({"help"}))


def test_a_message_none_of_its_handlers_takes_returns_at_the_door() -> None:
    handled: list[str] = []
    root = Dispatcher()
    router = Router()
    check = HelpOnly()

    async def on_help(message: Message) -> None:
        handled.append(message.text or "")

    router.message.register(on_help, check)
    root.include_router(router)
    index_messages(root)

    async def send(text: str) -> object:
        return await router.propagate_event("message", _message(text), raw_state=None)

    assert asyncio.run(send("/start")) is UNHANDLED
    assert asyncio.run(send("some text")) is UNHANDLED
    assert check.asked == 0  # passed over: the handler's filter never ran
    asyncio.run(send("/help"))
    assert handled == ["/help"] and check.asked == 1


def test_the_bot_routers_a_member_message_passes() -> None:
    """A member's /start and typed text skip the staff routers and still reach onboarding,
    the unknown-command reply and the catch-all."""
    root = Dispatcher()
    root.include_routers(*get_routers())
    index_messages(root)
    by_name = {router.name: router for router in root.chain_tail}
    for name in ("handlers.onboarding", "handlers.common", "handlers.questions"):
        assert _takes(by_name[name]) is None, name  # visited by every message
    admin, unknown = _takes(by_name["handlers.admin"]), _takes(by_name["handlers.common.guard"])
    assert admin and unknown
    run = asyncio.run
    assert not run(admin(_message("/start"), None)) and run(admin(_message("/members"), None))
    assert not run(admin(_message("my name"), None))
    assert run(unknown(_message("/nonsense"), None)) and not run(unknown(_message("/start"), None))


def test_in_a_router_still_visited_a_handler_is_skipped_by_what_it_does_not_take() -> None:
    handled: list[str] = []
    root = Dispatcher()
    router = Router()
    check = HelpOnly()

    async def on_help(message: Message) -> None:
        handled.append("help")

    async def on_text(message: Message) -> None:
        handled.append(message.text or "")

    router.message.register(on_help, check)
    router.message.register(on_text, F.text)  # says nothing: the router is visited
    root.include_router(router)
    index_messages(root)
    assert _takes(router) is None

    async def send(text: str) -> object:
        return await router.propagate_event("message", _message(text), raw_state=None)

    asyncio.run(send("some text"))
    asyncio.run(send("/start"))
    assert check.asked == 0  # the /help handler's filters never ran
    asyncio.run(send("/help"))
    assert handled == ["some text", "/start", "help"] and check.asked == 1
