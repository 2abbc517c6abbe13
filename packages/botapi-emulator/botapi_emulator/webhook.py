"""Webhook delivery: POST each queued update, in order, until the bot's server says 2xx.

Failures are retried with exponential back-off (``retry_base`` doubling up to
``retry_max``) and given up after ``max_attempts``, like Telegram's "reasonable
amount of attempts". A JSON or multipart reply naming a ``method`` is executed as
a Bot API call, as Telegram does with webhook replies.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import time
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from typing import Any

import aiohttp

from .coerce import Upload
from .parsing import decode_webhook_reply, read_multipart
from .updates import UpdateHub, WebhookConfig

SECRET_HEADER = "X-Telegram-Bot-Api-Secret-Token"
Executor = Callable[[str, dict[str, Any], dict[str, Upload]], Awaitable[Any]]


@dataclass(frozen=True, slots=True)
class Delivery:
    update_id: int
    url: str
    status: int | None
    error: str | None
    attempt: int
    time: float

    @property
    def ok(self) -> bool:
        return self.error is None


class WebhookDeliverer:
    def __init__(
        self,
        hub: UpdateHub,
        execute: Executor,
        *,
        retry_base: float = 0.05,
        retry_max: float = 2.0,
        max_attempts: int = 8,
        timeout: float = 10.0,
    ) -> None:
        self.hub = hub
        self.execute = execute
        self.retry_base = retry_base
        self.retry_max = retry_max
        self.max_attempts = max_attempts
        self.timeout = timeout
        self.deliveries: list[Delivery] = []
        self.given_up: list[dict[str, Any]] = []
        self._task: asyncio.Task[None] | None = None
        self._session: aiohttp.ClientSession | None = None

    def start(self, session: aiohttp.ClientSession) -> None:
        self._session = session
        self._task = asyncio.create_task(self._run(), name="emulator-webhook")

    async def stop(self) -> None:
        if self._task is not None:
            self._task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._task
            self._task = None

    async def _run(self) -> None:
        attempts = 0
        while True:
            config, update = self.hub.webhook, self.hub.peek()
            if config is None or update is None:
                attempts = 0
                await self.hub.notifier.wait(None)
                continue
            attempts += 1
            status, error = await self._post(config, update)
            self.deliveries.append(
                Delivery(update["update_id"], config.url, status, error, attempts, time.time())
            )
            if error is None:
                self.hub.remove(update["update_id"])
                attempts = 0
                continue
            config.last_error_date = int(time.time())
            config.last_error_message = error
            if attempts >= self.max_attempts:
                self.hub.remove(update["update_id"])
                self.given_up.append(update)
                attempts = 0
                continue
            await asyncio.sleep(min(self.retry_max, self.retry_base * 2 ** (attempts - 1)))

    async def _post(
        self, config: WebhookConfig, update: dict[str, Any]
    ) -> tuple[int | None, str | None]:
        assert self._session is not None
        headers = {"Content-Type": "application/json"}
        if config.secret_token:
            headers[SECRET_HEADER] = config.secret_token
        try:
            async with self._session.post(
                config.url,
                data=json.dumps(update),
                headers=headers,
                timeout=aiohttp.ClientTimeout(total=self.timeout),
            ) as response:
                if not 200 <= response.status < 300:
                    return (
                        response.status,
                        f"Wrong response from the webhook: {response.status} {response.reason}",
                    )
                await self._run_reply(response)
                return response.status, None
        except TimeoutError:
            return None, "Read timeout expired"
        except aiohttp.ClientConnectorError:
            return None, "Connection refused"
        except aiohttp.ClientError as exc:
            return None, f"Connection error: {type(exc).__name__}"

    async def _run_reply(self, response: aiohttp.ClientResponse) -> None:
        if response.content_type == "multipart/form-data":
            reader = aiohttp.MultipartReader(response.headers, response.content)
            fields, uploads = await read_multipart(reader)
            name = fields.pop("method", None)
            if name:
                await self.execute(name, {**fields, **uploads}, uploads)
            return
        payload = decode_webhook_reply(response.content_type, await response.read())
        if payload is not None:
            name = payload.pop("method")
            await self.execute(name, payload, {})
