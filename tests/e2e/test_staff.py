"""Coordinator tools end to end: stats match the database, audit trail, pagination, grants."""

from __future__ import annotations

import re
from datetime import UTC, datetime

from sqlalchemy import func, select

from bot.callbacks import MemberActionCallback
from bot.members.consent import NOTICE_VERSION
from botapi_emulator import Emulator
from db.base import utcnow
from db.models import AuditEntry, Member, Region, RoleGrant
from expertpool_sandbox.harness import RunningBot
from tests.e2e.people import document_json
from tests.e2e.staff import seed


async def _add_members(
    app: RunningBot, emulator: Emulator, region_code: str, specs: list[tuple[str, str]]
) -> None:
    async with app.session_factory() as session:
        region = await session.scalar(select(Region).where(Region.code == region_code))
        assert region is not None
        for status, language in specs:
            user = emulator.create_user("X", language_code=language)
            session.add(
                Member(
                    telegram_id=user.id,
                    language=language,
                    status=status,
                    region_id=region.id,
                    consent_version=NOTICE_VERSION,
                    joined_at=utcnow(),
                    last_seen_at=utcnow(),
                )  # fmt: skip
            )
        await session.commit()


async def test_stats_equal_a_direct_count(emulator: Emulator, app: RunningBot) -> None:
    s = await seed(emulator, app)
    await _add_members(
        app, emulator, "twente", [("active", "ti"), ("paused", "ti"), ("left", "so")]
    )
    await _add_members(app, emulator, "friesland", [("active", "uk")] * 3)
    await s.admin.send_text("/stats")
    text = (await s.admin.wait_for_message()).text or ""
    async with app.session_factory() as session:
        for region in await session.scalars(select(Region)):
            total = await session.scalar(
                select(func.count()).select_from(Member).where(Member.region_id == region.id)
            )
            noun = "member" if total == 1 else "members"  # ngettext: "1 member"
            assert re.search(rf"{region.name} · {total} {noun}\b", text), (region.name, total, text)
            rows = await session.execute(
                select(Member.status, func.count())
                .where(Member.region_id == region.id)
                .group_by(Member.status)
            )
            block = text.split(region.name + " ·")[1].split("\n\n")[0]
            for status, count in rows.all():
                label = {
                    "active": "active",
                    "paused": "paused",
                    "left": "not a member",
                    "pending": "waiting for approval",
                }[status]
                assert re.search(rf"[█░]+ {count} {label}\n?", block), (
                    region.name,
                    status,
                    count,
                    block,
                )
    assert "Twente · 6 members" in text
    # A coordinator of Zwolle sees only Zwolle.
    await s.coordinator_b.send_text("/stats")
    own = (await s.coordinator_b.wait_for_message()).text or ""
    assert "Zwolle" in own and "Twente" not in own and "Friesland" not in own


async def test_audit_trail_and_mydata_access_log(emulator: Emulator, app: RunningBot) -> None:
    s = await seed(emulator, app)
    admin = s.admin
    for command in (f"/member {s.active_a}", "/members twente", f"/approve {s.pending_a}",
                    "/region_set zwolle approval", "/coordinator_add 4242 zwolle"):  # fmt: skip
        await admin.send_text(command)
        await admin.wait_for_message()
        await app.settled()
        admin.skip_pending()
    host = admin.last_bot_message()
    assert host is not None
    for action in ("pause", "remove"):
        await admin.press_callback_data(
            MemberActionCallback(member_id=s.active_a, action=action).pack(), host
        )
    await app.settled()
    async with app.session_factory() as session:
        actions = [
            (e.action, e.member_id)
            for e in await session.scalars(select(AuditEntry).order_by(AuditEntry.id))
        ]
        grant = await session.scalar(select(RoleGrant).where(RoleGrant.telegram_id == 4242))
        target = await session.get(Member, s.active_a)
    assert grant is not None and target is not None and target.status == "left"
    assert ("member_view", s.active_a) in actions
    assert ("member_list", None) in actions
    assert ("approve", s.pending_a) in actions
    assert ("region_change", None) in actions
    assert ("role_grant", None) in actions
    assert ("pause", s.active_a) in actions and ("remove", s.active_a) in actions
    await admin.send_text("/audit 3")
    log = (await admin.wait_for_message()).text or ""
    assert "remove" in log and "pause" in log

    # The member sees in /mydata that staff looked at and changed their data.
    target_user = emulator.users[target.telegram_id]
    await target_user.send_text("/mydata")
    doc = await target_user.wait_for_message(lambda m: m.media_kind == "document")
    access = [
        entry["action"] for entry in document_json(emulator, doc)["staff_access_to_your_data"]
    ]
    assert access == ["member_view", "member_view", "pause", "member_view", "remove"]


async def test_member_list_pages(emulator: Emulator, app: RunningBot) -> None:
    s = await seed(emulator, app)
    await _add_members(app, emulator, "twente", [("active", "ar")] * 10)
    await s.coordinator_a.send_text("/members twente active")
    counts = await s.coordinator_a.wait_for_message()
    assert "12 active" in (counts.text or "")  # 10 + the seeded active member and "Plain"
    page = await s.coordinator_a.wait_for_message()
    assert "page 1 of 2" in (page.text or "")
    assert len(page.button_texts) == 11  # ten members and "›"
    await s.coordinator_a.press("›", page)
    edited = await s.coordinator_a.wait_for_edit(page, lambda m: "page 2 of 2" in (m.text or ""))
    assert "‹" in edited.button_texts
    await s.coordinator_a.press(lambda b: b["text"].startswith("#"), edited)
    card = await s.coordinator_a.wait_for_message()
    assert "Twente" in (card.text or "")


async def test_grant_by_username_is_claimed_on_first_message(
    emulator: Emulator, app: RunningBot
) -> None:
    s = await seed(emulator, app)
    await s.admin.send_text("/coordinator_add @New_Coord friesland")
    await s.admin.wait_for_message()
    newcomer = emulator.create_user("Nieuw", language_code="nl", username="new_coord")
    await newcomer.send_text("/stats")
    reply = (await newcomer.wait_for_message()).text or ""
    assert "Friesland" in reply and "Twente" not in reply


async def test_usage_messages_for_bad_arguments(emulator: Emulator, app: RunningBot) -> None:
    """Every staff command answers a missing or bad argument with a usage line (valid HTML)."""
    s = await seed(emulator, app)
    for command in ("/member", "/member abc", "/approve", "/members nowhere", "/stats nowhere",
                    "/region_add", "/region_add X!", "/region_rename", "/region_set twente purple",
                    "/coordinator_add", "/coordinator_add 1 nowhere", "/reply", "/reply 99 hi",
                    "/close", "/reopen 12345"):  # fmt: skip
        await s.admin.send_text(command)
        reply = await s.admin.wait_for_message()
        assert reply.text, command


async def test_staff_language_choice_is_not_joining(emulator: Emulator, app: RunningBot) -> None:
    """An admin without a member record picks a language: it is stored for their replies and
    menus, a short confirmation follows, and no consent, pool or intake question."""
    people = await seed(emulator, app)
    admin = people.admin
    await admin.send_command("/language")
    picker = await admin.wait_for_message()
    await admin.press("Nederlands", picker)
    await admin.wait_for_edit(picker, lambda m: (m.text or "") == "Taal: Nederlands")
    done = await admin.wait_for_message()
    assert done.text == app.i18n.gettext("Done. I will talk to you in this language.", locale="nl")
    await admin.send_command("/help")
    staff_help = await admin.wait_for_message()
    assert (staff_help.text or "").startswith(
        app.i18n.gettext("What you can do as coordinator:", locale="nl")
    )
    notice = app.i18n.gettext("Do you agree?", locale="nl")
    assert not any(notice in (m.text or "") for m in admin.bot_messages())
    await app.settled()
    async with app.session_factory() as session:
        row = await session.scalar(select(Member).where(Member.telegram_id == admin.id))
    assert row is not None and row.language == "nl"
    assert row.onboarding_step is None and row.consent_version is None and row.region_id is None


async def test_member_card_date_is_the_local_day(emulator: Emulator, app: RunningBot) -> None:
    """Joined at 00:30 in Amsterdam (23:30 UTC the day before): the card says the local day,
    as the member's own "My pool" does."""
    s = await seed(emulator, app)
    async with app.session_factory() as session:
        member = await session.get(Member, s.active_a)
        assert member is not None
        member.joined_at = datetime(2026, 3, 1, 23, 30, tzinfo=UTC)
        await session.commit()
    assert str(app.settings.tz) == "Europe/Amsterdam"
    await s.coordinator_a.send_command("/member", args=str(s.active_a))
    card = await s.coordinator_a.wait_for_message()
    assert "Member since: 3/2/26" in (card.text or ""), card.text
