"""Onboarding's writes without the ORM's flush (issue 15): the row and the loaded object
stay the same as a flush would leave them, in as few statements (SQLite and PostgreSQL)."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

from sqlalchemy import event, select
from sqlalchemy.ext.asyncio import AsyncEngine, AsyncSession, async_sessionmaker

from bot.members.consent import NOTICE_VERSION
from bot.onboarding import intake
from bot.onboarding import service as onboarding
from bot.services import members
from db.models import Consent, Member, ProfileAnswer, Region


@contextmanager
def statements(engine: AsyncEngine) -> Iterator[list[str]]:
    seen: list[str] = []

    def record(*args: Any) -> None:
        seen.append(args[2].split()[0])

    event.listen(engine.sync_engine, "before_cursor_execute", record)
    try:
        yield seen
    finally:
        event.remove(engine.sync_engine, "before_cursor_execute", record)


async def _stored(factory: async_sessionmaker[AsyncSession], member_id: int) -> Member:
    async with factory() as other:
        found = await other.get(Member, member_id)
        assert found is not None
        return found


async def _member(factory: async_sessionmaker[AsyncSession], telegram_id: int) -> int:
    async with factory() as session:
        member = await onboarding.choose_language(session, telegram_id, "nl")
        await session.commit()
        return member.id


async def test_write_is_one_update_and_leaves_nothing_to_flush(
    engine: AsyncEngine, session_factory: async_sessionmaker[AsyncSession]
) -> None:
    member_id = await _member(session_factory, 501)
    async with session_factory() as session:
        member = await session.get(Member, member_id)
        assert member is not None
        before = member.updated_at
        with statements(engine) as seen:
            await members.write(session, member, onboarding_step="quotes", consent_version=3)
            await session.commit()
        assert seen == ["UPDATE"]
        assert (member.onboarding_step, member.consent_version) == ("quotes", 3)
        assert member.updated_at >= before and member not in session.dirty
    stored = await _stored(session_factory, member_id)
    assert (stored.onboarding_step, stored.consent_version) == ("quotes", 3)
    assert stored.updated_at == member.updated_at


async def test_write_with_other_changes_waiting_is_one_flush(
    engine: AsyncEngine, session_factory: async_sessionmaker[AsyncSession]
) -> None:
    member_id = await _member(session_factory, 502)
    async with session_factory() as session:
        member = await session.get(Member, member_id)
        assert member is not None
        member.display_name = "Amina"  # e.g. the middleware's last_seen_at
        with statements(engine) as seen:
            await members.write(session, member, onboarding_step="quotes")
            await session.commit()
        assert seen == ["UPDATE"]
    stored = await _stored(session_factory, member_id)
    assert (stored.display_name, stored.onboarding_step) == ("Amina", "quotes")


async def test_write_on_a_new_member_goes_into_its_insert(
    engine: AsyncEngine, session_factory: async_sessionmaker[AsyncSession]
) -> None:
    async with session_factory() as session:
        member = await onboarding.choose_language(session, 503, "nl", flush=False)
        assert members.unsaved(member)
        with statements(engine) as seen:
            await members.write(session, member, notice_shown_version=NOTICE_VERSION)
        assert seen == ["INSERT"] and not members.unsaved(member)
        await session.commit()
    stored = await _stored(session_factory, member.id)
    assert (stored.onboarding_step, stored.notice_shown_version) == ("consent", NOTICE_VERSION)


async def test_onboarding_presses_write_consents_regions_and_answers(
    engine: AsyncEngine, session_factory: async_sessionmaker[AsyncSession]
) -> None:
    """Each press in its own session, as the bot handles them; what is stored, and the
    statements each press needs."""
    member_id = await _member(session_factory, 504)

    async def press(action: Any) -> list[str]:
        async with session_factory() as session:
            member = await session.get(Member, member_id)
            assert member is not None
            with statements(engine) as seen:
                await action(session, member)
                await session.commit()
            return seen

    async def agree(session: AsyncSession, member: Member) -> None:
        assert await onboarding.give_consent(session, member, NOTICE_VERSION, 0)

    # The decision stored if its button is for the current step, then the member.
    assert await press(agree) == ["INSERT", "UPDATE"]

    async def quotes(session: AsyncSession, member: Member) -> None:
        await onboarding.answer_quotes(session, None, member, True, NOTICE_VERSION)

    # The earlier quote answers withdrawn, the answer, the member, their survey responses.
    assert await press(quotes) == ["UPDATE", "INSERT", "UPDATE", "SELECT"]
    async with session_factory() as session:
        twente = await session.scalar(select(Region).where(Region.code == "twente"))
        assert twente is not None
        names = await onboarding.active_region_names(session)
        assert (twente.id, twente.name) in names
        assert [name for _, name in names] == sorted(name for _, name in names)

    async def region(session: AsyncSession, member: Member) -> None:
        chosen = await onboarding.choose_region(session, member, twente.id, NOTICE_VERSION)
        assert (chosen.id, chosen.name) == (twente.id, twente.name)

    assert await press(region) == ["SELECT", "UPDATE"]

    async def since(session: AsyncSession, member: Member) -> None:
        await intake.answer_choice(session, member, "since", "y1_3")

    # The answers so far, the new answer, the member's next step.
    assert await press(since) == ["SELECT", "INSERT", "UPDATE"]

    async def toggles(session: AsyncSession, member: Member) -> None:
        await intake.answer_choice(session, member, "route", "b1")
        assert await intake.toggle_option(session, member, "topics", "housing") == ["housing"]
        assert await intake.toggle_option(session, member, "topics", "work") == [
            "work",
            "housing",
        ]
        await intake.skip_question(session, member, "topics")

    await press(toggles)
    async with session_factory() as session:
        stored = {a.question: a.value for a in await session.scalars(select(ProfileAnswer))}
        assert stored == {"since": '"y1_3"', "route": '"b1"'}  # skipping removed the topics
        consents = [
            (c.purpose, c.granted, c.notice_version, c.withdrawn_at)
            for c in await session.scalars(select(Consent).order_by(Consent.id))
        ]
        assert consents == [
            ("membership", True, NOTICE_VERSION, None),
            ("quotes", True, NOTICE_VERSION, None),
        ]
    member = await _stored(session_factory, member_id)
    assert member.consent_version == member.quote_consent_version == NOTICE_VERSION
    assert member.region_id == twente.id and member.onboarding_step == "intake:participation"

    async def name(session: AsyncSession, member: Member) -> None:
        await intake.skip_question(session, member, "participation")
        await intake.answer_text(session, member, "display_name", "  Amina \n B ")

    await press(name)
    member = await _stored(session_factory, member_id)
    assert member.display_name == "Amina B"
    assert member.onboarding_step == "intake:volunteer"
