"""Consent decisions, per purpose, each stored with the notice version and the time.

- membership (required): agreeing to the privacy notice. "Not now" records a refusal; when
  the member had agreed to an older notice, that consent is marked withdrawn. Without
  current consent a member gets no surveys or announcements, but nothing stored is deleted
  until they use /delete.
- quotes (optional): coordinators may quote the member's anonymous written answers in
  reports to the municipality. Results and exports quote only responses with `quote_ok`.

Consent buttons carry the notice version and the member's *step*: the number of membership
decisions so far. Any decision makes every earlier button stale, so an old "I agree" cannot
undo a later "Not now".
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import Integer, bindparam, func, insert, select, update
from sqlalchemy.ext.asyncio import AsyncSession

from bot.config import Settings
from bot.members.consent import consent_is_current, notice_version
from bot.services import members
from bot.surveys.privacy import allow_quotes
from db.base import utcnow
from db.models import Consent, Member

MEMBERSHIP = "membership"
QUOTES = "quotes"


class StaleConsent(Exception):
    """The button is not for the member's current question (old, or forged)."""


# Built once (on a member's path through the notice every press runs them), and run as Core
# statements on the session's connection: no ORM plumbing for a count or an UPDATE.
_CONSENTS = Consent.__table__
_STEP = (
    select(func.count())
    .select_from(_CONSENTS)
    .where(_CONSENTS.c.member_id == bindparam("member_id"), _CONSENTS.c.purpose == MEMBERSHIP)
)
_WITHDRAW = (
    update(_CONSENTS)
    .where(
        _CONSENTS.c.member_id == bindparam("b_member_id"),  # not a column's name (UPDATE)
        _CONSENTS.c.purpose == bindparam("b_purpose"),
        _CONSENTS.c.granted,
        _CONSENTS.c.withdrawn_at.is_(None),
    )
    .values(withdrawn_at=bindparam("b_now"))
    # No Consent rows are loaded in the updates that withdraw (they only add the new one):
    # nothing in the session to bring in step.
)


# A decision is stored as it is made, by a Core INSERT: no Consent object is read afterwards
# in the update that makes it (the ORM's unit of work cost several times the statement).
_RECORD = insert(_CONSENTS).values(
    member_id=bindparam("member_id"),
    purpose=bindparam("purpose"),
    granted=bindparam("granted"),
    notice_version=bindparam("notice_version"),
    given_at=bindparam("given_at"),
)


async def _record(
    session: AsyncSession, member: Member, purpose: str, granted: bool, version: int
) -> None:
    connection = await session.connection()
    await connection.execute(
        _RECORD,
        {"member_id": member.id, "purpose": purpose, "granted": granted,
         "notice_version": version, "given_at": utcnow()},
    )  # fmt: skip


# A membership decision is stored only while the member has made `seen_step` of them (the
# step its button carries): the check and the INSERT in one statement.
_DECIDE = insert(_CONSENTS).from_select(
    ["member_id", "purpose", "granted", "notice_version", "given_at"],
    select(
        bindparam("member_id", type_=_CONSENTS.c.member_id.type),
        bindparam("purpose", type_=_CONSENTS.c.purpose.type),
        bindparam("granted", type_=_CONSENTS.c.granted.type),
        bindparam("notice_version", type_=_CONSENTS.c.notice_version.type),
        bindparam("given_at", type_=_CONSENTS.c.given_at.type),
    ).where(_STEP.scalar_subquery() == bindparam("seen_step", type_=Integer)),
)


async def _decide(
    session: AsyncSession, member: Member, granted: bool, version: int, seen_step: int
) -> None:
    """Record a membership decision from a button of `version` and `seen_step`; StaleConsent
    (nothing stored) when the button is not for the member's current question."""
    if version != notice_version() or consent_is_current(member.consent_version):
        raise StaleConsent
    connection = await session.connection()
    result = await connection.execute(
        _DECIDE,
        {"member_id": member.id, "purpose": MEMBERSHIP, "granted": granted,
         "notice_version": version, "given_at": utcnow(), "seen_step": seen_step},
    )  # fmt: skip
    if not getattr(result, "rowcount", 0):
        raise StaleConsent


async def step(session: AsyncSession, member: Member) -> int:
    """The number of membership decisions so far: the token consent buttons carry."""
    connection = await session.connection()
    found = (await connection.execute(_STEP, {"member_id": member.id})).scalar()
    return int(found or 0)


def mark_shown(member: Member) -> None:
    """The current notice was shown with its buttons (no flush)."""
    member.notice_shown_version = notice_version()


def shown_and_waiting(member: Member) -> bool:
    """The current notice is on the member's screen, waiting for their answer."""
    return member.notice_shown_version == notice_version() and not consent_is_current(
        member.consent_version
    )


async def _withdraw(session: AsyncSession, member: Member, purpose: str) -> bool:
    """Mark the member's standing consents for `purpose` withdrawn; True if there were any."""
    connection = await session.connection()
    result = await connection.execute(
        _WITHDRAW, {"b_member_id": member.id, "b_purpose": purpose, "b_now": utcnow()}
    )
    return bool(getattr(result, "rowcount", 0))


async def agree(
    session: AsyncSession, member: Member, version: int, seen_step: int, **member_values: Any
) -> None:
    """Record "I agree"; `member_values`: more of the member's columns, stored with theirs."""
    await _decide(session, member, True, version, seen_step)
    await members.write(
        session, member, consent_version=version, notice_shown_version=None, **member_values
    )


async def refuse(
    session: AsyncSession, member: Member, version: int, seen_step: int, **member_values: Any
) -> bool:
    """Record "Not now"; True when it withdrew a consent the member had given before.
    `member_values`: more of the member's columns, stored with theirs."""
    await _decide(session, member, False, version, seen_step)
    # The refusal just stored is not granted: only earlier consents are withdrawn.
    withdrawn = await _withdraw(session, member, MEMBERSHIP)
    # notice_shown_version: the next interaction shows the notice again
    await members.write(
        session, member, consent_version=None, notice_shown_version=None, **member_values
    )
    return withdrawn


async def quotes_decided(session: AsyncSession, member: Member) -> bool:
    """The member has answered the quote question at least once."""
    found = await session.scalar(
        select(Consent.id).where(Consent.member_id == member.id, Consent.purpose == QUOTES).limit(1)
    )
    return found is not None


async def set_quotes(
    session: AsyncSession,
    settings: Settings | None,
    member: Member,
    allowed: bool,
    **member_values: Any,
) -> None:
    """Record the member's answer to the quote question and apply it to their responses.
    `member_values`: more of the member's columns, stored with theirs."""
    version = notice_version()
    await _withdraw(session, member, QUOTES)
    await _record(session, member, QUOTES, allowed, version)
    await members.write(
        session, member, quote_consent_version=version if allowed else None, **member_values
    )
    await allow_quotes(session, member, settings, allowed)
