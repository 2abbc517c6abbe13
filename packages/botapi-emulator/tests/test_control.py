"""The /_emulator control API a browser sandbox uses."""

from __future__ import annotations

import asyncio
import json
from typing import Any

import aiohttp
from aiogram import Bot
from aiogram.types import InlineKeyboardButton, InlineKeyboardMarkup

from botapi_emulator import Emulator


async def _get(http: aiohttp.ClientSession, url: str) -> Any:
    async with http.get(url) as response:
        assert response.status == 200, await response.text()
        return await response.json()


async def _post(http: aiohttp.ClientSession, url: str, **kwargs: Any) -> tuple[int, Any]:
    async with http.post(url, **kwargs) as response:
        return response.status, await response.json()


async def test_create_user_send_and_read_transcript(
    emulator: Emulator, bot: Bot, http: aiohttp.ClientSession
) -> None:
    base = f"{emulator.api_url}/_emulator"
    status, created = await _post(
        http, f"{base}/users", json={"first_name": "Amina", "language_code": "ar"}
    )
    assert status == 200 and created["user"]["first_name"] == "Amina"
    chat_id = created["chat_id"]
    status, sent = await _post(
        http, f"{base}/chats/{chat_id}/send", json={"user_id": chat_id, "text": "Salaam"}
    )
    assert status == 200 and sent["text"] == "Salaam" and sent["_meta"]["from_bot"] is False
    [update] = await bot.get_updates()
    assert update.message is not None and update.message.text == "Salaam"

    first = await _get(http, f"{base}/chats/{chat_id}/messages")
    assert [m["text"] for m in first["messages"]] == ["Salaam"]
    reply = await bot.send_message(chat_id, "Welcome")
    later = await _get(http, f"{base}/chats/{chat_id}/messages?since={first['version']}")
    assert [m["text"] for m in later["messages"]] == ["Welcome"]
    await bot.edit_message_text("Welcome!", chat_id=chat_id, message_id=reply.message_id)
    edits = await _get(http, f"{base}/chats/{chat_id}/messages?since={later['version']}")
    assert [(m["text"], len(m["edit_history"])) for m in edits["messages"]] == [("Welcome!", 1)]

    chats = await _get(http, f"{base}/chats")
    assert [c["chat"]["id"] for c in chats] == [chat_id]
    state = await _get(http, f"{base}/state")
    assert state["bot"]["username"] == "expertpool_test_bot" and len(state["users"]) == 1


async def test_send_file_and_press_button(
    emulator: Emulator, bot: Bot, http: aiohttp.ClientSession
) -> None:
    base = f"{emulator.api_url}/_emulator"
    user = emulator.create_user()
    form = aiohttp.FormData()
    form.add_field("user_id", str(user.id))
    form.add_field("kind", "document")
    form.add_field("caption", "my permit")
    form.add_field("file", b"scan", filename="permit.pdf", content_type="application/pdf")
    status, sent = await _post(http, f"{base}/chats/{user.id}/send", data=form)
    assert status == 200 and sent["document"]["file_name"] == "permit.pdf"
    async with http.get(f"{base}/files/{sent['document']['file_id']}") as response:
        assert await response.read() == b"scan"

    markup = InlineKeyboardMarkup(
        inline_keyboard=[[InlineKeyboardButton(text="OK", callback_data="ok")]]
    )
    message = await bot.send_message(user.id, "Received", reply_markup=markup)
    status, pressed = await _post(
        http,
        f"{base}/chats/{user.id}/press",
        json={"user_id": user.id, "message_id": message.message_id, "button": "OK"},
    )
    assert status == 200 and pressed["data"] == "ok"
    updates = await bot.get_updates()
    assert (
        updates[-1].callback_query is not None
        and updates[-1].callback_query.id == pressed["callback_query_id"]
    )
    status, error = await _post(
        http, f"{base}/chats/{user.id}/send", json={"user_id": 1, "text": "x"}
    )
    assert status == 404 and "not found" in error["error"]


async def test_events_long_poll_and_stream(
    emulator: Emulator, bot: Bot, http: aiohttp.ClientSession
) -> None:
    base = f"{emulator.api_url}/_emulator"
    user = emulator.create_user()
    start = (await _get(http, f"{base}/state"))["seq"]
    poll = asyncio.create_task(_get(http, f"{base}/events?since={start}&timeout=10"))
    stream_events: asyncio.Queue[dict[str, Any]] = asyncio.Queue()

    async def read_stream() -> None:
        async with http.get(f"{base}/events/stream?since={start}") as response:
            assert response.headers["Content-Type"] == "text/event-stream"
            async for line in response.content:
                if line.startswith(b"data: "):
                    stream_events.put_nowait(json.loads(line[6:]))

    stream = asyncio.create_task(read_stream())
    await bot.send_message(user.id, "news")
    polled = await asyncio.wait_for(poll, timeout=5)
    assert [(e["kind"], e["chat_id"]) for e in polled["events"]] == [("message", user.id)]
    streamed = await asyncio.wait_for(stream_events.get(), timeout=5)
    assert streamed["kind"] == "message" and streamed["seq"] == polled["seq"]
    stream.cancel()
    await asyncio.gather(stream, return_exceptions=True)
    rejections = await _get(http, f"{base}/rejections")
    assert rejections == []


async def test_create_group_and_bad_requests(
    emulator: Emulator, http: aiohttp.ClientSession
) -> None:
    base = f"{emulator.api_url}/_emulator"
    coordinator = emulator.create_user("Coco")
    status, created = await _post(
        http, f"{base}/groups", json={"title": "Coordinators Twente", "admin_ids": [coordinator.id]}
    )
    assert status == 200 and created["chat"]["is_forum"] is True
    group_id = created["chat"]["id"]
    assert emulator.groups[group_id].state.members[coordinator.id] == "administrator"
    status, error = await _post(http, f"{base}/users", data="not json")
    assert status == 400 and "JSON object" in error["error"]
    status, error = await _post(
        http, f"{base}/chats/{group_id}/send", json={"user_id": coordinator.id}
    )
    assert status == 400 and error["error"] == "text is required"
    async with http.get(f"{base}/chats/{group_id}/messages?since=soon") as response:
        assert response.status == 400
    async with http.get(f"{base}/chats/42/messages") as response:
        assert response.status == 404


async def test_send_a_sticker_and_a_video_note(
    emulator: Emulator, bot: Bot, http: aiohttp.ClientSession
) -> None:
    base = f"{emulator.api_url}/_emulator"
    user = emulator.create_user()
    sticker = aiohttp.FormData()
    sticker.add_field("user_id", str(user.id))
    sticker.add_field("kind", "sticker")
    sticker.add_field("emoji", "🐢")
    sticker.add_field(
        "file", b"RIFF\x00\x00\x00\x00WEBP", filename="s.webp", content_type="image/webp"
    )
    status, sent = await _post(http, f"{base}/chats/{user.id}/send", data=sticker)
    assert status == 200 and sent["sticker"]["emoji"] == "🐢" and "photo" not in sent
    note = aiohttp.FormData()
    note.add_field("user_id", str(user.id))
    note.add_field("kind", "video_note")
    note.add_field("duration", "4")
    note.add_field("file", b"\x00\x00\x00\x18ftypmp42", filename="n.mp4", content_type="video/mp4")
    status, sent = await _post(http, f"{base}/chats/{user.id}/send", data=note)
    assert status == 200 and sent["video_note"]["duration"] == 4
    async with http.get(f"{base}/files/{sent['video_note']['file_id']}") as response:
        assert await response.read() == b"\x00\x00\x00\x18ftypmp42"
    updates = await bot.get_updates()
    assert updates[-2].message is not None and updates[-2].message.sticker is not None
    assert updates[-1].message is not None and updates[-1].message.video_note is not None
