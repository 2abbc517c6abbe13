"""The newcomer's path into a pool: language → consent → quotes → region → intake → membership.

The current step is stored on the member (`onboarding_step`), so a restart loses nothing.
"""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from bot.config import Settings
from bot.members.consent import consent_is_current, notice_version
from bot.onboarding import intake
from bot.privacy import consent
from bot.privacy.consent import StaleConsent
from bot.services import members
from db.base import utcnow
from db.models import (
    Member,
    MembershipMode,
    MemberStatus,
    Municipality,
    Region,
)
from db.seed import match_key

STEP_CONSENT = "consent"
STEP_QUOTES = "quotes"
STEP_REGION = "region"
STEP_MUNICIPALITY = "municipality"


class StepError(Exception):
    """The action does not fit the member's current step (old button, forged data)."""


_ACTIVE_REGIONS = select(Region).where(Region.active).order_by(Region.name)  # built once


async def active_regions(session: AsyncSession) -> list[Region]:
    return list(await session.scalars(_ACTIVE_REGIONS))


async def choose_language(
    session: AsyncSession,
    telegram_id: int,
    language: str,
    *,
    staff: bool = False,
    known: bool = False,
    member: Member | None = None,
) -> Member:
    """Store the language; someone new goes on to the consent step. A coordinator or admin
    who never started joining keeps only the language (for their replies and menus).
    `known`: `member` is the row already loaded for this update (see members.set_language)."""
    member = await members.set_language(
        session, telegram_id, language, known=known, member=member, flush=False
    )
    if member.status == MemberStatus.ONBOARDING and member.onboarding_step is None and not staff:
        member.onboarding_step = STEP_CONSENT
    await session.flush()  # one INSERT or UPDATE with the step
    return member


def language_only(member: Member) -> bool:
    """A row that holds a staff member's language and nothing else: not joining the pool."""
    return member.status == MemberStatus.ONBOARDING and member.onboarding_step is None


async def give_consent(session: AsyncSession, member: Member, version: int, step: int) -> bool:
    """Agree to the notice the button showed; True when the quote question comes next
    (always while signing up; afterwards only if the member never answered it)."""
    try:
        await consent.agree(session, member, version, step, flush=False)
    except StaleConsent as exc:
        raise StepError("consent button of an earlier step or notice") from exc
    if member.status == MemberStatus.ONBOARDING:
        if member.onboarding_step in (None, STEP_CONSENT):
            member.onboarding_step = STEP_QUOTES
        await session.flush()  # the consent and the member's step in one flush
        return member.onboarding_step == STEP_QUOTES
    await session.flush()
    return not await consent.quotes_decided(session, member)


async def refuse_consent(session: AsyncSession, member: Member, version: int, step: int) -> bool:
    """ "Not now": recorded; True when it withdrew an earlier consent. A member signing up
    goes back to the consent step (a region picker they still have stops working)."""
    try:
        withdrawn = await consent.refuse(session, member, version, step)
    except StaleConsent as exc:
        raise StepError("consent button of an earlier step or notice") from exc
    if member.status == MemberStatus.ONBOARDING:
        member.onboarding_step = STEP_CONSENT
        await session.flush()
    return withdrawn


async def answer_quotes(
    session: AsyncSession, settings: Settings | None, member: Member, allowed: bool, version: int
) -> None:
    """The optional quote question: while signing up only at its step (then the region);
    afterwards, with current consent, from the question after re-consent or /privacy."""
    if version != notice_version() or not consent_is_current(member.consent_version):
        raise StepError("quote button of an earlier notice")
    if member.status == MemberStatus.ONBOARDING:
        if member.onboarding_step != STEP_QUOTES:
            raise StepError("not asking about quotes now")
        member.onboarding_step = STEP_REGION
    await consent.set_quotes(session, settings, member, allowed)
    await session.flush()


def _choosing_region(member: Member, version: int) -> None:
    if member.onboarding_step not in (STEP_REGION, STEP_MUNICIPALITY):
        raise StepError("not choosing a region now")
    if version != notice_version() or not consent_is_current(member.consent_version):
        raise StepError("region picker of an earlier notice, or consent withdrawn")


async def choose_region(
    session: AsyncSession, member: Member, region_id: int, version: int
) -> Region:
    _choosing_region(member, version)
    region = await session.get(Region, region_id)
    if region is None or not region.active:
        raise StepError("no such active region")
    member.region_id = region.id
    member.municipality_id = None
    member.municipality_text = None
    intake.start(member)
    await session.flush()
    return region


def ask_municipality(member: Member, version: int) -> None:
    _choosing_region(member, version)
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
        intake.start(member)
        await session.flush()
        return MunicipalityResult(None, None)
    region = await session.get(Region, municipality.region_id)
    member.region_id = municipality.region_id
    member.municipality_id = municipality.id
    member.municipality_text = None
    intake.start(member)
    await session.flush()
    return MunicipalityResult(municipality, region)


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
