"""The /broadcast conversation's state and views, kept out of the handlers to keep them thin.

The draft lives in FSM data: {"regions": [ids], "all": bool, "versions": {language: content},
"pending": content | None, "urgent": bool, "machine": {language: {"provider", "reviewed"}}
(versions that are machine drafts), "replacing": language | None (a draft being replaced by
the coordinator's own text), "preview_id": the message showing the preview}.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from aiogram.filters import Filter
from aiogram.fsm.state import State, StatesGroup
from aiogram.types import InlineKeyboardMarkup, User
from aiogram.utils.i18n import gettext as _
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from bot.broadcast import keyboards as kb
from bot.broadcast import machine, service, texts
from bot.broadcast.audience import Audience, Scope, scope
from bot.broadcast.content import EVERYONE, Content
from bot.broadcast.quiet import QuietHours, may_start_at
from bot.config import SUPPORTED_LOCALES, Settings
from bot.questions.translation import Translator
from db.models import Broadcast, Region

EMPTY: dict[str, Any] = {
    "regions": [], "all": False, "versions": {}, "urgent": False, "machine": {},
    "replacing": None, "preview_id": None,
}  # fmt: skip


class Draft(StatesGroup):
    regions = State()
    content = State()
    language = State()
    preview = State()


class MayBroadcast(Filter):
    """Passes (with `scope`) only for people who may broadcast somewhere."""

    async def __call__(
        self, event: Any, session: AsyncSession, settings: Settings, event_from_user: User | None
    ) -> bool | dict[str, Any]:
        if event_from_user is None:
            return False
        found = await scope(session, settings, event_from_user.id)
        return {"scope": found} if found.any else False


def audience(data: dict[str, Any]) -> Audience:
    return Audience(None if data["all"] else tuple(data["regions"]))


def versions(data: dict[str, Any]) -> dict[str, Content]:
    return {code: Content.from_dict(raw) for code, raw in data["versions"].items()}


def may_add_language(data: dict[str, Any]) -> bool:
    given = data["versions"]
    return EVERYONE not in given and len(given) < len(SUPPORTED_LOCALES)


def unreviewed(data: dict[str, Any]) -> list[str]:
    """Languages whose version is a machine draft nobody accepted."""
    given = data["versions"]
    return [c for c, mark in data.get("machine", {}).items() if c in given and not mark["reviewed"]]


def quiet_start(settings: Settings, now: datetime, urgent: bool) -> datetime | None:
    """When sending would start, if quiet hours hold it now."""
    starts = may_start_at(QuietHours.from_settings(settings), now, now, urgent=urgent)
    return starts if starts > now else None


def progress_text(settings: Settings, now: datetime, broadcast: Broadcast) -> str:
    """The first text of a just-sent broadcast's progress message."""
    text = texts.queued(broadcast.id, broadcast.total)
    starts = quiet_start(settings, now, broadcast.urgent)
    if starts is not None:
        text += "\n" + texts.waiting(broadcast.id, starts, settings.tz)
    return text


async def regions_keyboard(
    session: AsyncSession, allowed: Scope, data: dict[str, Any]
) -> InlineKeyboardMarkup:
    query = select(Region).where(Region.active).order_by(Region.name)
    if not allowed.admin:
        query = query.where(Region.id.in_(allowed.region_ids))
    items = list(await session.scalars(query))
    return kb.regions(items, data["regions"], data["all"] if allowed.admin else None)


async def preview(
    session: AsyncSession, settings: Settings, actor: int, data: dict[str, Any], now: datetime,
    translator: Translator | None = None,
) -> tuple[str, InlineKeyboardMarkup]:  # fmt: skip
    """The preview text and buttons (raises NotAllowed outside the actor's regions). With a
    translation provider, missing languages of the audience can get machine drafts."""
    chosen, given = audience(data), versions(data)
    found = await service.preview(session, settings, actor, chosen, given)
    names = await service.region_names(session, chosen.region_ids)
    text = texts.preview(
        names, found, given, urgent=data["urgent"],
        quiet_start=quiet_start(settings, now, data["urgent"]), tz=settings.tz,
        machine=data.get("machine"),
    )  # fmt: skip
    offer = (
        translator is not None
        and translator.active
        and bool(machine.missing(found, given))
        and machine.can_draft(given, translator.staff_language)
    )
    return text, kb.preview(found.total > 0, may_add_language(data), data["urgent"], offer)


async def recent_list(
    session: AsyncSession, settings: Settings, actor: int
) -> tuple[str, InlineKeyboardMarkup | None]:
    items = await service.recent(session, settings, actor)
    if not items:
        return _("No broadcasts yet."), None
    lines = [_("Recent broadcasts:")]
    for b, counts in items:
        lines.append(
            texts.list_line(b.id, b.created_at, b.status, counts["sent"], b.total, settings.tz)
        )
    unfinished = [b.id for b, _counts in items if b.status in service.ACTIVE]
    return "\n".join(lines), kb.stop_buttons(unfinished)
