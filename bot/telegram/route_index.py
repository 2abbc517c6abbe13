"""Let a button press or a message visit only the routers that can handle it.

aiogram offers a callback query to every router in turn, and each router checks each of its
handlers' filters (a CallbackData filter splits the data and raises on a wrong prefix) before
the next router is tried: a press of a member's button passed some twenty routers and dozens
of filters. Once the routers are in place, every router whose callback handlers (its own and
its sub-routers') all filter on a CallbackData class gets a router-level filter on the data's
prefix, so the others are passed over at once (bench/README.md). A router with any other
callback handler (a catch-all, an `F.data` rule) is left as it is, and so is the order: the
same handler answers as before. Router-level outer middlewares still see every press (aiogram
runs them before the router's filters; a router with one is visited, only its filter skips).

Messages the same way (`index_messages`): a message handler can only run when each of its
filters passes, so one filter that names what it takes stands for the handler: a command
(aiogram's Command and CommandStart with the "/" prefix), a state (StateFilter, State,
StatesGroup), or a filter of this bot that says so (`routes_messages()`: a menu button takes
texts, the unknown-command reply takes commands no handler knows). A router whose message
handlers all have such a filter is passed over by messages none of them takes: a member's
/start no longer runs some fifty command filters on the way to onboarding. The check here
is looser than the filters' own (commands compared case-folded, mentions ignored), never
stricter, so the filters still decide.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from typing import Any

from aiogram import Router
from aiogram.dispatcher.event.bases import UNHANDLED
from aiogram.dispatcher.event.handler import HandlerObject
from aiogram.filters import Command, Filter, StateFilter
from aiogram.filters.callback_data import CallbackQueryFilter
from aiogram.fsm.state import State, StatesGroup
from aiogram.types import CallbackQuery, Message

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


def _pass_over(router: Router, kind: str, takes: Callable[[Any, Any], bool]) -> None:
    """An event of `kind` that `takes(event, raw_state)` refuses returns at the
    router's door: aiogram would first wrap its (empty) outer middlewares and copy the
    update's data three times to reach the filter."""
    visit: Callable[..., Awaitable[Any]] = router.propagate_event

    async def propagate_event(update_type: str, event: Any, **kwargs: Any) -> Any:
        if update_type == kind and not takes(event, kwargs.get("raw_state")):
            return UNHANDLED
        return await visit(update_type, event, **kwargs)

    router.propagate_event = propagate_event  # type: ignore[method-assign]


def index_callbacks(root: Router) -> int:
    """Give each router under `root` (not `root` itself) whose callback handlers all filter
    on CallbackData a filter on those prefixes; returns how many got one. Those without outer
    middlewares on their callback queries are also passed over before aiogram's visit."""
    return _index(
        root, "callback_query", _prefixes, CallbackPrefixes, lambda p: lambda q, _: _takes(p, q)
    )


def _index(
    root: Router,
    kind: str,
    find: Callable[[Router], Any],
    router_filter: Callable[[Any], Filter],
    takes: Callable[[Any], Callable[[Any, Any], bool]],
) -> int:
    """Each router under `root` for which `find` says what its `kind` handlers take gets
    `router_filter` of it, and without outer middlewares is passed over by what it does not
    take; returns how many."""
    added = 0
    for router in root.chain_tail:
        if router is root:
            continue
        found = find(router)
        if found is None:
            continue
        observer = router.observers[kind]
        observer.filter(router_filter(found))
        if not observer.outer_middleware:
            _pass_over(router, kind, takes(found))
        added += 1
    return added


# -- messages --------------------------------------------------------------------------------


@dataclass(frozen=True)
class MessageKey:
    """What a message filter takes, at most (a filter's `routes_messages()` returns one)."""

    commands: frozenset[str] = frozenset()  # these commands (case-folded names)
    other_commands: frozenset[str] | None = None  # any command but these
    text: bool = False  # any message with text
    states: frozenset[str | None] = frozenset()  # in one of these FSM states (None: none)


def command_of(message: Any) -> str | None:
    """`/Foo@bot args` (text or caption, as aiogram's Command reads) → "foo"."""
    text = getattr(message, "text", None) or getattr(message, "caption", None)
    if not text:
        return None
    head = text.split(maxsplit=1)
    if not head or not head[0].startswith("/"):
        return None
    return head[0][1:].partition("@")[0].casefold()


def _state_names(state: Any) -> frozenset[str | None] | None:
    if state is None:
        return frozenset({None})
    if isinstance(state, str):
        return None if state == "*" else frozenset({state})
    if isinstance(state, State):
        return None if state.state == "*" else frozenset({state.state})
    if isinstance(state, StatesGroup):
        return frozenset(type(state).__all_states_names__)
    if isinstance(state, type) and issubclass(state, StatesGroup):
        return frozenset(state.__all_states_names__)
    return None


def message_key(check: Any) -> MessageKey | None:
    """What one filter takes, or None when it does not say."""
    if isinstance(check, Command):
        if tuple(check.prefix) != ("/",) or not all(isinstance(c, str) for c in check.commands):
            return None
        return MessageKey(commands=frozenset(str(c).casefold() for c in check.commands))
    if isinstance(check, StateFilter):
        names: set[str | None] = set()
        for state in check.states:
            found = _state_names(state)
            if found is None:
                return None
            names |= found
        return MessageKey(states=frozenset(names))
    if isinstance(check, (State, StatesGroup)):
        found = _state_names(check)
        return None if found is None else MessageKey(states=found)
    routes = getattr(check, "routes_messages", None)
    return routes() if callable(routes) else None


@dataclass
class _Takes:
    commands: set[str] = field(default_factory=set)
    other_commands: list[frozenset[str]] = field(default_factory=list)
    text: bool = False
    states: set[str | None] = field(default_factory=set)

    def add(self, key: MessageKey) -> None:
        self.commands |= key.commands
        if key.other_commands is not None:
            self.other_commands.append(key.other_commands)
        self.text = self.text or key.text
        self.states |= key.states

    def merge(self, other: _Takes) -> None:
        self.commands |= other.commands
        self.other_commands += other.other_commands
        self.text = self.text or other.text
        self.states |= other.states

    def __call__(self, message: Any, raw_state: Any) -> bool:
        if raw_state in self.states:
            return True
        if self.text and getattr(message, "text", None):
            return True
        if not self.commands and not self.other_commands:
            return False
        name = command_of(message)
        if name is None:
            return False
        return name in self.commands or any(name not in k for k in self.other_commands)


def _handler_key(handler: HandlerObject) -> MessageKey | None:
    keys = (message_key(f.callback) for f in handler.filters or ())
    return next((k for k in keys if k is not None), None)


def _message_takes(router: Router) -> _Takes | None:
    """What the message handlers under `router` take (None: one of them does not say)."""
    takes = _Takes()
    for handler in router.message.handlers:
        key = _handler_key(handler)
        if key is None:
            return None
        takes.add(key)
    for sub in router.sub_routers:
        found = _message_takes(sub)
        if found is None:
            return None
        takes.merge(found)
    return takes


class MessageTakes(Filter):
    """Router-level filter: a message one of the router's handlers may take."""

    def __init__(self, takes: _Takes) -> None:
        self.takes = takes

    async def __call__(self, message: Message, raw_state: str | None = None) -> bool:
        return self.takes(message, raw_state)


def index_messages(root: Router) -> int:
    """As `index_callbacks`, for messages: returns how many routers got a filter. In the
    routers still visited, a handler whose filters say what they take is skipped at once by
    other messages, before aiogram runs its filters one by one."""
    for router in root.chain_tail:
        for handler in router.message.handlers:
            key = _handler_key(handler)
            if key is not None:
                takes = _Takes()
                takes.add(key)
                _check_first(handler, takes)
    return _index(root, "message", _message_takes, MessageTakes, lambda takes: takes)


def _check_first(handler: HandlerObject, takes: _Takes) -> None:
    check = handler.check

    async def early(*args: Any, **kwargs: Any) -> tuple[bool, dict[str, Any]]:
        if args and not takes(args[0], kwargs.get("raw_state")):
            return False, kwargs
        return await check(*args, **kwargs)

    handler.check = early  # type: ignore[method-assign]
