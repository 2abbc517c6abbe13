"""The newcomer's path into a pool: language → consent → region → intake → membership.

The current step is stored on the member (`onboarding_step`), so a restart loses nothing.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from functools import cache

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from bot.members.consent import NOTICE_VERSION
from bot.services import members
from bot.services.questionnaire import INTAKE_FILE, Question, Questionnaire, load
from db.base import utcnow
from db.models import (
    Consent,
    Member,
    MembershipMode,
    MemberStatus,
    Municipality,
    ProfileAnswer,
    Region,
)
from db.seed import match_key

STEP_CONSENT = "consent"
STEP_REGION = "region"
STEP_MUNICIPALITY = "municipality"
INTAKE_PREFIX = "intake:"


class StepError(Exception):
    """The action does not fit the member's current step (old button, forged data)."""


@cache
def intake() -> Questionnaire:
    return load(INTAKE_FILE)


def intake_step(question: Question) -> str:
    return INTAKE_PREFIX + question.id


def current_question(member: Member) -> Question | None:
    step = member.onboarding_step or ""
    if not step.startswith(INTAKE_PREFIX):
        return None
    return intake().question(step.removeprefix(INTAKE_PREFIX))


async def active_regions(session: AsyncSession) -> list[Region]:
    return list(await session.scalars(select(Region).where(Region.active).order_by(Region.name)))


async def choose_language(session: AsyncSession, telegram_id: int, language: str) -> Member:
    member = await members.set_language(session, telegram_id, language)
    if member.status == MemberStatus.ONBOARDING and member.onboarding_step is None:
        member.onboarding_step = STEP_CONSENT
    return member


async def give_consent(session: AsyncSession, member: Member, version: int) -> None:
    if version != NOTICE_VERSION:
        raise StepError("consent for an outdated notice")
    now = utcnow()
    session.add(Consent(member_id=member.id, notice_version=version, given_at=now))
    member.consent_version = version
    if member.status == MemberStatus.ONBOARDING and member.onboarding_step in (None, STEP_CONSENT):
        member.onboarding_step = STEP_REGION
    await session.flush()


async def choose_region(session: AsyncSession, member: Member, region_id: int) -> Region:
    if member.onboarding_step not in (STEP_REGION, STEP_MUNICIPALITY):
        raise StepError("not choosing a region now")
    region = await session.get(Region, region_id)
    if region is None or not region.active:
        raise StepError("no such active region")
    member.region_id = region.id
    member.municipality_id = None
    member.municipality_text = None
    _advance_to_intake(member, None)
    await session.flush()
    return region


def ask_municipality(member: Member) -> None:
    if member.onboarding_step not in (STEP_REGION, STEP_MUNICIPALITY):
        raise StepError("not choosing a region now")
    member.onboarding_step = STEP_MUNICIPALITY


async def find_municipality(session: AsyncSession, text: str) -> Municipality | None:
    key = match_key(text)
    if not key:
        return None
    found = await session.scalar(
        select(Municipality).join(Region).where(Municipality.match_key == key, Region.active)
    )
    return found


@dataclass(frozen=True)
class MunicipalityResult:
    municipality: Municipality | None
    region: Region | None


async def set_municipality(session: AsyncSession, member: Member, text: str) -> MunicipalityResult:
    """Match what the member typed; no match keeps them unassigned for the coordinators."""
    if member.onboarding_step != STEP_MUNICIPALITY:
        raise StepError("not asking for a municipality now")
    municipality = await find_municipality(session, text)
    if municipality is None:
        member.region_id = None
        member.municipality_id = None
        member.municipality_text = text.strip()[:128]
        _advance_to_intake(member, None)
        await session.flush()
        return MunicipalityResult(None, None)
    region = await session.get(Region, municipality.region_id)
    member.region_id = municipality.region_id
    member.municipality_id = municipality.id
    member.municipality_text = None
    _advance_to_intake(member, None)
    await session.flush()
    return MunicipalityResult(municipality, region)


def _advance_to_intake(member: Member, after: str | None) -> None:
    following = intake().after(after)
    member.onboarding_step = intake_step(following) if following else None


async def get_answer(session: AsyncSession, member: Member, question_id: str) -> object | None:
    row = await session.scalar(
        select(ProfileAnswer).where(
            ProfileAnswer.member_id == member.id, ProfileAnswer.question == question_id
        )
    )
    return json.loads(row.value) if row else None


async def _store_answer(
    session: AsyncSession, member: Member, question_id: str, value: object
) -> None:
    row = await session.scalar(
        select(ProfileAnswer).where(
            ProfileAnswer.member_id == member.id, ProfileAnswer.question == question_id
        )
    )
    encoded = json.dumps(value, ensure_ascii=False)
    if row is None:
        session.add(
            ProfileAnswer(
                member_id=member.id, question=question_id, value=encoded, answered_at=utcnow()
            )
        )
    else:
        row.value, row.answered_at = encoded, utcnow()


def _expect_question(member: Member, question_id: str) -> Question:
    question = current_question(member)
    if question is None or question.id != question_id:
        raise StepError("that question is not the current one")
    return question


async def answer_choice(
    session: AsyncSession, member: Member, question_id: str, option_id: str
) -> None:
    question = _expect_question(member, question_id)
    if question.kind != "single" or question.option(option_id) is None:
        raise StepError("no such option")
    await _store_answer(session, member, question.id, option_id)
    _advance_to_intake(member, question.id)
    await session.flush()


async def toggle_option(
    session: AsyncSession, member: Member, question_id: str, option_id: str
) -> list[str]:
    """Multi-select: add or remove an option; the selection is saved at once."""
    question = _expect_question(member, question_id)
    if question.kind != "multi" or question.option(option_id) is None:
        raise StepError("no such option")
    chosen = await get_answer(session, member, question.id)
    selected = list(chosen) if isinstance(chosen, list) else []
    if option_id in selected:
        selected.remove(option_id)
    else:
        selected.append(option_id)
    order = [o.id for o in question.options]
    selected.sort(key=order.index)
    await _store_answer(session, member, question.id, selected)
    await session.flush()
    return selected


async def finish_multi(session: AsyncSession, member: Member, question_id: str) -> None:
    question = _expect_question(member, question_id)
    if question.kind != "multi":
        raise StepError("not a multi-select question")
    _advance_to_intake(member, question.id)
    await session.flush()


class TextTooLong(ValueError):
    def __init__(self, limit: int) -> None:
        super().__init__(limit)
        self.limit = limit


async def answer_text(session: AsyncSession, member: Member, question_id: str, text: str) -> None:
    question = _expect_question(member, question_id)
    if question.kind != "text":
        raise StepError("this question is answered with buttons")
    value = " ".join(text.split())
    if len(value) > question.max_length:
        raise TextTooLong(question.max_length)
    if question.id == "display_name":
        member.display_name = value
    else:
        await _store_answer(session, member, question.id, value)
    _advance_to_intake(member, question.id)
    await session.flush()


async def skip_question(session: AsyncSession, member: Member, question_id: str) -> None:
    question = _expect_question(member, question_id)
    _advance_to_intake(member, question.id)
    await session.flush()


async def complete(session: AsyncSession, member: Member) -> str:
    """After the intake: active (auto region) or pending (approval, or no region yet)."""
    if member.status != MemberStatus.ONBOARDING or member.onboarding_step is not None:
        raise StepError("onboarding is not at its end")
    region = await session.get(Region, member.region_id) if member.region_id else None
    if region is not None and region.membership_mode == MembershipMode.AUTO:
        member.status = MemberStatus.ACTIVE
        member.joined_at = utcnow()
    else:
        member.status = MemberStatus.PENDING
    await session.flush()
    return member.status
