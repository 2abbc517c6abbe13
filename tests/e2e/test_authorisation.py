"""Authorisation matrix: every staff command and button × member, coordinator A/B, admin."""

from __future__ import annotations

import pytest

from bot.callbacks import (
    AdminMenuAction,
    AdminMenuCallback,
    ApprovalCallback,
    MemberAction,
    MemberActionCallback,
    MemberCardCallback,
    MembersPageCallback,
)
from botapi_emulator import Emulator, SimUser
from expertpool_sandbox.harness import RunningBot
from tests.e2e.staff import SECRET_A, SECRET_B, Scenario, seed

UNKNOWN = "Sorry, I don't know that command."
DEAD_BUTTON = "This button no longer works. Send /start to continue."

# (command, who may: "A" = coordinator of region A, "B", "admin"; what an allowed reply shows)
Case = tuple[str, set[str], str]


def commands(s: Scenario) -> list[Case]:
    return [
        ("/admin", {"A", "B", "admin"}, "What do you want to do?"),
        ("/members twente", {"A", "admin"}, "Members:"),
        (f"/member {s.active_a}", {"A", "admin"}, SECRET_A),
        ("/stats twente", {"A", "admin"}, "Twente"),
        ("/regions", {"A", "B", "admin"}, "Regions"),
        ("/coordinators", {"A", "B", "admin"}, "Coordinators and admins:"),
        ("/audit", {"A", "B", "admin"}, "Latest actions:"),
        ("/region_add utrecht Utrecht", {"admin"}, "Region added"),
        ("/region_rename utrecht Utrecht Stad", {"admin"}, "Region renamed"),
        ("/region_set twente approval", {"admin"}, "Saved."),
        ("/coordinator_add 5551 twente", {"admin"}, "Saved."),
        ("/coordinator_remove 5551 twente", {"admin"}, "Saved."),
        (f"/approve {s.pending_a}", {"A", "admin"}, "Approved"),
        ("/templates", {"A", "B", "admin"}, "/template_add"),
        ("/template_add", {"A", "B", "admin"}, "template"),
    ]


def buttons(s: Scenario) -> list[tuple[str, set[str]]]:
    return [
        (AdminMenuCallback(action=AdminMenuAction.STATS).pack(), {"A", "B", "admin"}),
        (MembersPageCallback(region_id=s.region_a, status=None, page=0).pack(), {"A", "admin"}),
        (MemberCardCallback(member_id=s.active_a).pack(), {"A", "admin"}),
        (MemberCardCallback(member_id=s.active_b).pack(), {"B", "admin"}),
        (
            MemberActionCallback(member_id=s.active_a, action=MemberAction.PAUSE).pack(),
            {"A", "admin"},
        ),
        (ApprovalCallback(member_id=s.pending_a, approve=False).pack(), {"A", "admin"}),
        # Forged: an action or filter no button carries is a dead button for everyone.
        ("adm:drop_tables", set()),
        (f"mpage:{s.region_a}:everyone:0", set()),
        (f"mact:{s.active_a}:promote", set()),
        ("privacy:delete_all", set()),
        ("draft:resend", set()),
        ("q:1:delete", set()),
        ("sat:1:meh", set()),
        ("sv:1:q1:x:", set()),
        ("bc:everyone:", set()),
        ("tpl:steal:0:0:", set()),
        ("tpl:send:1:1:", set()),  # no such question or template
        ("tpl:delete_yes:0:1:", set()),
    ]


def _user(s: Scenario, role: str) -> SimUser:
    return {"member": s.member, "A": s.coordinator_a, "B": s.coordinator_b, "admin": s.admin}[role]


def _no_leak(text: str) -> None:
    for secret in (SECRET_A, SECRET_B):
        assert secret not in text


@pytest.mark.parametrize("role", ["member", "A", "B", "admin"])
async def test_commands_and_buttons(emulator: Emulator, app: RunningBot, role: str) -> None:
    scenario = await seed(emulator, app)
    user = _user(scenario, role)
    for command, allowed, shows in commands(scenario):
        await user.send_text(command)
        text = (await user.wait_for_message()).text or ""
        if role in allowed:
            assert shows in text, (role, command, text)
        else:
            assert shows not in text, (role, command, text)
            _no_leak(text)
            if role == "member":
                assert text.startswith(UNKNOWN), (command, text)
        await app.settled()
        user.skip_pending()

    await user.send_text("/help")
    host = await user.wait_for_message()
    for data, allowed in buttons(scenario):
        before = len(user.bot_messages())
        pressed = await user.press_callback_data(data, host)
        await app.settled()
        if role in allowed:
            assert pressed.text != DEAD_BUTTON, (role, data)
        else:
            assert pressed.text == DEAD_BUTTON, (role, data, pressed.text)
            assert len(user.bot_messages()) == before  # nothing was sent
        user.skip_pending()
