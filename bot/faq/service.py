"""FAQ entries for staff: make one from an answered question, write and review each
language's text, retire and restore. Rights are checked here on every call.

Region scoping: an entry made from a question belongs to that question's region; its
coordinators edit and review it, admins edit every entry. Entries without a region (made by
an admin from a question without one) are shared by every region; only admins edit them,
coordinators see them. No aiogram here.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from sqlalchemy import or_, select
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import selectinload

from bot.bridge import Translation
from bot.config import SUPPORTED_LOCALES
from bot.questions import rules
from bot.questions.translation import Translator
from bot.services import audit
from bot.services.roles import Actor, NotAllowed, require_staff
from db.base import utcnow
from db.models import FaqEntry, FaqText, Member, Region

QUESTION_LIMIT = 300  # characters of an entry's question (its title in lists and buttons)
ANSWER_LIMIT = 3000  # characters of an answer (one message with its question and labels)
LIST_LIMIT = 50  # entries listed at once in /faq_admin
DRAFT_WAIT = 5.0  # seconds the staff member waits for machine drafts; later ones are dropped


class FaqError(Exception):
    """reason: format (no question and answer), too_long, unanswered, no_text, gone."""

    def __init__(self, reason: str) -> None:
        super().__init__(reason)
        self.reason = reason


def may_edit(who: Actor, entry: FaqEntry) -> bool:
    return who.is_admin or (entry.region_id is not None and entry.region_id in who.region_ids)


def may_see(who: Actor, entry: FaqEntry) -> bool:
    return who.is_admin or entry.region_id is None or entry.region_id in who.region_ids


def parse(text: str | None) -> tuple[str, str]:
    """ "Question on the first line, the answer below it" → (question, answer)."""
    question, _sep, answer = (text or "").strip().partition("\n")
    question, answer = " ".join(question.split()), answer.strip()
    if not question or not answer:
        raise FaqError("format")
    if len(question) > QUESTION_LIMIT or len(answer) > ANSWER_LIMIT:
        raise FaqError("too_long")
    return question, answer


async def for_staff(
    session: AsyncSession, who: Actor, entry_id: int, *, edit: bool = True
) -> FaqEntry:
    """The entry with its texts, if the actor may edit it (`edit`) or see it; else NotAllowed."""
    require_staff(who)
    entry = await session.scalar(
        select(FaqEntry).where(FaqEntry.id == entry_id).options(selectinload(FaqEntry.texts))
    )
    if entry is None or not (may_edit(who, entry) if edit else may_see(who, entry)):
        raise NotAllowed
    return entry


async def with_region(
    session: AsyncSession, who: Actor, entry_id: int
) -> tuple[FaqEntry, str | None]:
    """The entry (the actor may edit it) and its region's name (None: shared)."""
    entry = await for_staff(session, who, entry_id)
    region = await session.get(Region, entry.region_id) if entry.region_id else None
    return entry, region.name if region is not None else None


async def reviewer_names(session: AsyncSession, entry: FaqEntry) -> dict[int, str]:
    """The names of the staff who reviewed the entry's texts (those with a member row)."""
    ids = {t.reviewed_by for t in entry.texts if t.reviewed_by is not None}
    if not ids:
        return {}
    rows = await session.execute(
        select(Member.telegram_id, Member.display_name).where(Member.telegram_id.in_(ids))
    )
    return {telegram_id: name for telegram_id, name in rows.all() if name}


async def listing(session: AsyncSession, who: Actor) -> list[FaqEntry]:
    """Entries the actor may see (their regions' and the shared ones), newest first."""
    require_staff(who)
    query = select(FaqEntry).options(selectinload(FaqEntry.texts))
    if not who.is_admin:
        query = query.where(
            or_(FaqEntry.region_id.is_(None), FaqEntry.region_id.in_(who.region_ids))
        )
    return list(await session.scalars(query.order_by(FaqEntry.id.desc()).limit(LIST_LIMIT)))


async def check_source(session: AsyncSession, who: Actor, question_id: int) -> None:
    """The actor may make an FAQ entry from this question: theirs to answer, and answered."""
    question = await rules.for_staff(session, who, question_id)
    if question.first_answer_at is None:
        raise FaqError("unanswered")


@dataclass
class Created:
    entry: FaqEntry
    drafted: list[str] = field(default_factory=list)  # languages with a machine draft
    missing: list[str] = field(default_factory=list)  # languages without any text


async def create(
    session: AsyncSession,
    who: Actor,
    question_id: int,
    topic: str,
    text: str | None,
    language: str,
    translator: Translator | None = None,
) -> Created:
    """A new entry from an answered question: the actor's general question and answer in
    `language` (reviewed by them: they wrote it), committed; then machine drafts in the
    other languages through the language bridge where one is configured (unreviewed)."""
    await check_source(session, who, question_id)
    question = await rules.for_staff(session, who, question_id)
    if topic not in rules.TOPICS:
        raise FaqError("gone")
    title, answer = parse(text)
    entry = FaqEntry(
        region_id=question.region_id, topic=topic, retired=False, source_question_id=question.id,
        created_by=who.telegram_id, created_at=utcnow(), views=0,
    )  # fmt: skip
    session.add(entry)
    await session.flush()
    session.add(_text(entry.id, language, title, answer, who.telegram_id))
    await audit.record(
        session, who.telegram_id, "faq_create", region_id=entry.region_id,
        entry=entry.id, question=question.id,
    )  # fmt: skip
    await session.commit()
    created = Created(entry)
    others = [code for code in SUPPORTED_LOCALES if code != language]
    if translator is not None and translator.active:
        found = await translator.translate_into([title, answer], language, others, wait=DRAFT_WAIT)
        for target, (got_title, got_answer) in found.items():
            if isinstance(got_title, Translation) and isinstance(got_answer, Translation):
                row = _text(entry.id, target, got_title.text[:QUESTION_LIMIT], got_answer.text)
                row.machine = got_answer.provider
                session.add(row)
                created.drafted.append(target)
        await session.commit()
    created.missing = [code for code in others if code not in created.drafted]
    return created


def _text(
    entry_id: int, language: str, question: str, answer: str, reviewer: int | None = None
) -> FaqText:
    now = utcnow()
    return FaqText(
        entry_id=entry_id, language=language, question=question, answer=answer, machine=None,
        reviewed_by=reviewer, reviewed_at=now if reviewer is not None else None, updated_at=now,
    )  # fmt: skip


def text_in(entry: FaqEntry, language: str) -> FaqText | None:
    return next((t for t in entry.texts if t.language == language), None)


async def write(
    session: AsyncSession, who: Actor, entry_id: int, language: str, text: str | None
) -> FaqText:
    """The actor writes (or corrects) the entry in `language`: reviewed by them."""
    entry = await for_staff(session, who, entry_id)
    if language not in SUPPORTED_LOCALES:
        raise NotAllowed
    title, answer = parse(text)
    row = text_in(entry, language)
    if row is None:
        row = _text(entry.id, language, title, answer, who.telegram_id)
        session.add(row)
    else:
        row.question, row.answer, row.machine = title, answer, None
        row.reviewed_by, row.reviewed_at, row.updated_at = who.telegram_id, utcnow(), utcnow()
    await audit.record(
        session, who.telegram_id, "faq_write", region_id=entry.region_id,
        entry=entry.id, language=language,
    )  # fmt: skip
    await session.flush()
    return row


async def review(session: AsyncSession, who: Actor, entry_id: int, language: str) -> FaqText:
    """The actor checked a machine draft: members may now see it."""
    entry = await for_staff(session, who, entry_id)
    row = text_in(entry, language)
    if row is None:
        raise FaqError("no_text")
    if row.reviewed_by is None:
        row.reviewed_by, row.reviewed_at = who.telegram_id, utcnow()
        await audit.record(
            session, who.telegram_id, "faq_review", region_id=entry.region_id,
            entry=entry.id, language=language,
        )  # fmt: skip
        await session.flush()
    return row


async def retire(session: AsyncSession, who: Actor, entry_id: int, retired: bool) -> FaqEntry:
    """Retired entries are no longer shown or offered to members (kept for staff)."""
    entry = await for_staff(session, who, entry_id)
    entry.retired = retired
    await audit.record(
        session, who.telegram_id, "faq_retire" if retired else "faq_restore",
        region_id=entry.region_id, entry=entry.id,
    )  # fmt: skip
    await session.flush()
    return entry
