"""Who may do what. Every read or write of member data passes through an Actor check here.

Admins: ADMIN_IDS from the configuration plus admin grants. Coordinators: grants per region.
"""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import bindparam, delete, literal, or_, select, update
from sqlalchemy.ext.asyncio import AsyncSession

from bot.config import Settings
from bot.numbers import parse_telegram_id
from db.base import utcnow
from db.models import Member, Region, RoleGrant

ADMIN = "admin"
COORDINATOR = "coordinator"


class NotAllowed(Exception):
    """The actor has no right to this action; callers answer as if it did not exist."""


@dataclass(frozen=True)
class Actor:
    telegram_id: int
    is_admin: bool
    region_ids: frozenset[int]

    @property
    def is_staff(self) -> bool:
        return self.is_admin or bool(self.region_ids)

    def may_see_region(self, region_id: int | None) -> bool:
        return self.is_admin or (region_id is not None and region_id in self.region_ids)

    def may_see_member(self, member: Member) -> bool:
        return self.may_see_region(member.region_id)

    def scope(self, region_ids: list[int] | None = None) -> list[int] | None:
        """The regions this actor may look at (None = all), narrowed to `region_ids`."""
        if self.is_admin:
            return region_ids
        allowed = sorted(self.region_ids)
        return [r for r in region_ids if r in self.region_ids] if region_ids else allowed


def is_admin(settings: Settings, telegram_id: int) -> bool:
    return telegram_id in settings.admin_ids


async def actor(session: AsyncSession, settings: Settings, telegram_id: int) -> Actor:
    grants = list(
        await session.scalars(select(RoleGrant).where(RoleGrant.telegram_id == telegram_id))
    )
    admin = is_admin(settings, telegram_id) or any(g.role == ADMIN for g in grants)
    regions = frozenset(g.region_id for g in grants if g.role == COORDINATOR and g.region_id)
    return Actor(telegram_id=telegram_id, is_admin=admin, region_ids=regions)


# Built once: every update runs it (a statement built per call cost more than its query).
_ONE = select(literal(1).label("one")).subquery()
# The grants as columns, not objects: loading an entity sets up a row processor per query.
_IDENTIFY = (
    select(Member, RoleGrant.id, RoleGrant.role, RoleGrant.region_id, RoleGrant.pending_username)
    .select_from(_ONE)
    .outerjoin(Member, Member.telegram_id == bindparam("telegram_id"))
    .outerjoin(
        RoleGrant,
        or_(
            RoleGrant.telegram_id == bindparam("telegram_id"),
            RoleGrant.pending_username == bindparam("username"),  # NULL matches nothing
        ),
    )
)
_GRANTS = RoleGrant.__table__
_CLAIM_GRANTS = (
    update(_GRANTS)
    .where(_GRANTS.c.id.in_(bindparam("ids", expanding=True)))
    .values(telegram_id=bindparam("telegram_id"), pending_username=None)
)


async def identify(
    session: AsyncSession, settings: Settings, telegram_id: int, username: str | None
) -> tuple[Member | None, Actor]:
    """The member row and the actor behind an update, in one query (every update needs both).
    Grants made by @username are attached to this person first, as claim_pending does."""
    pending = username.lower() if username else None
    rows = (
        await session.execute(_IDENTIFY, {"telegram_id": telegram_id, "username": pending})
    ).all()
    member = rows[0][0] if rows else None
    grants = list({g.id: g for g in rows if g.id is not None}.values())
    claimed = [g.id for g in grants if pending and g.pending_username == pending]
    if claimed:
        await session.execute(_CLAIM_GRANTS, {"ids": claimed, "telegram_id": telegram_id})
    admin = is_admin(settings, telegram_id) or any(g.role == ADMIN for g in grants)
    regions = frozenset(g.region_id for g in grants if g.role == COORDINATOR and g.region_id)
    return member, Actor(telegram_id=telegram_id, is_admin=admin, region_ids=regions)


def require_admin(who: Actor) -> None:
    if not who.is_admin:
        raise NotAllowed


def require_staff(who: Actor) -> None:
    if not who.is_staff:
        raise NotAllowed


def require_region(who: Actor, region_id: int | None) -> None:
    if not who.may_see_region(region_id):
        raise NotAllowed


def require_member(who: Actor, member: Member) -> None:
    if not who.may_see_member(member):
        raise NotAllowed


async def coordinator_ids(
    session: AsyncSession, settings: Settings, region_id: int | None
) -> list[int]:
    """Who hears about a region's members: its coordinators, else the admins."""
    ids: list[int] = []
    if region_id is not None:
        ids = [
            i
            for i in await session.scalars(
                select(RoleGrant.telegram_id).where(
                    RoleGrant.role == COORDINATOR, RoleGrant.region_id == region_id
                )
            )
            if i is not None
        ]
    if not ids:
        granted_admins = await session.scalars(
            select(RoleGrant.telegram_id).where(RoleGrant.role == ADMIN)
        )
        ids = [*settings.admin_ids, *(i for i in granted_admins if i is not None)]
    return list(dict.fromkeys(ids))


def _target(target: int | str) -> tuple[int | None, str | None]:
    if isinstance(target, int):
        return target, None
    text = target.strip()
    if text.lstrip("-").isdigit():
        number = parse_telegram_id(text)
        if number is None:
            raise ValueError("not a Telegram user id")
        return number, None
    username = text.removeprefix("@").lower()
    if not username or not all(c.isalnum() or c == "_" for c in username):
        raise ValueError("not a user id or @username")
    return None, username


async def grant(
    session: AsyncSession, who: Actor, target: int | str, role: str, region: Region | None
) -> RoleGrant:
    """Give a role; a @username grant waits until that person first writes to the bot."""
    require_admin(who)
    if (role == COORDINATOR) != (region is not None):
        raise ValueError("coordinators need a region; admins have none")
    telegram_id, username = _target(target)
    region_id = region.id if region else None
    existing = await session.scalar(
        select(RoleGrant).where(
            RoleGrant.role == role,
            RoleGrant.region_id.is_(None)
            if region_id is None
            else RoleGrant.region_id == region_id,
            RoleGrant.telegram_id == telegram_id
            if telegram_id is not None
            else RoleGrant.pending_username == username,
        )
    )
    if existing is not None:
        return existing
    row = RoleGrant(
        telegram_id=telegram_id,
        pending_username=username,
        role=role,
        region_id=region_id,
        granted_by=who.telegram_id,
        granted_at=utcnow(),
    )
    session.add(row)
    await session.flush()
    return row


async def revoke(
    session: AsyncSession, who: Actor, target: int | str, role: str, region: Region | None
) -> int:
    require_admin(who)
    telegram_id, username = _target(target)
    query = delete(RoleGrant).where(RoleGrant.role == role)
    if region is not None:
        query = query.where(RoleGrant.region_id == region.id)
    if telegram_id is not None:
        query = query.where(RoleGrant.telegram_id == telegram_id)
    else:
        query = query.where(RoleGrant.pending_username == username)
    result = await session.execute(query)
    await session.flush()
    return int(result.rowcount or 0)  # type: ignore[attr-defined]


async def claim_pending(session: AsyncSession, telegram_id: int, username: str | None) -> int:
    """Attach grants made by @username to the person who now writes with that username."""
    if not username:
        return 0
    rows = list(
        await session.scalars(
            select(RoleGrant).where(RoleGrant.pending_username == username.lower())
        )
    )
    for row in rows:
        row.telegram_id, row.pending_username = telegram_id, None
    if rows:
        await session.flush()
    return len(rows)


async def grants(session: AsyncSession, who: Actor) -> list[RoleGrant]:
    require_staff(who)
    query = select(RoleGrant).order_by(RoleGrant.role, RoleGrant.region_id, RoleGrant.id)
    if not who.is_admin:
        query = query.where(RoleGrant.region_id.in_(who.region_ids))
    return list(await session.scalars(query))
