"""Broadcast services: preview, create (store and plan every delivery), cancel, list.

They flush but never commit, so steps compose; authorisation happens here, not in handlers.
The two use cases of a coordinator's buttons own their transaction: `confirm` (create, show
the progress message, commit, wake the engine) and `stop` (cancel, commit, wake). They speak
through the `Messenger` they receive; texts come rendered from the caller. No aiogram here.
"""

from __future__ import annotations

import json
from collections import Counter
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime

from sqlalchemy import Integer, String, func, insert, literal, select, update
from sqlalchemy.ext.asyncio import AsyncSession

from bot.broadcast.audience import Audience, language_counts, recipient_criteria, scope
from bot.broadcast.content import EVERYONE, Content, pick
from bot.config import Settings
from bot.messenger import Messenger, Undeliverable
from bot.services.roles import NotAllowed
from db.models import (
    Broadcast,
    BroadcastDelivery,
    BroadcastStatus,
    BroadcastVersion,
    DeliveryState,
    Member,
    Region,
)
from db.sqlite_onehop import in_thread

ACTIVE = (BroadcastStatus.QUEUED.value, BroadcastStatus.SENDING.value)
FINISHED = (BroadcastStatus.DONE.value, BroadcastStatus.CANCELLED.value)


class AlreadyFinished(Exception):
    """The broadcast is done or cancelled already."""


class UnreviewedDrafts(Exception):
    """Some versions are machine drafts nobody reviewed, and sending them was not confirmed."""

    def __init__(self, languages: Sequence[str]) -> None:
        super().__init__(", ".join(languages))
        self.languages = list(languages)


@dataclass(frozen=True)
class Preview:
    total: int
    by_language: dict[str, int]
    # (reader language, how many, language of the version they get instead)
    fallbacks: list[tuple[str, int, str]] = field(default_factory=list)


async def preview(
    session: AsyncSession,
    settings: Settings,
    actor: int,
    audience: Audience,
    versions: Mapping[str, Content],
) -> Preview:
    if not (await scope(session, settings, actor)).covers(audience.region_ids):
        raise NotAllowed
    counts = await language_counts(session, audience, settings.default_locale)
    fallbacks = []
    if versions and EVERYONE not in versions:
        for language, count in counts.items():
            used, _ = pick(versions, language)
            if used != language:
                fallbacks.append((language, count, used))
    return Preview(sum(counts.values()), counts, fallbacks)


async def plan(
    session: AsyncSession, broadcast_id: int, audience: Audience, default_locale: str
) -> int:
    """One queued delivery per recipient, in one INSERT ... SELECT; returns how many."""
    chosen = select(
        literal(broadcast_id, Integer),
        Member.id,
        literal(DeliveryState.QUEUED.value, String),
        literal(0, Integer),
    ).where(*recipient_criteria(audience, default_locale))
    with in_thread():  # every member of a region, or of all: off the members' event loop
        await session.execute(
            insert(BroadcastDelivery).from_select(
                ["broadcast_id", "member_id", "state", "attempts"], chosen
            )
        )
        total = await session.scalar(
            select(func.count()).where(BroadcastDelivery.broadcast_id == broadcast_id)
        )
    return int(total or 0)


async def create(
    session: AsyncSession,
    settings: Settings,
    *,
    actor: int | None,
    audience: Audience,
    versions: Mapping[str, Content],
    now: datetime,
    locale: str,
    urgent: bool = False,
    due_at: datetime | None = None,
    kind: str = "announcement",
    progress_message_id: int | None = None,
) -> Broadcast:
    """Store a broadcast with its versions and deliveries. `actor` None: the system itself."""
    if actor is not None and not (await scope(session, settings, actor)).covers(
        audience.region_ids
    ):
        raise NotAllowed
    if not versions:
        raise ValueError("a broadcast needs at least one version")
    broadcast = Broadcast(
        kind=kind,
        status=BroadcastStatus.QUEUED.value,
        created_by=actor,
        locale=locale,
        progress_message_id=progress_message_id,
        region_ids=json.dumps(list(audience.region_ids)) if audience.region_ids else None,
        language_filter=audience.language,
        answer_filter=json.dumps(dict(zip(("question", "option"), audience.answer, strict=True)))
        if audience.answer
        else None,
        urgent=urgent,
        total=0,
        due_at=due_at or now,
        created_at=now,
    )
    session.add(broadcast)
    await session.flush()
    for position, (language, content) in enumerate(versions.items()):
        session.add(
            BroadcastVersion(
                broadcast_id=broadcast.id,
                language=language,
                position=position,
                content_kind=content.kind,
                html=content.html,
                file_id=content.file_id,
                markup=content.markup,
                file_name=content.file_name,
                file_text=content.file_text,
                file_data=content.file_data,
            )
        )
    broadcast.total = await plan(session, broadcast.id, audience, settings.default_locale)
    await session.flush()
    return broadcast


@dataclass(frozen=True)
class ProgressMessage:
    """The coordinator's message that shows a broadcast's progress (the preview, until sent)."""

    chat_id: int
    message_id: int


async def confirm(
    session: AsyncSession,
    settings: Settings,
    messenger: Messenger,
    *,
    actor: int,
    audience: Audience,
    versions: Mapping[str, Content],
    now: datetime,
    locale: str,
    urgent: bool,
    progress: ProgressMessage,
    progress_text: Callable[[Broadcast], str],
    wake: Callable[[], None] | None = None,
    unreviewed: Sequence[str] = (),
    send_unreviewed: bool = False,
) -> Broadcast:
    """A coordinator sends a draft: store it, turn the preview into its progress message, commit.

    `unreviewed`: languages whose version is a machine draft nobody accepted; they are sent
    only with `send_unreviewed` (the coordinator confirmed), else UnreviewedDrafts is raised.

    The progress message is edited before the commit because whether that worked is stored:
    the engine, woken after the commit, edits that message from then on (or none at all).
    Raises NotAllowed outside the actor's scope, before anything is said.
    """
    pending = [code for code in unreviewed if code in versions]
    if pending and not send_unreviewed:
        raise UnreviewedDrafts(pending)
    broadcast = await create(
        session, settings, actor=actor, audience=audience, versions=versions, now=now,
        locale=locale, urgent=urgent, progress_message_id=progress.message_id,
    )  # fmt: skip
    text = progress_text(broadcast)
    broadcast.progress_text = text
    try:
        await messenger.edit_text(progress.chat_id, progress.message_id, text)
    except Undeliverable:
        broadcast.progress_message_id = broadcast.progress_text = None
    await session.commit()  # the engine must find it committed
    if wake is not None:
        wake()
    return broadcast


async def stop(
    session: AsyncSession,
    settings: Settings,
    actor: int,
    broadcast_id: int,
    wake: Callable[[], None] | None = None,
) -> Broadcast:
    """A coordinator stops a broadcast: `cancel`, commit, and wake the engine to report the end."""
    broadcast = await cancel(session, settings, actor, broadcast_id)
    await session.commit()
    if wake is not None:
        wake()
    return broadcast


async def load_versions(session: AsyncSession, broadcast_id: int) -> dict[str, Content]:
    rows = await session.scalars(
        select(BroadcastVersion)
        .where(BroadcastVersion.broadcast_id == broadcast_id)
        .order_by(BroadcastVersion.position)
    )
    return {
        v.language: Content(
            v.content_kind, v.html, 0, v.file_id, v.markup, v.file_name, v.file_text, v.file_data
        )
        for v in rows
    }


def region_ids(broadcast: Broadcast) -> list[int] | None:
    return json.loads(broadcast.region_ids) if broadcast.region_ids else None


async def _may_manage(
    session: AsyncSession, settings: Settings, actor: int, broadcast: Broadcast
) -> bool:
    if broadcast.created_by == actor:
        return True
    return (await scope(session, settings, actor)).covers(region_ids(broadcast))


async def cancel(
    session: AsyncSession, settings: Settings, actor: int, broadcast_id: int
) -> Broadcast:
    """Stop a broadcast: its queued deliveries are skipped; the engine reports the end."""
    broadcast = await session.get(Broadcast, broadcast_id)
    if broadcast is None or not await _may_manage(session, settings, actor, broadcast):
        raise NotAllowed
    if broadcast.status in FINISHED:
        raise AlreadyFinished
    broadcast.status = BroadcastStatus.CANCELLED.value
    await session.execute(
        update(BroadcastDelivery)
        .where(
            BroadcastDelivery.broadcast_id == broadcast_id,
            BroadcastDelivery.state == DeliveryState.QUEUED.value,
        )
        .values(state=DeliveryState.SKIPPED.value, last_error="cancelled")
    )
    await session.flush()
    return broadcast


async def state_counts(session: AsyncSession, ids: Sequence[int]) -> dict[int, Counter[str]]:
    counts: dict[int, Counter[str]] = {i: Counter() for i in ids}
    if not ids:
        return counts
    rows = await session.execute(
        select(BroadcastDelivery.broadcast_id, BroadcastDelivery.state, func.count())
        .where(BroadcastDelivery.broadcast_id.in_(ids))
        .group_by(BroadcastDelivery.broadcast_id, BroadcastDelivery.state)
    )
    for broadcast_id, state, count in rows.all():
        counts[broadcast_id][state] = int(count)
    return counts


async def recent(
    session: AsyncSession, settings: Settings, actor: int, limit: int = 10
) -> list[tuple[Broadcast, Counter[str]]]:
    """The latest broadcasts `actor` started or may manage, with deliveries per state."""
    allowed = await scope(session, settings, actor)
    rows = await session.scalars(select(Broadcast).order_by(Broadcast.id.desc()).limit(200))
    visible = [b for b in rows if b.created_by == actor or allowed.covers(region_ids(b))][:limit]
    counts = await state_counts(session, [b.id for b in visible])
    return [(b, counts[b.id]) for b in visible]


async def region_names(session: AsyncSession, ids: Sequence[int] | None) -> list[str]:
    if not ids:
        return []
    return list(
        await session.scalars(select(Region.name).where(Region.id.in_(ids)).order_by(Region.name))
    )


async def forget_requester(session: AsyncSession, telegram_id: int) -> None:
    """For a person's /delete: broadcasts they started keep no trace of their Telegram id."""
    await session.execute(
        update(Broadcast)
        .where(Broadcast.created_by == telegram_id)
        .values(created_by=None, progress_message_id=None)
    )


async def urgent_waiting(session: AsyncSession, current_id: int, now: datetime) -> bool:
    """Is another urgent broadcast due (so a non-urgent run should give way)?"""
    found = await session.scalar(
        select(Broadcast.id)
        .where(
            Broadcast.status.in_(ACTIVE),
            Broadcast.urgent.is_(True),
            Broadcast.id != current_id,
            Broadcast.due_at <= now,
        )
        .limit(1)
    )
    return found is not None
