"""Onboarding and membership services against a real database (SQLite and PostgreSQL)."""

from __future__ import annotations

import pytest
from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession

from bot.config import Settings
from bot.members.consent import NOTICE_VERSION
from bot.onboarding import intake
from bot.onboarding import service as onboarding
from bot.onboarding.service import StepError
from bot.privacy import service as privacy
from bot.services import members, roles
from bot.services.roles import NotAllowed
from bot.surveys.errors import Rejected, Stale
from db.models import Consent, Member, MemberStatus, OutboundCopy, ProfileAnswer, Region


async def _region(session: AsyncSession, code: str) -> Region:
    region = await session.scalar(select(Region).where(Region.code == code))
    assert region is not None
    return region


async def _through_intake(session: AsyncSession, member: Member) -> None:
    await intake.answer_choice(session, member, "since", "y1_3")
    await intake.answer_choice(session, member, "route", "b1")
    assert await intake.toggle_option(session, member, "topics", "housing") == ["housing"]
    assert await intake.toggle_option(session, member, "topics", "work") == ["work", "housing"]
    assert await intake.toggle_option(session, member, "topics", "housing") == ["work"]
    await intake.finish_multi(session, member, "topics")
    await intake.skip_question(session, member, "participation")
    await intake.answer_text(session, member, "display_name", "  Amina  ")
    await intake.answer_choice(session, member, "volunteer", "no")
    assert member.onboarding_step is None


async def _consent(session: AsyncSession, member: Member, quotes: bool = False) -> None:
    """Agree to the notice (the first decision: step 0), then answer the quote question."""
    assert await onboarding.give_consent(session, member, NOTICE_VERSION, 0)
    await onboarding.answer_quotes(session, None, member, quotes, NOTICE_VERSION)


async def test_full_onboarding_auto_region(session: AsyncSession) -> None:
    member = await onboarding.choose_language(session, 1001, "ar")
    assert member.onboarding_step == onboarding.STEP_CONSENT
    await _consent(session, member)
    twente = await _region(session, "twente")
    await onboarding.choose_region(session, member, twente.id, NOTICE_VERSION)
    await _through_intake(session, member)
    assert await onboarding.complete(session, member) == MemberStatus.ACTIVE
    assert member.display_name == "Amina"
    assert member.joined_at is not None
    answers = {a.question: a.value for a in await session.scalars(select(ProfileAnswer))}
    assert answers == {
        "since": '"y1_3"',
        "route": '"b1"',
        "topics": '["work"]',
        "volunteer": '"no"',
    }
    assert await session.scalar(select(func.count()).select_from(Consent)) == 2  # and quotes


async def test_approval_region_makes_member_pending(session: AsyncSession) -> None:
    zwolle = await _region(session, "zwolle")
    zwolle.membership_mode = "approval"
    member = await onboarding.choose_language(session, 1002, "nl")
    await _consent(session, member)
    await onboarding.choose_region(session, member, zwolle.id, NOTICE_VERSION)
    for question in intake.definition().questions:
        await intake.skip_question(session, member, question.id)
    assert await onboarding.complete(session, member) == MemberStatus.PENDING
    settings = Settings(admin_ids=(7,), _env_file=None)  # type: ignore[call-arg]
    nobody = await roles.actor(session, settings, 8)
    admin = await roles.actor(session, settings, 7)
    twente_coordinator = roles.Actor(9, False, frozenset({(await _region(session, "twente")).id}))
    zwolle_coordinator = roles.Actor(10, False, frozenset({zwolle.id}))
    for outsider in (nobody, twente_coordinator):
        with pytest.raises(NotAllowed):
            await members.decide_pending(session, outsider, member.id, True)
    await members.decide_pending(session, zwolle_coordinator, member.id, True)
    assert member.status == MemberStatus.ACTIVE
    with pytest.raises(members.MembershipError):
        await members.decide_pending(session, admin, member.id, True)


@pytest.mark.parametrize("typed", ["enschede", "ENSCHEDE ", "Súdwest Fryslan"])
async def test_municipality_matching(session: AsyncSession, typed: str) -> None:
    member = await onboarding.choose_language(session, 1003, "ti")
    await _consent(session, member)
    onboarding.ask_municipality(member, NOTICE_VERSION)
    result = await onboarding.set_municipality(session, member, typed)
    assert result.region is not None
    assert member.region_id == result.region.id
    assert member.onboarding_step == "intake:since"


async def test_unknown_municipality_keeps_member_unassigned(session: AsyncSession) -> None:
    member = await onboarding.choose_language(session, 1004, "so")
    await _consent(session, member)
    onboarding.ask_municipality(member, NOTICE_VERSION)
    result = await onboarding.set_municipality(session, member, "Atlantis")
    assert result.region is None
    assert member.region_id is None and member.municipality_text == "Atlantis"
    for question in intake.definition().questions:
        await intake.skip_question(session, member, question.id)
    assert await onboarding.complete(session, member) == MemberStatus.PENDING


async def test_out_of_step_actions_are_refused(session: AsyncSession) -> None:
    member = await onboarding.choose_language(session, 1005, "en")
    with pytest.raises(StepError):
        await onboarding.choose_region(session, member, 1, NOTICE_VERSION)  # consent first
    with pytest.raises(StepError):
        await onboarding.give_consent(session, member, NOTICE_VERSION + 1, 0)
    with pytest.raises(StepError):  # a step the member is not at (forged)
        await onboarding.give_consent(session, member, NOTICE_VERSION, 3)
    # "Not now" is recorded; an "I agree" shown before it is stale afterwards.
    assert not await onboarding.refuse_consent(session, member, NOTICE_VERSION, 0)
    with pytest.raises(StepError):
        await onboarding.give_consent(session, member, NOTICE_VERSION, 0)
    assert await onboarding.give_consent(session, member, NOTICE_VERSION, 1)
    with pytest.raises(StepError):  # the quote question comes before the region
        await onboarding.choose_region(session, member, 1, NOTICE_VERSION)
    with pytest.raises(StepError):  # a quote button of an older notice
        await onboarding.answer_quotes(session, None, member, True, NOTICE_VERSION - 1)
    await onboarding.answer_quotes(session, None, member, True, NOTICE_VERSION)
    assert member.quote_consent_version == NOTICE_VERSION
    with pytest.raises(StepError):  # a region picker of an older notice
        await onboarding.choose_region(session, member, 1, NOTICE_VERSION - 1)
    with pytest.raises(StepError):
        await onboarding.choose_region(session, member, 999_999, NOTICE_VERSION)
    with pytest.raises(Stale):
        await intake.answer_choice(session, member, "since", "lt1")
    twente = await _region(session, "twente")
    await onboarding.choose_region(session, member, twente.id, NOTICE_VERSION)
    with pytest.raises(Stale):
        await intake.answer_choice(session, member, "since", "no-such-option")
    with pytest.raises(Stale):
        await intake.answer_choice(session, member, "route", "b1")  # not the current question
    with pytest.raises(StepError):
        await onboarding.complete(session, member)


async def test_display_name_length_is_limited(session: AsyncSession) -> None:
    member = await onboarding.choose_language(session, 1006, "uk")
    member.onboarding_step = "intake:display_name"
    with pytest.raises(Rejected):
        await intake.answer_text(session, member, "display_name", "x" * 65)
    assert member.display_name is None


async def test_intake_skip_drops_a_started_selection_and_a_name_is_one_line(
    session: AsyncSession,
) -> None:
    member = await onboarding.choose_language(session, 1007, "en")
    await _consent(session, member)
    await onboarding.choose_region(
        session, member, (await _region(session, "twente")).id, NOTICE_VERSION
    )
    await intake.skip_question(session, member, "since")
    await intake.skip_question(session, member, "route")
    assert await intake.toggle_option(session, member, "topics", "work") == ["work"]
    await intake.skip_question(session, member, "topics")  # shown as "skipped": nothing kept
    await intake.skip_question(session, member, "participation")
    with pytest.raises(Stale):
        await intake.answer_text(session, member, "since", "too late")
    await intake.answer_text(session, member, "display_name", " Anna \n  Maria ")
    assert (member.display_name, member.onboarding_step) == ("Anna Maria", "intake:volunteer")
    assert await session.scalar(select(func.count()).select_from(ProfileAnswer)) == 0


async def _active_member(session: AsyncSession, telegram_id: int, region: Region) -> Member:
    member = await onboarding.choose_language(session, telegram_id, "tr")
    await _consent(session, member)
    await onboarding.choose_region(session, member, region.id, NOTICE_VERSION)
    for question in intake.definition().questions:
        await intake.skip_question(session, member, question.id)
    await onboarding.complete(session, member)
    return member


async def test_pause_excludes_from_broadcast_recipients(session: AsyncSession) -> None:
    twente = await _region(session, "twente")
    a = await _active_member(session, 2001, twente)
    b = await _active_member(session, 2002, twente)
    assert [m.id for m in await members.broadcast_recipients(session, [twente.id])] == [a.id, b.id]
    await members.pause(session, a)
    assert [m.id for m in await members.broadcast_recipients(session, [twente.id])] == [b.id]
    assert (
        await members.broadcast_recipients(session, [(await _region(session, "zwolle")).id]) == []
    )
    await members.resume(session, a)
    assert len(await members.broadcast_recipients(session)) == 2
    with pytest.raises(members.MembershipError):
        await members.resume(session, a)


async def test_move_region(session: AsyncSession) -> None:
    twente, zwolle = await _region(session, "twente"), await _region(session, "zwolle")
    member = await _active_member(session, 2003, twente)
    old, new = await members.move_region(session, member, zwolle.id)
    assert (old.code if old else None, new.code) == ("twente", "zwolle")
    assert member.status == MemberStatus.ACTIVE
    zwolle.membership_mode = "approval"
    await members.move_region(session, member, twente.id)
    twente.membership_mode = "approval"
    await members.move_region(session, member, zwolle.id)
    assert member.status == MemberStatus.PENDING


async def test_export_and_erase(session: AsyncSession) -> None:
    twente = await _region(session, "twente")
    member = await onboarding.choose_language(session, 3001, "fa")
    await _consent(session, member)
    await onboarding.choose_region(session, member, twente.id, NOTICE_VERSION)
    await _through_intake(session, member)
    await onboarding.complete(session, member)
    from db.base import utcnow

    session.add(
        OutboundCopy(
            member_id=member.id, chat_id=7, message_id=5, purpose="approval", sent_at=utcnow()
        )
    )
    await session.flush()
    data = await privacy.export(session, member)
    assert data["member"]["telegram_id"] == 3001
    assert data["member"]["region"] == "Twente"
    assert data["profile"]["topics"] == ["work"]
    assert [(c["purpose"], c["granted"]) for c in data["consents"]] == [
        ("membership", True),
        ("quotes", False),
    ]
    assert len(data["messages_about_you_in_coordinator_chats"]) == 1
    erasure = await privacy.erase(session, member)
    await session.commit()
    assert erasure.copies == [(7, 5)]
    for model in (Member, Consent, ProfileAnswer, OutboundCopy):
        assert await session.scalar(select(func.count()).select_from(model)) == 0
