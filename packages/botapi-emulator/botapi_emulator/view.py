"""What tests get back: live, read-only views of messages and callback results."""

from __future__ import annotations

import json
from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from typing import Any

from .state import MessageRecord

_MEDIA_KEYS = ("photo", "voice", "document", "audio", "video", "sticker", "animation", "video_note")


class SimMessage(Mapping[str, Any]):
    """A message as Telegram holds it now (edits show up live), in Bot API shape.

    ``msg["text"]`` reads the current Bot API dict; ``to_dict()`` adds ``deleted`` and
    ``edit_history`` (older versions, oldest first) and returns plain JSON data.
    """

    __slots__ = ("_record",)

    def __init__(self, record: MessageRecord) -> None:
        self._record = record

    # Mapping over the current Bot API dict
    def __getitem__(self, key: str) -> Any:
        return self._record.data[key]

    def __iter__(self) -> Iterator[str]:
        return iter(self._record.data)

    def __len__(self) -> int:
        return len(self._record.data)

    def __eq__(self, other: object) -> bool:
        if isinstance(other, SimMessage):
            return (self.chat_id, self.message_id) == (other.chat_id, other.message_id)
        return NotImplemented

    def __hash__(self) -> int:
        return hash((self.chat_id, self.message_id))

    def __repr__(self) -> str:
        body = self.text if self.text is not None else self.caption
        kind = self.media_kind or "text"
        flags = " deleted" if self.deleted else (" edited" if self.edited else "")
        who = "bot" if self.from_bot else self.sender_id
        return f"<SimMessage {self.chat_id}/{self.message_id} from {who} {kind}{flags}: {body!r}>"

    @property
    def record(self) -> MessageRecord:
        return self._record

    @property
    def message_id(self) -> int:
        return self._record.message_id

    @property
    def chat_id(self) -> int:
        return self._record.chat_id

    @property
    def thread_id(self) -> int | None:
        return self._record.thread_id

    @property
    def sender_id(self) -> int:
        return self._record.sender_id

    @property
    def from_bot(self) -> bool:
        return self._record.from_bot

    @property
    def text(self) -> str | None:
        return self._record.data.get("text")

    @property
    def caption(self) -> str | None:
        return self._record.data.get("caption")

    @property
    def body(self) -> str:
        """Text or caption, whichever the message has ("" for neither)."""
        return self.text or self.caption or ""

    @property
    def entities(self) -> list[dict[str, Any]]:
        data = self._record.data
        return list(data.get("entities") or data.get("caption_entities") or ())

    @property
    def reply_markup(self) -> dict[str, Any] | None:
        return self._record.data.get("reply_markup")

    @property
    def inline_keyboard(self) -> list[list[dict[str, Any]]]:
        markup = self.reply_markup or {}
        return [list(row) for row in markup.get("inline_keyboard", ())]

    @property
    def buttons(self) -> list[list[str]]:
        """Inline button texts, row by row."""
        return [[button["text"] for button in row] for row in self.inline_keyboard]

    @property
    def button_texts(self) -> list[str]:
        return [text for row in self.buttons for text in row]

    @property
    def callback_data(self) -> list[str]:
        return [
            b["callback_data"] for row in self.inline_keyboard for b in row if "callback_data" in b
        ]

    @property
    def media_kind(self) -> str | None:
        return next((key for key in _MEDIA_KEYS if key in self._record.data), None)

    @property
    def file_id(self) -> str | None:
        kind = self.media_kind
        if kind is None:
            return None
        media = self._record.data[kind]
        return str((media[-1] if isinstance(media, list) else media)["file_id"])

    @property
    def reply_to_message_id(self) -> int | None:
        reply = self._record.data.get("reply_to_message")
        return reply["message_id"] if reply else None

    @property
    def deleted(self) -> bool:
        return self._record.deleted

    @property
    def edited(self) -> bool:
        return bool(self._record.history)

    @property
    def edit_history(self) -> list[dict[str, Any]]:
        return [_plain(version) for version in self._record.history]

    @property
    def reactions(self) -> list[dict[str, Any]]:
        return list(self._record.reactions)

    def to_dict(self) -> dict[str, Any]:
        data = _plain(self._record.data)
        data["deleted"] = self.deleted
        data["edit_history"] = self.edit_history
        return data


def _plain(data: dict[str, Any]) -> dict[str, Any]:
    """JSON-clean copy (PTB's enum members become plain strings)."""
    result: dict[str, Any] = json.loads(json.dumps(data))
    return result


@dataclass
class CallbackResult:
    """A button press: the callback query sent to the bot and the bot's answer."""

    id: str
    data: str | None
    message: SimMessage
    update: dict[str, Any] | None
    answer: dict[str, Any] | None = None

    @property
    def answered(self) -> bool:
        return self.answer is not None

    @property
    def text(self) -> str | None:
        return (self.answer or {}).get("text")

    @property
    def show_alert(self) -> bool:
        return bool((self.answer or {}).get("show_alert"))
