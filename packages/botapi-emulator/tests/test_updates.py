"""getUpdates long polling and webhook delivery."""

from __future__ import annotations

import asyncio
import json
import time
from collections.abc import AsyncIterator
from typing import Any

import pytest
from aiogram import Bot
from aiogram.exceptions import TelegramConflictError
from aiohttp import web
from raw_api import RawApi

from botapi_emulator import Emulator


async def test_long_poll_returns_as_soon_as_a_user_writes(emulator: Emulator, bot: Bot) -> None:
    user = emulator.create_user()
    poll = asyncio.create_task(bot.get_updates(timeout=30))
    await emulator.wait_until_polling()
    started = time.monotonic()
    await user.send_text("Hallo")
    [update] = await asyncio.wait_for(poll, timeout=5)
    assert time.monotonic() - started < 1
    assert update.message is not None and update.message.text == "Hallo"
    assert update.message.from_user is not None and update.message.from_user.id == user.id


async def test_offset_confirms_and_drops_updates(emulator: Emulator, bot: Bot) -> None:
    user = emulator.create_user()
    for text in ("one", "two", "three"):
        await user.send_text(text)
    updates = await bot.get_updates()
    ids = [u.update_id for u in updates]
    assert ids == list(range(ids[0], ids[0] + 3))
    assert [u.message.text for u in await bot.get_updates(limit=2) if u.message] == ["one", "two"]
    rest = await bot.get_updates(offset=ids[1])
    assert [u.message.text for u in rest if u.message] == ["two", "three"]
    assert await bot.get_updates(offset=ids[-1] + 1) == []
    await user.send_text("four")
    assert [u.update_id for u in await bot.get_updates()] == [ids[-1] + 1]


async def test_negative_offset_keeps_the_newest(emulator: Emulator, bot: Bot) -> None:
    user = emulator.create_user()
    for text in ("a", "b", "c"):
        await user.send_text(text)
    assert [u.message.text for u in await bot.get_updates(offset=-1) if u.message] == ["c"]
    assert len(await bot.get_updates()) == 1


async def test_allowed_updates_filter_applies_to_new_updates(emulator: Emulator, bot: Bot) -> None:
    user = emulator.create_user()
    sent = await bot.send_message(user.id, "Pick", reply_markup=_one_button())
    await bot.get_updates(allowed_updates=["callback_query"])
    await user.send_text("ignored")
    await user.press("Go", wait_answer=False)
    [update] = await bot.get_updates()
    assert update.callback_query is not None and update.callback_query.data == "go"
    assert update.callback_query.message is not None
    assert update.callback_query.message.message_id == sent.message_id
    assert emulator.world.updates.dropped_by_filter == 1


async def test_concurrent_get_updates_conflict(emulator: Emulator, bot: Bot) -> None:
    older = asyncio.create_task(bot.get_updates(timeout=30))
    await emulator.wait_until_polling()
    newer = asyncio.create_task(bot.get_updates(timeout=0))
    with pytest.raises(TelegramConflictError, match="terminated by other getUpdates request"):
        await asyncio.wait_for(older, timeout=5)
    assert await newer == []
    assert emulator.rejections == []


def _one_button() -> Any:
    from aiogram.types import InlineKeyboardButton, InlineKeyboardMarkup

    return InlineKeyboardMarkup(
        inline_keyboard=[[InlineKeyboardButton(text="Go", callback_data="go")]]
    )


class WebhookReceiver:
    """A tiny bot-side web server: records requests, answers with scripted statuses."""

    def __init__(self) -> None:
        self.received: asyncio.Queue[tuple[dict[str, Any], str | None, int]] = asyncio.Queue()
        self.statuses: list[int] = []
        self.reply: dict[str, Any] | None = None
        self.url = ""

    async def handle(self, request: web.Request) -> web.Response:
        status = self.statuses.pop(0) if self.statuses else 200
        body = await request.json()
        self.received.put_nowait(
            (body, request.headers.get("X-Telegram-Bot-Api-Secret-Token"), status)
        )
        if status == 200 and self.reply is not None:
            reply, self.reply = self.reply, None
            return web.json_response(reply)
        return web.Response(status=status)


@pytest.fixture
async def receiver() -> AsyncIterator[WebhookReceiver]:
    receiver = WebhookReceiver()
    app = web.Application()
    app.router.add_post("/webhook", receiver.handle)
    runner = web.AppRunner(app, access_log=None)
    await runner.setup()
    site = web.TCPSite(runner, "127.0.0.1", 0)
    await site.start()
    receiver.url = f"http://127.0.0.1:{runner.addresses[0][1]}/webhook"
    yield receiver
    await runner.cleanup()


async def test_webhook_delivery_with_secret_and_retries(
    emulator: Emulator, bot: Bot, receiver: WebhookReceiver
) -> None:
    user = emulator.create_user()
    receiver.statuses = [500]
    await bot.set_webhook(receiver.url, secret_token="s3cr3t-token")
    await user.send_text("first")
    await user.send_text("second")
    deliveries = [await asyncio.wait_for(receiver.received.get(), timeout=5) for _ in range(3)]
    assert [(u["message"]["text"], secret, status) for u, secret, status in deliveries] == [
        ("first", "s3cr3t-token", 500),
        ("first", "s3cr3t-token", 200),
        ("second", "s3cr3t-token", 200),
    ]
    info = await bot.get_webhook_info()
    assert info.url == receiver.url and info.pending_update_count == 0
    assert info.last_error_message == "Wrong response from the webhook: 500 Internal Server Error"
    with pytest.raises(
        TelegramConflictError, match="can't use getUpdates method while webhook is active"
    ):
        await bot.get_updates()


async def test_webhook_reply_can_call_a_method(
    emulator: Emulator, bot: Bot, receiver: WebhookReceiver
) -> None:
    user = emulator.create_user()
    receiver.reply = {
        "method": "sendMessage",
        "chat_id": user.id,
        "text": "Answered in the webhook reply",
    }
    await bot.set_webhook(receiver.url)
    await user.send_command("/start")
    reply = await user.wait_for_message()
    assert reply.text == "Answered in the webhook reply"


async def test_delete_webhook_drops_pending_updates(
    emulator: Emulator, bot: Bot, raw: RawApi
) -> None:
    user = emulator.create_user()
    await bot.set_webhook("http://127.0.0.1:9/unreachable")
    await user.send_text("queued")
    assert await bot.delete_webhook(drop_pending_updates=True)
    assert await bot.get_updates() == []
    status, body = await raw.json("getWebhookInfo", {})
    assert body["result"] == {"url": "", "has_custom_certificate": False, "pending_update_count": 0}


async def test_webhook_update_json_matches_get_updates(
    emulator: Emulator, bot: Bot, receiver: WebhookReceiver
) -> None:
    user = emulator.create_user("Amina", language_code="ar")
    await bot.set_webhook(receiver.url)
    await user.send_command("/start", "ref42")
    update, _, _ = await asyncio.wait_for(receiver.received.get(), timeout=5)
    message = update["message"]
    assert message["text"] == "/start ref42"
    assert message["entities"] == [{"type": "bot_command", "offset": 0, "length": 6}]
    assert message["from"] == {
        "id": user.id,
        "is_bot": False,
        "first_name": "Amina",
        "language_code": "ar",
    }
    assert message["chat"] == {"id": user.id, "type": "private", "first_name": "Amina"}
    assert set(message) == {"message_id", "date", "chat", "from", "text", "entities"}
    assert json.loads(json.dumps(update)) == update
