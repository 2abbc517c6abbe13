"""The member middleware loads member and roles in one query (issue 15): what it did in
three must still hold, end to end."""

from __future__ import annotations

from sqlalchemy import select

from botapi_emulator import Emulator
from db.models import Member, RoleGrant
from expertpool_sandbox.harness import RunningBot
from tests.e2e.conftest import ADMIN_ID


async def test_grant_by_username_is_claimed_when_that_person_first_writes(
    emulator: Emulator, app: RunningBot
) -> None:
    admin = emulator.create_user("Admin", language_code="en", user_id=ADMIN_ID)
    await admin.send_text("/coordinator_add @Koos_T twente")
    await admin.wait_for_message()
    koos = emulator.create_user("Koos", language_code="en", username="Koos_T")
    await koos.send_text("/help")
    text = (await koos.wait_for_message()).text or ""
    assert "What you can do as coordinator:" in text, text
    await app.settled()
    async with app.session_factory() as session:
        grants = list(await session.scalars(select(RoleGrant)))
        assert [(g.telegram_id, g.pending_username, g.role) for g in grants] == [
            (koos.id, None, "coordinator")
        ]
        # No member row is made for a person who only asked for help.
        assert await session.scalar(select(Member).where(Member.telegram_id == koos.id)) is None


async def test_plain_newcomer_is_no_staff_and_member_is_found(
    emulator: Emulator, app: RunningBot
) -> None:
    amina = emulator.create_user("Amina", language_code="en", username="amina")
    await amina.send_text("/help")
    text = (await amina.wait_for_message()).text or ""
    assert "What you can do as coordinator:" not in text, text
    await amina.send_command("/start")
    picker = await amina.wait_for_message(lambda m: bool(m.callback_data))
    assert picker.callback_data[0] == "lang:en"
    await amina.press("English", picker)
    await amina.wait_for_message(lambda m: "Do you agree?" in (m.text or ""))
    # The second /start finds the member (language stored): no picker again.
    await amina.send_command("/start")
    again = await amina.wait_for_message()
    assert not any(d.startswith("lang:") for d in again.callback_data), again.text
