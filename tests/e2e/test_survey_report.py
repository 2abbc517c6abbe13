"""Survey results as charts in chat and a PDF report for the municipality, over the emulator:
12 answers across 3 regions and 3 languages, of which one region and one language have only
3 (and another 4); none of them may show, in a chart's data, a table or the PDF."""

from __future__ import annotations

import asyncio
import io
import json
import re
import shutil
import subprocess
from argparse import Namespace
from collections.abc import AsyncIterator, Callable
from pathlib import Path

import pytest
from pypdf import PdfReader
from sqlalchemy import select

from bot import cli_report
from bot.config import Settings
from bot.members.consent import NOTICE_VERSION
from bot.reports import survey_report
from bot.services.roles import Actor
from bot.surveys import results
from botapi_emulator import Emulator, SimUser
from db.base import utcnow
from db.models import (
    AuditEntry,
    Member,
    Region,
    RoleGrant,
    SurveyAnswer,
    SurveyQuotePick,
    SurveyResponse,
)
from expertpool_sandbox.harness import RunningBot
from tests.e2e.conftest import ADMIN_ID, broadcasting_bot
from tests.e2e.people import wait_text
from tests.e2e.test_surveys import (
    PULSE,
    PULSE_FILE,
    answer_pulse,
    import_file,
    invitation,
    schedule_now,
)
from tests.servers import in_ci

PNG = b"\x89PNG\r\n\x1a\n"
PICKED_NL = "Meer tolken bij de gemeente"
PICKED_AR = "نحتاج مترجمين أكثر"
NOT_PICKED = "Langere taallessen"
NO_CONSENT = "Niet citeren alstublieft"

# (region, language, quote consent, mood, helped, written answer); Twente 5, Rotterdam 4,
# Alkmaar 3; Dutch 5, English 4, Arabic 3.
PEOPLE = [
    *[("twente", lang, False, "4", True, "") for lang in ("nl", "nl", "nl", "en", "en")],
    ("rotterdam", "nl", True, "5", False, PICKED_NL),
    ("rotterdam", "nl", True, "5", False, NOT_PICKED),
    ("rotterdam", "en", False, "5", False, NO_CONSENT),
    ("rotterdam", "en", False, "5", False, "Een tolk"),
    ("alkmaar", "ar", True, "2", False, PICKED_AR),
    ("alkmaar", "ar", False, "2", False, "مرحبا"),
    ("alkmaar", "ar", False, "2", False, "شكرا"),
]


@pytest.fixture
def settings(settings_factory: Callable[..., Settings]) -> Settings:
    return settings_factory(quiet_hours="off")


@pytest.fixture
async def app(emulator: Emulator, settings: Settings) -> AsyncIterator[RunningBot]:
    async with broadcasting_bot(emulator, settings) as running:
        yield running


async def seed(emulator: Emulator, app: RunningBot) -> tuple[SimUser, SimUser, list[SimUser]]:
    admin = emulator.create_user("Admin", language_code="en", user_id=ADMIN_ID)
    other = emulator.create_user("CoordZ", language_code="en")
    users = [emulator.create_user(f"P{i}", language_code=p[1]) for i, p in enumerate(PEOPLE)]
    async with app.session_factory() as session:
        regions = {r.code: r for r in await session.scalars(select(Region))}
        for user, (region, lang, quotes_ok, *_rest) in zip(users, PEOPLE, strict=True):
            session.add(Member(telegram_id=user.id, language=lang, status="active",
                               region_id=regions[region].id, consent_version=NOTICE_VERSION,
                               quote_consent_version=NOTICE_VERSION if quotes_ok else None,
                               joined_at=utcnow()))  # fmt: skip
        session.add(RoleGrant(telegram_id=other.id, role="coordinator",
                              region_id=regions["zwolle"].id, granted_by=ADMIN_ID,
                              granted_at=utcnow()))  # fmt: skip
        await session.commit()
    return admin, other, users


def pdf_text(data: bytes) -> str:
    return "\n".join(page.extract_text() or "" for page in PdfReader(io.BytesIO(data)).pages)


def pdf_fonts(data: bytes) -> dict[str, bool]:
    """The fonts the pages use, and whether each is embedded."""
    found: dict[str, bool] = {}
    for page in PdfReader(io.BytesIO(data)).pages:
        for ref in (page["/Resources"].get("/Font") or {}).values():
            font = ref.get_object()
            descriptor = font.get("/FontDescriptor")
            embedded = descriptor is not None and "/FontFile2" in descriptor.get_object()
            found[str(font["/BaseFont"])] = embedded
    return found


def page_one_png(data: bytes, folder: Path) -> Path:
    if shutil.which("pdftoppm") is None:
        reason = "pdftoppm (poppler-utils) is not installed"
        if in_ci():
            pytest.fail(f"{reason} (CI=true: .ci/run installs it)")
        pytest.skip(reason)
    (folder / "report.pdf").write_bytes(data)
    subprocess.run(["pdftoppm", "-png", "-r", "60", "-f", "1", "-l", "1", "-singlefile",
                    str(folder / "report.pdf"), str(folder / "page1")], check=True)  # fmt: skip
    return folder / "page1.png"


async def test_charts_report_and_quotes_keep_small_groups_out(
    emulator: Emulator, app: RunningBot, tmp_path: Path
) -> None:
    admin, other, users = await seed(emulator, app)
    await import_file(app, PULSE_FILE)
    await schedule_now(app, admin, "/survey_schedule pulse all now close=2d")
    invited = await asyncio.gather(
        *(invitation(u, PULSE, p[1]) for u, p in zip(users, PEOPLE, strict=True))
    )
    await asyncio.gather(*(
        answer_pulse(app, user, message, lang, mood, ["housing", "work"] if helped else ["housing"],
                     helped, written or "Een tolk")
        for user, message, (_r, lang, _q, mood, helped, written) in zip(users, invited, PEOPLE, strict=True)
    ))  # fmt: skip
    await app.settled()

    # Charts: the text, then one PNG per closed question and its breakdowns (albums).
    await admin.send_command("/survey_results", args="pulse")
    text = (await wait_text(admin, "Monthly pulse")).text or ""
    assert "Finished: 12 of 12 who got it (100%)" in text.splitlines(), text
    photos = [await admin.wait_for_message(lambda m: m.media_kind == "photo") for _ in range(9)]
    await app.settled()
    assert sum(m.media_kind == "photo" for m in admin.bot_messages()) == 9
    assert len({m.get("media_group_id") for m in photos}) == 1  # one album
    for photo in photos:
        stored = emulator.world.files.get(photo.file_id or "")
        assert stored is not None and stored.data.startswith(PNG)
    # What those charts draw: the groups of 3 and 4 have no series; small counts no bar.
    async with app.session_factory() as session:
        admin_actor = Actor(telegram_id=ADMIN_ID, is_admin=True, region_ids=frozenset())
        found = await results.collect(session, admin_actor, "pulse")
        names = {r.id: r.name for r in await session.scalars(select(Region))}
    with app.i18n.context(), app.i18n.use_locale("en"):
        specs = survey_report.chart_specs(found, names, "en")
    assert len(specs) == 9  # 4 questions, 4 by region (Twente), 1 by language (Dutch, topics)
    groups = {s.name for spec in specs for s in spec.series}
    assert groups == {"Twente", "Dutch"}  # Rotterdam 4, Alkmaar 3, English 4, Arabic 3: out
    mood = next(s for s in specs if s.bars and s.title == "How was this month for you?")
    assert {b.label: b.count for b in mood.bars if b.count} == {"4": 5, "5": 4, "2": 3}
    from bot.reports.charts import drawn, shown_count

    assert [(drawn(b.count), shown_count(b.count, 12, "en")) for b in mood.bars if b.count] == [
        (0, "<5"), (5, "5 · 42%"), (0, "<5"),
    ]  # fmt: skip

    # Quotes: only consented answers are listed; pick two of the three.
    await admin.send_command("/survey_quotes", args="pulse")
    listing = await wait_text(admin, "Written answers of members who allow quotes")
    body = listing.text or ""
    assert NO_CONSENT not in body and "Een tolk" not in body and "مرحبا" not in body
    blocks = re.split(r"\n\n(?=\d+\. )", body)[1:]
    number = {
        q: next(b.split(".")[0] for b in blocks if q in b)
        for q in (PICKED_NL, PICKED_AR, NOT_PICKED)
    }
    for quote in (PICKED_NL, PICKED_AR):
        await admin.press(f"☐ {number[quote]}", listing)
        await admin.wait_for_edit(listing, lambda m, n=number[quote]: f"☑ {n}" in m.button_texts)
    await admin.press(f"☐ {number[NOT_PICKED]}", listing)  # picked and taken out again
    await admin.wait_for_edit(listing, lambda m: f"☑ {number[NOT_PICKED]}" in m.button_texts)
    await admin.press(f"☑ {number[NOT_PICKED]}", listing)
    await admin.wait_for_edit(listing, lambda m: f"☐ {number[NOT_PICKED]}" in m.button_texts)

    # The report: right numbers, no group under 5, only picked consented quotes.
    await admin.send_command("/survey_report", args="pulse")
    document = await admin.wait_for_message(lambda m: m.media_kind == "document")
    data = emulator.world.files.get(document.file_id or "").data  # type: ignore[union-attr]
    assert data.startswith(b"%PDF")
    report = pdf_text(data)
    flat = " ".join(report.split())
    for expected in ("Monthly pulse", "Expert pool: all regions", "Answered: 12 of 12 (100%)",
                     "groups under 5", "The answers are anonymous", "Twente 5 of 5 (100%)",
                     "Other (groups under 5 together) 7 of 7 (100%)", "Housing 12 100%",
                     "4 5 42%", "5 <5", "2 <5", "Yes 5 42%", "No 7 58%", PICKED_NL):  # fmt: skip
        assert expected in flat, (expected, flat)
    for absent in ("Rotterdam", "Alkmaar", "English", "Arabic", NOT_PICKED, NO_CONSENT, "Een tolk",
                   "By region", "By language"):  # fmt: skip
        assert absent not in flat, absent
    used = pdf_fonts(data)
    assert all(used.values()), used  # every font embedded, none left to the reader's machine
    names = {name.split("+")[-1] for name in used}
    assert {"NotoSans-Regular", "NotoSans-Bold", "NotoSansArabic-Regular"} <= names, used
    assert page_one_png(data, tmp_path).read_bytes().startswith(PNG)

    # From the command line (an admin of all regions), in Dutch: one region; then everything
    # after a member withdrew quote consent (the pick stays, the quote goes).
    out = tmp_path / "pulse-nl.pdf"
    lines = await cli_report.run(Namespace(slug="pulse", run=None, version=None, region="twente",
                                           language="nl", out=out), app.settings)  # fmt: skip
    assert "responses: 5," in lines[0] and "quotes: 0" in lines[0]
    dutch = " ".join(pdf_text(out.read_bytes()).split())
    assert "Expertpool: Twente" in dutch and "Beantwoord: 5 van 5 (100%)" in dutch, dutch
    assert PICKED_NL not in dutch and "Rotterdam" not in dutch
    async with app.session_factory() as session:
        withdrawn = await session.scalar(
            select(SurveyResponse).join(SurveyAnswer, SurveyAnswer.response_id == SurveyResponse.id)
            .where(SurveyAnswer.value == json.dumps(PICKED_NL))
        )  # fmt: skip
        assert withdrawn is not None
        withdrawn.quote_ok = False  # what /mydata's "no quotes" does (bot/surveys/privacy.py)
        await session.commit()
    lines = await cli_report.run(Namespace(slug="pulse", run=None, version=None, region=None,
                                           language="en", out=out), app.settings)  # fmt: skip
    assert "responses: 12," in lines[0] and "quotes: 1" in lines[0]
    assert PICKED_NL not in pdf_text(out.read_bytes())

    # A coordinator of another region gets nothing of these regions.
    await other.send_command("/survey_report", args="pulse")
    assert (await other.wait_for_message()).text == "No results in your regions yet."
    await other.send_command("/survey_report", args="pulse twente")
    assert (await other.wait_for_message()).text == "You can see results only for your own regions."
    await other.send_command("/survey_quotes", args="pulse")
    assert "No written answers" in ((await other.wait_for_message()).text or "")
    await other.send_command("/survey_results", args="pulse")
    last = await other.wait_for_message()
    assert last.text == "No results in your regions yet."
    # A quote button of the first coordinator's list, pressed by the other: refused.
    forged = await other.press_callback_data(listing.callback_data[0], last)
    assert forged.show_alert and "can no longer be quoted" in (forged.text or "")

    # Wrong input gets a clear answer.
    await admin.send_command("/survey_report")
    await wait_text(admin, "Which survey? For example: /survey_report pulse")
    await admin.send_command("/survey_quotes", args="no-such-survey")
    await wait_text(admin, "Unknown survey.")
    await app.settled()
    assert all(m.file_id is None for m in other.bot_messages())
    async with app.session_factory() as session:
        picks = list(await session.scalars(select(SurveyQuotePick)))
        actions = [a.action for a in await session.scalars(select(AuditEntry))]
    assert len(picks) == 2
    assert "survey_quotes" in actions and "survey_report" in actions
