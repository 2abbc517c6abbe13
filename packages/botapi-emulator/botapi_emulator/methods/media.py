"""send<Media>, sendMediaGroup and getFile; files live in the world's FileStore."""

from __future__ import annotations

import itertools
import time
from typing import Any

from telegram.constants import ChatAction, FileSizeLimit

from ..attachments import file_result, message_media
from ..coerce import Upload
from ..errors import bad_request
from ..files import FileKind, StoredFile
from ..limits import MAX_MEDIA_GROUP, MIN_MEDIA_GROUP, caption_text
from . import Call, method
from .common import markup_content, reply_target, target_chat, thread_for

_MEDIA_METHODS: dict[str, FileKind] = {
    "sendPhoto": "photo",
    "sendDocument": "document",
    "sendVoice": "voice",
    "sendAudio": "audio",
    "sendVideo": "video",
    "sendAnimation": "animation",
    "sendSticker": "sticker",
    "sendVideoNote": "video_note",
}
_KIND_BY_METHOD = {name.lower(): kind for name, kind in _MEDIA_METHODS.items()}
_EXCLUSIVE = {"photo", "sticker", "voice", "video_note"}  # file ids not reusable across these
_media_group_ids = itertools.count(13_000_000_000_000_000)
CHAT_ACTIONS = frozenset(str(a.value) for a in ChatAction)


async def resolve_file(
    call: Call, value: Upload | str, kind: FileKind, *, duration: int | None = None
) -> StoredFile:
    files = call.world.files
    if isinstance(value, Upload):
        if not value.data:
            raise bad_request("file must be non-empty")
        limit = FileSizeLimit.PHOTOSIZE_UPLOAD if kind == "photo" else FileSizeLimit.FILESIZE_UPLOAD
        if len(value.data) > limit:
            raise bad_request("file is too big")
        mime = (
            value.content_type
            if value.content_type not in ("", "application/octet-stream")
            else None
        )
        return files.add(
            value.data,
            kind,
            file_name=value.filename or None,
            mime_type=mime,
            duration=duration or 0,
        )
    if value.startswith(("http://", "https://")):
        if call.fetch is None:
            raise bad_request("failed to get HTTP URL content")
        data = await call.fetch(value)
        name = value.rsplit("/", 1)[-1].split("?")[0] or None
        return files.add(data, kind, file_name=name, duration=duration or 0)
    stored = files.get(value)
    if stored is None:
        raise bad_request("wrong file identifier/HTTP URL specified")
    if stored.kind != kind and (stored.kind in _EXCLUSIVE or kind in _EXCLUSIVE):
        raise bad_request("type of file mismatch")
    return stored


@method(*_MEDIA_METHODS)
async def send_media(call: Call) -> dict[str, Any]:
    kind = _KIND_BY_METHOD[call.method.lower()]
    params = call.params
    caption, entities = caption_text(
        params.get("caption"), params.get("parse_mode"), params.get("caption_entities")
    )
    chat = target_chat(call)
    reply_to = reply_target(call, chat)
    thread_id = thread_for(call, chat, reply_to)
    stored = await resolve_file(call, params[kind], kind, duration=params.get("duration"))
    objects = call.world.objects
    content: dict[str, Any] = {
        **message_media(stored, duration=params.get("duration")),
        **markup_content(call, chat),
    }
    if caption and kind not in ("sticker", "video_note"):
        content["caption"] = caption
        content["caption_entities"] = objects.entities(entities)
    if params.get("has_spoiler"):
        content["has_media_spoiler"] = True
    record = call.world.post(chat, call.world.bot, content, thread_id=thread_id, reply_to=reply_to)
    return record.data


@method("sendMediaGroup")
async def send_media_group(call: Call) -> list[dict[str, Any]]:
    items: list[dict[str, Any]] = call.params["media"]
    if not MIN_MEDIA_GROUP <= len(items) <= MAX_MEDIA_GROUP:
        raise bad_request("wrong number of media in the album" if items else "media is empty")
    kinds = {item["type"] for item in items}
    if len(kinds) > 1 and (kinds & {"document", "audio"}):
        raise bad_request("document and audio can't be mixed with other media types")
    chat = target_chat(call)
    reply_to = reply_target(call, chat)
    thread_id = thread_for(call, chat, reply_to)
    prepared = []
    for item in items:
        caption, entities = caption_text(
            item.get("caption"), item.get("parse_mode"), item.get("caption_entities")
        )
        media = item["media"]
        if isinstance(media, str) and media.startswith("attach://"):
            media = call.uploads.get(media.removeprefix("attach://"))
            if media is None:
                raise bad_request("can't find the file attached as media")
        stored = await resolve_file(call, media, item["type"])
        prepared.append((stored, caption, entities))
    group_id = str(next(_media_group_ids))
    objects = call.world.objects
    results = []
    for stored, caption, entities in prepared:
        content: dict[str, Any] = {**message_media(stored), "media_group_id": group_id}
        if caption:
            content["caption"] = caption
            content["caption_entities"] = objects.entities(entities)
        record = call.world.post(
            chat, call.world.bot, content, thread_id=thread_id, reply_to=reply_to
        )
        results.append(record.data)
    return results


@method("getFile")
async def get_file(call: Call) -> dict[str, Any]:
    stored = call.world.files.get(call.params["file_id"])
    if stored is None:
        raise bad_request("invalid file_id")
    if stored.file_size > FileSizeLimit.FILESIZE_DOWNLOAD:
        raise bad_request("file is too big")
    return file_result(stored)


@method("sendChatAction")
async def send_chat_action(call: Call) -> bool:
    action = call.params["action"]
    if action not in CHAT_ACTIONS:
        raise bad_request("wrong parameter action in request")
    chat = target_chat(call)
    thread_id = thread_for(call, chat)
    chat.actions.append((time.time(), action, thread_id))
    call.world.events.add("action", chat_id=chat.id, thread_id=thread_id, data={"action": action})
    return True
