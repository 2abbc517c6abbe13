"""FAQ entries for staff: who may make, write, review and retire which entry (the service
checks every call), on SQLite and PostgreSQL."""

from __future__ import annotations

import pytest
from sqlalchemy import select, update
from sqlalchemy.ext.asyncio import AsyncSession

from bot.faq import service
from bot.faq.service import FaqError
from bot.services.roles import Actor, NotAllowed
from db.base import utcnow
from db.models import AuditEntry, FaqEntry, Member, Question, Region

ADMIN = Actor(telegram_id=1, is_admin=True, region_ids=frozenset())
TEXT = "Hoe vind ik een huisarts?\nZoek een huisarts dicht bij uw huis."


async def _setup(session: AsyncSession) -> tuple[Actor, Actor, int]:
    twente = await session.scalar(select(Region.id).where(Region.code == "twente"))
    zwolle = await session.scalar(select(Region.id).where(Region.code == "zwolle"))
    assert twente is not None and zwolle is not None
    member = Member(telegram_id=5, language="ar", status="active", region_id=twente)
    session.add(member)
    await session.flush()
    question = Question(member_id=member.id, region_id=twente, topic="health", language="ar",
                        status="open", sent_at=utcnow())  # fmt: skip
    session.add(question)
    await session.commit()
    return (
        Actor(telegram_id=2, is_admin=False, region_ids=frozenset({twente})),
        Actor(telegram_id=3, is_admin=False, region_ids=frozenset({zwolle})),
        question.id,
    )


async def test_only_answered_questions_of_ones_regions_become_entries(
    session: AsyncSession,
) -> None:
    mine, other, number = await _setup(session)
    with pytest.raises(FaqError, match="unanswered"):
        await service.create(session, mine, number, "health", TEXT, "nl")
    await session.execute(update(Question).values(first_answer_at=utcnow()))
    await session.commit()
    with pytest.raises(NotAllowed):
        await service.create(session, other, number, "health", TEXT, "nl")
    for bad, reason in (("Only a question", "format"), ("Q?\n" + "x" * 3001, "too_long")):
        with pytest.raises(FaqError, match=reason):
            await service.create(session, mine, number, "health", bad, "nl")
    created = await service.create(session, mine, number, "health", TEXT, "nl")
    assert created.drafted == [] and len(created.missing) == 7  # no bridge configured
    entry = await service.for_staff(session, mine, created.entry.id)
    assert [(t.language, t.reviewed_by) for t in entry.texts] == [("nl", mine.telegram_id)]
    assert await session.scalar(select(AuditEntry.action).where(AuditEntry.actor_id == 2))


async def test_coordinators_edit_their_regions_entries_admins_all_shared_by_admins(
    session: AsyncSession,
) -> None:
    mine, other, number = await _setup(session)
    await session.execute(update(Question).values(first_answer_at=utcnow()))
    await session.commit()
    entry_id = (await service.create(session, mine, number, "health", TEXT, "nl")).entry.id
    for call in (
        service.write(session, other, entry_id, "ar", "س؟\nج."),
        service.review(session, other, entry_id, "nl"),
        service.retire(session, other, entry_id, True),
        service.for_staff(session, other, entry_id, edit=False),
    ):
        with pytest.raises(NotAllowed):
            await call
    assert entry_id not in [e.id for e in await service.listing(session, other)]
    await service.write(session, mine, entry_id, "ar", "كيف أجد طبيبًا؟\nابحثوا عن طبيب قريب.")
    await service.retire(session, ADMIN, entry_id, True)
    await session.commit()
    # Shared by every region: coordinators see it, only admins edit it.
    await session.execute(update(FaqEntry).values(region_id=None))
    await session.commit()
    assert entry_id in [e.id for e in await service.listing(session, other)]
    await service.for_staff(session, other, entry_id, edit=False)
    with pytest.raises(NotAllowed):
        await service.write(session, mine, entry_id, "ar", "س؟\nج.")
    await service.retire(session, ADMIN, entry_id, False)
    with pytest.raises(NotAllowed):  # not a language of the bot
        await service.write(session, ADMIN, entry_id, "xx", "Q?\nA.")
    await service.write(session, ADMIN, entry_id, "uk", "Як знайти лікаря?\nШукайте поруч.")
