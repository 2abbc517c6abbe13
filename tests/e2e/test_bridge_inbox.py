"""The language bridge in the question inbox, over the emulator, with stand-ins of
LibreTranslate, DeepL and Azure Translator (tests/translation_servers.py)."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, Callable
from typing import Any

import pytest
from sqlalchemy import func, select, update

from bot.bridge import Bridge
from bot.config import Settings
from bot.factory import create_bot
from bot.members.consent import NOTICE_VERSION, notice_version
from bot.privacy import notice
from bot.privacy import service as privacy
from bot.questions import jobs
from bot.questions.translation import Translator
from bot.scheduler import JobContext
from botapi_emulator import Emulator, SimGroup, SimMessage, SimUser
from db.base import utcnow
from db.engine import create_engine, create_session_factory
from db.models import CachedTranslation, Member, PendingTranslation, Region
from expertpool_sandbox.harness import RunningBot
from tests.e2e.people import t, wait_text
from tests.e2e.test_questions import Pool, ask, make_pool
from tests.translation_servers import AzureServer, DeepLServer, LibreTranslateServer

ARABIC = "كيف أجد مدرسة لابني؟ هل يساعد IND في ذلك؟"
TIGRINYA = "ንወደይ ቤት ትምህርቲ ከመይ ክረክብ እኽእል?"
ANSWER = "Het Onderwijsloket van de gemeente helpt je een school te vinden."


@pytest.fixture
async def libre() -> AsyncIterator[LibreTranslateServer]:
    async with LibreTranslateServer(api_key="libre-key") as server:
        yield server  # type: ignore[misc]


@pytest.fixture
async def azure() -> AsyncIterator[AzureServer]:
    async with AzureServer() as server:
        yield server  # type: ignore[misc]


@pytest.fixture
def providers() -> str:
    return "deepl,azure"


@pytest.fixture
def settings(
    settings_factory: Callable[..., Settings],
    providers: str,
    libre: LibreTranslateServer,
    deepl: DeepLServer,
    azure: AzureServer,
) -> Settings:
    values: dict[str, Any] = {"translation_provider": providers, "translation_timeout": 3.0}
    if "libretranslate" in providers:
        values |= {"libretranslate_url": libre.url, "libretranslate_api_key": "libre-key"}
    if "deepl" in providers:
        values |= {"deepl_api_url": deepl.url, "deepl_api_key": deepl.key}
    if "azure" in providers:
        values |= {
            "azure_translator_url": azure.url,
            "azure_translator_key": azure.key,
            "azure_translator_region": azure.region,
        }
    return settings_factory(**values)


def translator(app: RunningBot) -> Translator:
    found = app.dispatcher["translator"]
    assert isinstance(found, Translator)
    return found


async def bridge_pool(emulator: Emulator, app: RunningBot, language: str, name: str) -> Pool:
    """make_pool, with consent to the notice that names the configured providers."""
    pool = await make_pool(emulator, app, language, name=name)
    async with app.session_factory() as session:
        await session.execute(update(Member).values(consent_version=notice_version()))
        await session.commit()
    return pool


async def add_member(app: RunningBot, user: SimUser, language: str, name: str) -> None:
    async with app.session_factory() as session:
        twente = await session.scalar(select(Region).where(Region.code == "twente"))
        assert twente is not None
        session.add(Member(telegram_id=user.id, language=language, status="active",
                           region_id=twente.id, display_name=name,
                           consent_version=notice_version(), joined_at=utcnow()))  # fmt: skip
        await session.commit()


async def question_in_topic(group: SimGroup, original: str) -> tuple[int, SimMessage, SimMessage]:
    """The topic's thread id, the copy of `original` and the bot's 🌐 reply to it."""
    copy = await group.wait_for_message(lambda m: m.text == original)
    assert copy.thread_id is not None
    note = await group.wait_for_message(
        lambda m: (m.text or "").startswith("🌐") and m.reply_to_message_id == copy.message_id,
        thread_id=copy.thread_id,
    )
    return copy.thread_id, copy, note


async def pending_count(app: RunningBot) -> int:
    await app.settled()
    async with app.session_factory() as session:
        return await session.scalar(select(func.count()).select_from(PendingTranslation)) or 0


async def test_arabic_through_deepl_tigrinya_through_azure_and_the_answer_back_in_arabic(
    emulator: Emulator, app: RunningBot, deepl: DeepLServer, azure: AzureServer
) -> None:
    pool = await bridge_pool(emulator, app, "ar", "Amina")
    assert pool.group is not None
    amina, coordinator, group = pool.member, pool.coordinator, pool.group
    await ask(app, amina, "ar", "Education", ARABIC)
    await wait_text(amina, "Twente")

    # In the Twente topic: the card, the original, then the Dutch translation as its reply.
    thread, copy, note = await question_in_topic(group, ARABIC)
    topic = group.topics[thread]
    assert " · ar · Amina · [nl] " in topic.name and len(topic.name) <= 128
    card = await group.wait_for_message(lambda m: "Amina" in (m.text or ""), thread_id=thread)
    assert t(
        app,
        "Your text answers reach the member in their language (machine translation). "
        "Start with {prefix} to send a text without translation.",
        "nl",
    ).format(prefix="=") in (card.text or "")
    label = t(app, "Machine translation from {language} ({provider}):", "nl")
    assert (note.text or "").startswith("🌐 " + label.format(language="العربية", provider="DeepL"))
    assert "[nl] " in (note.text or "")
    assert "IND" in (note.text or "") and "DNI" not in (note.text or "")  # a glossary term
    assert ("AR", "NL") in deepl.pairs_sent() and azure.translate_requests() == []
    assert any("مدرسة" in sent for sent in deepl.texts_sent())

    # The coordinator's Dutch answer reaches Amina in Arabic, the original kept beneath it.
    await coordinator.send_text(ANSWER, chat=group, thread_id=thread)
    await amina.wait_for_message(lambda m: (m.text or "").startswith("💬"))
    relayed = await amina.wait_for_message()
    body = relayed.text or ""
    assert body.startswith("[ar] ") and ANSWER in body
    assert "gemeente" in body.split("\n")[0]  # a glossary term survives the round trip
    assert (
        t(app, "Machine translation ({provider}). The original text:", "ar").format(
            provider="DeepL"
        )
        in body
    )
    quotes = [e for e in relayed.entities if e["type"] == "expandable_blockquote"]
    assert len(quotes) == 1
    utf16 = body.encode("utf-16-le")  # entity offsets count UTF-16 code units
    quoted = utf16[2 * quotes[0]["offset"] : 2 * (quotes[0]["offset"] + quotes[0]["length"])]
    assert quoted.decode("utf-16-le") == ANSWER
    requests = len(deepl.translate_requests())

    # "=" sends a text untranslated; "!" notes are neither translated nor relayed.
    await coordinator.send_text("=Tot morgen, Amina!", chat=group, thread_id=thread)
    await amina.wait_for_message(lambda m: (m.text or "").startswith("💬"))
    assert (await amina.wait_for_message()).text == "Tot morgen, Amina!"
    await coordinator.send_text(
        "!intern: nog navragen bij de gemeente", chat=group, thread_id=thread
    )
    await app.settled()
    assert not any("navragen" in (m.text or "") for m in amina.bot_messages())
    assert not any("navragen" in sent for sent in deepl.texts_sent())
    assert len(deepl.translate_requests()) == requests

    # The same text again (a follow-up) is translated from the cache: no new request.
    await amina.reply(relayed, ARABIC)
    await wait_text(amina, "#")
    again = await group.wait_for_message(
        lambda m: m.text == ARABIC and m.message_id != copy.message_id, thread_id=thread
    )
    cached = await group.wait_for_message(
        lambda m: m.reply_to_message_id == again.message_id, thread_id=thread
    )
    assert cached.text == note.text
    assert len(deepl.translate_requests()) == requests

    # /myquestions shows the answer in Arabic from the cache, labelled, the original kept;
    # the answer sent untranslated has no translation yet: it is translated now.
    await amina.send_text("/myquestions")
    listed = await amina.wait_for_message(lambda m: (m.text or "").startswith("#"))
    lines = (listed.text or "").split("\n")
    label = t(app, "Machine translation ({provider}). The original text:", "ar")
    at = lines.index("🌐 " + label.format(provider="DeepL"))
    assert lines[at - 1] == t(app, "Answer", "ar") + ": " + body.split("\n")[0]
    assert lines[at + 1] == ANSWER
    quoted = [e for e in listed.entities if e["type"] == "expandable_blockquote"]
    assert len(quoted) == 2
    assert lines.count("🌐 " + label.format(provider="DeepL")) == 2
    assert lines[lines.index("Tot morgen, Amina!") - 2].startswith(
        t(app, "Answer", "ar") + ": [ar] "
    )
    assert not any("Onderwijsloket" in sent for sent in deepl.texts_sent()[-1:])  # cached
    assert len(deepl.translate_requests()) == requests + 1
    requests += 1

    # A Tigrinya speaker's question goes through Azure (DeepL has no Tigrinya).
    yonas = emulator.create_user("Yonas", language_code="ti")
    await add_member(app, yonas, "ti", "Yonas")
    await ask(app, yonas, "ti", "Education", TIGRINYA)
    await wait_text(yonas, "Twente")
    _thread, _copy, ti_note = await question_in_topic(group, TIGRINYA)
    assert "Azure" in (ti_note.text or "") and "[nl] " in (ti_note.text or "")
    assert ("ti", "nl") in azure.pairs_sent()
    assert not any(source == "TI" for source, _target in deepl.pairs_sent())
    assert await pending_count(app) == 0


@pytest.mark.parametrize("providers", ["libretranslate"])
async def test_a_language_the_provider_lacks_arrives_at_once_labelled(
    emulator: Emulator, app: RunningBot, libre: LibreTranslateServer
) -> None:
    pool = await bridge_pool(emulator, app, "ti", "Yonas")
    assert pool.group is not None
    await ask(app, pool.member, "ti", "Housing", TIGRINYA)
    await wait_text(pool.member, "Twente")
    thread, _copy, note = await question_in_topic(pool.group, TIGRINYA)
    assert note.text == "🌐 " + t(app, "No machine translation available.", "nl")
    assert "[nl]" not in pool.group.topics[thread].name
    assert libre.translate_requests() == []  # a pair the server lacks is never sent
    assert await pending_count(app) == 0


async def test_an_outage_loses_nothing_and_the_late_translation_is_added(
    emulator: Emulator, app: RunningBot, deepl: DeepLServer
) -> None:
    pool = await bridge_pool(emulator, app, "ar", "Amina")
    assert pool.group is not None
    amina, coordinator, group = pool.member, pool.coordinator, pool.group

    # 5xx: the original goes at once, labelled; the retry job adds the translation.
    deepl.fail_next(1, status=500)
    await ask(app, amina, "ar", "Education", ARABIC)
    await wait_text(amina, "Twente")
    thread, copy, note = await question_in_topic(group, ARABIC)
    assert note.text == "🌐 " + t(app, "Machine translation follows.", "nl")
    assert await pending_count(app) == 1
    assert await jobs.retry_translations(app.job_context(), everything=True) == 1
    late = await group.wait_for_message(
        lambda m: "[nl] " in (m.text or "") and m.reply_to_message_id == copy.message_id,
        thread_id=thread,
    )
    assert "DeepL" in (late.text or "")
    assert await pending_count(app) == 0

    # A provider that hangs: the answer goes at once, untranslated and labelled.
    translator(app).quick_wait = 0.3
    deepl.hang_next(1)
    started = asyncio.get_running_loop().time()
    await coordinator.send_text(ANSWER, chat=group, thread_id=thread)
    await amina.wait_for_message(lambda m: (m.text or "").startswith("💬"))
    original = await amina.wait_for_message()
    assert original.text == ANSWER
    label = await amina.wait_for_message(lambda m: m.reply_to_message_id == original.message_id)
    assert label.text == "🌐 " + t(app, "Machine translation follows.", "ar")
    assert asyncio.get_running_loop().time() - started < app.settings.translation_timeout
    assert await pending_count(app) == 1
    await translator(app).idle()  # the hung request times out in the background
    assert await jobs.retry_translations(app.job_context(), everything=True) == 1
    translated = await amina.wait_for_message(
        lambda m: (
            (m.text or "").startswith("[ar] ") and m.reply_to_message_id == original.message_id
        )
    )
    assert ANSWER not in (translated.text or "")  # the original is the message above
    assert t(app, "Machine translation ({provider}) of the message above.", "ar").format(
        provider="DeepL"
    ) in (translated.text or "")
    assert await pending_count(app) == 0
    assert await jobs.retry_translations(app.job_context(), everything=True) == 0

    # A slow provider: the original goes after the short wait; the translation is added
    # as soon as it arrives, without waiting for the retry job.
    deepl.slow_next(1, seconds=1.0)
    await amina.reply(original, "وماذا عن المواصلات إلى المدرسة؟")
    follow = await group.wait_for_message(
        lambda m: m.text == "وماذا عن المواصلات إلى المدرسة؟", thread_id=thread
    )
    await group.wait_for_message(
        lambda m: (
            m.reply_to_message_id == follow.message_id
            and m.text == "🌐 " + t(app, "Machine translation follows.", "nl")
        ),
        thread_id=thread,
    )
    arrived = await group.wait_for_message(
        lambda m: m.reply_to_message_id == follow.message_id and "[nl] " in (m.text or ""),
        thread_id=thread,
    )
    assert "DeepL" in (arrived.text or "")
    await translator(app).idle()
    assert await pending_count(app) == 0

    # /myquestions never waits long for a provider that hangs: the list comes at once, with
    # the cached translation and the new answer in the original.
    await coordinator.send_text("=Neem je paspoort mee.", chat=group, thread_id=thread)
    await amina.wait_for_message(lambda m: m.text == "Neem je paspoort mee.")
    deepl.hang_next(1)
    started = asyncio.get_running_loop().time()
    await amina.send_text("/myquestions")
    listed = await amina.wait_for_message(lambda m: (m.text or "").startswith("#"))
    assert asyncio.get_running_loop().time() - started < app.settings.translation_timeout
    lines = (listed.text or "").split("\n")
    assert t(app, "Answer", "ar") + ": Neem je paspoort mee." in lines
    label = t(app, "Machine translation ({provider}). The original text:", "ar")
    assert lines[lines.index("🌐 " + label.format(provider="DeepL")) + 1] == ANSWER
    await translator(app).idle()


async def test_owed_translations_survive_a_restart(
    emulator: Emulator, app: RunningBot, deepl: DeepLServer, settings: Settings
) -> None:
    pool = await bridge_pool(emulator, app, "ar", "Amina")
    assert pool.group is not None
    deepl.fail_next(1, status=503)
    await ask(app, pool.member, "ar", "Work", ARABIC)
    await wait_text(pool.member, "Twente")
    thread, copy, _note = await question_in_topic(pool.group, ARABIC)
    assert await pending_count(app) == 1
    # What a new leader process would have: its own engine, bot and bridge (the first
    # process's memory plays no part), and the pending row in the database.
    engine = create_engine(settings.database_url)
    bot = create_bot(settings)
    try:
        async with Bridge.from_settings(settings) as bridge:
            context = JobContext(bot, create_session_factory(engine), settings, app.i18n, bridge)
            assert await jobs.retry_translations(context, everything=True) == 1
    finally:
        await bot.session.close()
        await engine.dispose()
    await pool.group.wait_for_message(
        lambda m: "[nl] " in (m.text or "") and m.reply_to_message_id == copy.message_id,
        thread_id=thread,
    )


async def test_mydata_lists_and_delete_erases_translations_and_the_notice_names_the_services(
    emulator: Emulator, app: RunningBot
) -> None:
    pool = await bridge_pool(emulator, app, "ar", "Amina")
    assert pool.group is not None
    amina = pool.member
    await ask(app, amina, "ar", "Education", ARABIC)
    await wait_text(amina, "Twente")
    thread, _copy, _note = await question_in_topic(pool.group, ARABIC)
    await pool.coordinator.send_text(ANSWER, chat=pool.group, thread_id=thread)
    await amina.wait_for_message(lambda m: (m.text or "").startswith("[ar] "))
    await app.settled()

    await amina.send_command("/mydata")
    line = app.i18n.gettext(
        "{count} machine translation of your texts is stored.",
        "{count} machine translations of your texts are stored.",
        2,
        locale="ar",
    ).format(count=2)
    await wait_text(amina, line)
    async with app.session_factory() as session:
        member = await session.scalar(select(Member).where(Member.telegram_id == amina.id))
        assert member is not None
        exported = await privacy.export(session, member, app.settings)
        assert {
            (x["from"], x["to"], x["translated_by"]) for x in exported["machine_translations"]
        } == {
            ("ar", "nl", "deepl"),
            ("nl", "ar", "deepl"),
        }

    # The notice names the services; a changed set of providers asks everyone again.
    await amina.send_command("/privacy")
    shown = await wait_text(amina, "DeepL, Microsoft Azure AI Translator")
    assert "<b>" not in (shown.text or "")
    async with app.session_factory() as session:
        revision = notice_version() - NOTICE_VERSION  # the base version plus the revision
        stated = notice.facts(app.settings)
        assert await notice.sync_revision(session, ("deepl", "azure"), stated) == revision
        await session.rollback()
        raised = await notice.sync_revision(session, ("azure",), stated)
        assert raised == revision + 1  # one higher than now
        await session.rollback()
        await session.execute(update(Member).values(consent_version=notice_version() - 1))
        await session.commit()
    await amina.send_command("/ask")
    await wait_text(
        amina,
        t(app, "Our privacy notice has changed. Please read it and tell us if you agree.", "ar"),
    )
    async with app.session_factory() as session:
        await session.execute(update(Member).values(consent_version=notice_version()))
        await session.commit()

    # /delete erases the member's cached translations.
    await amina.send_command("/delete")
    await amina.wait_for_message(lambda m: len(m.button_texts) == 2)
    await amina.press(t(app, "Yes, delete everything", "ar"))
    await amina.wait_for_message(lambda m: "/start" in (m.text or ""))
    await app.settled()
    async with app.session_factory() as session:
        assert await session.scalar(select(func.count()).select_from(CachedTranslation)) == 0


async def test_captions_long_answers_and_private_cards(
    emulator: Emulator, app: RunningBot, deepl: DeepLServer
) -> None:
    pool = await bridge_pool(emulator, app, "ar", "Amina")
    assert pool.group is not None
    amina, coordinator, group = pool.member, pool.coordinator, pool.group

    # A photo's caption is translated like a text, under the copied photo.
    await amina.send_text("/ask")
    await amina.wait_for_message(lambda m: bool(m.button_texts))
    await amina.press(t(app, "Housing", "ar"))
    await amina.wait_for_edit()
    await amina.send_photo(caption="هذه الرسالة من البلدية")
    await amina.wait_for_message(lambda m: "📨" in " ".join(m.button_texts))
    await amina.press(lambda b: b["text"].startswith("📨"))
    await wait_text(amina, "Twente")
    photo = await group.wait_for_message(lambda m: m.media_kind == "photo")
    note = await group.wait_for_message(lambda m: m.reply_to_message_id == photo.message_id)
    assert "[nl] " in (note.text or "") and "DeepL" in (note.text or "")
    thread = photo.thread_id

    # The coordinator's photo goes as it is, its caption translated in a reply.
    await coordinator.send_photo(caption="Vul dit formulier in.", chat=group, thread_id=thread)
    await amina.wait_for_message(lambda m: (m.text or "").startswith("💬"))
    copied = await amina.wait_for_message(lambda m: m.media_kind == "photo")
    assert copied.caption == "Vul dit formulier in."
    reply = await amina.wait_for_message(lambda m: m.reply_to_message_id == copied.message_id)
    assert (reply.text or "").startswith("[ar] ")

    # An answer too long to send with its translation in one message: the original first,
    # then the translation as a reply to it.
    long_answer = " ".join(["Lees de brief van de gemeente rustig door."] * 70)
    await coordinator.send_text(long_answer, chat=group, thread_id=thread)
    await amina.wait_for_message(lambda m: (m.text or "").startswith("💬"))
    original = await amina.wait_for_message()
    assert original.text == long_answer
    translated = await amina.wait_for_message(
        lambda m: m.reply_to_message_id == original.message_id
    )
    assert (translated.text or "").startswith("[ar] ") and len(translated.text or "") < 4096


async def test_private_cards_get_the_translation_in_the_coordinators_language(
    emulator: Emulator, app: RunningBot
) -> None:
    pool = await make_pool(emulator, app, "ar", linked=False, name="Amina")
    async with app.session_factory() as session:
        await session.execute(update(Member).values(consent_version=notice_version()))
        coordinator = Member(telegram_id=pool.coordinator.id, language="en", status="active",
                             consent_version=notice_version())  # fmt: skip
        session.add(coordinator)
        await session.commit()
    await ask(app, pool.member, "ar", "Money and benefits", ARABIC)
    await wait_text(pool.member, "Twente")
    copy = await pool.coordinator.wait_for_message(lambda m: m.text == ARABIC)
    note = await pool.coordinator.wait_for_message(
        lambda m: m.reply_to_message_id == copy.message_id
    )
    label = t(app, "Machine translation from {language} ({provider}):", "en")
    assert (note.text or "").startswith("🌐 " + label.format(language="العربية", provider="DeepL"))
    # /delete also removes the translation of the member's words from the private chat.
    await pool.member.send_command("/delete")
    await pool.member.wait_for_message(lambda m: len(m.button_texts) == 2)
    await pool.member.press(t(app, "Yes, delete everything", "ar"))
    await pool.member.wait_for_message(lambda m: "/start" in (m.text or ""))
    await app.settled()
    assert copy.deleted and note.deleted


async def test_the_leader_retries_owed_translations_and_reads_languages_daily(
    app: RunningBot, deepl: DeepLServer, azure: AzureServer
) -> None:
    from bot.features import leader_services

    _services, scheduler = leader_services(
        app.bot, app.session_factory, app.settings, app.i18n, bridge=app.bridge
    )
    await scheduler.start()
    try:
        assert scheduler.has_job(jobs.TRANSLATIONS_JOB_ID)
        assert scheduler.has_job(jobs.LANGUAGES_JOB_ID)
    finally:
        await scheduler.stop()
    reads = len([r for r in deepl.requests if r.method == "GET"])
    await jobs.refresh_languages(scheduler)
    assert len([r for r in deepl.requests if r.method == "GET"]) > reads
    assert any(r.method == "GET" for r in azure.requests)


def test_a_topic_name_with_a_translated_summary_stays_within_128_characters() -> None:
    from bot.i18n import create_i18n
    from bot.questions.render import InboxViews
    from db.models import Question

    i18n = create_i18n("nl")
    views = InboxViews(i18n)
    question = Question(id=12345, topic="education", language="ar")
    member = Member(id=7, display_name="Amina " * 5)
    with i18n.context():
        name = views.topic_name("nl", question, member, "Hoe vind ik " + "een school " * 30)
        plain = views.topic_name("nl", question, member, None)
    assert len(name) <= 128 and name.endswith("…") and " · Hoe vind ik een school" in name
    assert plain.endswith("Amina ")
