"""The emulator: an aiohttp server speaking the Bot API, plus the people in it."""

from __future__ import annotations

import asyncio
import json
from collections.abc import Sequence
from pathlib import Path
from types import TracebackType
from typing import Any

import aiohttp
from aiohttp import web
from telegram.constants import FileSizeLimit

from .control import add_control_routes
from .core import ApiCore, ApiWarning, Dropped, Rejection, RequestRecord
from .errors import NOT_FOUND, ApiError, bad_request
from .faults import FaultRecord, Faults
from .flood import FloodControl
from .groups import SimGroup
from .methods import load_all
from .parsing import read_request
from .people import SimUser
from .spec import load_spec
from .state import BotRights, MemberStatus, UserState
from .webhook import Delivery, WebhookDeliverer
from .world import World

DEFAULT_TOKEN = "123456789:AAEmulatorTokenForLocalTestingOnly0"


class Emulator:
    """A local Telegram Bot API server for one bot (see the package docstring)."""

    def __init__(
        self,
        token: str = DEFAULT_TOKEN,
        *,
        bot_username: str = "sandbox_bot",
        bot_first_name: str = "Sandbox Bot",
        seed: int = 0,
        spec_path: str | Path | None = None,
        request_log_size: int | None = 10_000,
        privacy_mode: bool = True,
        webhook_retry_base: float = 0.05,
        webhook_max_attempts: int = 8,
    ) -> None:
        bot_id_text = token.split(":", 1)[0]
        if not bot_id_text.isdigit() or ":" not in token:
            raise ValueError("a bot token looks like '<bot id>:<secret>'")
        self.token = token
        self.spec = load_spec(spec_path)
        bot = UserState(
            id=int(bot_id_text), first_name=bot_first_name, username=bot_username, is_bot=True
        )
        self.world = World(self.spec, bot, seed=seed, privacy_mode=privacy_mode)
        self.faults = Faults()
        self.flood = FloodControl()
        self.core = ApiCore(
            self.world,
            load_all(),
            faults=self.faults,
            flood=self.flood,
            request_log_size=request_log_size,
            fetch=self._fetch,
        )
        self.webhook = WebhookDeliverer(
            self.world.updates,
            self.core.execute,
            retry_base=webhook_retry_base,
            max_attempts=webhook_max_attempts,
        )
        self.users: dict[int, SimUser] = {}
        self.groups: dict[int, SimGroup] = {}
        self._runner: web.AppRunner | None = None
        self._session: aiohttp.ClientSession | None = None
        self.host = "127.0.0.1"
        self.port = 0
        self.closed = False

    # -- lifecycle -----------------------------------------------------------
    async def start(self, host: str = "127.0.0.1", port: int = 0) -> Emulator:
        app = web.Application(client_max_size=FileSizeLimit.FILESIZE_UPLOAD + 1024 * 1024)
        app.router.add_route("*", "/bot{token}/{method}", self._handle_api)
        app.router.add_get("/file/bot{token}/{path:.+}", self._handle_file)
        add_control_routes(app, self)
        self._runner = web.AppRunner(
            app, access_log=None, handle_signals=False, shutdown_timeout=1.0
        )
        await self._runner.setup()
        await web.TCPSite(self._runner, host, port).start()
        self.host, self.port = host, int(self._runner.addresses[0][1])
        self._session = aiohttp.ClientSession()
        self.webhook.start(self._session)
        return self

    async def stop(self) -> None:
        self.closed = True
        self.world.updates.close()
        self.world.events.notifier.notify()
        await self.webhook.stop()
        if self._session is not None:
            await self._session.close()
            self._session = None
        if self._runner is not None:
            await self._runner.cleanup()
            self._runner = None

    async def __aenter__(self) -> Emulator:
        return await self.start()

    async def __aexit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        await self.stop()

    @property
    def api_url(self) -> str:
        """Base URL for the bot (``TELEGRAM_API_URL``; aiogram: ``TelegramAPIServer.from_base``)."""
        if not self.port:
            raise RuntimeError("the emulator is not started")
        return f"http://{self.host}:{self.port}"

    async def wait_until_polling(self, timeout: float = 5.0) -> None:
        """Return once the bot has a getUpdates request waiting (long polling started)."""
        hub = self.world.updates
        loop = asyncio.get_running_loop()
        deadline = loop.time() + timeout
        while not hub.polling:
            if not await hub.notifier.wait(deadline - loop.time()):
                if hub.polling:
                    return
                raise TimeoutError(f"the bot did not call getUpdates within {timeout:g}s")

    async def wait_for_fault(
        self, method: str | None = None, *, chat_id: int | None = None, timeout: float = 5.0
    ) -> FaultRecord:
        """The first fault in ``fault_log`` that hit ``method`` (any: None) in ``chat_id``
        (any: None), waiting for it if it has not happened yet (no sleeping)."""
        wanted = method.lower() if method else None

        def find() -> FaultRecord | None:
            return next(
                (
                    f
                    for f in self.fault_log
                    if (wanted is None or f.method == wanted)
                    and (chat_id is None or f.chat_id == chat_id)
                ),
                None,
            )

        notifier = self.world.events.notifier
        loop = asyncio.get_running_loop()
        deadline = loop.time() + timeout
        while (found := find()) is None:
            if not await notifier.wait(deadline - loop.time()) and (found := find()) is None:
                raise TimeoutError(f"no fault on {method or 'any method'} within {timeout:g}s")
        return found

    # -- logs ------------------------------------------------------------------
    @property
    def requests(self) -> list[RequestRecord]:
        return list(self.core.requests)

    @property
    def rejections(self) -> list[Rejection]:
        return self.core.rejections

    @property
    def warnings(self) -> list[ApiWarning]:
        return self.core.warnings

    @property
    def fault_log(self) -> list[FaultRecord]:
        return self.faults.log

    @property
    def deliveries(self) -> list[Delivery]:
        return self.webhook.deliveries

    def assert_no_rejections(self) -> None:
        if self.rejections:
            listing = "\n".join(f"  {r}" for r in self.rejections)
            raise AssertionError(f"{len(self.rejections)} bot request(s) rejected:\n{listing}")

    def method_calls(self, method: str) -> list[RequestRecord]:
        name = method.lower()
        return [r for r in self.core.requests if r.method.lower() == name]

    # -- people ----------------------------------------------------------------
    def create_user(
        self,
        first_name: str = "Amina",
        language_code: str | None = None,
        username: str | None = None,
        last_name: str | None = None,
        *,
        started: bool = True,
        user_id: int | None = None,
        is_premium: bool | None = None,
    ) -> SimUser:
        """A person; ``started=False`` means they never wrote to the bot (sends get 403)."""
        state = self.world.add_user(
            first_name,
            last_name=last_name,
            username=username,
            language_code=language_code,
            user_id=user_id,
            is_premium=is_premium,
        )
        self.world.chats[state.id].bot_started = started
        user = SimUser(self, state)
        self.users[user.id] = user
        return user

    def create_group(
        self,
        title: str,
        *,
        forum: bool = True,
        members: Sequence[SimUser] = (),
        admins: Sequence[SimUser] = (),
        owner: SimUser | None = None,
        bot_is_admin: bool = True,
        bot_can_manage_topics: bool = True,
        bot_can_delete_messages: bool = True,
        username: str | None = None,
    ) -> SimGroup:
        """A supergroup with the bot in it; ``forum=True`` makes it a forum with topics."""
        roles: dict[int, MemberStatus] = {user.id: "member" for user in members}
        roles.update({user.id: "administrator" for user in admins})
        if owner is not None:
            roles[owner.id] = "creator"
        rights = BotRights(
            status="administrator" if bot_is_admin else "member",
            can_manage_topics=bot_is_admin and bot_can_manage_topics,
            can_delete_messages=bot_is_admin and bot_can_delete_messages,
            can_pin_messages=bot_is_admin,
        )
        chat = self.world.add_group(
            title, forum=forum, members=roles, bot_rights=rights, username=username
        )
        group = SimGroup(self, chat)
        self.groups[group.id] = group
        return group

    # -- direct calls ----------------------------------------------------------
    async def api(self, method: str, **params: Any) -> Any:
        """Call a Bot API method in-process (validated and logged like HTTP calls)."""
        outcome = await self.core.execute(method, params, {})
        if isinstance(outcome, Dropped):
            raise ConnectionResetError(f"{method}: connection dropped (injected fault)")
        status, body = outcome
        if not body["ok"]:
            parameters = body.get("parameters", {})
            raise ApiError(status, body["description"], retry_after=parameters.get("retry_after"))
        return body["result"]

    # -- HTTP ------------------------------------------------------------------
    async def _handle_api(self, request: web.Request) -> web.StreamResponse:
        method = request.match_info["method"]
        if request.match_info["token"] != self.token:
            return _json(*self.core.reject_unauthorized(method))
        try:
            raw, uploads = await read_request(request)
        except ApiError as error:
            return _json(error.code, error.envelope())
        outcome = await self.core.execute(method, raw, uploads)
        if isinstance(outcome, Dropped):
            if request.transport is not None:
                request.transport.close()
            return web.Response()
        return _json(*outcome)

    async def _handle_file(self, request: web.Request) -> web.StreamResponse:
        stored = self.world.files.by_path(request.match_info["path"])
        if request.match_info["token"] != self.token or stored is None:
            status = 401 if request.match_info["token"] != self.token else 404
            description = "Unauthorized" if status == 401 else NOT_FOUND
            return _json(status, {"ok": False, "error_code": status, "description": description})
        return web.Response(
            body=stored.data, content_type=stored.mime_type or "application/octet-stream"
        )

    async def _fetch(self, url: str) -> bytes:
        if self._session is None:
            raise bad_request("failed to get HTTP URL content")
        try:
            async with self._session.get(url, timeout=aiohttp.ClientTimeout(total=10)) as response:
                if response.status != 200:
                    raise bad_request("failed to get HTTP URL content")
                return await response.read()
        except aiohttp.ClientError:
            raise bad_request("failed to get HTTP URL content") from None


def _json(status: int, body: dict[str, Any]) -> web.Response:
    return web.Response(
        body=json.dumps(body, ensure_ascii=False, separators=(",", ":")).encode(),
        status=status,
        content_type="application/json",
    )
