"""Keep the sandbox's emulated Telegram across restarts: people, chats, topics, files.

The bot's own state lives in its SQLite database in the data folder; this file keeps the
other half (what Telegram would remember) as ``world.json`` plus one file per upload under
``files/``. Only public emulator API is used: people and groups are re-created with their
old ids, transcripts are put back as message records, and files are stored again (they
get new file ids, which the restored messages are rewritten to use).
"""

from __future__ import annotations

import base64
import json
import logging
import os
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, cast

from botapi_emulator import Emulator, SimGroup
from botapi_emulator.files import FileKind
from botapi_emulator.state import BotRights, ChatState, MessageRecord, TopicState

log = logging.getLogger(__name__)

FORMAT = 1
WORLD_FILE = "world.json"
FILES_DIR = "files"

# Ids the sandbox hands out itself, far from the emulator's own ranges, so that people
# restored from a snapshot never collide with people created later.
FIRST_USER_ID = 7_200_000_001
FIRST_GROUP_ID = -1_007_200_000_001


@dataclass
class Ids:
    """The next user and group id the sandbox will use."""

    next_user: int = FIRST_USER_ID
    next_group: int = FIRST_GROUP_ID

    def user(self) -> int:
        value, self.next_user = self.next_user, self.next_user + 1
        return value

    def group(self) -> int:
        value, self.next_group = self.next_group, self.next_group - 1
        return value


@dataclass
class Snapshot:
    ids: Ids = field(default_factory=Ids)
    seeded: bool = False
    users: list[dict[str, Any]] = field(default_factory=list)
    chats: list[dict[str, Any]] = field(default_factory=list)
    files: list[dict[str, Any]] = field(default_factory=list)


def load(data_dir: Path) -> Snapshot | None:
    path = data_dir / WORLD_FILE
    if not path.exists():
        return None
    raw = json.loads(path.read_text(encoding="utf-8"))
    if raw.get("format") != FORMAT:
        raise ValueError(f"{path}: unknown format {raw.get('format')!r}; use another --data folder")
    return Snapshot(
        ids=Ids(**raw["ids"]),
        seeded=bool(raw.get("seeded")),
        users=raw.get("users", []),
        chats=raw.get("chats", []),
        files=raw.get("files", []),
    )


def save(data_dir: Path, emulator: Emulator, ids: Ids, *, seeded: bool) -> None:
    """Write the world atomically; upload bytes go to files/ once each."""
    world = emulator.world
    files_dir = data_dir / FILES_DIR
    files_dir.mkdir(parents=True, exist_ok=True)
    used = _used_file_ids(world.chats.values())
    files = []
    for file_id in sorted(used):
        stored = world.files.get(file_id)
        if stored is None:
            continue
        blob = files_dir / _blob_name(stored.file_unique_id)
        if not blob.exists():
            blob.write_bytes(stored.data)
        files.append(
            {
                "file_id": stored.file_id,
                "file_unique_id": stored.file_unique_id,
                "kind": stored.kind,
                "file_name": stored.file_name,
                "mime_type": stored.mime_type,
                "duration": stored.duration,
                "blob": blob.name,
            }
        )
    document = {
        "format": FORMAT,
        "ids": {"next_user": ids.next_user, "next_group": ids.next_group},
        "seeded": seeded,
        "users": [_user_json(u) for u in world.users.values() if not u.is_bot],
        "chats": [_chat_json(c) for c in world.chats.values()],
        "files": files,
    }
    target = data_dir / WORLD_FILE
    temporary = target.with_suffix(".tmp")
    temporary.write_text(json.dumps(document, ensure_ascii=False), encoding="utf-8")
    os.replace(temporary, target)


def restore(data_dir: Path, emulator: Emulator, snapshot: Snapshot) -> None:
    """Put people, groups, transcripts and files back into a freshly started emulator."""
    renamed = _restore_files(data_dir, emulator, snapshot.files)
    for user in snapshot.users:
        if user["id"] in emulator.world.users:
            continue
        emulator.create_user(
            user["first_name"],
            user.get("language_code"),
            user.get("username"),
            user.get("last_name"),
            user_id=user["id"],
        )
    version = emulator.world.events.seq
    for data in snapshot.chats:
        chat = _chat_for(emulator, data)
        if chat is None:
            continue
        _fill_chat(chat, data, version, renamed)


def _user_json(user: Any) -> dict[str, Any]:
    return {
        "id": user.id,
        "first_name": user.first_name,
        "last_name": user.last_name,
        "username": user.username,
        "language_code": user.language_code,
    }


def _chat_json(chat: ChatState) -> dict[str, Any]:
    return {
        "id": chat.id,
        "type": chat.type,
        "title": chat.title,
        "username": chat.username,
        "is_forum": chat.is_forum,
        "bot_started": chat.bot_started,
        "pinned_message_id": chat.pinned_message_id,
        "description": chat.description,
        "members": {str(k): v for k, v in chat.members.items()},
        "bot": {
            "status": chat.bot.status,
            "can_manage_topics": chat.bot.can_manage_topics,
            "can_delete_messages": chat.bot.can_delete_messages,
            "can_pin_messages": chat.bot.can_pin_messages,
        },
        "topics": [
            {
                "message_thread_id": t.message_thread_id,
                "name": t.name,
                "icon_color": t.icon_color,
                "icon_custom_emoji_id": t.icon_custom_emoji_id,
                "closed": t.closed,
                "deleted": t.deleted,
                "created_by": t.created_by,
            }
            for t in chat.topics.values()
        ],
        "next_message_id": chat.next_message_id,
        "reply_keyboard": chat.reply_keyboard,
        "messages": [
            {
                "message_id": m.message_id,
                "data": m.data,
                "sender_id": m.sender_id,
                "from_bot": m.from_bot,
                "thread_id": m.thread_id,
                "deleted": m.deleted,
                "history": m.history,
                "reactions": m.reactions,
                "service": m.service,
            }
            for m in chat.messages.values()
        ],
    }


def _chat_for(emulator: Emulator, data: dict[str, Any]) -> ChatState | None:
    world = emulator.world
    if data["type"] == "private":
        return world.chats.get(data["id"])
    if data["id"] in world.chats:
        return world.chats[data["id"]]
    rights = BotRights(**data["bot"])
    members = {int(k): v for k, v in data["members"].items() if int(k) != world.bot.id}
    chat = world.add_group(
        data.get("title") or "",
        forum=bool(data.get("is_forum")),
        members=members,
        bot_rights=rights,
        username=data.get("username"),
        chat_id=data["id"],
    )
    emulator.groups[chat.id] = SimGroup(emulator, chat)
    return chat


def _fill_chat(
    chat: ChatState, data: dict[str, Any], version: int, renamed: dict[str, str]
) -> None:
    chat.bot_started = bool(data.get("bot_started", True))
    chat.pinned_message_id = data.get("pinned_message_id")
    chat.description = data.get("description")
    chat.reply_keyboard = data.get("reply_keyboard")
    chat.next_message_id = max(chat.next_message_id, int(data.get("next_message_id", 1)))
    chat.topics = {t["message_thread_id"]: TopicState(**t) for t in data.get("topics", [])}
    for item in data.get("messages", []):
        chat.messages[item["message_id"]] = MessageRecord(
            chat_id=chat.id,
            message_id=item["message_id"],
            data=_renamed(item["data"], renamed),
            sender_id=item["sender_id"],
            from_bot=item["from_bot"],
            thread_id=item.get("thread_id"),
            seq=version,
            version=version,
            deleted=bool(item.get("deleted")),
            history=[_renamed(h, renamed) for h in item.get("history", [])],
            reactions=item.get("reactions", []),
            service=bool(item.get("service")),
        )
    chat.cache.clear()


def _restore_files(
    data_dir: Path, emulator: Emulator, files: list[dict[str, Any]]
) -> dict[str, str]:
    """Store each saved file again; map old file ids (and unique ids) to the new ones."""
    renamed: dict[str, str] = {}
    for item in files:
        blob = data_dir / FILES_DIR / item["blob"]
        if not blob.exists():
            log.warning("sandbox file missing, skipped", extra={"file": str(blob)})
            continue
        stored = emulator.world.files.add(
            blob.read_bytes(),
            cast(FileKind, item["kind"]),
            file_name=item.get("file_name"),
            mime_type=item.get("mime_type"),
            duration=int(item.get("duration") or 0),
        )
        renamed[item["file_id"]] = stored.file_id
        renamed[item["file_unique_id"]] = stored.file_unique_id
    return renamed


def _renamed(value: Any, renamed: dict[str, str]) -> Any:
    if isinstance(value, dict):
        return {k: _renamed(v, renamed) for k, v in value.items()}
    if isinstance(value, list):
        return [_renamed(v, renamed) for v in value]
    if isinstance(value, str):
        return renamed.get(value, value)
    return value


def _used_file_ids(chats: Any) -> set[str]:
    found: set[str] = set()

    def walk(value: Any) -> None:
        if isinstance(value, dict):
            file_id = value.get("file_id")
            if isinstance(file_id, str):
                found.add(file_id)
            for inner in value.values():
                walk(inner)
        elif isinstance(value, list):
            for inner in value:
                walk(inner)

    for chat in chats:
        for record in chat.messages.values():
            walk(record.data)
            walk(record.history)
    return found


def _blob_name(unique_id: str) -> str:
    return base64.urlsafe_b64encode(unique_id.encode()).decode().rstrip("=")
