"""The sandbox web page and its small JSON API, served by aiohttp next to the emulator.

/                                   the Telegram-like page (web/)
/static/...                         its CSS and JavaScript
/_emulator/...                      the emulator's control API (events, press, files, uploads)
GET  /sandbox/api/directory         chats with who-is-who, topics, keyboards, command menus
GET  /sandbox/api/chats/{id}/messages?since=N   transcript (changes after N) with reactions
POST /sandbox/api/chats/{id}/send   {"user_id", "text", "thread_id", "reply_to"}
POST /sandbox/api/members           {"language_code", "first_name"}: a new simulated newcomer
"""

from __future__ import annotations

import json
import re
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from aiohttp import web
from telegram.constants import FileSizeLimit

from botapi_emulator import Emulator, EmulatorUsageError
from botapi_emulator.control import add_control_routes
from botapi_emulator.state import ChatState, MessageRecord
from botapi_emulator.view import SimMessage
from expertpool_sandbox import directory
from expertpool_sandbox.harness import RunningBot
from expertpool_sandbox.snapshot import Ids

WEB_DIR = Path(__file__).with_name("web")
MAX_TEXT = 4096
LANGUAGE_CODE = re.compile(r"[a-z]{2,3}(-[A-Za-z]{2,4})?")
NAMES = {
    "ar": ["Fatima", "Omar", "Layla", "Yusuf", "Rania"],
    "fa": ["Maryam", "Ali", "Zahra", "Hamid", "Nasrin"],
    "ti": ["Selam", "Tesfay", "Helen", "Dawit", "Rahel"],
    "tr": ["Elif", "Mustafa", "Zeynep", "Emre", "Ayşe"],
    "uk": ["Oksana", "Andrii", "Iryna", "Dmytro", "Kateryna"],
    "so": ["Hodan", "Abdi", "Sahra", "Mahad", "Ayaan"],
    "en": ["Grace", "Samuel", "Joy", "Daniel", "Mercy"],
    "nl": ["Lotte", "Bram", "Noor", "Sem", "Fenna"],
}


@dataclass
class SandboxState:
    emulator: Emulator
    app: RunningBot
    ids: Ids


_STATE: web.AppKey[SandboxState] = web.AppKey("sandbox")


def create_web_app(state: SandboxState) -> web.Application:
    app = web.Application(client_max_size=FileSizeLimit.FILESIZE_UPLOAD + 1024 * 1024)
    app[_STATE] = state
    app.router.add_get("/", _index)
    app.router.add_static("/static/", WEB_DIR, follow_symlinks=False)
    app.router.add_get("/sandbox/api/directory", _directory)
    app.router.add_get("/sandbox/api/chats/{chat_id}/messages", _messages)
    app.router.add_post("/sandbox/api/chats/{chat_id}/send", _send)
    app.router.add_post("/sandbox/api/members", _new_member)
    add_control_routes(app, state.emulator)
    app.middlewares.append(_no_store)
    return app


@web.middleware
async def _no_store(
    request: web.Request, handler: Callable[[web.Request], Any]
) -> web.StreamResponse:
    try:
        response: web.StreamResponse = await handler(request)
    except ConnectionResetError:
        # The page was closed while its event stream was open: nothing to answer.
        return web.Response()
    if not response.prepared:
        response.headers.setdefault("Cache-Control", "no-store")
    return response


def _error(status: int, message: str) -> web.HTTPException:
    error = {400: web.HTTPBadRequest, 404: web.HTTPNotFound}[status]
    return error(text=json.dumps({"error": message}), content_type="application/json")


async def _body(request: web.Request) -> dict[str, Any]:
    try:
        body = await request.json()
    except ValueError:
        raise _error(400, "the body must be a JSON object") from None
    if not isinstance(body, dict):
        raise _error(400, "the body must be a JSON object")
    return body


def _chat(request: web.Request) -> ChatState:
    world = request.app[_STATE].emulator.world
    try:
        return world.chats[int(request.match_info["chat_id"])]
    except (KeyError, ValueError):
        raise _error(404, "chat not found") from None


def _int_or_none(value: Any, name: str) -> int | None:
    if value in (None, ""):
        return None
    try:
        return int(value)
    except (TypeError, ValueError):
        raise _error(400, f"{name} must be a number") from None


async def _index(request: web.Request) -> web.FileResponse:
    return web.FileResponse(WEB_DIR / "index.html")


async def _directory(request: web.Request) -> web.Response:
    state = request.app[_STATE]
    roles = await directory.load_roles(state.app.session_factory, state.app.settings)
    return web.json_response(directory.directory(state.emulator, roles))


def message_json(record: MessageRecord) -> dict[str, Any]:
    data = SimMessage(record).to_dict()
    data["_meta"] = {
        "from_bot": record.from_bot,
        "version": record.version,
        "service": record.service,
        "thread_id": record.thread_id,
        "reactions": record.reactions,
    }
    return data


async def _messages(request: web.Request) -> web.Response:
    chat = _chat(request)
    since = _int_or_none(request.query.get("since"), "since") or 0
    records = [r for r in chat.messages.values() if since <= 0 or r.version > since]
    return web.json_response(
        {
            "version": request.app[_STATE].emulator.world.events.seq,
            "messages": [message_json(r) for r in records],
        }
    )


async def _send(request: web.Request) -> web.Response:
    emulator = request.app[_STATE].emulator
    chat = _chat(request)
    body = await _body(request)
    user = emulator.users.get(_int_or_none(body.get("user_id"), "user_id") or 0)
    if user is None:
        raise _error(404, "user not found")
    text = body.get("text")
    if not isinstance(text, str) or not text.strip():
        raise _error(400, "text is required")
    if len(text) > MAX_TEXT:
        raise _error(400, f"a message holds at most {MAX_TEXT} characters")
    command = text.split(maxsplit=1)[0] if text.startswith("/") else ""
    entities = [{"type": "bot_command", "offset": 0, "length": len(command)}] if command else None
    try:
        message = await user.send_text(
            text,
            chat=chat,
            thread_id=_int_or_none(body.get("thread_id"), "thread_id"),
            reply_to=_int_or_none(body.get("reply_to"), "reply_to"),
            entities=entities,
        )
    except (EmulatorUsageError, LookupError) as exc:
        raise _error(400, str(exc)) from None
    return web.json_response(message_json(message.record))


async def _new_member(request: web.Request) -> web.Response:
    state = request.app[_STATE]
    body = await _body(request)
    language = str(body.get("language_code") or "").strip()
    if language and not LANGUAGE_CODE.fullmatch(language):
        raise _error(400, "language_code must be a language code such as ar or uk")
    name = str(body.get("first_name") or "").strip()[:64] or suggest_name(state.emulator, language)
    user = state.emulator.create_user(name, language or None, user_id=state.ids.user())
    return web.json_response({"chat_id": user.id, "user_id": user.id, "first_name": name})


def suggest_name(emulator: Emulator, language: str) -> str:
    """A first name common among speakers of `language`, one not in use yet if possible."""
    taken = {u.first_name for u in emulator.world.users.values()}
    choices = NAMES.get(language, NAMES["en"])
    free = [n for n in choices if n not in taken]
    if free:
        return free[0]
    number = 2
    while f"{choices[0]} {number}" in taken:
        number += 1
    return f"{choices[0]} {number}"
