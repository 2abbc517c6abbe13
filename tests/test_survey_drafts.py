"""Machine drafts of a survey's missing languages, stored in its definition: against real
databases and the stand-in Azure Translator (tests/translation_servers.py)."""

from __future__ import annotations

import json
from collections.abc import AsyncIterator
from datetime import timedelta
from zoneinfo import ZoneInfo

import pytest
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from bot.bridge import Bridge, Reason
from bot.config import Settings
from bot.i18n import create_i18n
from bot.questions.translation import Translator
from bot.services.roles import Actor
from bot.surveys import drafts, invite, library, schedule
from bot.surveys.definition import MachineDraft
from bot.surveys.validate import missing_texts
from db.base import utcnow
from db.models import AuditEntry, Region
from tests.translation_servers import AzureServer

SURVEY = """\
# A comment the rewritten file does not keep.
slug: tiny
title: {nl: Korte vraag over inburgering, en: Short question}
questions:
  - id: yes
    kind: single
    text: {nl: "Gaat het goed?", en: "Are you well?"}
    options:
      - {id: yes, text: {nl: Ja, en: "Yes"}}
      - {id: no, text: {nl: Nee, en: "No"}}
  - id: mood
    kind: scale
    show_if: {yes: yes}
    text: {nl: "Hoe is je week?"}
    labels:
      min: {nl: Slecht}
      max: {nl: Goed}
"""
OTHERS = ("ar", "fa", "ti", "tr", "uk", "so")


@pytest.fixture
async def azure() -> AsyncIterator[AzureServer]:
    async with AzureServer() as server:
        yield server  # type: ignore[misc]


@pytest.fixture
async def translator(
    azure: AzureServer, session_factory: async_sessionmaker[AsyncSession]
) -> AsyncIterator[Translator]:
    settings = Settings(
        bot_token="1:test",
        translation_provider="azure",
        azure_translator_url=azure.url,
        azure_translator_key=azure.key,
        azure_translator_region=azure.region,
        translation_timeout=3.0,
        _env_file=None,
    )  # type: ignore[call-arg]
    async with Bridge.from_settings(settings) as bridge:
        found = Translator(bridge, session_factory)
        yield found
        await found.close()


async def _coordinator(session: AsyncSession) -> Actor:
    twente = await session.scalar(select(Region.id).where(Region.code == "twente"))
    assert twente is not None
    return Actor(telegram_id=7, is_admin=False, region_ids=frozenset({twente}))


async def test_drafts_are_stored_marked_and_need_review_before_scheduling(
    session: AsyncSession, translator: Translator, azure: AzureServer
) -> None:
    who = await _coordinator(session)
    await library.import_text(session, who, SURVEY, utcnow())
    await session.commit()

    made = await drafts.make(session, translator, who, "tiny", utcnow())
    # English lacked only the scale's texts: drafted (and labelled) too.
    assert made.made == dict.fromkeys((*OTHERS, "en"), "azure") and made.failed == []
    assert made.missing == sorted(("en", *OTHERS))
    survey = await library.latest(session, "tiny")
    assert survey is not None and survey.version == 1  # no answers yet: updated in place
    definition = library.definition_of(survey)
    assert missing_texts(definition) == {}
    assert definition.machine_drafts == dict.fromkeys((*OTHERS, "en"), MachineDraft("azure", False))
    assert definition.title["en"] == "Short question"  # given texts stay as they were
    # Translated from the staff language (nl); glossary terms and ids survive the rewrite.
    assert definition.title["ti"].startswith("[ti] ") and "inburgering" in definition.title["ti"]
    assert definition.questions[0].option("no") is not None
    assert definition.questions[1].show_if[0].values == ("yes",)
    assert set(azure.pairs_sent()) == {("nl", code) for code in (*OTHERS, "en")}
    # One request per language, however many texts.
    assert len(azure.translate_requests()) == len(OTHERS) + 1

    # Members reading a drafted language see the label; others do not.
    i18n, tz = create_i18n("nl"), ZoneInfo("Europe/Amsterdam")
    args = {"link": "https://t.me/x", "close_at": utcnow() + timedelta(days=7), "tz": tz}
    tigrinya = invite.invitation(i18n, definition, "ti", **args).html
    label = i18n.gettext("Machine translation ({provider}).", locale="ti")
    assert label.format(provider="Azure") in tigrinya
    assert "🌐" not in invite.invitation(i18n, definition, "nl", **args).html

    settings = Settings(bot_token="1:test", _env_file=None)  # type: ignore[call-arg]
    plan = {"slug": "tiny", "region_code": "twente", "words": ["now"], "locale": "en"}
    with pytest.raises(schedule.UnreviewedDrafts) as refused:
        await schedule.create(session, who, settings, now=utcnow(), **plan)
    assert sorted(refused.value.languages) == sorted((*OTHERS, "en"))

    _survey, marked = await drafts.mark_reviewed(session, who, "tiny", ["ti", "so"], utcnow())
    assert marked == ["ti", "so"]
    survey = await library.latest(session, "tiny")
    assert survey is not None
    assert sorted(library.definition_of(survey).unreviewed()) == ["ar", "en", "fa", "tr", "uk"]
    await schedule.create(session, who, settings, now=utcnow(), send_unreviewed=True, **plan)
    await session.commit()
    _survey, marked = await drafts.mark_reviewed(session, who, "tiny", [], utcnow())
    assert sorted(marked) == ["ar", "en", "fa", "tr", "uk"]
    await schedule.create(session, who, settings, now=utcnow(), **plan)  # no question now

    entries = list(
        await session.scalars(
            select(AuditEntry)
            .where(AuditEntry.action.in_((drafts.MADE, drafts.REVIEWED)))
            .order_by(AuditEntry.id)
        )
    )
    details = [(e.action, e.member_id, json.loads(e.detail or "{}")) for e in entries]
    assert details == [
        (drafts.MADE, None, {"slug": "tiny", "version": 1, "providers": ["azure"],
                             "languages": sorted((*OTHERS, "en")), "failed": {}}),
        (drafts.REVIEWED, None, {"slug": "tiny", "version": 1, "languages": ["ti", "so"]}),
        (drafts.REVIEWED, None, {"slug": "tiny", "version": 1, "languages": marked}),
    ]  # fmt: skip


async def test_a_language_the_provider_lacks_or_an_outage_keeps_the_fallback(
    session: AsyncSession, translator: Translator, azure: AzureServer
) -> None:
    who = await _coordinator(session)
    await library.import_text(session, who, SURVEY, utcnow())
    await session.commit()
    before = await library.latest(session, "tiny")
    assert before is not None
    source = before.source

    azure.fail_next(len(OTHERS) + 1, status=503)
    made = await drafts.make(session, translator, who, "tiny", utcnow())
    assert made.made == {} and {f.reason for f in made.failed} == {Reason.TEMPORARY}
    survey = await library.latest(session, "tiny")
    assert survey is not None and survey.source == source  # nothing stored

    azure.languages = ("nl", "en", "ar", "fa", "tr", "uk")  # no Tigrinya, no Somali
    await translator.bridge.refresh_languages()
    made = await drafts.make(session, translator, who, "tiny", utcnow())
    assert sorted(made.made) == ["ar", "en", "fa", "tr", "uk"]
    assert made.failed == [
        drafts.NotDrafted("so", Reason.PAIR_UNSUPPORTED),
        drafts.NotDrafted("ti", Reason.PAIR_UNSUPPORTED),
    ]
    survey = await library.latest(session, "tiny")
    assert survey is not None
    definition = library.definition_of(survey)
    assert "ti" not in definition.machine_drafts and "ti" not in definition.title
    assert definition.title["ar"].startswith("[ar] ")
