"""Files attached to messages: PTB objects (PhotoSize, Voice, Document, ...) and sample bytes."""

from __future__ import annotations

import struct
import zlib
from typing import Any

import telegram

from .files import StoredFile

# Telegram reports dimensions for videos it transcodes; the emulator doesn't decode video.
_VIDEO_SIZE = (640, 360)
_ANIMATION_SIZE = (320, 240)
_VIDEO_NOTE_LENGTH = 240


def message_media(
    stored: StoredFile, *, duration: int | None = None, emoji: str | None = None
) -> dict[str, Any]:
    """The PTB ``Message`` keyword argument that carries ``stored`` (e.g. ``{"voice": Voice}``)."""
    ids = (stored.file_id, stored.file_unique_id)
    size = stored.file_size
    length = duration if duration is not None else stored.duration
    match stored.kind:
        case "photo":
            return {"photo": (telegram.PhotoSize(*ids, stored.width, stored.height, size),)}
        case "voice":
            return {"voice": telegram.Voice(*ids, length, stored.mime_type or "audio/ogg", size)}
        case "audio":
            return {
                "audio": telegram.Audio(
                    *ids,
                    length,
                    mime_type=stored.mime_type,
                    file_size=size,
                    file_name=stored.file_name,
                )
            }
        case "video":
            return {
                "video": telegram.Video(
                    *ids,
                    *_VIDEO_SIZE,
                    length,
                    mime_type=stored.mime_type,
                    file_size=size,
                    file_name=stored.file_name,
                )
            }
        case "animation":
            return {
                "animation": telegram.Animation(
                    *ids,
                    *_ANIMATION_SIZE,
                    length,
                    file_name=stored.file_name,
                    mime_type=stored.mime_type,
                    file_size=size,
                )
            }
        case "video_note":
            return {
                "video_note": telegram.VideoNote(*ids, _VIDEO_NOTE_LENGTH, length, file_size=size)
            }
        case "sticker":
            return {
                "sticker": telegram.Sticker(
                    *ids,
                    stored.width,
                    stored.height,
                    False,
                    False,
                    "regular",
                    emoji=emoji,
                    file_size=size,
                )
            }
        case _:
            return {
                "document": telegram.Document(
                    *ids, file_name=stored.file_name, mime_type=stored.mime_type, file_size=size
                )
            }


def file_result(stored: StoredFile) -> dict[str, Any]:
    """The ``File`` object getFile returns."""
    return telegram.File(
        stored.file_id,
        stored.file_unique_id,
        file_size=stored.file_size,
        file_path=stored.file_path,
    ).to_dict()


def tiny_png() -> bytes:
    """A valid 1x1 PNG, the default photo."""

    def chunk(kind: bytes, body: bytes) -> bytes:
        return (
            struct.pack(">I", len(body)) + kind + body + struct.pack(">I", zlib.crc32(kind + body))
        )

    header = struct.pack(">IIBBBBB", 1, 1, 8, 2, 0, 0, 0)
    return (
        b"\x89PNG\r\n\x1a\n"
        + chunk(b"IHDR", header)
        + chunk(b"IDAT", zlib.compress(b"\x00\xff\xff\xff"))
        + chunk(b"IEND", b"")
    )


DEFAULT_VOICE = b"OggS\x00\x02" + bytes(58)
