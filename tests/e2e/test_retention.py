"""Retention over the emulator: an inactive member is asked in their language and stays by
pressing the button; the admins get the counts; /stats says when the next run is."""

from __future__ import annotations

from datetime import timedelta

from sqlalchemy import select

from bot.members.consent import NOTICE_VERSION
from bot.retention import jobs
from bot.scheduler import JobContext
from botapi_emulator import Emulator
from db.base import utcnow
from db.models import Member, Region
from expertpool_sandbox.harness import RunningBot
from tests.e2e.conftest import ADMIN_ID
from tests.e2e.people import t, wait_text


async def test_inactive_member_is_asked_and_stays(emulator: Emulator, app: RunningBot) -> None:
    member = emulator.create_user("Amina", language_code="ar")
    admin = emulator.create_user("Admin", language_code="en", user_id=ADMIN_ID)
    async with app.session_factory() as session:
        region = await session.scalar(select(Region).where(Region.code == "twente"))
        assert region is not None
        session.add(Member(telegram_id=member.id, language="ar", status="active",
                           region_id=region.id, consent_version=NOTICE_VERSION,
                           joined_at=utcnow() - timedelta(days=800),
                           last_seen_at=utcnow() - timedelta(days=600)))  # fmt: skip
        await session.commit()

    ctx = JobContext(app.bot, app.session_factory, app.settings, app.i18n)
    counts = await jobs.run_once(ctx)
    assert counts.members_asked == 1 and counts.total == 1
    button = t(app, "Keep me in the pool", "ar")
    asked = await member.wait_for_message(lambda m: button in m.button_texts)
    assert "30" in (asked.text or "")
    # The admin has no member row: the report comes in DEFAULT_LOCALE (nl).
    report = await wait_text(admin, t(app, "🧹 Data clean-up (retention) is done:", "nl"))
    asked_label = t(app, "Members asked if they want to stay (no use for a long time)", "nl")
    assert f"{asked_label}: 1" in (report.text or "")

    await member.press(button, asked)
    await wait_text(member, t(app, "Thank you! You stay in the pool.", "ar"))
    await app.settled()
    async with app.session_factory() as session:
        row = await session.scalar(select(Member).where(Member.telegram_id == member.id))
        assert row is not None and row.retention_asked_at is None
    assert (await jobs.run_once(ctx)).total == 0

    await admin.send_command("/stats")
    await wait_text(
        admin, "Next data clean-up (retention):"
    )  # /stats in the admin's Telegram language
    await member.send_command("/mydata")
    await wait_text(member, t(app, "How long we keep your data:", "ar"))
