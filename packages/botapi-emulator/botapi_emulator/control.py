"""A small JSON control API under ``/_emulator`` for a browser sandbox UI.

GET  /_emulator/state                      bot, users, chats, current event seq
GET  /_emulator/chats                      chat summaries
GET  /_emulator/chats/{id}/messages        transcript; ?since=<seq> returns only changes
POST /_emulator/users                      {"first_name", "language_code", "username"}
POST /_emulator/groups                     {"title", "forum", "member_ids", "admin_ids"}
POST /_emulator/chats/{id}/send            JSON {"user_id", "text", "thread_id", "reply_to"}
                                           or multipart: user_id, kind (photo, voice,
                                           sticker, video_note, document), caption,
                                           duration, emoji, file
POST /_emulator/chats/{id}/press           {"user_id", "message_id", "button" | "callback_data"}
GET  /_emulator/events?since=N&timeout=S   long poll: events after seq N
GET  /_emulator/events/stream?since=N      the same as server-sent events
GET  /_emulator/rejections, /_emulator/warnings
GET  /_emulator/files/{file_id}            file bytes (to show photos)
"""

from __future__ import annotations

import asyncio
import json
from dataclasses import asdict
from typing import TYPE_CHECKING, Any

from aiohttp import web

from .coerce import Upload
from .parsing import read_multipart
from .people import EmulatorUsageError, SimUser
from .state import ChatState
from .view import SimMessage

if TYPE_CHECKING:
    from .server import Emulator

MAX_LONG_POLL = 30.0
_KEY: web.AppKey[Emulator] = web.AppKey("emulator")


def add_control_routes(app: web.Application, emulator: Emulator) -> None:
    app[_KEY] = emulator
    r = app.router
    r.add_get("/_emulator/state", _state)
    r.add_get("/_emulator/chats", _chats)
    r.add_get("/_emulator/chats/{chat_id}/messages", _messages)
    r.add_post("/_emulator/users", _create_user)
    r.add_post("/_emulator/groups", _create_group)
    r.add_post("/_emulator/chats/{chat_id}/send", _send)
    r.add_post("/_emulator/chats/{chat_id}/press", _press)
    r.add_get("/_emulator/events", _events)
    r.add_get("/_emulator/events/stream", _event_stream)
    r.add_get("/_emulator/rejections", _rejections)
    r.add_get("/_emulator/warnings", _warnings)
    r.add_get("/_emulator/files/{file_id}", _file)


def _fail(status: int, message: str) -> web.HTTPException:
    error = web.HTTPBadRequest if status == 400 else web.HTTPNotFound
    return error(text=json.dumps({"error": message}), content_type="application/json")


def _number(text: str) -> float:
    try:
        return float(text)
    except ValueError:
        raise _fail(400, f"not a number: {text!r}") from None


async def _json_body(request: web.Request) -> dict[str, Any]:
    try:
        body = await request.json()
    except ValueError:
        raise _fail(400, "the body must be a JSON object") from None
    if not isinstance(body, dict):
        raise _fail(400, "the body must be a JSON object")
    return body


def _chat(request: web.Request) -> ChatState:
    emulator = request.app[_KEY]
    try:
        return emulator.world.chats[int(request.match_info["chat_id"])]
    except (KeyError, ValueError):
        raise _fail(404, "chat not found") from None


def _user(emulator: Emulator, user_id: Any) -> SimUser:
    try:
        return emulator.users[int(user_id)]
    except (KeyError, TypeError, ValueError):
        raise _fail(404, f"user {user_id!r} not found") from None


def _summary(emulator: Emulator, chat: ChatState) -> dict[str, Any]:
    last = next(reversed(chat.messages.values()), None)
    return {
        "chat": emulator.world.objects.chat_dict(chat),
        "message_count": len(chat.messages),
        "last_message": SimMessage(last).to_dict() if last else None,
        "topics": [
            {"message_thread_id": t.message_thread_id, "name": t.name, "closed": t.closed}
            for t in chat.topics.values()
            if not t.deleted
        ],
    }


def _message_json(message: SimMessage) -> dict[str, Any]:
    data = message.to_dict()
    data["_meta"] = {"from_bot": message.from_bot, "version": message.record.version}
    return data


async def _state(request: web.Request) -> web.Response:
    emulator = request.app[_KEY]
    world = emulator.world
    return web.json_response(
        {
            "bot": world.objects.user_dict(world.bot),
            "users": [world.objects.user_dict(u.state) for u in emulator.users.values()],
            "chats": [_summary(emulator, c) for c in world.chats.values()],
            "seq": world.events.seq,
        }
    )


async def _chats(request: web.Request) -> web.Response:
    emulator = request.app[_KEY]
    return web.json_response([_summary(emulator, c) for c in emulator.world.chats.values()])


async def _messages(request: web.Request) -> web.Response:
    chat = _chat(request)
    since = int(_number(request.query.get("since", "0")))
    thread = request.query.get("thread_id")
    records = [
        r
        for r in chat.messages.values()
        if r.version > since and (thread is None or r.thread_id == int(_number(thread)))
    ]
    version = request.app[_KEY].world.events.seq
    return web.json_response(
        {"version": version, "messages": [_message_json(SimMessage(r)) for r in records]}
    )


async def _create_user(request: web.Request) -> web.Response:
    emulator = request.app[_KEY]
    body = await _json_body(request)
    if not body.get("first_name"):
        raise _fail(400, "first_name is required")
    user = emulator.create_user(
        body["first_name"], body.get("language_code"), body.get("username"), body.get("last_name")
    )
    return web.json_response(
        {"user": emulator.world.objects.user_dict(user.state), "chat_id": user.id}
    )


async def _create_group(request: web.Request) -> web.Response:
    emulator = request.app[_KEY]
    body = await _json_body(request)
    if not body.get("title"):
        raise _fail(400, "title is required")
    group = emulator.create_group(
        body["title"],
        forum=bool(body.get("forum", True)),
        members=[_user(emulator, i) for i in body.get("member_ids", [])],
        admins=[_user(emulator, i) for i in body.get("admin_ids", [])],
    )
    return web.json_response({"chat": emulator.world.objects.chat_dict(group.state)})


async def _send(request: web.Request) -> web.Response:
    emulator = request.app[_KEY]
    chat = _chat(request)
    try:
        if request.content_type == "multipart/form-data":
            fields, uploads = await read_multipart(await request.multipart())
            user = _user(emulator, fields.get("user_id"))
            message = await _send_file(user, chat, fields, uploads.get("file"))
        else:
            body = await _json_body(request)
            user = _user(emulator, body.get("user_id"))
            text = body.get("text")
            if not isinstance(text, str) or not text:
                raise _fail(400, "text is required")
            thread, reply_to = body.get("thread_id"), body.get("reply_to")
            message = await user.send_text(text, chat=chat, thread_id=thread, reply_to=reply_to)
    except (EmulatorUsageError, LookupError) as exc:
        raise _fail(400, str(exc)) from None
    return web.json_response(_message_json(message))


async def _send_file(
    user: SimUser, chat: ChatState, fields: dict[str, Any], upload: Upload | None
) -> SimMessage:
    if upload is None:
        raise _fail(400, "multipart send needs a 'file' part")
    thread = int(_number(fields["thread_id"])) if fields.get("thread_id") else None
    caption = fields.get("caption") or None
    kind = fields.get("kind", "document")
    if kind == "photo":
        return await user.send_photo(upload.data, caption, chat=chat, thread_id=thread)
    if kind == "voice":
        duration = int(_number(fields.get("duration", "1")))
        return await user.send_voice(upload.data, duration, chat=chat, thread_id=thread)
    if kind == "sticker":
        emoji = str(fields.get("emoji") or "🙂")[:8]
        return await user.send_sticker(emoji, chat=chat, thread_id=thread, data=upload.data)
    if kind == "video_note":
        duration = int(_number(fields.get("duration", "1")))
        return await user.send_video_note(upload.data, duration, chat=chat, thread_id=thread)
    return await user.send_document(
        upload.data, upload.filename, upload.content_type, caption, chat=chat, thread_id=thread
    )


async def _press(request: web.Request) -> web.Response:
    emulator = request.app[_KEY]
    chat = _chat(request)
    body = await _json_body(request)
    user = _user(emulator, body.get("user_id"))
    record = chat.messages.get(int(_number(str(body.get("message_id", 0)))))
    if record is None:
        raise _fail(404, "message not found")
    message = SimMessage(record)
    try:
        if "callback_data" in body:
            result = await user.press_callback_data(
                str(body["callback_data"]), message, wait_answer=False
            )
        else:
            result = await user.press(str(body.get("button")), message, wait_answer=False)
    except (EmulatorUsageError, LookupError) as exc:
        raise _fail(400, str(exc)) from None
    return web.json_response({"callback_query_id": result.id, "data": result.data})


async def _events(request: web.Request) -> web.Response:
    events = request.app[_KEY].world.events
    since = int(_number(request.query.get("since", "0")))
    timeout = min(_number(request.query.get("timeout", "25")), MAX_LONG_POLL)
    loop = asyncio.get_running_loop()
    deadline = loop.time() + timeout
    while not events.since(since) and not request.app[_KEY].closed:
        if not await events.notifier.wait(deadline - loop.time()):
            break
    found = events.since(since)
    return web.json_response({"seq": events.seq, "events": [e.to_json() for e in found]})


async def _event_stream(request: web.Request) -> web.StreamResponse:
    events = request.app[_KEY].world.events
    since = int(_number(request.headers.get("Last-Event-ID") or request.query.get("since", "0")))
    response = web.StreamResponse(
        headers={"Content-Type": "text/event-stream", "Cache-Control": "no-cache"}
    )
    await response.prepare(request)
    while not request.app[_KEY].closed:
        for event in events.since(since):
            payload = json.dumps(event.to_json())
            await response.write(
                f"id: {event.seq}\nevent: {event.kind}\ndata: {payload}\n\n".encode()
            )
            since = event.seq
        if not await events.notifier.wait(15.0):
            await response.write(b": keep-alive\n\n")
    return response


async def _rejections(request: web.Request) -> web.Response:
    return web.json_response([asdict(r) for r in request.app[_KEY].rejections])


async def _warnings(request: web.Request) -> web.Response:
    return web.json_response([asdict(w) for w in request.app[_KEY].warnings])


async def _file(request: web.Request) -> web.Response:
    stored = request.app[_KEY].world.files.get(request.match_info["file_id"])
    if stored is None:
        raise _fail(404, "file not found")
    return web.Response(
        body=stored.data, content_type=stored.mime_type or "application/octet-stream"
    )
