"""The FAQ for members: browse by topic, read, rate, and the entries offered before a
question is sent. Only reviewed texts are ever shown: in the member's language, else the
staff language's (`Shown.fallback`, labelled by the views). No aiogram here.
"""

from __future__ import annotations

import asyncio
import logging
from dataclasses import dataclass

from sqlalchemy import delete, false, or_, select
from sqlalchemy.ext.asyncio import AsyncEngine, AsyncSession

from bot.faq import matching
from bot.questions import rules
from db.base import utcnow
from db.models import FaqDeflection, FaqEntry, FaqRating, FaqSuggestion, FaqText, Member, Question

log = logging.getLogger(__name__)

LOOKUP_BUDGET = 0.3  # seconds a question may wait for FAQ suggestions before it is sent
RATINGS = ("up", "down")


class Gone(Exception):
    """No such entry for this member (retired, another region's, unreviewed, or forged)."""


@dataclass(frozen=True)
class Shown:
    entry_id: int
    topic: str
    question: str
    answer: str
    fallback: bool  # in the staff language: no reviewed text in the member's


def _visible(member: Member) -> list[object]:
    return [
        FaqEntry.retired == false(),
        or_(FaqEntry.region_id.is_(None), FaqEntry.region_id == member.region_id),
    ]


async def shown(
    session: AsyncSession,
    member: Member,
    staff_language: str,
    *,
    topic: str | None = None,
    entry_ids: list[int] | None = None,
) -> list[Shown]:
    """Entries the member may read, each in their language or the staff language's
    reviewed text; entries with neither are left out."""
    language = member.language or staff_language
    query = (
        select(FaqEntry, FaqText)
        .join(FaqText, FaqText.entry_id == FaqEntry.id)
        .where(
            *_visible(member),
            FaqText.reviewed_by.is_not(None),
            FaqText.language.in_({language, staff_language}),
        )
        .order_by(FaqEntry.id)
    )
    if topic is not None:
        query = query.where(FaqEntry.topic == topic)
    if entry_ids is not None:
        query = query.where(FaqEntry.id.in_(entry_ids))
    found: dict[int, Shown] = {}
    for entry, text in (await session.execute(query)).all():
        if entry.id in found and text.language != language:
            continue
        found[entry.id] = Shown(
            entry.id, entry.topic, text.question, text.answer, text.language != language
        )
    return list(found.values())


async def topics(session: AsyncSession, member: Member, staff_language: str) -> list[str]:
    """Topics with something to read, in the order of the question topics."""
    have = {item.topic for item in await shown(session, member, staff_language)}
    return [topic for topic in rules.TOPICS if topic in have]


async def read(session: AsyncSession, member: Member, staff_language: str, entry_id: int) -> Shown:
    """One entry for the member (counted as a view); Gone if they may not read it."""
    found = await shown(session, member, staff_language, entry_ids=[entry_id])
    if not found:
        raise Gone
    entry = await session.get(FaqEntry, entry_id)
    assert entry is not None
    entry.views += 1
    await session.flush()
    return found[0]


async def rate(
    session: AsyncSession, member: Member, staff_language: str, entry_id: int, value: str
) -> None:
    """👍 or 👎 on an entry the member may read (a second press changes their rating)."""
    if value not in RATINGS or not await shown(
        session, member, staff_language, entry_ids=[entry_id]
    ):
        raise Gone
    row = await session.get(FaqRating, (entry_id, member.id))
    if row is None:
        session.add(FaqRating(entry_id=entry_id, member_id=member.id, value=value, at=utcnow()))
    else:
        row.value, row.at = value, utcnow()
    await session.flush()


async def _candidates(engine: AsyncEngine, member: Member, language: str) -> dict[int, str]:
    """Reviewed questions in `language` of the entries the member may read (own session, so
    a slow database never holds the caller's)."""
    async with AsyncSession(engine) as session:
        rows = await session.execute(
            select(FaqText.entry_id, FaqText.question)
            .join(FaqEntry, FaqEntry.id == FaqText.entry_id)
            .where(
                *_visible(member), FaqText.language == language, FaqText.reviewed_by.is_not(None)
            )
        )
        return {entry_id: question for entry_id, question in rows.all()}


_lookups: set[asyncio.Task[dict[int, str]]] = set()


async def matches(
    session: AsyncSession, member: Member, language: str, text: str, budget: float
) -> list[int]:
    """Up to 3 entries whose reviewed question in `language` matches `text`, best first;
    [] when the lookup takes longer than `budget` seconds (it ends on its own)."""
    engine = session.bind
    assert isinstance(engine, AsyncEngine)
    task = asyncio.create_task(_candidates(engine, member, language))
    _lookups.add(task)
    task.add_done_callback(_lookups.discard)
    done, _pending = await asyncio.wait({task}, timeout=budget)
    if task not in done:
        log.warning("FAQ lookup took too long; the question goes without suggestions")
        return []
    try:
        choices = task.result()
    except Exception:  # no suggestions rather than no question
        log.exception("FAQ lookup failed")
        return []
    return matching.best(text, choices)


async def suggest(
    session: AsyncSession, member: Member, draft: Question, budget: float = LOOKUP_BUDGET
) -> list[Shown]:
    """Reviewed entries in the member's language that may answer their draft question,
    remembered with it and committed (its card shows them if it is sent after all)."""
    texts = [row.text for row in await rules.messages(session, draft, "in") if row.text]
    language = member.language or draft.language
    found = await matches(session, member, language, "\n".join(texts), budget) if texts else []
    await session.execute(delete(FaqSuggestion).where(FaqSuggestion.question_id == draft.id))
    for position, entry_id in enumerate(found):
        session.add(FaqSuggestion(question_id=draft.id, entry_id=entry_id, position=position))
    await session.commit()
    by_id = {s.entry_id: s for s in await shown(session, member, language, entry_ids=found)}
    return [by_id[i] for i in found if i in by_id and not by_id[i].fallback]


async def offered(session: AsyncSession, member: Member, staff_language: str) -> list[Shown]:
    """What was offered for the member's draft (the buttons under the offer)."""
    draft = await rules.draft_of(session, member)
    if draft is None:
        return []
    ids = list(
        await session.scalars(
            select(FaqSuggestion.entry_id)
            .where(FaqSuggestion.question_id == draft.id)
            .order_by(FaqSuggestion.position)
        )
    )
    by_id = {s.entry_id: s for s in await shown(session, member, staff_language, entry_ids=ids)}
    return [by_id[i] for i in ids if i in by_id]


async def answered_by_faq(session: AsyncSession, member: Member) -> bool:
    """ "Yes, thanks": the FAQ answered the member's draft; it is dropped, not sent (counted,
    without the member or their words). False when there is no draft with suggestions."""
    draft = await rules.draft_of(session, member)
    if draft is None:
        return False
    first = await session.scalar(
        select(FaqSuggestion.entry_id)
        .where(FaqSuggestion.question_id == draft.id)
        .order_by(FaqSuggestion.position)
        .limit(1)
    )
    if first is None:
        return False
    session.add(
        FaqDeflection(
            entry_id=first, region_id=draft.region_id, language=draft.language, at=utcnow()
        )
    )
    await session.delete(draft)
    await session.commit()
    return True
