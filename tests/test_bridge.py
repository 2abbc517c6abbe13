"""The language bridge against stand-ins of LibreTranslate, DeepL and Azure Translator,
with the cache in a real database (SQLite and PostgreSQL)."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, Callable
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
import yaml
from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from bot.bridge import (
    MAX_CHARS,
    Bridge,
    Glossary,
    Reason,
    Translation,
    Untranslated,
    forget_member_translations,
    member_translations,
    purge_translations,
    translate,
    translate_many,
)
from bot.bridge.glossary import GlossaryError
from bot.config import load_settings
from db.models import CachedTranslation, Member
from tests.translation_servers import (
    AzureServer,
    DeepLServer,
    LibreTranslateServer,
    StandIn,
    fake_translation,
)

BridgeFactory = Callable[..., Bridge]


@pytest.fixture
async def libre() -> AsyncIterator[LibreTranslateServer]:
    server = LibreTranslateServer(api_key="libre-key")
    async with server:
        yield server


@pytest.fixture
async def azure() -> AsyncIterator[AzureServer]:
    server = AzureServer()
    async with server:
        yield server


@pytest.fixture
async def make_bridge() -> AsyncIterator[BridgeFactory]:
    """Bridge.from_settings for the given stand-ins, in that order of preference."""
    made: list[Bridge] = []

    def make(*servers: StandIn, timeout: float = 5.0, **extra: Any) -> Bridge:
        settings: dict[str, Any] = {"translation_timeout": timeout}
        names = []
        for server in servers:
            if isinstance(server, LibreTranslateServer):
                names.append("libretranslate")
                settings |= {
                    "libretranslate_url": server.url,
                    "libretranslate_api_key": "libre-key",
                }
            elif isinstance(server, DeepLServer):
                names.append("deepl")
                settings |= {"deepl_api_url": server.url, "deepl_api_key": server.key}
            elif isinstance(server, AzureServer):
                names.append("azure")
                settings |= {
                    "azure_translator_url": server.url,
                    "azure_translator_key": server.key,
                    "azure_translator_region": server.region,
                }
        settings["translation_provider"] = ",".join(names) or "none"
        bridge = Bridge.from_settings(load_settings(_env_file=None, **(settings | extra)))
        made.append(bridge)
        return bridge

    yield make
    for bridge in made:
        await bridge.close()


async def _member(session: AsyncSession, telegram_id: int = 1001, language: str = "ar") -> Member:
    member = Member(telegram_id=telegram_id, language=language, status="active")
    session.add(member)
    await session.flush()
    return member


def _translated(result: object) -> Translation:
    assert isinstance(result, Translation), result
    return result


def _untranslated(result: object, reason: Reason) -> Untranslated:
    assert isinstance(result, Untranslated), result
    assert result.reason is reason, result
    return result


async def test_deepl_then_azure_routes_arabic_to_deepl_and_tigrinya_somali_to_azure(
    session: AsyncSession, deepl: DeepLServer, azure: AzureServer, make_bridge: BridgeFactory
) -> None:
    bridge = make_bridge(deepl, azure)
    await bridge.start()

    arabic = _translated(await translate(session, bridge, "كيف أجد مدرسة لابني؟", "ar", "nl"))
    tigrinya = _translated(await translate(session, bridge, "ከመይ ኣለኹም", "ti", "nl"))
    somali = _translated(await translate(session, bridge, "Sidee baad tahay", "so", "nl"))
    answer = _translated(await translate(session, bridge, "Ga naar school", "nl", "ti"))

    assert (arabic.provider, tigrinya.provider, somali.provider) == ("deepl", "azure", "azure")
    assert answer.provider == "azure"
    assert arabic.text == fake_translation("كيف أجد مدرسة لابني؟", "nl")
    assert deepl.pairs_sent() == [("AR", "NL")]
    assert azure.pairs_sent() == [("ti", "nl"), ("so", "nl"), ("nl", "ti")]
    assert deepl.translate_requests()[0].headers["Authorization"] == f"DeepL-Auth-Key {deepl.key}"
    sent = azure.translate_requests()[0]
    assert sent.headers["Ocp-Apim-Subscription-Key"] == azure.key
    assert sent.headers["Ocp-Apim-Subscription-Region"] == "westeurope"
    assert sent.query["api-version"] == "3.0" and sent.body == [{"Text": "ከመይ ኣለኹም"}]
    # English goes to DeepL as EN-GB, never the deprecated bare EN.
    _translated(await translate(session, bridge, "Dank je", "nl", "en"))
    assert deepl.pairs_sent()[-1] == ("NL", "EN-GB")


async def test_a_pair_no_provider_has_is_never_sent(
    session: AsyncSession, libre: LibreTranslateServer, make_bridge: BridgeFactory
) -> None:
    bridge = make_bridge(libre)
    await bridge.start()

    _untranslated(await translate(session, bridge, "ከመይ ኣለኹም", "ti", "nl"), Reason.PAIR_UNSUPPORTED)
    _untranslated(await translate(session, bridge, "Hallo", "nl", "so"), Reason.PAIR_UNSUPPORTED)
    assert libre.translate_requests() == []

    result = _translated(await translate(session, bridge, "مرحبا", "ar", "nl"))
    assert result.provider == "libretranslate"
    request = libre.translate_requests()[0]
    assert request.body == {
        "q": ["مرحبا"],
        "source": "ar",
        "target": "nl",
        "format": "text",
        "api_key": "libre-key",
    }


async def test_server_error_is_temporary_and_nothing_is_cached(
    session: AsyncSession, azure: AzureServer, make_bridge: BridgeFactory
) -> None:
    bridge = make_bridge(azure)
    await bridge.start()
    azure.fail_next(status=503)

    failed = _untranslated(await translate(session, bridge, "Selam", "tr", "nl"), Reason.TEMPORARY)
    assert failed.retry_later and failed.provider == "azure"
    assert failed.detail is not None and "503000" in failed.detail
    assert await session.scalar(select(func.count()).select_from(CachedTranslation)) == 0

    again = _translated(await translate(session, bridge, "Selam", "tr", "nl"))
    assert again.text == fake_translation("Selam", "nl")
    assert len(azure.translate_requests()) == 2


async def test_a_provider_that_hangs_times_out_as_temporary(
    session: AsyncSession, deepl: DeepLServer, make_bridge: BridgeFactory
) -> None:
    bridge = make_bridge(deepl, timeout=0.3)
    await bridge.start()
    deepl.hang_next()

    loop = asyncio.get_running_loop()
    started = loop.time()
    result = _untranslated(await translate(session, bridge, "مرحبا", "ar", "nl"), Reason.TEMPORARY)
    assert loop.time() - started < 3
    assert result.detail == "no answer within 0.3 s"
    _translated(await translate(session, bridge, "مرحبا", "ar", "nl"))


async def test_rate_limit_backs_off_for_retry_after_without_asking_again(
    session: AsyncSession, deepl: DeepLServer, make_bridge: BridgeFactory
) -> None:
    bridge = make_bridge(deepl)
    await bridge.start()
    deepl.rate_limit_next(retry_after=30)

    first = _untranslated(await translate(session, bridge, "مرحبا", "ar", "nl"), Reason.TEMPORARY)
    assert first.retry_after == 30 and first.detail is not None and first.detail.startswith("429")
    second = _untranslated(await translate(session, bridge, "شكرا", "ar", "nl"), Reason.TEMPORARY)
    assert second.retry_after is not None and 0 < second.retry_after <= 30
    assert len(deepl.translate_requests()) == 1


async def test_rate_limit_without_retry_after_backs_off_growing(
    session: AsyncSession, libre: LibreTranslateServer, make_bridge: BridgeFactory
) -> None:
    now = [1000.0]
    bridge = make_bridge(libre)
    bridge._clock = lambda: now[0]
    await bridge.start()
    libre.rate_limit_next(count=2)

    first = _untranslated(await translate(session, bridge, "Hoi", "nl", "ar"), Reason.TEMPORARY)
    now[0] += first.retry_after or 0
    second = _untranslated(await translate(session, bridge, "Hoi", "nl", "ar"), Reason.TEMPORARY)
    assert (first.retry_after, second.retry_after) == (5.0, 10.0)
    now[0] += 10
    _translated(await translate(session, bridge, "Hoi", "nl", "ar"))
    assert len(libre.translate_requests()) == 3


@pytest.mark.parametrize(("status", "fragment"), [(456, "Quota exceeded"), (400, "400")])
async def test_deepl_refusals_are_permanent_and_not_retried(
    session: AsyncSession,
    deepl: DeepLServer,
    make_bridge: BridgeFactory,
    status: int,
    fragment: str,
) -> None:
    bridge = make_bridge(deepl)
    await bridge.start()
    deepl.fail_next(status=status)

    result = _untranslated(await translate(session, bridge, "مرحبا", "ar", "nl"), Reason.PERMANENT)
    assert not result.retry_later and result.provider == "deepl"
    assert result.detail is not None and fragment in result.detail
    assert len(deepl.translate_requests()) == 1


async def test_quota_used_up_gives_456(session: AsyncSession, make_bridge: BridgeFactory) -> None:
    async with DeepLServer(quota_left=10) as server:
        bridge = make_bridge(server)
        await bridge.start()
        _translated(await translate(session, bridge, "مرحبا", "ar", "nl"))
        result = await translate(session, bridge, "كيف أجد مدرسة لابني؟", "ar", "nl")
        assert _untranslated(result, Reason.PERMANENT).detail == (
            "456 Quota exceeded. The character limit has been reached."
        )


async def test_wrong_keys_are_permanent(
    session: AsyncSession, deepl: DeepLServer, azure: AzureServer, make_bridge: BridgeFactory
) -> None:
    bridge = make_bridge(azure)
    await bridge.start()  # Azure's languages need no key
    azure.key = "rotated"
    result = _untranslated(await translate(session, bridge, "Hoi", "nl", "ti"), Reason.PERMANENT)
    assert result.detail is not None and result.detail.startswith("401 401000")

    wrong = make_bridge(deepl, deepl_api_key="wrong:fx")
    assert await wrong.refresh_languages() == {"deepl": False}
    result = await translate(session, wrong, "مرحبا", "ar", "nl")
    assert _untranslated(result, Reason.TEMPORARY).detail == "languages unknown"
    assert deepl.translate_requests() == []


async def test_the_same_text_is_sent_once(
    session_factory: async_sessionmaker[AsyncSession],
    deepl: DeepLServer,
    make_bridge: BridgeFactory,
) -> None:
    bridge = make_bridge(deepl)
    await bridge.start()
    async with session_factory() as session:
        first = _translated(await translate(session, bridge, "شكرا جزيلا", "ar", "nl"))
        await session.commit()
    async with session_factory() as session:
        second = _translated(await translate(session, bridge, "شكرا جزيلا", "ar", "nl"))
    assert (first.cached, second.cached) == (False, True)
    assert first.text == second.text and second.provider == "deepl"
    assert deepl.texts_sent() == ["شكرا جزيلا"]


async def test_concurrent_requests_for_one_text_share_one_call(
    session_factory: async_sessionmaker[AsyncSession],
    azure: AzureServer,
    make_bridge: BridgeFactory,
) -> None:
    bridge = make_bridge(azure)
    await bridge.start()

    async def ask() -> object:
        async with session_factory() as session:
            result = await translate(session, bridge, "ከመይ ኣለኹም", "ti", "nl")
            await session.commit()
            return result

    results = await asyncio.gather(ask(), ask(), ask())
    assert {_translated(r).text for r in results} == {fake_translation("ከመይ ኣለኹም", "nl")}
    assert azure.texts_sent() == ["ከመይ ኣለኹም"]
    async with session_factory() as session:
        assert await session.scalar(select(func.count()).select_from(CachedTranslation)) == 1


GLOSSARY_TEXT = (
    "Vraag de gemeente naar je Brede Intake; DUO betaalt, niet de map.\nGroet uit Twente"
)


@pytest.mark.parametrize("provider", ["deepl", "azure", "libretranslate"])
async def test_glossary_terms_survive_a_round_trip(
    session: AsyncSession,
    libre: LibreTranslateServer,
    deepl: DeepLServer,
    azure: AzureServer,
    make_bridge: BridgeFactory,
    provider: str,
) -> None:
    server = {"deepl": deepl, "azure": azure, "libretranslate": libre}[provider]
    bridge = make_bridge(server)
    await bridge.start()

    result = _translated(await translate(session, bridge, GLOSSARY_TEXT, "nl", "ar"))
    assert result.text == (
        "[ar] gaarV ed البلدية (gemeente) raan ej Brede Intake; DUO tlaateb, tein ed pam.\n"
        "teorG tiu Twente"
    )
    wire = server.texts_sent()[0]
    assert '<span translate="no">Brede Intake</span>' in wire
    assert '<span translate="no">map</span>' not in wire  # "map" is a word; "MAP" the plan
    request = server.translate_requests()[0]
    if provider == "azure":
        mode = request.query.get("textType")
    else:
        mode = request.body.get("tag_handling" if provider == "deepl" else "format")
    assert mode == "html"


async def test_glossary_with_deepl_persian_uses_tokens_not_tags(
    session: AsyncSession, deepl: DeepLServer, make_bridge: BridgeFactory
) -> None:
    bridge = make_bridge(deepl)
    await bridge.start()

    result = _translated(await translate(session, bridge, GLOSSARY_TEXT, "nl", "fa"))
    assert result.text.startswith("[fa] gaarV ed شهرداری (gemeente) raan ej Brede Intake; DUO")
    request = deepl.translate_requests()[0]
    assert "tag_handling" not in request.body and request.body["target_lang"] == "FA"
    assert request.body["text"][0].startswith("Vraag de ⟦1⟧ naar je ⟦2⟧; ⟦3⟧ betaalt")


async def test_batch_sends_only_new_texts_once(
    session: AsyncSession, azure: AzureServer, make_bridge: BridgeFactory
) -> None:
    bridge = make_bridge(azure)
    await bridge.start()
    _translated(await translate(session, bridge, "Dank je", "nl", "so"))

    texts = ["Dank je", "Tot morgen", "", "Tot morgen", "Bel de huisarts", "x" * (MAX_CHARS + 1)]
    results = await translate_many(session, bridge, texts, "nl", "so")

    assert [type(r).__name__ for r in results] == [
        "Translation",
        "Translation",
        "Untranslated",
        "Translation",
        "Translation",
        "Untranslated",
    ]
    assert _translated(results[0]).cached and not _translated(results[1]).cached
    assert results[1] == results[3]
    assert _untranslated(results[2], Reason.EMPTY) and _untranslated(results[5], Reason.TOO_LONG)
    assert _translated(results[4]).text == "[so] leB ed huisarts"
    assert len(azure.translate_requests()) == 2
    assert azure.translate_requests()[1].body == [
        {"Text": "Tot morgen"},  # one request, so in the glossary's HTML mode too
        {"Text": 'Bel de <span translate="no">huisarts</span>'},
    ]


async def test_nothing_to_do_needs_no_provider(
    session: AsyncSession, make_bridge: BridgeFactory
) -> None:
    bridge = make_bridge()
    assert not bridge.configured
    _untranslated(await translate(session, bridge, "Hoi", "nl", "ar"), Reason.NOT_CONFIGURED)
    _untranslated(await translate(session, None, "Hoi", "nl", "ar"), Reason.NOT_CONFIGURED)
    _untranslated(await translate(session, bridge, "Hoi", "nl", "nl"), Reason.SAME_LANGUAGE)
    _untranslated(await translate(session, bridge, "  \n", "nl", "ar"), Reason.EMPTY)


async def test_languages_are_read_at_start_and_again_when_a_day_old(
    session: AsyncSession, libre: LibreTranslateServer, make_bridge: BridgeFactory
) -> None:
    bridge = make_bridge(libre)
    await bridge.start()
    support = bridge.support("libretranslate")
    assert support is not None and support.has("ar", "nl") and not support.has("ti", "nl")

    def reads() -> int:
        return sum(1 for r in libre.requests if r.path == "/languages")

    _translated(await translate(session, bridge, "Hoi", "nl", "ar"))
    assert reads() == 1
    libre.languages = (*libre.languages, "ti")
    assert await bridge.refresh_languages(only_due=True) == {}
    bridge._support["libretranslate"] = support.__class__(
        support.provider,
        support.source_codes,
        support.target_codes,
        support.pairs,
        datetime.now(UTC) - timedelta(days=1, seconds=1),
    )
    _translated(await translate(session, bridge, "ከመይ ኣለኹም", "ti", "nl"))
    assert reads() == 2


async def test_member_translations_are_listed_and_forgotten(
    session: AsyncSession, azure: AzureServer, make_bridge: BridgeFactory
) -> None:
    bridge = make_bridge(azure)
    await bridge.start()
    member = await _member(session)
    other = await _member(session, telegram_id=1002)
    await translate(session, bridge, "كيف أجد مدرسة لابني؟", "ar", "nl", member_id=member.id)
    await translate(session, bridge, "Het Onderwijsloket helpt", "nl", "ar", member_id=member.id)
    await translate(session, bridge, "شكرا", "ar", "nl", member_id=other.id)
    await translate(session, bridge, "Welkom", "nl", "ar")  # staff text, nobody's
    await translate(session, bridge, "Welkom", "nl", "ar", member_id=member.id)  # now theirs

    listed = await member_translations(session, member.id)
    assert [(t["from"], t["to"], t["translated_by"]) for t in listed] == [
        ("ar", "nl", "azure"),
        ("nl", "ar", "azure"),
        ("nl", "ar", "azure"),
    ]
    assert listed[1]["translation"] == "[ar] teH tekolsjiwrednO tpleh"
    assert "كيف" not in str(listed)  # originals are not stored, only their hash

    assert await forget_member_translations(session, member.id) == 3
    assert await member_translations(session, member.id) == []
    assert len(await member_translations(session, other.id)) == 1
    await session.delete(other)  # /delete: ON DELETE CASCADE takes the rest
    await session.flush()
    assert await session.scalar(select(func.count()).select_from(CachedTranslation)) == 0


async def test_purge_removes_old_translations(
    session: AsyncSession, azure: AzureServer, make_bridge: BridgeFactory
) -> None:
    bridge = make_bridge(azure)
    await bridge.start()
    await translate(session, bridge, "Hoi", "nl", "ti")
    assert await purge_translations(session, datetime.now(UTC) - timedelta(days=1)) == 0
    assert await purge_translations(session, datetime.now(UTC) + timedelta(seconds=1)) == 1


def test_glossary_holds_every_seeded_region() -> None:
    regions = yaml.safe_load(Path("db/seed_regions.yaml").read_text(encoding="utf-8"))
    glossary = Glossary.load()
    assert [r["name"] for r in regions if glossary.lookup(r["name"]) is None] == []


def test_glossary_protection_keeps_markup_and_cases_apart() -> None:
    glossary = Glossary.load().with_terms(["Hof van Twente"])
    text = "Bij de IND & het COA: <geen> map, wel de MAP.\nOok Hof van Twente"
    protected = glossary.protect(text)
    assert [k.surface for k in protected.kept] == ["IND", "COA", "MAP", "Hof van Twente"]
    wire = protected.html()
    assert "&amp;" in wire and "&lt;geen&gt;" in wire and "<br>" in wire
    assert protected.restore_html(wire, "nl") == text
    assert protected.restore_tokens(protected.tokens(), "nl") == text
    # Providers may answer <br/> and put attributes their own way; Arabic-Indic digits too.
    answer = wire.replace("<br>", "<br/>").replace('translate="no"', "translate='no' class=x")
    assert protected.restore_html(answer, "nl") == text
    assert protected.restore_tokens(protected.tokens().replace("1", "١"), "nl") == text


@pytest.mark.parametrize(
    ("content", "fragment"),
    [
        ("terms: nothing", "a list under 'terms'"),
        ("terms: [{term: PIP}, {term: pip}]", "listed twice"),
        ("terms: [{term: DUO, translations: {de: x}}]", "bad translation for 'de'"),
        ("terms: [{term: DUO, spelling: x}]", "unknown key 'spelling'"),
    ],
)
def test_a_malformed_glossary_names_the_entry(tmp_path: Path, content: str, fragment: str) -> None:
    path = tmp_path / "glossary.yaml"
    path.write_text(content, encoding="utf-8")
    with pytest.raises(GlossaryError, match=fragment):
        Glossary.load(path)
