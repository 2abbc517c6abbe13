"""Operations over the emulator: /metrics after members' updates, a question (translated),
Bot API faults and a broadcast; an error in a handler told to the member in their language
and to the admins' alert topic once per 10 minutes, with the count of repeats."""

from __future__ import annotations

import logging
import re
from collections.abc import Callable
from datetime import timedelta

import aiohttp
import pytest
from prometheus_client.parser import text_string_to_metric_families
from sqlalchemy import select, update

from bot.broadcast import EngineOptions, service
from bot.broadcast.audience import Audience
from bot.broadcast.content import EVERYONE, Content
from bot.config import Settings
from bot.inbox import store
from bot.members.consent import notice_version
from bot.ops.server import metrics_server
from bot.questions import rules
from botapi_emulator import Emulator, SimUser
from db.base import utcnow
from db.models import Member, Question, Region
from expertpool_sandbox.harness import RunningBot
from tests.e2e.conftest import ADMIN_ID
from tests.e2e.people import t, wait_text
from tests.e2e.test_questions import ask, make_pool
from tests.translation_servers import DeepLServer

SAVED = "Sorry, something went wrong. Your message was saved: you do not need to send it again."
NOT_SAVED = "Sorry, something went wrong. Your message was not saved: please send it again."


async def add_member(app: RunningBot, user: SimUser, language: str) -> None:
    async with app.session_factory() as session:
        twente = await session.scalar(select(Region.id).where(Region.code == "twente"))
        session.add(Member(telegram_id=user.id, language=language, status="active",
                           region_id=twente, display_name=user.first_name,
                           consent_version=notice_version(), joined_at=utcnow()))  # fmt: skip
        await session.commit()


async def scrape(app: RunningBot) -> dict[str, dict[tuple[tuple[str, str], ...], float]]:
    """GET /metrics from the bot's metrics server; sample name -> labels -> value."""
    metrics = app.dispatcher["metrics"]
    async with metrics_server(app.settings, metrics) as port:
        async with aiohttp.ClientSession() as http:
            async with http.get(f"http://127.0.0.1:{port}/metrics") as response:
                assert response.status == 200
                assert response.headers["Content-Type"].startswith("text/plain")
                body = await response.text()
    found: dict[str, dict[tuple[tuple[str, str], ...], float]] = {}
    for family in text_string_to_metric_families(body):
        for sample in family.samples:
            labels = tuple(sorted(sample.labels.items()))
            found.setdefault(sample.name, {})[labels] = sample.value
    return found


def value(found: dict[str, dict[tuple[tuple[str, str], ...], float]], name: str, **labels: str):
    return found.get(name, {}).get(tuple(sorted(labels.items())), 0.0)


async def test_metrics_after_updates_a_question_and_a_broadcast(
    emulator: Emulator, settings_factory: Callable[..., Settings], deepl: DeepLServer
) -> None:
    settings = settings_factory(
        metrics_port=0, quiet_hours="off", question_reminder_hours=24,
        translation_provider="deepl", translation_timeout=3.0,
        deepl_api_url=deepl.url, deepl_api_key=deepl.key,
    )  # fmt: skip
    options = EngineOptions(poll_interval=0.05, progress_interval=60, retry_base=0.01)
    app = await RunningBot.start(settings, broadcaster=options)
    try:
        await emulator.wait_until_polling()
        pool = await make_pool(emulator, app, "ar", name="Amina")
        gone = emulator.create_user("Daan", language_code="nl")
        await add_member(app, gone, "nl")
        async with app.session_factory() as session:  # the notice names the translation service
            await session.execute(update(Member).values(consent_version=notice_version()))
            await session.commit()
        # An Arabic question: stored, translated for the coordinators, open in Twente.
        emulator.faults.fail_next("sendMessage", 500, chat_id=pool.member.id)  # retried
        await ask(app, pool.member, "ar", "Other", "سؤال عن السكن")
        await wait_text(pool.member, "#")
        await app.settled()
        async with app.session_factory() as session:  # asked 30 hours ago: overdue
            await session.execute(update(Question).values(sent_at=utcnow() - timedelta(hours=30)))
            await session.commit()
        # A broadcast to Twente: Amina gets it, Daan blocked the bot.
        emulator.faults.block(gone.id)
        async with app.session_factory() as session:
            twente = await session.scalar(select(Region.id).where(Region.code == "twente"))
            await service.create(
                session, settings, actor=None, audience=Audience(region_ids=(twente,)),
                versions={EVERYONE: Content("text", "Bijeenkomst maandag", 19)},
                now=utcnow(), locale="nl",
            )  # fmt: skip
            await session.commit()
        assert app.broadcaster is not None
        app.broadcaster.wake()
        await wait_text(pool.member, "Bijeenkomst maandag")
        await app.settled()

        found = await scrape(app)
    finally:
        await app.stop()

    assert value(found, "expertpool_updates_total", type="message", outcome="handled") >= 3
    assert value(found, "expertpool_updates_total", type="callback_query", outcome="handled") >= 2
    assert value(found, "expertpool_handler_seconds_count", type="message") >= 3
    assert value(found, "expertpool_last_update_timestamp_seconds") > 0
    assert value(found, "expertpool_bot_api_calls_total", method="sendMessage", result="ok") >= 3
    assert value(found, "expertpool_bot_api_calls_total", method="sendMessage", result="5xx") == 1
    assert value(found, "expertpool_bot_api_calls_total", method="sendMessage", result="403") == 1
    assert value(found, "expertpool_broadcast_deliveries_total", status="sent") == 1
    assert value(found, "expertpool_broadcast_deliveries_total", status="unreachable") == 1
    assert "expertpool_broadcast_queue" in found
    assert value(found, "expertpool_broadcast_queue") == 0
    assert "expertpool_inbox_waiting" in found
    assert value(found, "expertpool_questions_open", region="twente") == 1
    assert value(found, "expertpool_questions_overdue", region="twente") == 1
    assert value(found, "expertpool_questions_open", region="zwolle") == 0
    assert (
        value(found, "expertpool_translations_total", provider="deepl", outcome="translated") >= 1
    )
    assert value(found, "expertpool_leader", instance_id=settings.instance_id) == 1
    assert value(found, "expertpool_ping_seconds", service="database") > 0
    if settings.redis_url:
        assert value(found, "expertpool_ping_seconds", service="redis") > 0
    # No label carries a member, a chat or a text.
    labels = {v for samples in found.values() for key in samples for _, v in key}
    assert not {str(pool.member.id), str(gone.id), "Amina", "سؤال عن السكن"} & labels


class Clock:
    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


@pytest.fixture
def clock() -> Clock:
    return Clock()


async def test_a_handler_error_is_told_to_the_member_and_alerted_once_per_window(
    emulator: Emulator,
    settings_factory: Callable[..., Settings],
    monkeypatch: pytest.MonkeyPatch,
    caplog: pytest.LogCaptureFixture,
    clock: Clock,
) -> None:
    admin = emulator.create_user("Admin", language_code="nl", user_id=ADMIN_ID)
    alerts = emulator.create_group("Beheer", forum=True, admins=[admin])
    topic = await emulator.api("createForumTopic", chat_id=alerts.id, name="Alerts")
    thread = topic["message_thread_id"]
    settings = settings_factory(alert_chat_id=alerts.id, alert_thread_id=thread)
    app = await RunningBot.start(settings)
    app.dispatcher["error_reporter"].gate.clock = clock
    caplog.set_level(logging.ERROR, logger="handlers.errors")

    def alerted() -> list[str]:
        return [m.text or "" for m in alerts.topic_messages(thread) if "⚠️" in (m.text or "")]

    def happened(count: int) -> str:
        return app.i18n.gettext(
            "It happened {count} time since the last alert about it.",
            "It happened {count} times since the last alert about it.",
            count,
            locale="nl",
        ).format(count=count)

    async def ask_and_fail() -> None:
        """The member sends /ask, hears it was not saved, and the bot settles."""
        await amina.send_text("/ask")
        await wait_text(amina, t(app, NOT_SAVED, "ar"))
        await app.settled()

    try:
        await emulator.wait_until_polling()
        pool = await make_pool(emulator, app, "ar", name="Amina")
        amina = pool.member

        def broken(member: Member | None) -> Member:
            raise RuntimeError("a bug in require_asker")

        monkeypatch.setattr(rules, "require_asker", broken)
        # Tried three times, then parked: one apology (after the last try), one alert.
        await amina.send_text("/ask")
        assert (await amina.wait_for_message(timeout=15)).text == t(app, NOT_SAVED, "ar")
        await app.settled()
        assert [m.text for m in amina.bot_messages()][-1:] == [t(app, NOT_SAVED, "ar")]
        first = await alerts.wait_in_topic(thread, lambda m: "⚠️" in (m.text or ""))
        assert "handlers.questions.ask" in (first.text or "")
        assert "RuntimeError" in (first.text or "")
        assert "a bug" not in (first.text or "")  # not the exception's text either
        error_id = re.search(r"[0-9a-f]{8}", first.text or "")
        assert error_id is not None
        logged = [r for r in caplog.records if getattr(r, "error_id", None) == error_id[0]]
        assert [r.handler for r in logged] == ["handlers.questions.ask"]  # type: ignore[attr-defined]

        # The same error five minutes later (parked at once this time): only counted.
        monkeypatch.setattr(store, "MAX_ATTEMPTS", 1)
        clock.now += 300
        await ask_and_fail()
        assert len(alerted()) == 1

        # A blocked member's failed reply is no error: nothing alerted.
        emulator.faults.block(amina.id)
        await amina.send_text("/help")
        await app.settled()
        emulator.faults.unblock(amina.id)
        assert len(alerted()) == 1

        # After the window: alerted again, with the count since the first alert (2 more
        # tries of the first update, the second update, this one).
        clock.now += 301
        await ask_and_fail()
        assert len(alerted()) == 2
        assert happened(4) in alerted()[1]

        # An alert Telegram could not take (a 5xx): the next occurrence alerts at once.
        emulator.faults.fail_next("sendMessage", 500, chat_id=alerts.id)
        clock.now += 601
        await ask_and_fail()
        assert len(alerted()) == 2
        await ask_and_fail()
        assert len(alerted()) == 3
        assert happened(2) in alerted()[2]

        # A question part stored before the error: the member hears it was saved.
        monkeypatch.undo()
        monkeypatch.setattr(store, "MAX_ATTEMPTS", 1)
        real_add = rules.add_incoming

        async def add_then_fail(session, draft, kind, text, message_id):  # type: ignore[no-untyped-def]
            await real_add(session, draft, kind, text, message_id)
            await session.commit()
            raise RuntimeError("a bug after storing")

        monkeypatch.setattr(rules, "add_incoming", add_then_fail)
        await amina.send_text("/ask")
        await amina.wait_for_message(lambda m: t(app, "Other", "ar") in m.button_texts)
        await amina.press(t(app, "Other", "ar"))
        await amina.wait_for_edit()
        await amina.send_text("سؤالي عن السكن")
        await wait_text(amina, t(app, SAVED, "ar"))
        await app.settled()
        texts = alerted()
        assert len(texts) == 4 and "handlers.questions.add_to_draft" in texts[3]
        assert all("سؤالي" not in text for text in texts)  # never the member's words
    finally:
        await app.stop()
