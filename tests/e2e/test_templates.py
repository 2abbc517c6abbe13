"""Reply templates for coordinators (issue 19), over the emulator: saved from a note in a
question's topic, drafted into Arabic through the language bridge (the stand-in DeepL of
tests/translation_servers.py), sent to an Arabic member and to a Tigrinya member (no
Tigrinya text: the Dutch one with a label), kept from another region's coordinator."""

from __future__ import annotations

import pytest
from sqlalchemy import func, select, update

from bot.callbacks import TemplateAction, TemplateCallback
from bot.i18n import language_name_in
from botapi_emulator import Emulator, SimGroup, SimMessage, SimUser
from db.models import (
    AuditEntry,
    Member,
    Question,
    QuestionMessage,
    ReplyTemplate,
    ReplyTemplateText,
    ReplyTemplateUse,
)
from expertpool_sandbox.harness import RunningBot
from tests.e2e.people import t, wait_text
from tests.e2e.test_bridge_inbox import (  # noqa: F401 (fixtures: the providers, the settings)
    add_member,
    azure,
    bridge_pool,
    deepl,
    libre,
    question_in_topic,
    settings,
)
from tests.e2e.test_questions import ask
from tests.translation_servers import fake_translation

ARABIC = "أين أجد طبيبا؟"
TIGRINYA = "ሓኪም ኣበይ ክረክብ?"
NOTE = "!Hallo {name}, bel de huisarts in {municipality} & noem vraag {question_number}."
DUTCH = "Hallo {name}, bel de huisarts in {municipality} & noem vraag {question_number}."
STALE = "This button no longer works. Send /start to continue."


@pytest.fixture
def providers() -> str:
    return "deepl"  # Arabic but no Tigrinya: a Tigrinya member gets the Dutch text


def tpl(action: TemplateAction, q: int = 0, t_: int = 0, lang: str = "") -> str:
    return TemplateCallback(action=action, q=q, t=t_, lang=lang).pack()


def card_of(group: SimGroup, thread: int) -> SimMessage:
    return group.bot_messages(thread_id=thread)[0]


async def send_template(
    coordinator: SimUser, group: SimGroup, thread: int, name: str
) -> tuple[str, SimMessage]:
    """Templates on the card, then `name`: returns the preview's text and the message that
    says what was sent (the same message, edited)."""
    await coordinator.press(lambda b: b["text"].startswith("📋"), card_of(group, thread))
    choices = await group.wait_for_message(lambda m: name in m.button_texts, thread_id=thread)
    await coordinator.press(name, choices)
    preview = await coordinator.wait_for_edit(choices)
    shown = preview.text or ""
    await coordinator.press(lambda b: b["text"].startswith("📨"), preview)
    sent = await coordinator.wait_for_edit(choices, lambda m: (m.text or "").startswith("✅"))
    return shown, sent


async def test_a_template_saved_from_a_note_reaches_arabic_and_tigrinya_members(
    emulator: Emulator, app: RunningBot
) -> None:
    pool = await bridge_pool(emulator, app, "ar", "Amina")
    assert pool.group is not None
    amina, coordinator, group = pool.member, pool.coordinator, pool.group
    async with app.session_factory() as session:
        await session.execute(update(Member).values(municipality_text="Enschede <Oost>"))
        await session.commit()
    await ask(app, amina, "ar", "Health", ARABIC)
    await wait_text(amina, "Twente")
    thread, _copy, _note = await question_in_topic(group, ARABIC)

    # An internal note with a photo, saved as a template by replying to it.
    note = await coordinator.send_photo(caption=NOTE, chat=group, thread_id=thread)
    await coordinator.send_text("/save_template Huisarts", chat=group, reply_to=note)
    saved = await group.wait_for_message(lambda m: "huisarts" in (m.text or ""), thread_id=thread)
    assert (saved.text or "").startswith("✅")
    async with app.session_factory() as session:
        template = await session.scalar(select(ReplyTemplate))
        assert template is not None
        assert (template.name, template.topic, template.attachment_kind) == (
            "huisarts", "health", "photo",
        )  # fmt: skip
        texts = {
            r.language: r
            for r in await session.scalars(
                select(ReplyTemplateText).where(ReplyTemplateText.template_id == template.id)
            )
        }
    assert texts["nl"].text == DUTCH and texts["nl"].reviewed
    assert not texts["ar"].reviewed and texts["ar"].provider == "deepl"
    assert "ti" not in texts  # DeepL has no Tigrinya
    assert "{name}" in texts["ar"].text  # the variables are kept from the machine
    # Nothing of the note reached the member.
    assert not any("huisarts" in (m.text or m.caption or "") for m in amina.bot_messages())

    # The card's Templates button: the Arabic draft, marked as a draft, then sent.
    preview, sent = await send_template(coordinator, group, thread, "huisarts")
    assert "📝" in preview
    number = (await _question_ids(app))[0]
    header = await amina.wait_for_message(lambda m: (m.text or "").startswith("💬"))
    assert header.text == "💬 " + t(app, "Answer to your question #{number}", "ar").format(
        number=number
    )
    body = await amina.wait_for_message()
    filled = (
        texts["ar"].text.replace("{name}", "Amina").replace("{municipality}", "Enschede <Oost>")
        .replace("{question_number}", str(number))
    )  # fmt: skip
    assert filled.startswith(fake_translation("Hallo", "ar"))  # the Arabic draft, filled
    assert (body.text or "").startswith(filled + "\n\n🌐")
    assert "DeepL" in (body.text or "")  # the member sees it is a machine translation
    photo = await amina.wait_for_message()
    assert photo.media_kind == "photo"
    assert (sent.text or "").startswith("✅")
    assert language_name_in("ar", "nl") in (sent.text or "")

    # A Tigrinya member: no Tigrinya text, so the Dutch one with "(in Dutch)" in Tigrinya.
    yonas = emulator.create_user("Yonas", language_code="ti")
    await add_member(app, yonas, "ti", "Yonas")
    await ask(app, yonas, "ti", "Health", TIGRINYA)
    await wait_text(yonas, "Twente")
    copy = await group.wait_for_message(lambda m: m.text == TIGRINYA)
    assert copy.thread_id is not None
    preview, sent = await send_template(coordinator, group, copy.thread_id, "huisarts")
    assert "⚠️" in preview
    header = await yonas.wait_for_message(lambda m: (m.text or "").startswith("💬"))
    said = t(app, "(in {language})", "ti").format(language=language_name_in("nl", "ti"))
    assert (header.text or "").endswith(said)
    body = await yonas.wait_for_message()
    assert (body.text or "").startswith("Hallo Yonas, bel de huisarts in")
    assert "DeepL" not in (body.text or "")
    assert (await yonas.wait_for_message()).media_kind == "photo"
    assert language_name_in("nl", "nl") in (sent.text or "")

    await app.settled()
    async with app.session_factory() as session:
        uses = list(await session.scalars(select(ReplyTemplateUse).order_by(ReplyTemplateUse.id)))
        assert [(u.language, u.fallback) for u in uses] == [("ar", False), ("nl", True)]
        statuses = list(await session.scalars(select(Question.status).order_by(Question.id)))
        assert statuses == ["answered", "answered"]
        audited = await session.scalar(
            select(func.count()).select_from(AuditEntry).where(AuditEntry.action == "template_use")
        )
        assert audited == 2
        rows = await session.scalar(
            select(func.count())
            .select_from(QuestionMessage)
            .where(QuestionMessage.kind == "template")
        )
        assert rows == 2

    # /stats counts them.
    await coordinator.send_text("/stats")
    stats = await wait_text(coordinator, "Twente")
    assert t(app, "Answers sent from templates: {count}", "nl").format(count=2) in (
        stats.text or ""
    )


async def _question_ids(app: RunningBot) -> list[int]:
    async with app.session_factory() as session:
        return list(await session.scalars(select(Question.id).order_by(Question.id)))
