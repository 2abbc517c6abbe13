"""Reading Bot API parameters from an HTTP request (query, JSON, urlencoded, multipart)."""

from __future__ import annotations

import json
from typing import Any

from aiohttp import BodyPartReader, MultipartReader, web

from .coerce import Upload
from .errors import bad_request

Params = tuple[dict[str, Any], dict[str, Upload]]


async def read_request(request: web.Request) -> Params:
    """Raw parameters (strings or JSON values) and uploaded files of a Bot API call."""
    raw: dict[str, Any] = dict(request.query)
    uploads: dict[str, Upload] = {}
    if request.method != "POST" or not request.body_exists:
        return raw, uploads
    content_type = request.content_type
    if content_type == "application/json":
        try:
            body = await request.json()
        except ValueError:
            raise bad_request("can't parse JSON encoded request parameters") from None
        if not isinstance(body, dict):
            raise bad_request("JSON object expected as request parameters")
        raw.update(body)
    elif content_type == "multipart/form-data":
        fields, uploads = await read_multipart(await request.multipart())
        raw.update(fields)
    else:
        form = await request.post()
        raw.update({key: value for key, value in form.items() if isinstance(value, str)})
    for name, upload in uploads.items():
        raw.setdefault(name, upload)
    return raw, uploads


async def read_multipart(reader: MultipartReader) -> Params:
    fields: dict[str, Any] = {}
    uploads: dict[str, Upload] = {}
    while True:
        part = await reader.next()
        if part is None:
            break
        if not isinstance(part, BodyPartReader) or not part.name:
            continue
        data = await part.read(decode=True)
        if part.filename is not None:
            uploads[part.name] = Upload(
                filename=part.filename,
                content_type=part.headers.get("Content-Type", "application/octet-stream"),
                data=bytes(data),
            )
        else:
            charset = part.get_charset(default="utf-8")
            fields[part.name] = bytes(data).decode(charset)
    return fields, uploads


def decode_webhook_reply(content_type: str, body: bytes) -> dict[str, Any] | None:
    """A method call in a JSON webhook reply (``{"method": ...}``), if any."""
    if content_type != "application/json" or not body:
        return None
    try:
        payload = json.loads(body)
    except ValueError:
        return None
    if isinstance(payload, dict) and isinstance(payload.get("method"), str):
        return payload
    return None
