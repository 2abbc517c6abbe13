"""Injected faults: scripted failures, seeded random failures, blocked users.

Faults are what a healthy bot must survive; they are logged in ``faults.log`` and
are never counted as rejections. A fault decision is one of: answer with an error
(``ApiError``), drop the connection without an answer, or delay the answer.
"""

from __future__ import annotations

import random
import time
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Literal

from .errors import BLOCKED, DEACTIVATED, ApiError, status_description, too_many_requests

FaultAction = Literal["error", "drop", "delay"]

# Methods that put something into a chat: the ones blocking and random faults affect.
DELIVERY_METHODS = frozenset(
    m.lower()
    for m in (
        "sendMessage",
        "sendPhoto",
        "sendDocument",
        "sendVoice",
        "sendAudio",
        "sendVideo",
        "sendAnimation",
        "sendSticker",
        "sendVideoNote",
        "sendMediaGroup",
        "sendLocation",
        "sendContact",
        "sendPoll",
        "sendDice",
        "sendVenue",
        "copyMessage",
        "copyMessages",
        "forwardMessage",
        "forwardMessages",
    )
)
BLOCKABLE_METHODS = DELIVERY_METHODS | {
    "sendchataction",
    "editmessagetext",
    "editmessagecaption",
    "editmessagereplymarkup",
    "editmessagemedia",
}


@dataclass
class Fault:
    action: FaultAction
    error: ApiError | None = None
    delay: float = 0.0


@dataclass
class FaultRecord:
    method: str
    chat_id: int | None
    action: FaultAction
    status: int | None
    description: str | None
    time: float


@dataclass
class _Rule:
    method: str | None
    chat_id: int | None
    fault: Fault
    remaining: int


@dataclass
class _RandomConfig:
    rng: random.Random
    rate_429: float = 0.0
    rate_5xx: float = 0.0
    rate_blocked: float = 0.0
    rate_drop: float = 0.0
    rate_slow: float = 0.0
    slow_seconds: float = 0.2
    retry_after: int = 1
    methods: frozenset[str] = DELIVERY_METHODS


@dataclass
class Faults:
    log: list[FaultRecord] = field(default_factory=list)

    def __post_init__(self) -> None:
        self._rules: list[_Rule] = []
        self._blocked: dict[int, str] = {}
        self._random: _RandomConfig | None = None

    # -- blocked / deactivated users --------------------------------------
    def block(self, chat_id: int, description: str = f"Forbidden: {BLOCKED}") -> None:
        """Every delivery to ``chat_id`` fails with 403 until ``unblock``."""
        self._blocked[chat_id] = description

    def deactivate(self, chat_id: int) -> None:
        self.block(chat_id, f"Forbidden: {DEACTIVATED}")

    def unblock(self, chat_id: int) -> None:
        self._blocked.pop(chat_id, None)

    def is_blocked(self, chat_id: int) -> bool:
        return chat_id in self._blocked

    # -- scripted faults -------------------------------------------------
    def fail_next(
        self,
        method: str | None,
        status: int,
        description: str | None = None,
        *,
        chat_id: int | None = None,
        count: int = 1,
        retry_after: int | None = None,
    ) -> None:
        """The next ``count`` calls of ``method`` (None: any) fail with ``status``."""
        if status == 429:
            error = too_many_requests(retry_after or 1)
            if description:
                error.description = description
        else:
            error = ApiError(
                status, description or status_description(status), retry_after=retry_after
            )
        self._add(method, chat_id, Fault("error", error), count)

    def drop_next(
        self, method: str | None = None, *, chat_id: int | None = None, count: int = 1
    ) -> None:
        """Close the connection without an answer (the client sees a network error)."""
        self._add(method, chat_id, Fault("drop"), count)

    def delay_next(
        self, method: str | None, seconds: float, *, chat_id: int | None = None, count: int = 1
    ) -> None:
        """Answer the next ``count`` calls only after ``seconds``."""
        self._add(method, chat_id, Fault("delay", delay=seconds), count)

    def _add(self, method: str | None, chat_id: int | None, fault: Fault, count: int) -> None:
        self._rules.append(_Rule(method.lower() if method else None, chat_id, fault, count))

    # -- random faults ---------------------------------------------------
    def set_random(
        self,
        *,
        rate_429: float = 0.0,
        rate_5xx: float = 0.0,
        rate_blocked: float = 0.0,
        rate_drop: float = 0.0,
        rate_slow: float = 0.0,
        slow_seconds: float = 0.2,
        retry_after: int = 1,
        methods: Iterable[str] | None = None,
        seed: int | None = None,
    ) -> None:
        """Fail each delivery call at random with these probabilities (reproducible with seed)."""
        self._random = _RandomConfig(
            random.Random(seed),
            rate_429,
            rate_5xx,
            rate_blocked,
            rate_drop,
            rate_slow,
            slow_seconds,
            retry_after,
            frozenset(m.lower() for m in methods) if methods is not None else DELIVERY_METHODS,
        )

    def clear(self) -> None:
        """Forget scripted and random faults (blocked users stay blocked)."""
        self._rules.clear()
        self._random = None

    # -- decision --------------------------------------------------------
    def pick(self, method: str, chat_id: int | None) -> Fault | None:
        """The fault for this call, if any; ``method`` is lower-case."""
        fault = self._scripted(method, chat_id) or self._blocked_fault(method, chat_id)
        if fault is None:
            fault = self._random_fault(method, chat_id)
        if fault is not None:
            error = fault.error
            self.log.append(
                FaultRecord(
                    method,
                    chat_id,
                    fault.action,
                    error.code if error else None,
                    error.description if error else None,
                    time.time(),
                )
            )
        return fault

    def _scripted(self, method: str, chat_id: int | None) -> Fault | None:
        for rule in self._rules:
            if rule.method not in (None, method):
                continue
            if rule.chat_id is not None and rule.chat_id != chat_id:
                continue
            rule.remaining -= 1
            if rule.remaining <= 0:
                self._rules.remove(rule)
            return rule.fault
        return None

    def _blocked_fault(self, method: str, chat_id: int | None) -> Fault | None:
        if chat_id is None or method not in BLOCKABLE_METHODS:
            return None
        description = self._blocked.get(chat_id)
        return Fault("error", ApiError(403, description)) if description else None

    def _random_fault(self, method: str, chat_id: int | None) -> Fault | None:
        config = self._random
        if config is None or method not in config.methods:
            return None
        roll = config.rng.random()
        if roll < config.rate_429:
            return Fault("error", too_many_requests(config.retry_after))
        roll -= config.rate_429
        if roll < config.rate_5xx:
            status = config.rng.choice((500, 502))
            return Fault("error", ApiError(status, status_description(status)))
        roll -= config.rate_5xx
        if roll < config.rate_blocked:
            description = f"Forbidden: {BLOCKED}"
            if chat_id is not None and chat_id > 0:  # a user who blocks the bot stays blocked
                self.block(chat_id, description)
            return Fault("error", ApiError(403, description))
        roll -= config.rate_blocked
        if roll < config.rate_drop:
            return Fault("drop")
        roll -= config.rate_drop
        if roll < config.rate_slow:
            return Fault("delay", delay=config.slow_seconds)
        return None
