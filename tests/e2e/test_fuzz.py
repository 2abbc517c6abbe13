"""Odd and hostile input, seeded: every message and button press gets an answer, nothing
fails unhandled, no user text is shown as markup, and the database stays intact.

About 300 updates over 32 people (newcomers at every step of onboarding, members, one
coordinator in the region's forum group): random and marked-up text, huge and odd numbers
in commands, deep links and button data, forged buttons, media at odd moments, edits,
replies and fast double taps.
"""

from __future__ import annotations

import logging
import random
import string
from collections.abc import Iterator

import pytest
from sqlalchemy import func, select, text

from bot.members.consent import NOTICE_VERSION
from botapi_emulator import Emulator, SimUser
from botapi_emulator.view import SimMessage
from db.base import utcnow
from db.models import Member, Question, Region, RoleGrant
from expertpool_sandbox.harness import RunningBot
from handlers import selfservice
from tests.e2e.conftest import ADMIN_ID

SEED = 22
STEPS = 300
MARK = "PWN"  # inside every piece of markup people send; never inside a bot's entity
HUGE = ("99999999999999999999999", "9223372036854775808", "2147483648", "-1", "0", "²", "٣")
MARKUP = (
    f"<b>{MARK}</b>",
    f'<a href="https://evil.example">{MARK}</a>',
    f"<i>{MARK}</i> & <u>x</u>",
    f"<script>{MARK}</script>",
    f"**{MARK}** __x__ `{MARK}`",
    f"&lt;b&gt;{MARK}&amp;",
    f"<tg-spoiler>{MARK}</tg-spoiler>",
    f"<b>{MARK}",
)
COMMANDS = (
    "/start", "/help", "/ask", "/language", "/region", "/mydata", "/privacy", "/pause",
    "/resume", "/myquestions", "/surveys", "/delete", "/cancel", "/members", "/member",
    "/q", "/reply", "/survey_cancel", "/survey_results", "/audit", "/stats", "/broadcast",
    "/translate", "/volunteer", "/nonexistent",
)  # fmt: skip
FORGED = (
    "approve:{n}:1", "q:{n}:close", "q:{n}:assign", "sv:{n}:mood:p:3", "svs:{n}", "sat:{n}:up",
    "consent:{n}:1", "region:{n}:0", "region:{n}:1", "mcard:{n}", "mact:{n}:approve",
    "mpage:{n}::0", "vreq:{n}:decline", "lang:xx", "lang:", "ask:nonsense", "draft:explode",
    "privacy:nothing", "adm:none", "bc:stop:{n}", "intake:q:x:y", "garbage", ":", "keep:keep",
)  # fmt: skip


class ErrorLog(logging.Handler):
    def __init__(self) -> None:
        super().__init__(logging.ERROR)
        self.records: list[logging.LogRecord] = []

    def emit(self, record: logging.LogRecord) -> None:
        self.records.append(record)


@pytest.fixture
def errors() -> Iterator[ErrorLog]:
    handler = ErrorLog()
    root = logging.getLogger()
    root.addHandler(handler)
    yield handler
    root.removeHandler(handler)


def junk(rng: random.Random) -> str:
    kind = rng.randrange(6)
    if kind == 0:
        return rng.choice(MARKUP)
    if kind == 1:
        return "".join(rng.choice(string.printable) for _ in range(rng.randrange(1, 80)))
    if kind == 2:
        return rng.choice(HUGE)
    if kind == 3:
        return "".join(chr(rng.randrange(0x600, 0x6FF)) for _ in range(rng.randrange(1, 30)))
    if kind == 4:
        return rng.choice(MARKUP) * rng.randrange(50, 400)  # long, near and over 4096
    return rng.choice(("ja", "yes", "نعم", "Twente", "1", "Amsterdam", "🙂", " ", "."))


async def seed(emulator: Emulator, app: RunningBot) -> tuple[list[SimUser], list[SimUser]]:
    languages = ("ar", "fa", "ti", "tr", "uk", "so", "nl", "en", None)
    newcomers = [
        emulator.create_user(f"New{i}", language_code=languages[i % len(languages)])
        for i in range(22)
    ]
    members = [
        emulator.create_user(f"Member{i}", language_code=languages[i % len(languages)])
        for i in range(8)
    ]
    coordinator = emulator.create_user("Coordinator", language_code="nl")
    group = emulator.create_group("Twente", forum=True, admins=[coordinator])
    async with app.session_factory() as session:
        twente = await session.scalar(select(Region).where(Region.code == "twente"))
        assert twente is not None
        for user in members:
            session.add(Member(telegram_id=user.id, language=user.language_code or "nl",
                               status="active", region_id=twente.id, display_name=user.first_name,
                               consent_version=NOTICE_VERSION, joined_at=utcnow()))  # fmt: skip
        session.add(RoleGrant(telegram_id=coordinator.id, role="coordinator", region_id=twente.id,
                              granted_by=0, granted_at=utcnow()))  # fmt: skip
        await session.commit()
    await coordinator.send_text("/region_link twente", chat=group)
    await group.wait_for_message()
    return newcomers + members, [coordinator]


def last_with_buttons(user: SimUser) -> SimMessage | None:
    return next((m for m in reversed(user.bot_messages()) if m.inline_keyboard), None)


def callback_buttons(message: SimMessage) -> list[str]:
    return [b["text"] for row in message.inline_keyboard for b in row if "callback_data" in b]


def shown_as_markup(message: SimMessage) -> bool:
    """Some text of `message` with MARK in it is formatted: user text read as HTML."""
    body = message.text or message.caption or ""
    for entity in message.get("entities") or message.get("caption_entities") or []:
        if entity["type"] in ("blockquote", "expandable_blockquote"):
            continue
        # Offsets count UTF-16 units; MARK is ASCII, so compare on the encoded text.
        units = body.encode("utf-16-le")
        part = units[entity["offset"] * 2 : (entity["offset"] + entity["length"]) * 2]
        if MARK in part.decode("utf-16-le", errors="ignore"):
            return True
    return False


async def test_hostile_input_always_gets_an_answer(
    emulator: Emulator, app: RunningBot, errors: ErrorLog
) -> None:
    rng = random.Random(SEED)
    people, staff = await seed(emulator, app)
    unanswered: list[str] = []
    presses: list[tuple[SimUser, str]] = []
    kinds: dict[str, int] = {}

    async def expect_reply(user: SimUser, what: str, before: int) -> None:
        await app.settled()
        if len(user.bot_messages()) <= before:
            unanswered.append(f"{user.first_name}: {what[:60]!r}")

    for _step in range(STEPS):
        user = rng.choice(people + staff)
        kind = rng.choice(
            ("text", "text", "command", "command", "deeplink", "forged", "forged", "button",
             "button", "double", "media", "edit", "reply")
        )  # fmt: skip
        kinds[kind] = kinds.get(kind, 0) + 1
        before = len(user.bot_messages())
        if kind == "text":
            said = junk(rng)[:4096]
            await user.send_text(said)
            await expect_reply(user, said, before)
        elif kind == "command":
            said = f"{rng.choice(COMMANDS)} {junk(rng)[:200]}".strip()
            await user.send_command(said.split(" ", 1)[0], said.partition(" ")[2])
            await expect_reply(user, said, before)
        elif kind == "deeplink":
            payload = rng.choice(("survey_", "survey_", "", "x_")) + rng.choice(HUGE)
            await user.send_command("/start", payload)
            await expect_reply(user, "/start " + payload, before)
        elif kind in ("forged", "button", "double"):
            message = last_with_buttons(user)
            if message is None:
                await user.send_command("/start")
                await expect_reply(user, "/start", before)
                continue
            if kind == "forged":
                data = rng.choice(FORGED).format(n=rng.choice(HUGE))
            else:
                labels = callback_buttons(message)
                if not labels:
                    continue
                label = rng.choice(labels)
                data = next(
                    b["callback_data"]
                    for row in message.inline_keyboard
                    for b in row
                    if b["text"] == label
                )
            for _tap in range(2 if kind == "double" else 1):
                result = await user.press_callback_data(data, message, wait_answer=False)
                presses.append((user, result.id))
            await app.settled()
        elif kind == "media":
            media = rng.randrange(4)
            if media == 0:
                await user.send_sticker()
            elif media == 1:
                await user.send_photo(caption=rng.choice((None, *MARKUP)))
            elif media == 2:
                await user.send_voice()
            else:
                await user.send_document(b"%PDF-1.4 junk", "x.pdf", "application/pdf")
            await expect_reply(user, f"media {media}", before)
        elif kind == "edit":
            own = [m for m in user.messages() if m.sender_id == user.id and m.text]
            if own:
                await user.edit(rng.choice(own), junk(rng)[:4096])
                await app.settled()
        else:  # a reply to one of the bot's messages
            theirs = user.bot_messages()
            if theirs:
                said = junk(rng)[:4096]
                await user.reply(rng.choice(theirs), said)
                await expect_reply(user, "reply " + said, before)

    await app.settled()
    spinning = [
        f"{user.first_name}: {emulator.world.callbacks[query].data!r}"
        for user, query in presses
        if emulator.world.callbacks[query].answer is None
    ]
    assert not spinning, f"button presses left unanswered: {spinning}"
    assert not unanswered, f"messages without an answer: {unanswered}"
    failures = [f"{r.name}: {r.getMessage()} {r.exc_info[1] if r.exc_info else ''}"
                for r in errors.records]  # fmt: skip
    assert not failures, failures
    marked = [
        m.text or m.caption
        for user in people + staff
        for m in user.bot_messages()
        if shown_as_markup(m)
    ]
    assert not marked, f"user text shown as markup: {marked[:3]}"
    assert len(presses) > 50 and kinds["command"] > 30, kinds
    # A double tap edits a message into what it already is: Telegram refuses, harmlessly.
    emulator.rejections[:] = [r for r in emulator.rejections if "not modified" not in r.description]

    async with app.session_factory() as session:
        if app.settings.database_url.startswith("sqlite"):
            assert (await session.execute(text("PRAGMA integrity_check"))).scalar() == "ok"
            assert not (await session.execute(text("PRAGMA foreign_key_check"))).all()
        orphans = await session.scalar(
            select(func.count())
            .select_from(Question)
            .where(~Question.member_id.in_(select(Member.id)))
        )
        assert orphans == 0


async def test_the_known_cases_get_their_answer(
    emulator: Emulator, app: RunningBot, errors: ErrorLog
) -> None:
    """From the issue: an overflowing deep link, forged huge ids, a double tap."""
    people, _staff = await seed(emulator, app)
    member, newcomer = people[-1], people[0]
    await member.send_command("/start", "survey_99999999999999999999999")
    assert (await member.wait_for_message()).text
    menu = member.bot_messages()[-1]
    stale = app.i18n.gettext(
        "This button no longer works. Send /start to continue.", locale=member.language_code
    )
    huge = "99999999999999999999999"
    for data in (f"approve:{huge}:1", f"q:{huge}:close", f"sv:{huge}:mood:p:3", f"svs:{huge}",
                 f"sat:{huge}:up"):  # fmt: skip
        pressed = await member.press_callback_data(data, menu)
        assert pressed.text == stale, data
    await newcomer.send_command("/start")
    picker = await newcomer.wait_for_message()
    first = await newcomer.press_callback_data("lang:tr", picker, wait_answer=False)
    second = await newcomer.press_callback_data("lang:tr", picker, wait_answer=False)
    await app.settled()
    assert all(emulator.world.callbacks[p.id].answer is not None for p in (first, second))
    emulator.rejections[:] = [r for r in emulator.rejections if "not modified" not in r.description]
    assert not errors.records, [r.getMessage() for r in errors.records]


async def test_a_handler_that_fails_still_answers(
    emulator: Emulator, app: RunningBot, errors: ErrorLog, monkeypatch: pytest.MonkeyPatch
) -> None:
    def broken() -> str:
        raise RuntimeError("a bug")

    monkeypatch.setattr(selfservice, "help_text", broken)
    admin = emulator.create_user("Admin", language_code="en", user_id=ADMIN_ID)
    user = emulator.create_user("Daan", language_code="nl")
    await user.send_command("/help")
    sorry = app.i18n.gettext(
        "Sorry, something went wrong. Your message was not saved: please send it again.",
        locale="nl",
    )
    assert (await user.wait_for_message()).text == sorry
    await app.settled()
    # Tried again a few times, then set aside: one apology, and the admins are told.
    assert [m.text for m in user.bot_messages()] == [sorry]
    alert = await admin.wait_for_message()
    parked = await app.last_update(user.id)
    assert alert.text == app.i18n.gettext(
        "An update could not be handled after {attempts} tries. It was set aside so that "
        "the chat can go on. Kind: {kind}, update {update_id}. The logs say why.",
        locale=app.settings.default_locale,  # the admin has no member row
    ).format(attempts=3, kind="message", update_id=parked)  # not the member's words
    assert [r.exc_info[1] for r in errors.records if r.exc_info] != []  # the bug is logged
