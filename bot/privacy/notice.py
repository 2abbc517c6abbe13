"""The privacy notice names the translation services that see member texts and states the
retention periods from the settings; when either changes between two starts, the notice's
version rises so every member is asked again."""

from __future__ import annotations

import hashlib
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

KEY_LENGTH = 64  # NoticeRevision.providers

SERVICE_NAMES = {
    "libretranslate": "LibreTranslate",
    "deepl": "DeepL",
    "azure": "Microsoft Azure AI Translator",
    # A msgid: the notice shows it in the reader's language (bot.texts.privacy_notice).
    "demo": N_("a demo translator running on this computer (no real translation service)"),
}


def service_names(providers: tuple[str, ...]) -> tuple[str, ...]:
    return tuple(SERVICE_NAMES.get(p, p) for p in providers)


def facts(settings: Settings) -> str:
    """The settings the notice states besides the services: the retention periods (backups
    included)."""
    periods = (
        settings.retention_closed_questions_months,
        settings.retention_survey_responses_months,
        settings.retention_audit_months,
        settings.retention_inactive_members_months,
        settings.retention_confirm_days,
        settings.backup_retention_days,
    )
    return "retention:" + ",".join(str(p) for p in periods)


async def sync_revision(session: AsyncSession, providers: tuple[str, ...], stated: str = "") -> int:
    """Raise the stored revision when `providers` (or the `stated` settings) differ from the
    last start's (no commit); returns the revision. A database without the row counts as
    "no providers, these settings, revision 0"."""
    suffix = f"|{stated}" if stated else ""
    key = ",".join(sorted(providers)) + suffix
    if len(key) > KEY_LENGTH:  # many providers: a digest still tells a change
        key = hashlib.sha256(key.encode()).hexdigest()[:KEY_LENGTH]
    row = await session.scalar(select(NoticeRevision).where(NoticeRevision.id == 1))
    if row is None:
        row = NoticeRevision(id=1, providers=suffix, revision=0, changed_at=utcnow())
        session.add(row)
    if row.providers != key:
        row.providers, row.revision, row.changed_at = key, row.revision + 1, utcnow()
    return row.revision


async def apply(session_factory: async_sessionmaker[AsyncSession], settings: Settings) -> int:
    """At start-up: sync the revision and make the notice (and its version) say so."""
    for attempt in range(2):  # two workers starting together may both insert the row
        async with session_factory() as session:
            revision = await sync_revision(session, settings.translation_provider, facts(settings))
            try:
                await session.commit()
                break
            except IntegrityError:
                if attempt:
                    raise
    set_notice_revision(revision, service_names(settings.translation_provider))
    log.info("privacy notice", extra={"version": notice_version(), "revision": revision})
    return notice_version()
