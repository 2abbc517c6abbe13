"""Machine drafts of an announcement for the audience's missing languages, over the emulator,
with the stand-in DeepL and Azure servers (tests/translation_servers.py)."""

from __future__ import annotations

import json
from collections.abc import AsyncIterator, Callable
from datetime import timedelta
from typing import Any

import pytest
from sqlalchemy import func, select

from bot.broadcast import EngineOptions
from bot.broadcast.content import HEADER
from bot.config import Settings
from bot.scheduler import JobContext
from bot.surveys import jobs
from botapi_emulator import Emulator, SimUser
from db.base import utcnow
from db.models import AuditEntry, Broadcast, SurveyRun
from expertpool_sandbox.harness import RunningBot
from tests.e2e.people import t, wait_text
from tests.e2e.test_bridge_inbox import add_member
from tests.e2e.test_broadcast import Clock, coordinator_of
from tests.translation_servers import AzureServer, DeepLServer

DUTCH = "Bijeenkomst over inburgering op maandag"
BUTTON = "🌐 Machine drafts for missing languages"
LABEL = "Machine translation ({provider}). The original text:"


@pytest.fixture
async def azure() -> AsyncIterator[AzureServer]:
    async with AzureServer() as server:
        yield server  # type: ignore[misc]


@pytest.fixture
def providers() -> str:
    return "deepl,azure"


@pytest.fixture
def clock() -> Clock:
    return Clock()


@pytest.fixture
async def app(
    emulator: Emulator,
    settings_factory: Callable[..., Settings],
    providers: str,
    deepl: DeepLServer,
    azure: AzureServer,
    clock: Clock,
) -> AsyncIterator[RunningBot]:
    values: dict[str, Any] = {
        "translation_provider": providers, "translation_timeout": 3.0,
        "deepl_api_url": deepl.url, "deepl_api_key": deepl.key,
        "azure_translator_url": azure.url, "azure_translator_key": azure.key,
        "azure_translator_region": azure.region,
        "quiet_hours": "off", "broadcast_paid": True, "broadcast_rate": 200,
    }  # fmt: skip
    options = EngineOptions(
        clock=clock, progress_interval=0.1, poll_interval=0.5, check_interval=0.02,
        chat_interval=0.05, retry_base=0.01,
    )  # fmt: skip
    running = await RunningBot.start(settings_factory(**values), broadcaster=options)
    await emulator.wait_until_polling()
    yield running
    await running.stop()


async def members(app: RunningBot, emulator: Emulator, *codes: str) -> dict[str, SimUser]:
    found = {}
    for code in codes:
        user = emulator.create_user(f"Member {code}", language_code=code)
        await add_member(app, user, code, f"Member {code}")
        found[code] = user
    return found


async def dutch_preview(app: RunningBot, emulator: Emulator) -> tuple[SimUser, Any]:
    """A Twente coordinator's /broadcast with a Dutch version only, at the preview."""
    coordinator = await coordinator_of(app, emulator, "twente")
    await coordinator.send_command("/broadcast")
    menu = await wait_text(coordinator, "Who should get this announcement?")
    await coordinator.press("Twente", menu)
    await coordinator.wait_for_edit(menu, lambda m: "✅ Twente" in m.button_texts)
    await coordinator.press("Next", menu)
    await coordinator.wait_for_edit(menu, lambda m: "Pools: Twente" in (m.text or ""))
    await coordinator.send_text(DUTCH)
    question = await wait_text(coordinator, "Which language is this version in?")
    await coordinator.press("Nederlands", question)
    preview = await coordinator.wait_for_edit(question, lambda m: "Recipients" in (m.text or ""))
    return coordinator, preview


def draft_start(app: RunningBot, code: str) -> str:
    """How a machine draft for `code` begins: the header, then the (fake) translation."""
    return f"{t(app, HEADER, code)}\n\n[{code}] "


async def broadcasts(app: RunningBot) -> int:
    async with app.session_factory() as session:
        return await session.scalar(select(func.count()).select_from(Broadcast)) or 0


async def test_drafts_are_reviewed_replaced_dropped_and_sent_labelled(
    emulator: Emulator, app: RunningBot, deepl: DeepLServer, azure: AzureServer
) -> None:
    people = await members(app, emulator, "nl", "ar", "tr", "ti", "uk")
    coordinator, preview = await dutch_preview(app, emulator)
    assert BUTTON in preview.button_texts
    await coordinator.press(BUTTON, preview)

    cards = {}
    for code, name, provider in (
        ("ar", "Arabic", "DeepL"), ("tr", "Turkish", "DeepL"), ("ti", "Tigrinya", "Azure"),
        ("uk", "Ukrainian", "DeepL"),
    ):  # fmt: skip
        card = await wait_text(coordinator, f"Machine draft in {name} ({provider}), not reviewed")
        label = t(app, LABEL, code).format(provider=provider)
        assert f"[{code}] " in (card.text or "") and label in (card.text or "")
        assert "inburgering" in (card.text or "")  # a glossary term survives
        assert card.text.endswith(DUTCH)  # type: ignore[union-attr]  # the original beneath
        cards[code] = card
    # Tigrinya went to Azure, the rest to DeepL (in one request per language).
    assert set(azure.pairs_sent()) == {("nl", "ti")}
    assert sorted(deepl.pairs_sent()) == [("NL", "AR"), ("NL", "TR"), ("NL", "UK")]
    fresh = await wait_text(coordinator, "Machine drafts, not reviewed:")
    assert "Arabic, Tigrinya, Turkish, Ukrainian" in (fresh.text or "")
    assert BUTTON not in fresh.button_texts  # nothing is missing any more

    await coordinator.press("✅ Accept", cards["ar"])
    await coordinator.wait_for_edit(cards["ar"], lambda m: "Arabic: accepted" in (m.text or ""))
    await coordinator.press("🗑 Drop", cards["uk"])
    await coordinator.wait_for_edit(cards["uk"], lambda m: "dropped" in (m.text or ""))
    await coordinator.press("✏️ Write my own", cards["ti"])
    await wait_text(coordinator, "Send your own text in Tigrinya.")
    await coordinator.send_text("ኣኼባ ሰኑይ")
    latest = await wait_text(coordinator, "Machine drafts, not reviewed: Turkish")
    assert "Machine drafts, accepted: Arabic" in (latest.text or "")
    assert "1 × Ukrainian: no version in this language" in (latest.text or "")

    # Sending with an unreviewed draft asks first; nothing is stored before the answer.
    await coordinator.press("✅ Send", latest)
    asked = await coordinator.wait_for_edit(latest, lambda m: "Send anyway?" in (m.text or ""))
    assert "1 language is an unreviewed machine draft: Turkish." in (asked.text or "")
    assert await broadcasts(app) == 0
    await coordinator.press("Send anyway", asked)
    await wait_text(coordinator, "Broadcast #1 is finished.")

    for code, provider in (("ar", "DeepL"), ("tr", "DeepL")):
        got = (await people[code].wait_for_message()).text or ""
        assert got.startswith(draft_start(app, code))
        label = t(app, LABEL, code).format(provider=provider)
        assert got.endswith(f"🌐 {label}\n{DUTCH}")
    ti = (await people["ti"].wait_for_message()).text
    assert ti == f"{t(app, HEADER, 'ti')}\n\nኣኼባ ሰኑይ"  # the coordinator's own text, no label
    for code in ("nl", "uk"):  # the Dutch original; Ukrainian falls back as before
        assert (await people[code].wait_for_message()).text == f"{t(app, HEADER, code)}\n\n{DUTCH}"

    async with app.session_factory() as session:
        entry = await session.scalar(
            select(AuditEntry).where(AuditEntry.action == "broadcast_machine_drafts")
        )
    assert entry is not None and entry.actor_id == coordinator.id and entry.member_id is None
    assert json.loads(entry.detail or "{}") == {
        "source": "nl", "providers": ["azure", "deepl"], "languages": ["ar", "ti", "tr", "uk"],
        "failed": {},
    }  # fmt: skip


@pytest.mark.parametrize("providers", ["deepl"])
async def test_missing_language_and_outage_fall_back_with_a_notice(
    emulator: Emulator, app: RunningBot, deepl: DeepLServer
) -> None:
    people = await members(app, emulator, "ar", "ti")
    coordinator, preview = await dutch_preview(app, emulator)
    deepl.fail_next(5, status=503)  # DeepL is down; it has no Tigrinya anyway
    await coordinator.press(BUTTON, preview)
    notice = await wait_text(coordinator, "Tigrinya: no machine translation is available")
    assert "Arabic: the translation service did not answer in time" in (notice.text or "")
    fresh = await wait_text(coordinator, "Recipients")
    assert "Machine drafts" not in (fresh.text or "")
    assert "1 × Tigrinya: no version in this language" in (fresh.text or "")
    # No drafts, so no question: the Dutch version goes to both.
    await coordinator.press("✅ Send", fresh)
    await wait_text(coordinator, "Broadcast #1 is finished.")
    for code in ("ar", "ti"):
        assert (await people[code].wait_for_message()).text == f"{t(app, HEADER, code)}\n\n{DUTCH}"


@pytest.mark.parametrize("providers", ["none"])
async def test_no_draft_button_without_a_provider(emulator: Emulator, app: RunningBot) -> None:
    await members(app, emulator, "ar")
    coordinator, preview = await dutch_preview(app, emulator)
    assert "1 × Arabic: no version in this language" in (preview.text or "")
    assert BUTTON not in preview.button_texts
    forged = await coordinator.press_callback_data("bc:drafts", preview)
    assert "no longer works" in (forged.text or "")


async def test_a_hanging_provider_does_not_hold_the_others(
    emulator: Emulator, app: RunningBot, azure: AzureServer
) -> None:
    await members(app, emulator, "ar", "ti")
    coordinator, preview = await dutch_preview(app, emulator)
    azure.hang_next()  # Tigrinya's provider never answers (for 30 s)
    await coordinator.press(BUTTON, preview)
    # Within the bounded wait: the Arabic draft, and a notice for Tigrinya.
    await wait_text(coordinator, "Machine draft in Arabic (DeepL), not reviewed")
    await wait_text(coordinator, "Tigrinya: the translation service did not answer in time.")
    fresh = await wait_text(coordinator, "Machine drafts, not reviewed: Arabic")
    assert "1 × Tigrinya: no version in this language" in (fresh.text or "")
    # A forged button for a language without a draft is refused politely.
    forged = await coordinator.press_callback_data("bc:dok:ti", fresh)
    assert "no longer works" in (forged.text or "")


TINY = """\
slug: tiny
title: {nl: Korte vraag, en: Short question}
questions:
  - id: well
    kind: yesno
    text: {nl: "Gaat het goed met je?", en: "Are you well?"}
"""


async def test_survey_drafts_from_import_to_a_labelled_invitation(
    emulator: Emulator, app: RunningBot, clock: Clock
) -> None:
    clock.moment = utcnow() + timedelta(hours=1)  # survey runs are due by the real clock
    people = await members(app, emulator, "ti")
    coordinator = await coordinator_of(app, emulator, "twente")
    await coordinator.send_document(TINY.encode(), "tiny.yaml", caption="/survey_import")
    imported = await wait_text(coordinator, "New survey tiny")
    assert "Machine drafts for the missing languages: /survey_drafts tiny" in (imported.text or "")

    await coordinator.send_command("/survey_drafts tiny")
    made = await wait_text(coordinator, "Machine drafts made for:")
    assert "Tigrinya" in (made.text or "") and "Somali" in (made.text or "")
    document = await coordinator.wait_for_message(lambda m: m.file_id is not None)
    assert "Machine drafts, not reviewed:" in (document.caption or "")
    assert "/survey_reviewed tiny" in (document.caption or "")
    stored = emulator.world.files.get(document.file_id or "")
    assert stored is not None
    assert "machine_drafts:" in stored.data.decode() and "[ti] " in stored.data.decode()

    await coordinator.send_command("/survey_schedule tiny twente now")
    asked = await wait_text(coordinator, "Schedule anyway?")
    assert "6 languages are unreviewed machine drafts:" in (asked.text or "")
    async with app.session_factory() as session:
        assert await session.scalar(select(func.count()).select_from(SurveyRun)) == 0
    await coordinator.press("Schedule anyway", asked)
    await wait_text(coordinator, "Planned #")
    await app.settled()
    assert await jobs.tick(JobContext(app.bot, app.session_factory, app.settings, app.i18n)) >= 1
    invitation = await people["ti"].wait_for_message()
    label = t(app, "Machine translation ({provider}).", "ti").format(provider="Azure")
    assert (invitation.text or "").startswith(t(app, HEADER, "ti") + "\n\n[ti] ")
    assert label in (invitation.text or "")

    await coordinator.send_command("/survey_reviewed tiny ti")
    await wait_text(coordinator, "Marked as reviewed: Tigrinya.")
    await coordinator.send_command("/survey_reviewed tiny")
    done = await wait_text(coordinator, "Marked as reviewed:")
    assert "Tigrinya" not in (done.text or "") and "Somali" in (done.text or "")
    await coordinator.send_command("/survey_schedule tiny twente now")
    await wait_text(coordinator, "Planned #")  # reviewed: no question any more
