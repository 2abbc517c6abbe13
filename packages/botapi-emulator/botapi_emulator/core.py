"""Executing one Bot API call: lookup, validation, faults, flood control, handler, logs."""

from __future__ import annotations

import asyncio
import time
from collections import deque
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from typing import Any, Final, NamedTuple

from .coerce import Coercer, Upload
from .errors import CONFLICT_TERMINATED, NOT_FOUND, ApiError, bad_request
from .faults import DELIVERY_METHODS, Faults
from .flood import FloodControl
from .methods import Call, Handler
from .world import World

# Parameters Telegram still honours although the current docs no longer list them.
LEGACY_PARAMS: Final = {
    "reply_to_message_id": ("Integer", "reply_parameters"),
    "allow_sending_without_reply": ("Boolean", "reply_parameters"),
    "disable_web_page_preview": ("Boolean", "link_preview_options"),
}


class Dropped:
    """Outcome of an injected dropped connection: close it without answering."""


DROP: Final = Dropped()


class Answer(NamedTuple):
    status: int
    body: dict[str, Any]


@dataclass(frozen=True, slots=True)
class RequestRecord:
    method: str
    params: dict[str, Any]
    status: int
    description: str | None
    time: float


@dataclass(frozen=True, slots=True)
class Rejection:
    """A request Telegram would refuse: the bot has a bug (or the test wants this)."""

    method: str
    params: dict[str, Any]
    status: int
    description: str

    def __str__(self) -> str:
        return f"{self.method} -> {self.status} {self.description} (params: {self.params!r})"


@dataclass(frozen=True, slots=True)
class ApiWarning:
    method: str
    message: str


Outcome = Answer | Dropped


class ApiCore:
    def __init__(
        self,
        world: World,
        handlers: dict[str, Handler],
        *,
        faults: Faults,
        flood: FloodControl,
        request_log_size: int | None,
        fetch: Callable[[str], Awaitable[bytes]] | None = None,
    ) -> None:
        self.world = world
        self.handlers = handlers
        self.coercer = Coercer(world.spec)
        self.faults = faults
        self.flood = flood
        self.fetch = fetch
        self.requests: deque[RequestRecord] = deque(maxlen=request_log_size)
        self.rejections: list[Rejection] = []
        self.warnings: list[ApiWarning] = []

    async def execute(self, name: str, raw: dict[str, Any], uploads: dict[str, Upload]) -> Outcome:
        spec = self.world.spec.method(name)
        if spec is None:
            return self._reject(name, raw, ApiError(404, NOT_FOUND))
        lower = spec.name.lower()
        try:
            params, unknown = self.coercer.params(spec, _without_legacy(spec.fields, raw), uploads)
        except ApiError as error:
            return self._reject(spec.name, raw, error)
        self._legacy(spec.fields, raw, params, unknown)
        for param in unknown:
            self.warnings.append(ApiWarning(spec.name, f"unknown parameter {param!r}"))
        fault_outcome = await self._fault(lower, spec.name, params)
        if fault_outcome is not None:
            return fault_outcome
        if lower in DELIVERY_METHODS and self.flood.enabled:
            chat_id = params.get("chat_id")
            chat = self.world.chats.get(chat_id) if isinstance(chat_id, int) else None
            try:
                self.flood.check(
                    chat_id if isinstance(chat_id, int) else None, bool(chat and chat.is_group)
                )
            except ApiError as error:
                return self._answer(spec.name, params, error)
        handler = self.handlers.get(lower)
        if handler is None:
            return self._reject(
                spec.name,
                params,
                bad_request(f"method {spec.name} is not implemented in the emulator"),
            )
        call = Call(spec.name, params, self.world, uploads, self.fetch)
        try:
            result = await handler(call)
        except ApiError as error:
            if error.description == CONFLICT_TERMINATED:
                return self._answer(spec.name, params, error)
            return self._reject(spec.name, params, error)
        self.requests.append(RequestRecord(spec.name, params, 200, None, time.time()))
        return Answer(200, {"ok": True, "result": result})

    def reject_unauthorized(self, name: str) -> Answer:
        return self._reject(name, {}, ApiError(401, "Unauthorized"))

    async def _fault(self, lower: str, name: str, params: dict[str, Any]) -> Outcome | None:
        chat_id = params.get("chat_id")
        if isinstance(chat_id, str):
            chat = next((c for c in self.world.chats.values() if f"@{c.username}" == chat_id), None)
            chat_id = chat.id if chat else None
        fault = self.faults.pick(lower, chat_id)
        if fault is None:
            return None
        self.world.events.notifier.notify()  # a test may wait for a fault to fire
        if fault.action == "delay":
            await asyncio.sleep(fault.delay)
            return None
        if fault.action == "drop":
            self.requests.append(RequestRecord(name, params, 0, "connection dropped", time.time()))
            return DROP
        assert fault.error is not None
        return self._answer(name, params, fault.error)

    def _answer(self, name: str, params: dict[str, Any], error: ApiError) -> Answer:
        self.requests.append(
            RequestRecord(name, params, error.code, error.description, time.time())
        )
        return Answer(error.code, error.envelope())

    def _reject(self, name: str, params: dict[str, Any], error: ApiError) -> Answer:
        self.rejections.append(Rejection(name, _loggable(params), error.code, error.description))
        self.world.events.add("rejection", data={"method": name, "description": error.description})
        return self._answer(name, _loggable(params), error)

    def _legacy(
        self,
        fields: dict[str, Any],
        raw: dict[str, Any],
        params: dict[str, Any],
        unknown: list[str],
    ) -> None:
        for name, (kind, replacement) in LEGACY_PARAMS.items():
            if name not in raw or replacement not in fields:
                continue
            value = raw[name]
            if kind == "Integer":
                try:
                    params[name] = int(value)
                except (TypeError, ValueError):
                    unknown.append(name)
            else:
                params[name] = value is True or str(value).lower() in ("true", "1")


def _without_legacy(fields: dict[str, Any], raw: dict[str, Any]) -> dict[str, Any]:
    if not any(name in raw for name in LEGACY_PARAMS):
        return raw
    return {
        k: v for k, v in raw.items() if k not in LEGACY_PARAMS or LEGACY_PARAMS[k][1] not in fields
    }


def _loggable(params: dict[str, Any]) -> dict[str, Any]:
    return {
        k: (f"<file {v.filename!r}, {len(v.data)} bytes>" if isinstance(v, Upload) else v)
        for k, v in params.items()
    }
