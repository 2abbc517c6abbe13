"""The newcomer's path into a pool: language → consent → quotes → region → intake → membership.

The current step is stored on the member (`onboarding_step`), so a restart loses nothing.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import NamedTuple

from sqlalchemy import bindparam, select
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
_REGIONS = Region.__table__
# Every newcomer's region picker and choice read only these columns: Core statements, built
# once (no Region objects to build per update).
_ACTIVE_REGION_NAMES = (
    select(_REGIONS.c.id, _REGIONS.c.name).where(_REGIONS.c.active).order_by(_REGIONS.c.name)
)
_ACTIVE_REGION = select(_REGIONS.c.id, _REGIONS.c.name).where(
    _REGIONS.c.id == bindparam("region_id"), _REGIONS.c.active
)


class RegionName(NamedTuple):
    id: int
    name: str


async def active_regions(session: AsyncSession) -> list[Region]:
    return list(await session.scalars(_ACTIVE_REGIONS))


async def active_region_names(session: AsyncSession) -> tuple[RegionName, ...]:
    """The active regions' ids and names, by name (as `active_regions`)."""
    connection = await session.connection()
    result = await connection.execute(_ACTIVE_REGION_NAMES)
    return tuple(RegionName(id_, name) for id_, name in result)


async def choose_language(
    session: AsyncSession,
    telegram_id: int,
    language: str,
    *,
    staff: bool = False,
    known: bool = False,
    member: Member | None = None,
    flush: bool = True,
) -> Member:
    """Store the language; someone new goes on to the consent step. A coordinator or admin
    who never started joining keeps only the language (for their replies and menus).
    `known`: `member` is the row already loaded for this update (see members.set_language);
    `flush=False` leaves the flush (one INSERT or UPDATE with the step) to the caller."""
    member = await members.set_language(
        session, telegram_id, language, known=known, member=member, flush=False
    )
    if member.status == MemberStatus.ONBOARDING and member.onboarding_step is None and not staff:
        member.onboarding_step = STEP_CONSENT
    if flush:
        await session.flush()  # one INSERT or UPDATE with the step
    return member


def language_only(member: Member) -> bool:
    """A row that holds a staff member's language and nothing else: not joining the pool."""
    return member.status == MemberStatus.ONBOARDING and member.onboarding_step is None


async def give_consent(session: AsyncSession, member: Member, version: int, step: int) -> bool:
    """Agree to the notice the button showed; True when the quote question comes next
    (always while signing up; afterwards only if the member never answered it)."""
    signing_up = member.status == MemberStatus.ONBOARDING
    # The member's step changes with their consent (one UPDATE).
    step_after = (
        {"onboarding_step": STEP_QUOTES}
        if signing_up and member.onboarding_step in (None, STEP_CONSENT)
        else {}
    )
    try:
        await consent.agree(session, member, version, step, **step_after)
    except StaleConsent as exc:
        raise StepError("consent button of an earlier step or notice") from exc
    if signing_up:
        return member.onboarding_step == STEP_QUOTES
    return not await consent.quotes_decided(session, member)


async def refuse_consent(session: AsyncSession, member: Member, version: int, step: int) -> bool:
    """ "Not now": recorded; True when it withdrew an earlier consent. A member signing up
    goes back to the consent step (a region picker they still have stops working)."""
    # Signing up: back to the consent step, with the refusal (one UPDATE).
    step_after = (
        {"onboarding_step": STEP_CONSENT} if member.status == MemberStatus.ONBOARDING else {}
    )
    try:
        return await consent.refuse(session, member, version, step, **step_after)
    except StaleConsent as exc:
        raise StepError("consent button of an earlier step or notice") from exc


async def answer_quotes(
    session: AsyncSession, settings: Settings | None, member: Member, allowed: bool, version: int
) -> None:
    """The optional quote question: while signing up only at its step (then the region);
    afterwards, with current consent, from the question after re-consent or /privacy."""
    if version != notice_version() or not consent_is_current(member.consent_version):
        raise StepError("quote button of an earlier notice")
    step_after = {}
    if member.status == MemberStatus.ONBOARDING:
        if member.onboarding_step != STEP_QUOTES:
            raise StepError("not asking about quotes now")
        step_after["onboarding_step"] = STEP_REGION
    await consent.set_quotes(session, settings, member, allowed, **step_after)


def _choosing_region(member: Member, version: int) -> None:
    if member.onboarding_step not in (STEP_REGION, STEP_MUNICIPALITY):
        raise StepError("not choosing a region now")
    if version != notice_version() or not consent_is_current(member.consent_version):
        raise StepError("region picker of an earlier notice, or consent withdrawn")


async def choose_region(
    session: AsyncSession, member: Member, region_id: int, version: int
) -> RegionName:
    _choosing_region(member, version)
    connection = await session.connection()
    found = (await connection.execute(_ACTIVE_REGION, {"region_id": region_id})).first()
    if found is None:
        raise StepError("no such active region")
    region = RegionName(*found)
    await members.write(
        session,
        member,
        region_id=region.id,
        municipality_id=None,
        municipality_text=None,
        onboarding_step=intake.first_step(),
    )
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
