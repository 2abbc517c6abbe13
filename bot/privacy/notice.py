"""The privacy notice names the translation services that see member texts; when that set
changes between two starts, the notice's version rises so every member is asked again."""

from __future__ import annotations

import logging

from sqlalchemy import select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from bot.config import Settings
from bot.marking import N_
from bot.members.consent import notice_version, set_notice_revision
from db.base import utcnow
from db.models import NoticeRevision

log = logging.getLogger(__name__)

SERVICE_NAMES = {
    "libretranslate": "LibreTranslate",
    "deepl": "DeepL",
    "azure": "Microsoft Azure AI Translator",
    # A msgid: the notice shows it in the reader's language (bot.texts.privacy_notice).
    "demo": N_("a demo translator running on this computer (no real translation service)"),
}


def service_names(providers: tuple[str, ...]) -> tuple[str, ...]:
    return tuple(SERVICE_NAMES.get(p, p) for p in providers)


async def sync_revision(session: AsyncSession, providers: tuple[str, ...]) -> int:
    """Raise the stored revision when `providers` differ from the last start's (no commit);
    returns the revision. A database without the row counts as "no providers, revision 0"."""
    key = ",".join(sorted(providers))
    row = await session.scalar(select(NoticeRevision).where(NoticeRevision.id == 1))
    if row is None:
        row = NoticeRevision(id=1, providers="", revision=0, changed_at=utcnow())
        session.add(row)
    if row.providers != key:
        row.providers, row.revision, row.changed_at = key, row.revision + 1, utcnow()
    return row.revision


async def apply(session_factory: async_sessionmaker[AsyncSession], settings: Settings) -> int:
    """At start-up: sync the revision and make the notice (and its version) say so."""
    for attempt in range(2):  # two workers starting together may both insert the row
        async with session_factory() as session:
            revision = await sync_revision(session, settings.translation_provider)
            try:
                await session.commit()
                break
            except IntegrityError:
                if attempt:
                    raise
    set_notice_revision(revision, service_names(settings.translation_provider))
    log.info("privacy notice", extra={"version": notice_version(), "revision": revision})
    return notice_version()
