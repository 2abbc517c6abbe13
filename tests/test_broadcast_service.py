"""Broadcast services and the delivery engine, against a real database and the emulator."""

from __future__ import annotations

import json
from collections.abc import AsyncIterator
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from sqlalchemy import func, select, update
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from bot.broadcast import Broadcaster, EngineOptions, service
from bot.broadcast.audience import Audience, can_broadcast
from bot.broadcast.content import EVERYONE, HEADER, Content, pick
from bot.broadcast.quiet import QuietHours
from bot.config import Settings
from bot.factory import create_bot
from bot.i18n import CatalogueI18n, create_i18n
from bot.members.consent import NOTICE_VERSION
from bot.privacy import service as privacy
from bot.services.roles import NotAllowed
from botapi_emulator import Emulator, SimUser
from db.models import (
    Broadcast,
    BroadcastDelivery,
    DeliveryState,
    Member,
    MemberStatus,
    ProfileAnswer,
    Region,
    RoleGrant,
)

TOKEN = "123456:broadcast-service-test"
AMSTERDAM = ZoneInfo("Europe/Amsterdam")


class Clock:
    def __init__(self, moment: datetime) -> None:
        self.moment = moment

    def __call__(self) -> datetime:
        return self.moment


@dataclass
class World:
    emulator: Emulator
    session_factory: async_sessionmaker[AsyncSession]
    database_url: str
    i18n: CatalogueI18n
    clock: Clock = field(default_factory=lambda: Clock(datetime(2026, 6, 1, 10, tzinfo=UTC)))
    engines: list[Broadcaster] = field(default_factory=list)

    def __post_init__(self) -> None:
        self.coordinator = self.emulator.create_user("Coordinator", language_code="en")

    def settings(self, **overrides: object) -> Settings:
        values: dict[str, object] = {
            "bot_token": TOKEN,
            "telegram_api_url": self.emulator.api_url,
            "database_url": self.database_url,
            "admin_ids": (self.coordinator.id,),
            "broadcast_paid": True,
            "broadcast_rate": 200,
            "quiet_hours": "off",
            "_env_file": None,
        }
        values.update(overrides)
        return Settings(**values)  # type: ignore[arg-type]

    async def region_id(self, code: str = "twente") -> int:
        async with self.session_factory() as session:
            found = await session.scalar(select(Region.id).where(Region.code == code))
        assert found is not None
        return found

    async def member(
        self, language: str = "nl", region: str = "twente", status: str = "active", **extra: object
    ) -> SimUser:
        user = self.emulator.create_user(f"M{len(self.emulator.users)}", language_code=language)
        async with self.session_factory() as session:
            values: dict[str, object] = {"consent_version": NOTICE_VERSION, **extra}
            session.add(
                Member(
                    telegram_id=user.id,
                    language=language,
                    status=status,
                    region_id=await self.region_id(region),
                    **values,
                )
            )
            await session.commit()
        return user

    async def broadcast(
        self,
        settings: Settings,
        versions: dict[str, Content] | None = None,
        audience: Audience | None = None,
        urgent: bool = False,
    ) -> int:
        async with self.session_factory() as session:
            created = await service.create(
                session,
                settings,
                actor=self.coordinator.id,
                audience=audience or Audience(),
                versions=versions or {EVERYONE: text("Meeting on Monday")},
                now=self.clock(),
                locale="en",
                urgent=urgent,
            )
            await session.commit()
            return created.id

    async def engine(self, settings: Settings, **options: object) -> Broadcaster:
        values: dict[str, object] = {
            "clock": self.clock,
            "retry_base": 0.01,
            "progress_interval": 0.05,
            "poll_interval": 0.5,
            "check_interval": 0.02,
            "chat_interval": 0.05,
            **options,
        }
        engine = Broadcaster(
            create_bot(settings),
            self.session_factory,
            settings,
            self.i18n,
            EngineOptions(**values),  # type: ignore[arg-type]
        )
        self.engines.append(engine)
        await engine.start()
        return engine

    async def finished(self, broadcast_id: int, how: str = "is finished") -> None:
        await self.coordinator.wait_for_message(
            lambda m: f"Broadcast #{broadcast_id} {how}." in (m.text or ""), timeout=10
        )

    async def states(self, broadcast_id: int) -> dict[int, tuple[str, int]]:
        """Telegram id -> (delivery state, attempts)."""
        async with self.session_factory() as session:
            rows = await session.execute(
                select(Member.telegram_id, BroadcastDelivery.state, BroadcastDelivery.attempts)
                .join(Member, Member.id == BroadcastDelivery.member_id)
                .where(BroadcastDelivery.broadcast_id == broadcast_id)
            )
            return {tid: (state, attempts) for tid, state, attempts in rows.all()}


def text(body: str) -> Content:
    return Content("text", body, len(body))


def received(user: SimUser) -> list[str]:
    return [m.text or m.caption or "" for m in user.bot_messages()]


@pytest.fixture
async def world(
    session_factory: async_sessionmaker[AsyncSession], database_url: str
) -> AsyncIterator[World]:
    async with Emulator(token=TOKEN, bot_username="expertpool_bot") as emulator:
        world = World(emulator, session_factory, database_url, create_i18n("nl"))
        try:
            yield world
        finally:
            for engine in world.engines:
                await engine.stop()
                await engine.bot.session.close()
        emulator.assert_no_rejections()


# -- planning, preview and rights -------------------------------------------


async def test_plan_takes_active_consenting_members_of_the_chosen_regions(world: World) -> None:
    settings = world.settings()
    ar = await world.member("ar", "twente")
    nl = await world.member("nl", "twente")
    await world.member("nl", "zwolle")
    await world.member("ar", "twente", status=MemberStatus.PAUSED)
    await world.member("ar", "twente", status=MemberStatus.UNREACHABLE)
    await world.member("ar", "twente", consent_version=None)
    twente = (await world.region_id("twente"),)
    async with world.session_factory() as session:
        housing = await session.scalar(select(Member.id).where(Member.telegram_id == nl.id))
        session.add(
            ProfileAnswer(
                member_id=housing,
                question="topics",
                value=json.dumps(["work", "housing"]),
                answered_at=world.clock(),
            )
        )
        await session.commit()

    async def planned(audience: Audience) -> set[int]:
        broadcast_id = await world.broadcast(settings, audience=audience)
        return set(await world.states(broadcast_id))

    assert await planned(Audience(twente)) == {ar.id, nl.id}
    assert len(await planned(Audience())) == 3
    assert await planned(Audience(twente, language="ar")) == {ar.id}
    assert await planned(Audience(twente, answer=("topics", "housing"))) == {nl.id}
    assert await planned(Audience(twente, answer=("topics", "hous"))) == set()


async def test_preview_counts_languages_and_names_the_fallbacks(world: World) -> None:
    settings = world.settings()
    for language in ("ar", "ar", "ti", "nl", "en"):
        await world.member(language)
    async with world.session_factory() as session:
        coordinator = world.coordinator.id
        found = await service.preview(
            session, settings, coordinator, Audience(), {"nl": text("Hoi"), "ar": text("مرحبا")}
        )
        single = await service.preview(session, settings, coordinator, Audience(), {"*": text("x")})
    assert (found.total, found.by_language) == (5, {"ar": 2, "en": 1, "nl": 1, "ti": 1})
    # English and Tigrinya readers get the Dutch version: there is no English one.
    assert found.fallbacks == [("en", 1, "nl"), ("ti", 1, "nl")]
    assert single.fallbacks == []


async def test_who_may_broadcast(world: World) -> None:
    settings = world.settings(admin_ids=(1,))
    twente, zwolle = await world.region_id("twente"), await world.region_id("zwolle")
    async with world.session_factory() as session:
        session.add_all(
            [
                RoleGrant(telegram_id=10, role="coordinator", region_id=twente, granted_by=1,
                          granted_at=world.clock()),
                RoleGrant(telegram_id=11, role="admin", region_id=None, granted_by=1,
                          granted_at=world.clock()),
            ]
        )  # fmt: skip
        await session.commit()
        assert await can_broadcast(session, settings, 1, None)
        assert await can_broadcast(session, settings, 11, [twente, zwolle])
        assert await can_broadcast(session, settings, 10, [twente])
        assert not await can_broadcast(session, settings, 10, [twente, zwolle])
        assert not await can_broadcast(session, settings, 10, None)
        assert not await can_broadcast(session, settings, 12, [twente])
        with pytest.raises(NotAllowed):
            await service.preview(session, settings, 10, Audience((zwolle,)), {"*": text("x")})


def test_quiet_hours_span_midnight_in_amsterdam_time() -> None:
    quiet = QuietHours.from_settings(Settings(quiet_hours="21:00-09:00", _env_file=None))
    assert quiet is not None
    evening = datetime(2026, 1, 10, 20, 30, tzinfo=AMSTERDAM)
    night = datetime(2026, 1, 10, 23, 0, tzinfo=AMSTERDAM)
    assert not quiet.contains(evening)
    assert quiet.contains(night) and quiet.contains(night + timedelta(hours=9))
    assert quiet.end_after(night) == datetime(2026, 1, 11, 9, 0, tzinfo=AMSTERDAM)
    # The night the clocks go back still ends at 09:00 local time.
    autumn = datetime(2026, 10, 24, 22, 0, tzinfo=AMSTERDAM)
    assert quiet.end_after(autumn) == datetime(2026, 10, 25, 9, 0, tzinfo=AMSTERDAM)


def test_version_fallback_is_own_language_then_english_then_dutch_then_first() -> None:
    nl, en, ar = text("nl"), text("en"), text("ar")
    assert pick({"nl": nl, "en": en, "ar": ar}, "ar") == ("ar", ar)
    assert pick({"nl": nl, "en": en}, "ti") == ("en", en)
    assert pick({"ar": ar, "nl": nl}, "ti") == ("nl", nl)
    assert pick({"ar": ar, "fa": text("fa")}, "ti") == ("ar", ar)
    assert pick({EVERYONE: nl}, "ar") == (EVERYONE, nl)


async def test_erasing_a_member_leaves_no_broadcast_row(world: World) -> None:
    settings = world.settings()
    user = await world.member("nl")
    broadcast_id = await world.broadcast(settings)
    async with world.session_factory() as session:
        member = await session.scalar(select(Member).where(Member.telegram_id == user.id))
        assert member is not None
        await privacy.erase(session, member)
        await service.forget_requester(session, world.coordinator.id)
        await session.commit()
        left = await session.scalar(
            select(func.count()).where(BroadcastDelivery.broadcast_id == broadcast_id)
        )
        created_by = await session.scalar(
            select(Broadcast.created_by).where(Broadcast.id == broadcast_id)
        )
    assert (left, created_by) == (0, None)


# -- the engine ----------------------------------------------------------------


async def test_429_pauses_the_whole_stream_and_loses_nothing(world: World) -> None:
    # One send in flight at a time, so none can overlap the 429.
    settings = world.settings(broadcast_paid=False, broadcast_rate=20)
    users = [await world.member() for _ in range(6)]
    world.emulator.faults.fail_next("sendMessage", 429, chat_id=users[2].id, retry_after=1)
    broadcast_id = await world.broadcast(settings)
    await world.engine(settings, max_window=1)
    await world.finished(broadcast_id)

    assert [len(received(u)) for u in users] == [1] * 6
    sends = [
        r
        for r in world.emulator.method_calls("sendMessage")
        if r.params["chat_id"] != world.coordinator.id
    ]
    hit = next(r for r in sends if r.status == 429)
    after = [r.time for r in sends if r.time > hit.time]
    assert after and min(after) - hit.time >= 0.95  # nobody got anything during retry_after
    assert (await world.states(broadcast_id))[users[2].id] == ("sent", 2)


async def test_blocked_deactivated_and_unknown_chats_become_unreachable(world: World) -> None:
    settings = world.settings()
    blocked, gone, unknown, fine = [await world.member() for _ in range(4)]
    world.emulator.faults.block(blocked.id)
    world.emulator.faults.deactivate(gone.id)
    world.emulator.faults.fail_next(
        "sendMessage", 400, "Bad Request: chat not found", chat_id=unknown.id
    )
    broadcast_id = await world.broadcast(settings)
    await world.engine(settings)
    await world.finished(broadcast_id)

    states = await world.states(broadcast_id)
    assert {states[u.id][0] for u in (blocked, gone, unknown)} == {"unreachable"}
    assert states[fine.id][0] == "sent"
    summary = world.coordinator.last_bot_message()
    assert summary is not None and "Unreachable (blocked the bot or left Telegram): 3" in (
        summary.text or ""
    )
    async with world.session_factory() as session:
        statuses = set(
            await session.scalars(
                select(Member.status).where(
                    Member.telegram_id.in_([blocked.id, gone.id, unknown.id])
                )
            )
        )
    assert statuses == {MemberStatus.UNREACHABLE}
    # Unreachable members are not planned again.
    assert set(await world.states(await world.broadcast(settings))) == {fine.id}


async def test_server_and_network_errors_are_retried_with_a_limit(world: World) -> None:
    settings = world.settings()
    flaky, lost, dropped = [await world.member() for _ in range(3)]
    faults = world.emulator.faults
    faults.fail_next("sendMessage", 502, chat_id=flaky.id, count=2)
    faults.fail_next("sendMessage", 500, chat_id=lost.id, count=3)
    faults.drop_next("sendMessage", chat_id=dropped.id)
    broadcast_id = await world.broadcast(settings)
    await world.engine(settings, max_attempts=3)
    await world.finished(broadcast_id)

    states = await world.states(broadcast_id)
    assert states[flaky.id] == ("sent", 3)
    assert states[dropped.id] == ("sent", 2)
    assert states[lost.id] == ("failed", 3)
    assert [len(received(u)) for u in (flaky, lost, dropped)] == [1, 0, 1]


async def test_quiet_hours_hold_broadcasts_unless_urgent(world: World) -> None:
    settings = world.settings(quiet_hours="21:00-09:00")
    world.clock.moment = datetime(2026, 6, 1, 22, 30, tzinfo=AMSTERDAM)
    users = [await world.member() for _ in range(3)]
    later = await world.broadcast(settings, {EVERYONE: text("Tomorrow")})
    urgent = await world.broadcast(settings, {EVERYONE: text("Tonight")}, urgent=True)
    engine = await world.engine(settings)
    await world.finished(urgent)
    waiting = await world.coordinator.wait_for_message(
        lambda m: f"Broadcast #{later} waits for the quiet hours to end." in (m.text or "")
    )
    assert "9:00" in (waiting.text or "")
    assert [received(u) for u in users] == [[f"{header(world, 'nl')}\n\nTonight"]] * 3

    world.clock.moment = datetime(2026, 6, 2, 9, 0, 5, tzinfo=AMSTERDAM)
    engine.wake()
    await world.finished(later)
    assert [len(received(u)) for u in users] == [2, 2, 2]


async def test_each_member_gets_their_language(world: World) -> None:
    settings = world.settings()
    ar, en, ti = await world.member("ar"), await world.member("en"), await world.member("ti")
    versions = {
        "ar": Content("text", "<b>اجتماع</b> يوم الاثنين", 18),
        "en": Content("text", "<b>Meeting</b> on Monday", 18),
    }
    broadcast_id = await world.broadcast(settings, versions)
    await world.engine(settings)
    await world.finished(broadcast_id)

    assert received(ar) == [f"{header(world, 'ar')}\n\nاجتماع يوم الاثنين"]
    assert received(en) == [f"{header(world, 'en')}\n\nMeeting on Monday"]
    # No Tigrinya version: the English one, under a Tigrinya header.
    assert received(ti) == [f"{header(world, 'ti')}\n\nMeeting on Monday"]
    assert header(world, "ti") != header(world, "en")
    bold = ti.bot_messages()[0]["entities"][0]
    assert bold["type"] == "bold"


async def test_photo_document_and_voice_versions(world: World) -> None:
    settings = world.settings()
    sender = world.emulator.create_user("Sender")
    photo = await sender.send_photo(caption="Poster")
    voice = await sender.send_voice()
    nl, ar = await world.member("nl"), await world.member("ar")
    versions = {
        "nl": Content("photo", "Poster", 6, photo.file_id),
        "ar": Content("voice", "", 0, voice.file_id),
    }
    broadcast_id = await world.broadcast(settings, versions)
    await world.engine(settings)
    await world.finished(broadcast_id)
    assert nl.bot_messages()[0].caption == f"{header(world, 'nl')}\n\nPoster"
    assert ar.bot_messages()[0].caption == header(world, "ar")
    assert "voice" in ar.bot_messages()[0]


def header(world: World, locale: str) -> str:
    return world.i18n.gettext(HEADER, locale=locale)


async def test_crash_and_restart_deliver_each_message_exactly_once(world: World) -> None:
    settings = world.settings(broadcast_paid=False, broadcast_rate=10)
    users = [await world.member() for _ in range(10)]
    broadcast_id = await world.broadcast(settings)
    first = await world.engine(settings)
    await users[3].wait_for_message()
    await first.abort()  # like SIGKILL: the send to users[3] may still be unrecorded
    # Two more deliveries were claimed ('sending', committed) but their call never made.
    async with world.session_factory() as session:
        await session.execute(
            update(BroadcastDelivery)
            .where(BroadcastDelivery.member_id.in_(select(Member.id).where(
                Member.telegram_id.in_([users[8].id, users[9].id]))))
            .values(state=DeliveryState.SENDING.value)
        )  # fmt: skip
        await session.commit()
    assert received(users[8]) == received(users[9]) == []

    second = await world.engine(settings)
    await world.finished(broadcast_id)
    counts = [len(received(u)) for u in users]
    assert second.resumed in (2, 3)
    assert min(counts) == 1  # nothing lost
    assert sum(counts) - len(counts) <= 1  # only the message in flight at the crash may repeat
    assert counts[8] == counts[9] == 1  # claimed before the crash, sent once after it
    assert {state for state, _ in (await world.states(broadcast_id)).values()} == {"sent"}


async def test_cancel_stops_the_queue(world: World) -> None:
    settings = world.settings(broadcast_paid=False, broadcast_rate=5)
    users = [await world.member() for _ in range(10)]
    broadcast_id = await world.broadcast(settings)
    engine = await world.engine(settings)
    await users[1].wait_for_message()
    async with world.session_factory() as session:
        with pytest.raises(NotAllowed):
            await service.cancel(session, settings, users[0].id, broadcast_id)
        await service.cancel(session, settings, world.coordinator.id, broadcast_id)
        await session.commit()
    engine.wake()
    await world.finished(broadcast_id, "was cancelled")

    states = await world.states(broadcast_id)
    counts = [len(received(u)) for u in users]
    assert counts[:2] == [1, 1] and sum(counts) < len(users)
    assert counts == [1 if states[u.id][0] == "sent" else 0 for u in users]
    assert {state for state, _ in states.values()} == {"sent", "skipped"}
    async with world.session_factory() as session:
        with pytest.raises(service.AlreadyFinished):
            await service.cancel(session, settings, world.coordinator.id, broadcast_id)
