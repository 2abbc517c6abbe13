"""A seeded scenario for staff tests: two regions, members, coordinators and an admin."""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import select

from bot.members.consent import NOTICE_VERSION
from botapi_emulator import Emulator, SimUser
from db.base import utcnow
from db.models import Member, Region, RoleGrant
from expertpool_sandbox.harness import RunningBot
from tests.e2e.conftest import ADMIN_ID


@dataclass
class Scenario:
    member: SimUser
    coordinator_a: SimUser
    coordinator_b: SimUser
    admin: SimUser
    active_a: int  # member ids
    pending_a: int
    active_b: int
    region_a: int
    region_b: int


SECRET_A = "SecretAmina"
SECRET_B = "SecretBashir"


async def seed(emulator: Emulator, app: RunningBot) -> Scenario:
    member = emulator.create_user("Plain", language_code="en")
    coordinator_a = emulator.create_user("CoordA", language_code="en")
    coordinator_b = emulator.create_user("CoordB", language_code="en")
    admin = emulator.create_user("Admin", language_code="en", user_id=ADMIN_ID)
    now = utcnow()
    async with app.session_factory() as session:
        a = await session.scalar(select(Region).where(Region.code == "twente"))
        b = await session.scalar(select(Region).where(Region.code == "zwolle"))
        assert a is not None and b is not None

        def new(telegram_id: int, region: Region, status: str, name: str | None) -> Member:
            row = Member(
                telegram_id=telegram_id, language="ar", status=status, region_id=region.id,
                display_name=name, consent_version=NOTICE_VERSION, joined_at=now, last_seen_at=now,
            )  # fmt: skip
            session.add(row)
            return row

        plain = new(member.id, a, "active", "Plain")
        plain.language = "en"
        ids = [emulator.create_user(f"M{i}", language_code="ar").id for i in range(3)]
        active_a = new(ids[0], a, "active", SECRET_A)
        pending_a = new(ids[1], a, "pending", SECRET_A + "Pending")
        active_b = new(ids[2], b, "active", SECRET_B)
        for user, region in ((coordinator_a, a), (coordinator_b, b)):
            session.add(
                RoleGrant(
                    telegram_id=user.id,
                    role="coordinator",
                    region_id=region.id,
                    granted_by=ADMIN_ID,
                    granted_at=now,
                )  # fmt: skip
            )
        await session.flush()
        scenario = Scenario(
            member, coordinator_a, coordinator_b, admin,
            active_a.id, pending_a.id, active_b.id, a.id, b.id,
        )  # fmt: skip
        assert plain.id
        await session.commit()
    return scenario
