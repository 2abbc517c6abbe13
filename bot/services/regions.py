"""Regions (pools): admins add, rename, switch membership mode, (de)activate."""

from __future__ import annotations

import re

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from bot.services import audit
from bot.services.roles import Actor, require_admin
from db.models import MembershipMode, Region

CODE = re.compile(r"^[a-z][a-z0-9_-]{1,31}$")


class RegionError(ValueError):
    pass


async def by_code(session: AsyncSession, code: str) -> Region | None:
    return await session.scalar(select(Region).where(Region.code == code.strip().lower()))


async def all_regions(session: AsyncSession) -> list[Region]:
    return list(await session.scalars(select(Region).order_by(Region.name)))


async def add(session: AsyncSession, who: Actor, code: str, name: str) -> Region:
    require_admin(who)
    code = code.strip().lower()
    name = " ".join(name.split())
    if not CODE.match(code):
        raise RegionError("code")
    if not name or len(name) > 128:
        raise RegionError("name")
    if await by_code(session, code) is not None:
        raise RegionError("exists")
    region = Region(code=code, name=name)
    session.add(region)
    await session.flush()
    await audit.record(
        session, who.telegram_id, audit.REGION_CHANGE, region_id=region.id, added=code
    )
    return region


async def rename(session: AsyncSession, who: Actor, region: Region, name: str) -> None:
    require_admin(who)
    name = " ".join(name.split())
    if not name or len(name) > 128:
        raise RegionError("name")
    old, region.name = region.name, name
    await audit.record(
        session, who.telegram_id, audit.REGION_CHANGE, region_id=region.id, renamed=old
    )


async def configure(session: AsyncSession, who: Actor, region: Region, setting: str) -> None:
    """`approval`/`auto` sets the membership mode; `active`/`inactive` opens or closes the pool."""
    require_admin(who)
    if setting in (MembershipMode.AUTO, MembershipMode.APPROVAL):
        region.membership_mode = setting
    elif setting in ("active", "inactive"):
        region.active = setting == "active"
    else:
        raise RegionError("setting")
    await audit.record(
        session, who.telegram_id, audit.REGION_CHANGE, region_id=region.id, set=setting
    )
