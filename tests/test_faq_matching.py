"""FAQ suggestions before a question is sent: quality on the labelled set (hit@3 >= 0.8) and
what may never be offered, on SQLite and PostgreSQL."""

from __future__ import annotations

import asyncio
import time

import pytest
from sqlalchemy import select, update
from sqlalchemy.ext.asyncio import AsyncSession

from bot.faq import reading
from bot.members.consent import NOTICE_VERSION
from db.base import utcnow
from db.models import FaqEntry, FaqText, Member, Region
from tests.faq_dataset import ENTRIES, LABELLED, seed_faq

LANGUAGES = ("nl", "en", "ar", "fa", "ti", "tr", "uk", "so")
BUDGET = 5.0  # generous on a busy test machine; the bot's own budget is reading.LOOKUP_BUDGET


async def _region(session: AsyncSession, code: str) -> int:
    region_id = await session.scalar(select(Region.id).where(Region.code == code))
    assert region_id is not None
    return region_id


async def _members(session: AsyncSession, region_id: int) -> dict[str, Member]:
    found = {}
    for number, language in enumerate(LANGUAGES):
        member = Member(telegram_id=700_000 + number, language=language, status="active",
                        region_id=region_id, consent_version=NOTICE_VERSION,
                        joined_at=utcnow())  # fmt: skip
        session.add(member)
        found[language] = member
    await session.commit()
    return found


def test_the_labelled_set_covers_every_language() -> None:
    assert len(LABELLED) >= 40
    assert {language for language, _q, _k in LABELLED} == set(LANGUAGES)
    assert 10 <= len(ENTRIES) <= 15
    assert all(set(texts) == set(LANGUAGES) for _topic, texts in ENTRIES.values())


async def test_hit_at_3_on_the_labelled_set(session: AsyncSession) -> None:
    twente = await _region(session, "twente")
    ids = await seed_faq(session, twente)
    members = await _members(session, twente)
    hits1 = hits3 = 0
    misses = []
    for language, query, key in LABELLED:
        found = await reading.matches(session, members[language], language, query, BUDGET)
        hits1 += bool(found) and found[0] == ids[key]
        hits3 += ids[key] in found[:3]
        if ids[key] not in found[:3]:
            misses.append((language, query, key))
    assert hits3 / len(LABELLED) >= 0.8, misses
    assert hits1 / len(LABELLED) >= 0.6, misses


async def test_only_reviewed_visible_entries_in_the_members_language_are_offered(
    session: AsyncSession,
) -> None:
    twente, zwolle = await _region(session, "twente"), await _region(session, "zwolle")
    ids = await seed_faq(session, zwolle)  # another region's FAQ
    members = await _members(session, twente)
    arabic = members["ar"]
    assert await reading.matches(session, arabic, "ar", "كيف أحصل على DigiD", BUDGET) == []
    # Shared by every region: offered.
    await session.execute(update(FaqEntry).values(region_id=None))
    await session.commit()
    assert ids["digid"] in await reading.matches(
        session, arabic, "ar", "كيف أحصل على DigiD", BUDGET
    )
    # A machine draft nobody reviewed: never offered, never shown.
    await session.execute(
        update(FaqText)
        .where(FaqText.entry_id == ids["digid"], FaqText.language == "ar")
        .values(reviewed_by=None, reviewed_at=None)
    )
    await session.commit()
    assert ids["digid"] not in await reading.matches(
        session, arabic, "ar", "كيف أحصل على DigiD", BUDGET
    )
    assert not await reading.shown(session, arabic, "ar", entry_ids=[ids["digid"]])
    # Retired: gone for members.
    await session.execute(update(FaqEntry).where(FaqEntry.id == ids["bank"]).values(retired=True))
    await session.commit()
    assert ids["bank"] not in await reading.matches(
        session, arabic, "ar", "كيف أفتح حساب بنك", BUDGET
    )


async def test_unrelated_questions_get_no_suggestions(session: AsyncSession) -> None:
    twente = await _region(session, "twente")
    await seed_faq(session, twente)
    members = await _members(session, twente)
    for language, query in [
        ("en", "my neighbour makes noise at night"),
        ("nl", "mijn buren maken lawaai"),
        ("tr", "komşum çok gürültü yapıyor"),
        ("nl", "hallo"),
    ]:
        assert await reading.matches(session, members[language], language, query, BUDGET) == []


async def test_a_slow_lookup_gives_up_in_time(
    session: AsyncSession, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A database that answers slowly never holds a question longer than the budget: no
    suggestions then (the question goes as it would), nothing raised."""
    twente = await _region(session, "twente")
    await seed_faq(session, twente)
    members = await _members(session, twente)
    found_late = reading._candidates

    async def slow(*args: object) -> dict[int, str]:
        await asyncio.sleep(1.0)
        return await found_late(*args)  # type: ignore[arg-type]

    monkeypatch.setattr(reading, "_candidates", slow)
    started = time.perf_counter()
    found = await reading.matches(
        session, members["nl"], "nl", "Hoe vind ik een huisarts?", reading.LOOKUP_BUDGET
    )
    assert found == []
    assert time.perf_counter() - started < reading.LOOKUP_BUDGET + 0.2
    await asyncio.gather(*reading._lookups)  # the late lookup ends on its own
