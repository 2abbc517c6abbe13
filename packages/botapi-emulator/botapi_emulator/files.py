"""Files held by the emulator: uploaded by the bot or sent by simulated people.

Each file has a ``file_id`` (usable again in send* methods), a shorter
``file_unique_id`` and a ``file_path`` served at ``/file/bot<token>/<file_path>``.
"""

from __future__ import annotations

import base64
import hashlib
import itertools
import mimetypes
import struct
from dataclasses import dataclass
from typing import Literal

FileKind = Literal[
    "photo", "document", "voice", "audio", "video", "sticker", "animation", "video_note"
]

_FOLDERS = {
    "photo": "photos",
    "document": "documents",
    "voice": "voice",
    "audio": "music",
    "video": "videos",
    "sticker": "stickers",
    "animation": "animations",
    "video_note": "video_notes",
}
_DEFAULT_EXT = {
    "photo": ".jpg",
    "voice": ".oga",
    "audio": ".mp3",
    "video": ".mp4",
    "sticker": ".webp",
}
_KIND_CODE = {kind: i + 1 for i, kind in enumerate(_FOLDERS)}


@dataclass(frozen=True, slots=True)
class StoredFile:
    file_id: str
    file_unique_id: str
    file_path: str
    kind: FileKind
    data: bytes
    file_name: str | None
    mime_type: str | None
    width: int = 0
    height: int = 0
    duration: int = 0

    @property
    def file_size(self) -> int:
        return len(self.data)


class FileStore:
    def __init__(self, seed: int) -> None:
        self._seed = seed
        self._counter = itertools.count(1)
        self._by_id: dict[str, StoredFile] = {}
        self._by_path: dict[str, StoredFile] = {}

    def add(
        self,
        data: bytes,
        kind: FileKind,
        *,
        file_name: str | None = None,
        mime_type: str | None = None,
        duration: int = 0,
    ) -> StoredFile:
        number = next(self._counter)
        raw_id = struct.pack(">IBQ", self._seed & 0xFFFFFFFF, _KIND_CODE[kind], number)
        digest = hashlib.sha256(raw_id).digest()
        file_id = "EMU" + base64.urlsafe_b64encode(raw_id + digest[:24]).decode().rstrip("=")
        unique = "EMUQ" + base64.urlsafe_b64encode(digest[:9]).decode()
        ext = _extension(file_name, mime_type, kind)
        if mime_type is None and file_name:
            mime_type = mimetypes.guess_type(file_name)[0]
        width, height = image_size(data) if kind in ("photo", "sticker") else (0, 0)
        stored = StoredFile(
            file_id=file_id,
            file_unique_id=unique,
            file_path=f"{_FOLDERS[kind]}/file_{number}{ext}",
            kind=kind,
            data=data,
            file_name=file_name,
            mime_type=mime_type,
            width=width,
            height=height,
            duration=duration,
        )
        self._by_id[file_id] = stored
        self._by_path[stored.file_path] = stored
        return stored

    def get(self, file_id: str) -> StoredFile | None:
        return self._by_id.get(file_id)

    def by_path(self, path: str) -> StoredFile | None:
        return self._by_path.get(path)

    def __len__(self) -> int:
        return len(self._by_id)


def _extension(file_name: str | None, mime_type: str | None, kind: FileKind) -> str:
    if file_name and "." in file_name:
        return "." + file_name.rsplit(".", 1)[1][:8]
    if mime_type:
        guessed = mimetypes.guess_extension(mime_type)
        if guessed:
            return guessed
    return _DEFAULT_EXT.get(kind, "")


def image_size(data: bytes) -> tuple[int, int]:
    """Width and height from a PNG, GIF, WebP or JPEG header; (512, 512) if unknown."""
    if data[:8] == b"\x89PNG\r\n\x1a\n" and len(data) >= 24:
        width, height = struct.unpack(">II", data[16:24])
        return int(width), int(height)
    if data[:6] in (b"GIF87a", b"GIF89a") and len(data) >= 10:
        width, height = struct.unpack("<HH", data[6:10])
        return int(width), int(height)
    if data[:4] == b"RIFF" and data[8:12] == b"WEBP" and data[12:16] == b"VP8X" and len(data) >= 30:
        return 1 + int.from_bytes(data[24:27], "little"), 1 + int.from_bytes(data[27:30], "little")
    if data[:2] == b"\xff\xd8":
        return _jpeg_size(data)
    return 512, 512


def _jpeg_size(data: bytes) -> tuple[int, int]:
    i = 2
    while i + 9 < len(data):
        if data[i] != 0xFF:
            i += 1
            continue
        marker = data[i + 1]
        if marker in (0xC0, 0xC1, 0xC2):
            height, width = struct.unpack(">HH", data[i + 5 : i + 9])
            return int(width), int(height)
        length = struct.unpack(">H", data[i + 2 : i + 4])[0]
        i += 2 + length
    return 512, 512
