"""Webhook mode: secret token on every request, /healthz, setWebhook on start, the real process."""

from __future__ import annotations

import asyncio
import json
import random
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import aiohttp
import pytest
from aiogram import Bot, Dispatcher, Router
from aiogram.filters import Command
from aiogram.types import Message
from aiohttp import web
from aiohttp.test_utils import TestClient, TestServer
from prometheus_client.parser import text_string_to_metric_families
from redis.asyncio import Redis

from bot.config import ConfigError, Settings, load_settings
from bot.factory import create_bot
from bot.scale.health import HealthCheck
from bot.scale.storage import create_storage, storage_redis
from bot.scale.webhook import SECRET_HEADER, create_webhook_app, webhook_server
from db.engine import create_engine
from tests.process import BotProcess
from tests.servers import closed_port, redis_url

SECRET = "s3cret_-Token"
PATH = "/telegram/webhook"


def update(update_id: int, text: str) -> dict[str, Any]:
    return {
        "update_id": update_id,
        "message": {
            "message_id": update_id,
            "date": 1_700_000_000,
            "chat": {"id": 7, "type": "private"},
            "from": {"id": 7, "is_bot": False, "first_name": "Amal"},
            "text": text,
        },
    }


def recording_dispatcher(seen: list[str]) -> Dispatcher:
    router = Router()

    @router.message(Command("boom"))
    async def boom(message: Message) -> None:
        raise RuntimeError("handler bug")

    @router.message()
    async def record(message: Message) -> None:
        seen.append(message.text or "")

    dp = Dispatcher()
    dp.include_router(router)
    return dp


@pytest.fixture
async def bot() -> AsyncIterator[Bot]:
    bot = Bot("42:TEST")
    yield bot
    await bot.session.close()


@pytest.fixture
async def webhook(bot: Bot) -> AsyncIterator[tuple[TestClient[Any, Any], list[str]]]:
    seen: list[str] = []
    app = create_webhook_app(recording_dispatcher(seen), bot, secret_token=SECRET, path=PATH)
    async with TestClient(TestServer(app)) as client:
        yield client, seen


@pytest.mark.parametrize(
    "headers",
    [
        {},
        {SECRET_HEADER: ""},
        {SECRET_HEADER: "wrong"},
        {SECRET_HEADER: SECRET[:-1] + "X"},
        {SECRET_HEADER: SECRET + "x"},
        {SECRET_HEADER.lower(): SECRET[:-1]},
    ],
    ids=["missing", "empty", "wrong", "same-length", "longer", "prefix"],
)
async def test_wrong_or_missing_secret_is_401_and_nothing_is_processed(
    webhook: tuple[TestClient[Any, Any], list[str]], headers: dict[str, str]
) -> None:
    client, seen = webhook
    response = await client.post(PATH, json=update(1, "sneaky"), headers=headers)
    assert response.status == 401
    assert seen == []
    # Updates are handled before the answer, so a later good request proves nothing was queued.
    response = await client.post(PATH, json=update(2, "hello"), headers={SECRET_HEADER: SECRET})
    assert response.status == 200
    assert seen == ["hello"]


async def test_right_secret_is_processed_and_bad_bodies_are_rejected(
    webhook: tuple[TestClient[Any, Any], list[str]],
) -> None:
    client, seen = webhook
    good = {SECRET_HEADER: SECRET}
    assert (await client.post(PATH, json=update(1, "hoi"), headers=good)).status == 200
    assert (await client.post(PATH, data=b"{not json", headers=good)).status == 400
    assert (await client.post(PATH, json={"message": "no id"}, headers=good)).status == 400
    assert (await client.get(PATH, headers=good)).status == 405
    assert seen == ["hoi"]


async def test_failing_handler_still_answers_200_so_telegram_moves_on(
    webhook: tuple[TestClient[Any, Any], list[str]], caplog: pytest.LogCaptureFixture
) -> None:
    client, seen = webhook
    response = await client.post(PATH, json=update(1, "/boom"), headers={SECRET_HEADER: SECRET})
    assert response.status == 200
    assert any("handler bug" in r.getMessage() for r in caplog.records)
    response = await client.post(PATH, json=update(2, "next"), headers={SECRET_HEADER: SECRET})
    assert seen == ["next"]


def test_webhook_handler_refuses_an_empty_secret(bot: Bot) -> None:
    with pytest.raises(ValueError, match="secret"):
        create_webhook_app(Dispatcher(), bot, secret_token="", path=PATH)


async def _health(bot: Bot, health: HealthCheck) -> tuple[int, dict[str, str]]:
    app = create_webhook_app(Dispatcher(), bot, secret_token=SECRET, path=PATH, health=health)
    async with TestClient(TestServer(app)) as client:
        response = await client.get("/healthz")
        return response.status, await response.json()


async def test_healthz_ok_with_database_and_redis(bot: Bot, database_url: str) -> None:
    engine = create_engine(database_url)
    storage = create_storage(load_settings(_env_file=None, redis_url=redis_url()))
    try:
        assert await _health(bot, HealthCheck(engine, storage_redis(storage))) == (
            200,
            {"database": "ok", "redis": "ok"},
        )
        assert await _health(bot, HealthCheck(engine)) == (
            200,
            {"database": "ok", "redis": "not configured"},
        )
    finally:
        await storage.close()
        await engine.dispose()


async def test_healthz_503_names_what_failed(bot: Bot, database_url: str) -> None:
    engine = create_engine(database_url)
    settings = load_settings(_env_file=None, redis_url=f"redis://127.0.0.1:{closed_port()}/0")
    storage = create_storage(settings)
    dead_db = create_engine(f"postgresql+asyncpg://postgres@127.0.0.1:{closed_port()}/none")
    try:
        status, report = await _health(bot, HealthCheck(engine, storage_redis(storage)))
        assert status == 503
        assert report["database"] == "ok"
        assert report["redis"].startswith("unavailable")
        status, report = await _health(bot, HealthCheck(dead_db))
        assert status == 503
        assert report["database"].startswith("unavailable")
        assert report["redis"] == "not configured"
    finally:
        await storage.close()
        await engine.dispose()
        await dead_db.dispose()


class FakeBotApi:
    """Just enough Bot API for start-up: getMe, setWebhook; records every call."""

    def __init__(self, bot_id: int = 42) -> None:
        self.bot_id = bot_id
        self.calls: list[tuple[str, dict[str, str]]] = []
        self.refuse_webhook: str | None = None
        self.webhook_set = asyncio.Event()
        self.app = web.Application()
        self.app.router.add_post("/bot{token}/{method}", self.handle)

    def methods(self) -> list[str]:
        return [method for method, _ in self.calls]

    async def handle(self, request: web.Request) -> web.Response:
        method = request.match_info["method"]
        # The Bot API takes a form or a JSON object (the bot sends JSON unless it uploads).
        body = await request.json() if request.content_type == "application/json" else None
        found = body.items() if body is not None else (await request.post()).items()
        params = {k: v if isinstance(v, str) else json.dumps(v) for k, v in found}
        self.calls.append((method, params))
        result: Any = True
        if method == "getMe":
            result = {
                "id": self.bot_id,
                "is_bot": True,
                "first_name": "Pool",
                "username": "pool_bot",
            }
        if method == "setWebhook" and self.refuse_webhook:
            refusal = {"ok": False, "error_code": 400, "description": self.refuse_webhook}
            return web.json_response(refusal, status=400)
        if method == "setWebhook":
            self.webhook_set.set()
        return web.json_response({"ok": True, "result": result})


@pytest.fixture
async def fake_api() -> AsyncIterator[tuple[FakeBotApi, str]]:
    api = FakeBotApi(bot_id=random.randrange(10**8, 10**9))
    async with TestServer(api.app, host="127.0.0.1") as server:
        yield api, str(server.make_url("")).rstrip("/")


def webhook_settings(api_url: str, bot_id: int, **more: Any) -> Settings:
    values: dict[str, Any] = {
        "bot_token": f"{bot_id}:TEST",
        "telegram_api_url": api_url,
        "webhook_url": "https://pool.example.org/telegram/webhook",
        "webhook_secret": SECRET,
        "webhook_port": 0,
    }
    return load_settings(_env_file=None, **(values | more))


async def test_webhook_server_sets_the_webhook_serves_and_never_deletes_it(
    fake_api: tuple[FakeBotApi, str],
) -> None:
    api, api_url = fake_api
    settings = webhook_settings(api_url, api.bot_id)
    seen: list[str] = []
    bot = create_bot(settings)
    try:
        async with webhook_server(settings, recording_dispatcher(seen), bot) as port:
            assert api.methods() == ["setWebhook"]
            params = api.calls[0][1]
            assert params["url"] == "https://pool.example.org/telegram/webhook"
            assert params["secret_token"] == SECRET
            assert json.loads(params["allowed_updates"]) == ["message"]
            assert params["drop_pending_updates"] == "false"
            async with aiohttp.ClientSession() as http:
                url = f"http://127.0.0.1:{port}{PATH}"
                body = update(5, "via webhook")
                async with http.post(url, json=body, headers={SECRET_HEADER: SECRET}) as response:
                    assert response.status == 200
        assert seen == ["via webhook"]
        assert "deleteWebhook" not in api.methods()
    finally:
        await bot.session.close()


async def test_two_workers_serve_side_by_side(fake_api: tuple[FakeBotApi, str]) -> None:
    api, api_url = fake_api
    settings = webhook_settings(api_url, api.bot_id)
    seen: list[str] = []
    bots = [create_bot(settings), create_bot(settings)]
    try:
        async with (
            webhook_server(settings, recording_dispatcher(seen), bots[0]) as first,
            webhook_server(settings, recording_dispatcher(seen), bots[1]) as second,
            aiohttp.ClientSession() as http,
        ):
            assert first != second
            for n, port in enumerate((first, second)):
                url = f"http://127.0.0.1:{port}{PATH}"
                body = update(n, f"worker {n}")
                async with http.post(url, json=body, headers={SECRET_HEADER: SECRET}) as response:
                    assert response.status == 200
        assert seen == ["worker 0", "worker 1"]
        assert api.methods() == ["setWebhook", "setWebhook"]
    finally:
        for bot in bots:
            await bot.session.close()


async def test_busy_port_and_refused_url_are_configuration_errors(
    fake_api: tuple[FakeBotApi, str],
) -> None:
    api, api_url = fake_api
    bot = create_bot(webhook_settings(api_url, api.bot_id))
    try:
        async with TestServer(web.Application(), host="127.0.0.1") as busy:
            settings = webhook_settings(api_url, api.bot_id, webhook_port=busy.port)
            with pytest.raises(
                ConfigError, match=f"^WEBHOOK_PORT: cannot listen on 127.0.0.1:{busy.port}"
            ):
                async with webhook_server(settings, Dispatcher(), bot):
                    pass
        api.refuse_webhook = "Bad Request: bad webhook: HTTPS url must be provided for webhook"
        with pytest.raises(ConfigError, match="^WEBHOOK_URL: the Bot API refused it: .*HTTPS url"):
            async with webhook_server(webhook_settings(api_url, api.bot_id), Dispatcher(), bot):
                pass
        assert api.methods() == ["setWebhook"]
    finally:
        await bot.session.close()


async def test_bot_process_in_webhook_mode(
    tmp_path: Path, fake_api: tuple[FakeBotApi, str]
) -> None:
    api, api_url = fake_api
    redis = redis_url()
    proc = await BotProcess.start(
        "run",
        cwd=tmp_path,
        BOT_TOKEN=f"{api.bot_id}:TEST-token-never-logged",
        TELEGRAM_API_URL=api_url,
        DATABASE_URL=f"sqlite+aiosqlite:///{tmp_path / 'bot.db'}",
        REDIS_URL=redis,
        WEBHOOK_URL="https://pool.example.org/hook",
        WEBHOOK_SECRET=SECRET,
        WEBHOOK_PORT="0",
        INSTANCE_ID="worker-1",
    )
    try:
        started: dict[str, dict[str, Any]] = {}  # these two may come in either order

        def both_seen(event: dict[str, Any]) -> bool:
            if event["event"] in {"webhook server listening", "leadership elected"}:
                started[event["event"]] = event
            return len(started) == 2

        await proc.wait_for_log(both_seen)
        listening = started["webhook server listening"]
        assert started["leadership elected"]["instance_id"] == "worker-1"
        await asyncio.wait_for(api.webhook_set.wait(), 20)
        base = f"http://127.0.0.1:{listening['port']}"
        async with aiohttp.ClientSession() as http:
            async with http.post(f"{base}{PATH}", json=update(1, "x")) as response:
                assert response.status == 401
            async with http.get(f"{base}/healthz") as response:
                assert response.status == 200
                assert await response.json() == {"database": "ok", "redis": "ok", "updates": "ok"}
            async with http.get(f"{base}/metrics") as response:
                assert response.status == 200
                body = await response.text()
        samples = {
            (s.name, tuple(sorted(s.labels.items()))): s.value
            for family in text_string_to_metric_families(body)
            for s in family.samples
        }
        assert samples[("expertpool_leader", (("instance_id", "worker-1"),))] == 1
        assert samples[("expertpool_ping_seconds", (("service", "redis"),))] > 0
        assert samples[("expertpool_ping_seconds", (("service", "database"),))] > 0
        assert await proc.stop() == 0
    finally:
        await proc.kill()
        async with Redis.from_url(redis) as raw:
            keys = [k async for k in raw.scan_iter(match=f"*:{api.bot_id}:*")]
            if keys:
                await raw.delete(*keys)
    output = "\n".join(proc.lines)
    assert "Traceback" not in output, [line for line in proc.lines if "Traceback" in line]
    assert "TEST-token-never-logged" not in output
    assert "leadership released" in output
    methods = api.methods()
    assert methods[0] == "getMe" and "setWebhook" in methods, methods
    assert set(methods) <= {"getMe", "setMyCommands", "setWebhook"}, methods  # + command menus
    assert "deleteWebhook" not in methods
    assert keys == []  # the leader lock was released on shutdown
