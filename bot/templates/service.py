"""Reply templates: who may see, make, change and use them.

A template belongs to one region (its coordinators and the admins see and use it) or, made
by an admin, to no region: shared with every region; only admins change shared ones. Its
text in the staff language is the one staff write; the other languages are machine drafts
(`provider` set, not reviewed) until someone writes or accepts them. Every function checks
the actor's rights itself, so a forged button gets NotAllowed. No aiogram here.
"""

from __future__ import annotations

import re
from collections.abc import Sequence

from sqlalchemy import func, or_, select
from sqlalchemy.ext.asyncio import AsyncSession

from bot.bridge import Translation
from bot.config import SUPPORTED_LOCALES
from bot.questions.rules import TOPICS
from bot.questions.translation import Translator
from bot.services.roles import Actor, NotAllowed, require_admin, require_region, require_staff
from db.base import utcnow
from db.models import ReplyTemplate, ReplyTemplateText, ReplyTemplateUse

NAME = re.compile(r"[a-z0-9][a-z0-9_-]{0,31}")
VARIABLES = ("name", "region", "municipality", "question_number")
TEXT_LIMIT = 3000  # characters of a template's text (a translation may grow; one message)
ATTACHMENT_KINDS = ("photo", "document")
DRAFT_LIMIT = 3600  # characters of a machine draft kept (a longer one would not fit a message)
DRAFT_WAIT = 8.0  # seconds staff wait for machine drafts when saving (else: no drafts yet)


class TemplateError(Exception):
    """reason: name (not a valid name), taken (the name is in use), empty, too_long, topic."""

    def __init__(self, reason: str) -> None:
        super().__init__(reason)
        self.reason = reason


def normal_name(text: str | None) -> str:
    """A template's name as stored (lower case); TemplateError("name") when not valid."""
    name = (text or "").strip().lower()
    if not NAME.fullmatch(name):
        raise TemplateError("name")
    return name


def _check_text(text: str | None) -> str:
    text = (text or "").strip()
    if not text:
        raise TemplateError("empty")
    if len(text) > TEXT_LIMIT:
        raise TemplateError("too_long")
    return text


def may_use(actor: Actor, template: ReplyTemplate) -> bool:
    """The actor sees the template (its region's or shared)."""
    return template.region_id is None or actor.may_see_region(template.region_id)


def fits(template: ReplyTemplate, region_id: int | None) -> bool:
    """The template may answer a question of `region_id` (its own region's, or shared)."""
    return template.region_id is None or template.region_id == region_id


def may_edit(actor: Actor, template: ReplyTemplate) -> bool:
    if template.region_id is None:
        return actor.is_admin
    return actor.may_see_region(template.region_id)


async def listing(
    session: AsyncSession,
    actor: Actor,
    *,
    question_region: int | None | bool = False,
    topic: str | None = None,
) -> list[ReplyTemplate]:
    """The templates the actor sees, by name; with `question_region` (a region id, or None
    for a question without a region) only those usable on a question there."""
    require_staff(actor)
    query = select(ReplyTemplate).order_by(ReplyTemplate.name, ReplyTemplate.id)
    if question_region is not False:
        region_id = None if question_region is None else int(question_region)
        require_region(actor, region_id)  # None: admins only, as its question
        query = query.where(
            or_(ReplyTemplate.region_id.is_(None), ReplyTemplate.region_id == region_id)
        )
    elif not actor.is_admin:
        query = query.where(
            or_(
                ReplyTemplate.region_id.is_(None),
                ReplyTemplate.region_id.in_(sorted(actor.region_ids)),
            )
        )
    if topic is not None:
        query = query.where(ReplyTemplate.topic == topic)
    return list(await session.scalars(query))


async def get(session: AsyncSession, actor: Actor, template_id: int) -> ReplyTemplate:
    """A template the actor sees; NotAllowed otherwise (also when there is none)."""
    template = await session.get(ReplyTemplate, template_id)
    if template is None or not actor.is_staff or not may_use(actor, template):
        raise NotAllowed
    return template


async def editable(session: AsyncSession, actor: Actor, template_id: int) -> ReplyTemplate:
    template = await get(session, actor, template_id)
    if not may_edit(actor, template):
        raise NotAllowed
    return template


async def by_name(
    session: AsyncSession, actor: Actor, region_id: int | None, name: str
) -> ReplyTemplate | None:
    """The template called `name` usable in the region: the region's own first, else a
    shared one."""
    found = [t for t in await listing(session, actor, question_region=region_id) if t.name == name]
    found.sort(key=lambda t: t.region_id is None)
    return found[0] if found else None


def text_in(template: ReplyTemplate, language: str) -> ReplyTemplateText | None:
    return next((t for t in template.texts if t.language == language), None)


async def _drafts(
    translator: Translator | None, text: str, source: str, targets: Sequence[str]
) -> dict[str, Translation]:
    """Machine drafts of `text` for `targets` where the bridge is configured (asked before
    anything is written: no database lock is held while waiting)."""
    if translator is None or not translator.active or not targets:
        return {}
    found = await translator.translate_into([text], source, list(targets), wait=DRAFT_WAIT)
    return {
        language: results[0]
        for language, results in found.items()
        if results and isinstance(results[0], Translation) and len(results[0].text) <= DRAFT_LIMIT
    }


def _put(
    template: ReplyTemplate,
    language: str,
    text: str,
    *,
    reviewed: bool,
    by: int | None,
    provider: str | None = None,
) -> None:
    row = text_in(template, language)
    if row is None:
        row = ReplyTemplateText(language=language)
        template.texts.append(row)
    row.text, row.reviewed, row.provider = text, reviewed, provider
    row.updated_by, row.updated_at = by, utcnow()


async def create(
    session: AsyncSession,
    actor: Actor,
    *,
    region_id: int | None,
    name: str,
    topic: str,
    text: str | None,
    staff_language: str,
    attachment: tuple[str, str] | None = None,
    translator: Translator | None = None,
) -> ReplyTemplate:
    """A new template in a region (None: shared, admins only), with machine drafts for the
    other languages where the bridge is configured. Committed."""
    if region_id is None:
        require_admin(actor)
    else:
        require_region(actor, region_id)
    name = normal_name(name)
    if topic not in TOPICS:
        raise TemplateError("topic")
    if attachment is None or not text:
        text = _check_text(text)
    elif len(text) > TEXT_LIMIT:
        raise TemplateError("too_long")
    if attachment is not None and attachment[0] not in ATTACHMENT_KINDS:
        raise TemplateError("empty")
    taken = await session.scalar(
        select(func.count())
        .select_from(ReplyTemplate)
        .where(
            ReplyTemplate.name == name,
            ReplyTemplate.region_id.is_(None)
            if region_id is None
            else ReplyTemplate.region_id == region_id,
        )
    )
    if taken:
        raise TemplateError("taken")
    others = [code for code in SUPPORTED_LOCALES if code != staff_language]
    drafts = await _drafts(translator, text, staff_language, others) if text else {}
    template = ReplyTemplate(
        region_id=region_id, name=name, topic=topic, created_by=actor.telegram_id,
        attachment_kind=attachment[0] if attachment else None,
        attachment_file_id=attachment[1] if attachment else None, created_at=utcnow(),
    )  # fmt: skip
    template.texts = []
    session.add(template)
    _put(template, staff_language, text or "", reviewed=True, by=actor.telegram_id)
    for language, draft in drafts.items():
        _put(template, language, draft.text, reviewed=False, by=None, provider=draft.provider)
    await session.commit()
    return template


async def set_text(
    session: AsyncSession,
    actor: Actor,
    template_id: int,
    language: str,
    text: str | None,
    *,
    staff_language: str,
    attachment: tuple[str, str] | None = None,
    translator: Translator | None = None,
) -> ReplyTemplate:
    """A language's text written by staff (reviewed), and a new attachment if one came with
    it. A new text in the staff language gets new machine drafts for the languages nobody
    has reviewed."""
    template = await editable(session, actor, template_id)
    if language not in SUPPORTED_LOCALES:
        raise NotAllowed
    text = _check_text(text)
    drafts: dict[str, Translation] = {}
    if language == staff_language:
        stale = [
            code
            for code in SUPPORTED_LOCALES
            if code != staff_language and not ((row := text_in(template, code)) and row.reviewed)
        ]
        drafts = await _drafts(translator, text, staff_language, stale)
        template = await editable(session, actor, template_id)  # as it is after the wait
    _put(template, language, text, reviewed=True, by=actor.telegram_id)
    if attachment is not None and attachment[0] in ATTACHMENT_KINDS:
        template.attachment_kind, template.attachment_file_id = attachment
    for code, draft in drafts.items():
        _put(template, code, draft.text, reviewed=False, by=None, provider=draft.provider)
    await session.commit()
    return template


async def review(
    session: AsyncSession, actor: Actor, template_id: int, language: str
) -> ReplyTemplate:
    """A machine draft checked and accepted as it is."""
    template = await editable(session, actor, template_id)
    row = text_in(template, language)
    if row is None:
        raise NotAllowed
    row.reviewed, row.updated_by, row.updated_at = True, actor.telegram_id, utcnow()
    await session.commit()
    return template


async def delete(session: AsyncSession, actor: Actor, template_id: int) -> str:
    """Delete a template (its uses stay counted); returns its name."""
    template = await editable(session, actor, template_id)
    name = template.name
    await session.delete(template)
    await session.commit()
    return name


async def uses_by_region(session: AsyncSession, region_ids: Sequence[int]) -> dict[int, int]:
    """How many answers were sent from templates, per region (for /stats)."""
    if not region_ids:
        return {}
    rows = await session.execute(
        select(ReplyTemplateUse.region_id, func.count())
        .where(ReplyTemplateUse.region_id.in_(list(region_ids)))
        .group_by(ReplyTemplateUse.region_id)
    )
    return {region_id: count for region_id, count in rows.all() if region_id is not None}
