"""The sandbox page's chat list: every emulated chat, labelled with who is who in the bot.

Roles come from the bot's database (members, role grants, linked coordinator groups) and
ADMIN_IDS, so the list shows what the bot really knows. Chat content comes from the
emulator: topics, reply keyboards, command menus, last messages.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from bot.config import SUPPORTED_LOCALES, Settings
from bot.i18n import language_name
from botapi_emulator import Emulator
from botapi_emulator.state import ChatState, MessageRecord, UserState
from botapi_emulator.view import SimMessage
from db.models import Member, Region, RoleGrant, Volunteer, VolunteerPair

RTL_LANGUAGES = frozenset({"ar", "fa", "he", "ur", "ps", "ckb"})
PREVIEW_LENGTH = 90


@dataclass
class Roles:
    """Who is who, as the bot's database and configuration say."""

    admins: set[int] = field(default_factory=set)
    coordinators: dict[int, list[str]] = field(default_factory=dict)
    members: dict[int, Member] = field(default_factory=dict)
    regions: dict[int, str] = field(default_factory=dict)
    linked: dict[int, str] = field(default_factory=dict)
    volunteers: set[int] = field(default_factory=set)  # members who translate (any pair)


async def load_roles(
    session_factory: async_sessionmaker[AsyncSession], settings: Settings
) -> Roles:
    roles = Roles(admins=set(settings.admin_ids))
    async with session_factory() as session:
        for region in await session.scalars(select(Region)):
            roles.regions[region.id] = region.name
            if region.coordinator_chat_id is not None:
                roles.linked[region.coordinator_chat_id] = region.name
        for grant in await session.scalars(select(RoleGrant)):
            if grant.telegram_id is None:
                continue
            if grant.region_id is None:
                roles.admins.add(grant.telegram_id)
            else:
                names = roles.coordinators.setdefault(grant.telegram_id, [])
                names.append(roles.regions.get(grant.region_id, "?"))
        for member in await session.scalars(select(Member)):
            roles.members[member.telegram_id] = member
        roles.volunteers = set(
            await session.scalars(
                select(Member.telegram_id)
                .join(Volunteer, Volunteer.member_id == Member.id)
                .join(VolunteerPair, VolunteerPair.volunteer_id == Volunteer.id)
            )
        )
    return roles


def languages() -> list[dict[str, Any]]:
    return [
        {"code": code, "name": language_name(code), "rtl": code in RTL_LANGUAGES}
        for code in SUPPORTED_LOCALES
    ]


def directory(emulator: Emulator, roles: Roles) -> dict[str, Any]:
    world = emulator.world
    chats = [
        _private(emulator, chat, roles) if chat.type == "private" else _group(emulator, chat, roles)
        for chat in world.chats.values()
        if chat.type != "private" or chat.id in emulator.users
    ]
    return {
        "bot": {"id": world.bot.id, "name": world.bot.first_name, "username": world.bot.username},
        "seq": world.events.seq,
        "languages": languages(),
        "chats": chats,
    }


def _private(emulator: Emulator, chat: ChatState, roles: Roles) -> dict[str, Any]:
    user = emulator.world.users[chat.id]
    member = roles.members.get(user.id)
    language = (member.language if member else None) or user.language_code or ""
    if user.id in roles.admins:
        section, role = "staff", "Admin"
    elif user.id in roles.coordinators:
        section, role = "staff", "Coordinator · " + ", ".join(roles.coordinators[user.id])
    else:
        section, role = "newcomers", _member_label(member, language, roles)
    return {
        **_common(chat, user.full_name, section, role),
        "language": language,
        "rtl": language in RTL_LANGUAGES,
        "actors": [_actor(user, "member")],
        "reply_keyboard": chat.reply_keyboard,
        "commands": {str(user.id): commands_for(emulator, chat, user)},
        "started": any(not m.from_bot for m in chat.messages.values()),
    }


def _member_label(member: Member | None, language: str, roles: Roles) -> str:
    parts = ["Newcomer"] if member is not None else ["Not joined yet"]
    if language in SUPPORTED_LOCALES:
        parts.append(language_name(language))
    if member is not None and member.region_id is not None:
        parts.append(roles.regions.get(member.region_id, "?"))
    if member is not None:
        parts.append(str(member.status))
        if member.telegram_id in roles.volunteers:
            parts.append("volunteer translator")
    return " · ".join(parts)


def _group(emulator: Emulator, chat: ChatState, roles: Roles) -> dict[str, Any]:
    world = emulator.world
    people = [
        world.users[uid]
        for uid, status in chat.members.items()
        if uid in world.users and uid != world.bot.id and status not in ("left", "kicked")
    ]
    people.sort(key=lambda u: chat.members[u.id] not in ("creator", "administrator"))
    region = roles.linked.get(chat.id)
    role = ("Coordinators of " + region) if region else "Group, not linked to a region"
    topics: list[dict[str, Any]] = [
        {
            "id": topic.message_thread_id,
            "name": topic.name,
            "color": f"#{topic.icon_color:06x}",
            "closed": topic.closed,
            "incoming": sum(
                1
                for m in chat.messages.values()
                if m.thread_id == topic.message_thread_id and m.from_bot and not m.service
            ),
            "last_date": _last_date(chat, topic.message_thread_id),
        }
        for topic in chat.topics.values()
        if not topic.deleted
    ]
    topics.sort(key=lambda t: t["last_date"], reverse=True)
    return {
        **_common(chat, chat.title or "Group", "groups", role),
        "forum": chat.is_forum,
        "language": "",
        "rtl": False,
        "actors": [_actor(u, chat.members[u.id]) for u in people],
        "reply_keyboard": None,
        "commands": {str(u.id): commands_for(emulator, chat, u) for u in people},
        "topics": topics,
        "started": True,
    }


def _common(chat: ChatState, title: str, section: str, role: str) -> dict[str, Any]:
    last = next((m for m in reversed(chat.messages.values()) if not m.deleted), None)
    return {
        "id": chat.id,
        "type": "private" if chat.type == "private" else "group",
        "title": title,
        "section": section,
        "role": role,
        "incoming": sum(1 for m in chat.messages.values() if m.from_bot and not m.service),
        "last": _preview(last) if last else None,
        "last_date": last.data.get("date", 0) if last else 0,
    }


def _actor(user: UserState, status: str) -> dict[str, Any]:
    return {"id": user.id, "name": user.full_name, "status": status}


def _last_date(chat: ChatState, thread_id: int) -> int:
    dates = [m.data.get("date", 0) for m in chat.messages.values() if m.thread_id == thread_id]
    return max(dates, default=0)


def _preview(record: MessageRecord) -> dict[str, Any]:
    message = SimMessage(record)
    text = message.body
    if not text:
        kind = message.media_kind
        if kind is not None:
            text = {"photo": "🖼 Photo", "voice": "🎤 Voice message", "document": "📄 File"}.get(
                kind, kind.replace("_", " ").capitalize()
            )
        elif "forum_topic_created" in record.data:
            text = "Topic created: " + record.data["forum_topic_created"].get("name", "")
        else:
            text = "Service message"
    sender = record.data.get("from", {}).get("first_name", "")
    return {
        "text": " ".join(text.split())[:PREVIEW_LENGTH],
        "from_bot": record.from_bot,
        "sender": sender,
    }


def commands_for(emulator: Emulator, chat: ChatState, user: UserState) -> list[dict[str, Any]]:
    """The command menu this person sees in this chat, by Telegram's scope order."""
    if chat.type == "private":
        scopes = [f"chat:{chat.id}", "all_private_chats", "default"]
    else:
        admin = chat.members.get(user.id) in ("creator", "administrator")
        scopes = [
            f"chat_member:{chat.id}:{user.id}",
            *([f"chat_administrators:{chat.id}"] if admin else []),
            f"chat:{chat.id}",
            *(["all_chat_administrators"] if admin else []),
            "all_group_chats",
            "default",
        ]
    known = emulator.world.commands
    for scope in scopes:
        for language in (user.language_code or "", ""):
            found = known.get((scope, language))
            if found:
                return list(found)
    return []
