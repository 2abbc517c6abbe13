"""Member lookups and the member's own settings."""

from __future__ import annotations

from typing import Any

from sqlalchemy import Update, bindparam, inspect, select, update
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm.attributes import set_committed_value

from bot.config import SUPPORTED_LOCALES
from bot.members.consent import reachable
from bot.services import audit, roles
from db.base import utcnow
from db.models import Member, MembershipMode, MemberStatus, Region


async def get_by_telegram_id(session: AsyncSession, telegram_id: int) -> Member | None:
    return await session.scalar(select(Member).where(Member.telegram_id == telegram_id))


def unsaved(member: Member) -> bool:
    """The row was made in this unit of work and is not in the database yet (no INSERT)."""
    return inspect(member).key is None


_MEMBERS = Member.__table__
_WRITES: dict[tuple[str, ...], Update] = {}  # an UPDATE per set of columns, built once


def _write_statement(columns: tuple[str, ...]) -> Update:
    statement = _WRITES.get(columns)
    if statement is None:
        statement = _WRITES[columns] = (
            update(_MEMBERS)
            .where(_MEMBERS.c.id == bindparam("b_id"))
            .values({column: bindparam("b_" + column) for column in columns})
        )
    return statement


async def write(session: AsyncSession, member: Member, **values: Any) -> None:
    """Set `values` on the member and store them now, as a flush would (with `updated_at`).

    A row loaded without other changes gets one prebuilt Core UPDATE and the values as the
    object's committed state: no unit-of-work flush (a few times the CPU of the statement).
    A new row, or one with other changes waiting, is flushed by the ORM as before."""
    state = inspect(member)
    if state.key is None or state.modified:
        for name, value in values.items():
            setattr(member, name, value)
        await session.flush()
        return
    values["updated_at"] = utcnow()
    columns = tuple(values)
    connection = await session.connection()
    await connection.execute(
        _write_statement(columns),
        {"b_id": member.id, **{"b_" + name: value for name, value in values.items()}},
    )
    for name, value in values.items():
        set_committed_value(member, name, value)


async def set_language(
    session: AsyncSession,
    telegram_id: int,
    language: str,
    *,
    known: bool = False,
    member: Member | None = None,
    flush: bool = True,
) -> Member:
    """Store the member's language, creating the row (status onboarding) on first contact.
    `known`: `member` is this person's row as already loaded for the update (None: there is
    none), so it is not looked up again. `flush=False` leaves the flush to the caller."""
    if language not in SUPPORTED_LOCALES:
        raise ValueError(f"unsupported language {language!r}")
    if not known:
        member = await get_by_telegram_id(session, telegram_id)
    if member is None:
        member = Member(
            telegram_id=telegram_id,
            language=language,
            status=MemberStatus.ONBOARDING.value,
            last_seen_at=utcnow(),
        )
        session.add(member)
    else:
        member.language = language
    if flush:
        await session.flush()
    return member


async def mark_unreachable(session: AsyncSession, telegram_id: int) -> bool:
    """The person blocked the bot (403 in their chat): an active member becomes unreachable,
    as the broadcaster marks them; True when a member was marked."""
    member = await get_by_telegram_id(session, telegram_id)
    if member is None or member.status != MemberStatus.ACTIVE:
        return False
    member.status = MemberStatus.UNREACHABLE
    await session.flush()
    return True


class MembershipError(Exception):
    """The change is not allowed from the member's current status."""


# Statuses from which a member may choose another pool (a declined member may try another).
MOVABLE = (MemberStatus.ACTIVE, MemberStatus.PAUSED, MemberStatus.PENDING, MemberStatus.LEFT)


async def pause(session: AsyncSession, member: Member) -> None:
    if member.status != MemberStatus.ACTIVE:
        raise MembershipError(member.status)
    member.status = MemberStatus.PAUSED
    await session.flush()


async def resume(session: AsyncSession, member: Member) -> None:
    if member.status != MemberStatus.PAUSED:
        raise MembershipError(member.status)
    member.status = MemberStatus.ACTIVE
    await session.flush()


async def move_region(
    session: AsyncSession, member: Member, region_id: int
) -> tuple[Region | None, Region]:
    """Move a member to another active pool; an approval pool makes them pending again."""
    if member.status not in MOVABLE:
        raise MembershipError(member.status)
    region = await session.get(Region, region_id)
    if region is None or not region.active:
        raise MembershipError("no such region")
    if region.id == member.region_id:
        raise MembershipError("already in this region")
    old = await session.get(Region, member.region_id) if member.region_id else None
    member.region_id = region.id
    member.municipality_id = None
    member.municipality_text = None
    if region.membership_mode == MembershipMode.APPROVAL:
        member.status = MemberStatus.PENDING
    elif member.status in (MemberStatus.PENDING, MemberStatus.LEFT):
        member.status = MemberStatus.ACTIVE
        member.joined_at = member.joined_at or utcnow()
    await session.flush()
    return old, region


async def decide_pending(
    session: AsyncSession, who: roles.Actor, member_id: int, approve: bool
) -> Member:
    """Approve (→ active) or decline (→ left) a pending member: the region's coordinators only.

    A member without a region yet can only be declined here (an admin assigns a pool first).
    """
    member = await session.get(Member, member_id)
    if member is None:
        raise roles.NotAllowed
    if member.region_id is None:
        roles.require_admin(who)
    else:
        roles.require_member(who, member)
    if member.status != MemberStatus.PENDING:
        raise MembershipError("not pending")
    if approve:
        if member.region_id is None:
            raise MembershipError("no region")
        member.status = MemberStatus.ACTIVE
        member.joined_at = utcnow()
    else:
        member.status = MemberStatus.LEFT
    await audit.record(
        session,
        who.telegram_id,
        audit.APPROVE if approve else audit.DECLINE,
        member_id=member.id,
        region_id=member.region_id,
    )
    return member


async def broadcast_recipients(
    session: AsyncSession, region_ids: list[int] | None = None
) -> list[Member]:
    """Members who may receive surveys and announcements (bot.members.consent.reachable)."""
    query = select(Member).where(*reachable())
    if region_ids is not None:
        query = query.where(Member.region_id.in_(region_ids))
    return list(await session.scalars(query.order_by(Member.id)))
