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
    Region,
    ReplyTemplate,
    ReplyTemplateText,
    ReplyTemplateUse,
)
from expertpool_sandbox.harness import RunningBot
from tests.e2e.conftest import ADMIN_ID
from tests.e2e.people import t, wait_text
from tests.e2e.test_bridge_inbox import (  # noqa: F401 (fixtures: the providers, the settings)
    add_member,
    azure,
    bridge_pool,
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

    # A second press on the same preview sends nothing again.
    again = await coordinator.press_callback_data(
        tpl(TemplateAction.SEND, q=number, t_=template.id), sent
    )
    assert again.answer is not None
    await app.settled()
    assert len([m for m in amina.bot_messages() if (m.text or "").startswith("💬")]) == 1

    # The Arabic draft accepted in /templates: the next preview says it is reviewed.
    await coordinator.send_text("/templates")
    listed = await coordinator.wait_for_message(
        lambda m: any(b.startswith("huisarts ·") for b in m.button_texts)
    )
    await coordinator.press(lambda b: b["text"].startswith("huisarts"), listed)
    overview = await coordinator.wait_for_edit(listed)
    await coordinator.press("✅ ar", overview)
    await coordinator.wait_for_edit(listed, lambda m: "✅ ar" not in m.button_texts)
    await coordinator.send_text("/t huisarts", chat=group, thread_id=thread)
    preview_again = await group.wait_for_message(
        lambda m: any(b.startswith("📨") for b in m.button_texts), thread_id=thread
    )
    assert (preview_again.text or "").split("\n")[1].startswith("✅")
    await coordinator.press(t(app, "Cancel", "nl"), preview_again)

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


async def test_template_add_edit_a_language_and_use_it_with_t(
    emulator: Emulator, app: RunningBot
) -> None:
    pool = await bridge_pool(emulator, app, "ti", "Yonas")
    assert pool.group is not None
    yonas, coordinator, group = pool.member, pool.coordinator, pool.group

    # Another command on the way leaves the template unmade and runs.
    await coordinator.send_text("/template_add")
    await wait_text(coordinator, "huisarts")
    await coordinator.send_text("/questions")
    await wait_text(coordinator, t(app, "Stopped. Nothing was saved.", "nl"))
    await wait_text(coordinator, t(app, "No open questions.", "nl"))
    await coordinator.send_text("geen naam")  # not taken as the template's name
    await coordinator.wait_for_message()
    async with app.session_factory() as session:
        assert await session.scalar(select(func.count()).select_from(ReplyTemplate)) == 0

    # /template_add: one region, so straight to the name; a bad name is explained.
    await coordinator.send_text("/template_add")
    await wait_text(coordinator, "huisarts")
    await coordinator.send_text("two words")
    await wait_text(coordinator, "32")
    await coordinator.send_text("Welkom")
    picker = await coordinator.wait_for_message(lambda m: t(app, "Housing", "nl") in m.button_texts)
    await coordinator.press(t(app, "Housing", "nl"), picker)
    await wait_text(coordinator, "{question_number}")
    await coordinator.send_sticker()
    again = t(app, "Please send a text, or a photo or document with a caption.", "nl")
    await wait_text(coordinator, again)  # not a text: asked again, nothing lost
    await coordinator.send_document(
        b"%PDF-1.4 ...", "wonen.pdf", caption="Welkom {name} in {region}!"
    )
    saved = await wait_text(coordinator, "welkom")
    assert (saved.text or "").startswith("✅")

    # /templates: the overview; the Tigrinya text written by hand.
    await coordinator.send_text("/templates")
    listed = await coordinator.wait_for_message(
        lambda m: any(b.startswith("welkom ·") for b in m.button_texts)
    )
    await coordinator.press(lambda b: b["text"].startswith("welkom"), listed)
    overview = await coordinator.wait_for_edit(listed)
    assert "Tigrinya" in (overview.text or "") or "ትግርኛ" in (overview.text or "")
    await coordinator.press("✏️ ti", overview)
    await wait_text(coordinator, "/cancel")
    await coordinator.send_text("ሰላም {name}፣ ናብ {region} እንቋዕ ብደሓን መጻእካ!")
    await wait_text(coordinator, t(app, "Saved.", "nl"))
    async with app.session_factory() as session:
        row = await session.get(ReplyTemplateText, (1, "ti"))
        assert row is not None and row.reviewed and row.provider is None

    # Yonas asks; /t welkom in the topic shows the preview; Send delivers it in Tigrinya.
    await ask(app, yonas, "ti", "Housing", "ገዛ ክረክብ ደልየ")
    await wait_text(yonas, "Twente")
    copy = await group.wait_for_message(lambda m: m.text == "ገዛ ክረክብ ደልየ")
    await coordinator.send_text("/t nergens", chat=group, thread_id=copy.thread_id)
    await group.wait_for_message(lambda m: "/templates" in (m.text or ""), thread_id=copy.thread_id)
    await coordinator.send_text("/t welkom", chat=group, thread_id=copy.thread_id)
    preview = await group.wait_for_message(
        lambda m: any(b.startswith("📨") for b in m.button_texts), thread_id=copy.thread_id
    )
    assert "✅" in (preview.text or "") and "Yonas" in (preview.text or "")
    await coordinator.press(lambda b: b["text"].startswith("📨"), preview)
    header = await yonas.wait_for_message(lambda m: (m.text or "").startswith("💬"))
    assert "(" not in (header.text or "")  # in the member's own language: no label
    body = await yonas.wait_for_message()
    assert body.text == "ሰላም Yonas፣ ናብ Twente እንቋዕ ብደሓን መጻእካ!"
    document = await yonas.wait_for_message()
    assert document.media_kind == "document"
    await coordinator.wait_for_edit(preview, lambda m: (m.text or "").startswith("✅"))

    # Deleting it: asked first, then gone.
    await coordinator.send_text("/templates")
    listed = await coordinator.wait_for_message(
        lambda m: any(b.startswith("welkom ·") for b in m.button_texts)
    )
    await coordinator.press(lambda b: b["text"].startswith("welkom"), listed)
    overview = await coordinator.wait_for_edit(listed)
    await coordinator.press(lambda b: b["text"].startswith("🗑"), overview)
    confirm = await coordinator.wait_for_edit(listed)
    await coordinator.press(t(app, "Yes, delete", "nl"), confirm)
    await coordinator.wait_for_edit(listed, lambda m: not m.button_texts)
    async with app.session_factory() as session:
        assert await session.scalar(select(func.count()).select_from(ReplyTemplate)) == 0
        assert await session.scalar(select(func.count()).select_from(ReplyTemplateUse)) == 1


async def test_another_regions_coordinator_neither_sees_nor_uses_templates(
    emulator: Emulator, app: RunningBot
) -> None:
    pool = await bridge_pool(emulator, app, "ar", "Amina")
    assert pool.group is not None
    amina, coordinator, other, group = (
        pool.member,
        pool.coordinator,
        pool.other_coordinator,
        pool.group,
    )
    await ask(app, amina, "ar", "Work", "أبحث عن عمل")
    await wait_text(amina, "Twente")
    copy = await group.wait_for_message(lambda m: m.text == "أبحث عن عمل")
    assert copy.thread_id is not None
    note = await coordinator.send_text(
        "!Kijk op werk.nl, {name}.", chat=group, thread_id=copy.thread_id
    )
    await coordinator.send_text("/save_template werk", chat=group, reply_to=note)
    await group.wait_for_message(lambda m: "werk" in (m.text or ""), thread_id=copy.thread_id)
    question, template = (await _question_ids(app))[0], 1
    async with app.session_factory() as session:
        twente = await session.scalar(select(Region.id).where(Region.code == "twente"))
        assert twente is not None

    # Zwolle's coordinator: an empty list, and every forged button is a dead one.
    await other.send_text("/templates")
    empty = await other.wait_for_message()
    assert (
        t(
            app,
            "No reply templates yet. Make one with /template_add, or reply "
            "/save_template NAME to one of your answers in a question's topic.",
            "nl",
        )
        == empty.text
    )
    forged = [
        tpl(TemplateAction.LIST, q=question),
        tpl(TemplateAction.PICK, q=question, t_=template),
        tpl(TemplateAction.SEND, q=question, t_=template),
        tpl(TemplateAction.SHOW, t_=template),
        tpl(TemplateAction.EDIT, t_=template, lang="ar"),
        tpl(TemplateAction.REVIEW, t_=template, lang="nl"),
        tpl(TemplateAction.DELETE_YES, t_=template),
        tpl(TemplateAction.REGION, t_=twente),
    ]
    for data in forged:
        result = await other.press_callback_data(data, empty)
        assert result.answer is not None and result.answer.get("text") == t(app, STALE, "nl"), data
    # Data no button carries (an unknown action, an id out of range) does not unpack.
    for data in ("tpl:steal:1:1:", f"tpl:send:{question}:99999999999:"):
        result = await other.press_callback_data(data, empty)
        assert result.answer is not None
    # Twente's own coordinator cannot use another region's template on a Twente question.
    async with app.session_factory() as session:
        zwolle = await session.scalar(select(Region).where(Region.code == "zwolle"))
        assert zwolle is not None
        theirs = ReplyTemplate(region_id=zwolle.id, name="zwolle", topic="work", created_by=1)
        session.add(theirs)
        await session.flush()
        session.add(
            ReplyTemplateText(template_id=theirs.id, language="nl", text="Zwolle!", reviewed=True)
        )
        await session.commit()
    card = card_of(group, copy.thread_id)
    result = await coordinator.press_callback_data(
        tpl(TemplateAction.SEND, q=question, t_=theirs.id), card
    )
    assert result.answer is not None and result.answer.get("text") == t(app, STALE, "nl")
    await app.settled()
    assert not any((m.text or "").startswith("💬") for m in amina.bot_messages())
    async with app.session_factory() as session:
        assert await session.scalar(select(func.count()).select_from(ReplyTemplateUse)) == 0
        assert await session.get(ReplyTemplate, template) is not None


async def test_shared_templates_are_the_admins(emulator: Emulator, app: RunningBot) -> None:
    pool = await bridge_pool(emulator, app, "ar", "Amina")
    assert pool.group is not None
    amina, coordinator, other, group = (
        pool.member, pool.coordinator, pool.other_coordinator, pool.group,
    )  # fmt: skip
    admin = emulator.create_user("Admin", language_code="nl", user_id=ADMIN_ID)
    await admin.send_text("/template_add")
    picker = await admin.wait_for_message(lambda m: bool(m.button_texts))
    await admin.press(t(app, "Shared with all regions", "nl"), picker)
    await wait_text(admin, "huisarts")
    await admin.send_text("duo")
    topics = await admin.wait_for_message(lambda m: bool(m.button_texts))
    await admin.press(t(app, "Education", "nl"), topics)
    await wait_text(admin, "{question_number}")
    await admin.send_text("DUO helpt je, {name}.")
    await wait_text(admin, "duo")

    # Both regions' coordinators see it; neither may change it.
    for who in (coordinator, other):
        await who.send_text("/templates")
        listed = await who.wait_for_message(lambda m: bool(m.button_texts))
        await who.press(lambda b: b["text"].startswith("duo"), listed)
        overview = await who.wait_for_edit(listed)
        assert "duo" in (overview.text or "") and not overview.button_texts
        result = await who.press_callback_data(tpl(TemplateAction.DELETE_YES, t_=1), overview)
        assert result.answer is not None and result.answer.get("text") == t(app, STALE, "nl")

    # Twente's coordinator uses it on a Twente question.
    await ask(app, amina, "ar", "Education", "كيف أدفع لـ DUO؟")
    await wait_text(amina, "Twente")
    copy = await group.wait_for_message(lambda m: m.text == "كيف أدفع لـ DUO؟")
    await coordinator.send_text("/t duo", chat=group, thread_id=copy.thread_id)
    preview = await group.wait_for_message(
        lambda m: any(b.startswith("📨") for b in m.button_texts), thread_id=copy.thread_id
    )
    await coordinator.press(lambda b: b["text"].startswith("📨"), preview)
    await amina.wait_for_message(lambda m: (m.text or "").startswith("💬"))
    body = await amina.wait_for_message()
    assert "Amina" in (body.text or "") and "DUO" in (body.text or "")
    async with app.session_factory() as session:
        assert await session.get(ReplyTemplate, 1) is not None
