"""The reviewed multilingual FAQ over the emulator: an answered question becomes an entry
(Dutch and Arabic reviewed, machine drafts through the language bridge), members are offered
it before they send a similar question, read it in their language or the staff language with
a label, and never see drafts; other regions' coordinators and forged buttons get nothing."""

from __future__ import annotations

from collections.abc import AsyncIterator, Callable

import pytest
from sqlalchemy import func, select, update

from bot.callbacks import (
    FaqAction,
    FaqAdminAction,
    FaqAdminCallback,
    FaqCallback,
    FaqFromQuestionCallback,
    FaqOfferAction,
    FaqOfferCallback,
)
from bot.config import Settings
from bot.members.consent import notice_version
from botapi_emulator import Emulator, SimGroup, SimUser
from botapi_emulator.view import SimMessage
from db.base import utcnow
from db.models import FaqDeflection, FaqEntry, FaqRating, FaqText, Member, Question, Region
from expertpool_sandbox.harness import RunningBot
from tests.e2e.conftest import ADMIN_ID
from tests.e2e.people import document_json, t, wait_text
from tests.e2e.test_questions import ask, make_pool
from tests.translation_servers import DeepLServer

DUTCH = "Hoe vraag ik een DigiD aan?\nVraag DigiD aan op digid.nl met uw BSN en adres."
ARABIC = "كيف أحصل على الهوية الرقمية DigiD؟\nاطلبها على موقع digid.nl برقم BSN وعنوانك."
ARABIC_QUESTION = "كيف أحصل على الهوية الرقمية DigiD؟"


@pytest.fixture
async def app(
    emulator: Emulator, settings_factory: Callable[..., Settings], deepl: DeepLServer
) -> AsyncIterator[RunningBot]:
    settings = settings_factory(
        translation_provider="deepl", translation_timeout=3.0,
        deepl_api_url=deepl.url, deepl_api_key=deepl.key,
    )  # fmt: skip
    running = await RunningBot.start(settings)
    await emulator.wait_until_polling()
    yield running
    await running.stop()


async def add_member(app: RunningBot, user: SimUser, language: str, region: str) -> None:
    async with app.session_factory() as session:
        region_id = await session.scalar(select(Region.id).where(Region.code == region))
        session.add(Member(telegram_id=user.id, language=language, status="active",
                           region_id=region_id, display_name=user.first_name,
                           consent_version=notice_version(), joined_at=utcnow()))  # fmt: skip
        await session.commit()


def has_button(prefix: str) -> Callable[[SimMessage], bool]:
    return lambda m: any(data.startswith(prefix) for data in m.callback_data)


async def entry_from_answered_question(
    emulator: Emulator, app: RunningBot
) -> tuple[int, SimUser, SimUser, SimMessage, SimGroup]:
    """An Arabic member's question, answered and closed in Twente's topic; the coordinator
    makes an FAQ entry from its card (Dutch), the bridge drafts the other languages, the
    coordinator writes the Arabic text. Returns the entry id, the coordinator, the other
    region's coordinator and the coordinator's entry card."""
    pool = await make_pool(emulator, app, "ar", name="Amina")
    assert pool.group is not None
    async with app.session_factory() as session:  # the notice names the translation service
        await session.execute(update(Member).values(consent_version=notice_version()))
        await session.commit()
    coordinator, group = pool.coordinator, pool.group
    await ask(app, pool.member, "ar", "Other", "عندي مشكلة مع DigiD، اسمي أمينة وعنواني هنا")
    await wait_text(pool.member, "#")
    topic = await group.wait_for_topic(lambda tp: tp.name.startswith("#"))
    number = int(topic.name[1:].split()[0])
    card = await group.wait_for_message(
        lambda m: "Amina" in (m.text or ""), thread_id=topic.message_thread_id
    )
    assert not has_button("faqq")(card)  # not answered yet
    # Forged before the answer: refused, nothing asked.
    forged = await coordinator.press_callback_data(
        FaqFromQuestionCallback(question_id=number).pack(), card
    )
    assert forged.answer and forged.answer.get("show_alert")
    await coordinator.send_text(
        "Vraag DigiD aan op digid.nl.", chat=group, thread_id=topic.message_thread_id
    )
    await pool.member.wait_for_message(lambda m: "digid.nl" in (m.text or ""))
    # Answered: the card offers "Add to FAQ" at once (the question stays open).
    card = await group.wait_for_edit(card, has_button("faqq"))

    # Another region's coordinator cannot make an entry from it.
    other = await pool.other_coordinator.press_callback_data(
        FaqFromQuestionCallback(question_id=number).pack(), card
    )
    assert other.answer and other.answer.get("show_alert")
    await coordinator.press("📖 " + t(app, "Add to FAQ", "nl"), card)
    await wait_text(coordinator, t(app, "New FAQ entry from question #{number}.", "nl").format(
        number=number
    ))  # fmt: skip
    await coordinator.send_text("Zonder antwoord")  # no answer line: asked again
    await wait_text(coordinator, t(app, "Please send the question on the first line and the answer on the next lines.", "nl"))  # fmt: skip
    await coordinator.send_photo()  # not text: asked again, nothing lost
    await wait_text(coordinator, t(app, "Please send text, or /cancel to stop.", "nl"))
    await coordinator.send_text("Vraag?\n" + "x" * 3001)  # over-long: said so
    await wait_text(coordinator, t(app, "Too long: the question can have at most {question} characters, the answer {answer}.", "nl").split("{")[0])  # fmt: skip
    await coordinator.send_text(DUTCH)
    await coordinator.wait_for_message(has_button("faqa"))
    await coordinator.press(t(app, "Other", "nl"))
    await wait_text(coordinator, "FAQ")
    entry_card = await coordinator.wait_for_message(has_button("faqa:lang"))
    async with app.session_factory() as session:
        entry = await session.scalar(select(FaqEntry).order_by(FaqEntry.id.desc()))
        assert entry is not None and entry.source_question_id == number
        texts = {
            row.language: row
            for row in await session.scalars(select(FaqText).where(FaqText.entry_id == entry.id))
        }
    assert texts["nl"].reviewed_by == coordinator.id and texts["nl"].machine is None
    # Drafts through the bridge where the provider has the language; none reviewed.
    assert texts["tr"].machine == "deepl" and texts["tr"].reviewed_by is None
    assert "ti" not in texts
    # The member's own words are never in the entry.
    assert all("أمينة" not in row.question + row.answer for row in texts.values())

    # The coordinator writes the Arabic text: reviewed by them.
    await coordinator.press("العربية", entry_card)
    view = await coordinator.wait_for_edit(entry_card)
    assert t(app, "machine draft, not shown to members", "nl") in (view.text or "")
    await coordinator.press("✏️ " + t(app, "Write this language", "nl"), view)
    await wait_text(coordinator, "/cancel")
    await coordinator.send_text(ARABIC)
    await wait_text(coordinator, t(app, "Saved. Members can read this text now.", "nl"))
    return entry.id, coordinator, pool.other_coordinator, entry_card, group


async def test_faq_entry_offered_before_sending_and_read_in_every_language(
    emulator: Emulator, app: RunningBot
) -> None:
    found = await entry_from_answered_question(emulator, app)
    entry_id, coordinator, other_coordinator, entry_card, group = found
    async with app.session_factory() as session:
        arabic = await session.scalar(
            select(FaqText).where(FaqText.entry_id == entry_id, FaqText.language == "ar")
        )
        assert arabic is not None and arabic.reviewed_by == coordinator.id
        questions_before = await session.scalar(select(func.count()).select_from(Question))

    # A new Arabic member types a similar question: offered the entry; "Yes, thanks" sends
    # nothing to the coordinators.
    layla = emulator.create_user("Layla", language_code="ar")
    await add_member(app, layla, "ar", "twente")
    await layla.send_text("/ask")
    await layla.wait_for_message(lambda m: bool(m.button_texts))
    await layla.press(t(app, "Other", "ar"))
    await layla.wait_for_edit()
    await layla.send_text("كيف أحصل على DigiD؟")
    await layla.wait_for_message(lambda m: "📨" in " ".join(m.button_texts))
    await layla.press(lambda b: b["text"].startswith("📨"))
    offer = await wait_text(layla, t(app, "Maybe this answers your question?", "ar"))
    assert ARABIC_QUESTION in (offer.text or "")
    await layla.press("📖 " + ARABIC_QUESTION, offer)
    read = await wait_text(layla, "digid.nl")
    assert "برقم BSN" in (read.text or "")
    assert t(app, "This answer is not yet available in your language. Here it is in {language}.", "ar")[:15] not in (read.text or "")  # fmt: skip
    await layla.press("👍", read)
    await layla.press("✅ " + t(app, "Yes, thanks", "ar"), offer)
    await wait_text(layla, t(app, "Good to hear! Your question was not sent. You can ask another one with /ask.", "ar"))  # fmt: skip
    await app.settled()
    async with app.session_factory() as session:
        assert await session.scalar(select(func.count()).select_from(Question)) == questions_before
        assert await session.scalar(select(func.count()).select_from(FaqDeflection)) == 1
        entry = await session.get(FaqEntry, entry_id)
        assert entry is not None and entry.views == 1
    # The old offer's buttons do nothing now.
    stale = await layla.press_callback_data(
        FaqOfferCallback(action=FaqOfferAction.ANSWERED).pack(), offer
    )
    assert stale.answer and stale.answer.get("show_alert")

    # "No, send my question": sent as before, the card shows what was offered.
    karim = emulator.create_user("Karim", language_code="ar")
    await add_member(app, karim, "ar", "twente")
    await ask(app, karim, "ar", "Other", "DigiD كيف أحصل عليه")
    offer = await wait_text(karim, t(app, "Maybe this answers your question?", "ar"))
    await karim.press("📨 " + t(app, "No, send my question", "ar"), offer)
    await wait_text(karim, "Twente")
    card = await group.wait_for_message(lambda m: "Karim" in (m.text or ""))
    offered = t(app, "The member was offered these FAQ answers and sent the question anyway:", "nl")
    assert offered in (card.text or "")
    assert f"#{entry_id} Hoe vraag ik een DigiD aan?" in (card.text or "")

    # A Tigrinya member (no Tigrinya text) reads the Dutch text with a label in Tigrinya; a
    # Turkish member never sees the unreviewed Turkish machine draft.
    for language in ("ti", "tr"):
        reader = emulator.create_user(f"Reader-{language}", language_code=language)
        await add_member(app, reader, language, "twente")
        await reader.send_text("/faq")
        topics = await reader.wait_for_message(has_button("faq:"))
        await reader.press(t(app, "Other", language), topics)
        listing = await reader.wait_for_edit(topics)
        assert listing.button_texts[0] == "Hoe vraag ik een DigiD aan?"
        await reader.press("Hoe vraag ik een DigiD aan?", listing)
        shown = await wait_text(reader, "digid.nl")
        label = t(app, "This answer is not yet available in your language. Here it is in {language}.", language)  # fmt: skip
        assert label.split("{")[0].strip() in (shown.text or "")
        assert "[tr]" not in (shown.text or "")
        if language == "tr":
            await reader.press("👎", shown)
            await reader.wait_for_edit(shown)
            await reader.send_command("/mydata")  # the rating is the member's data
            document = await reader.wait_for_message(lambda m: m.media_kind == "document")
            ratings = document_json(emulator, document)["faq_ratings"]
            assert [(r["faq_entry"], r["rating"]) for r in ratings] == [(entry_id, "down")]

    # Forged member buttons: an entry that does not exist, a topic without entries.
    forged = await karim.press_callback_data(
        FaqCallback(action=FaqAction.READ, entry_id=entry_id + 50).pack(), offer
    )
    assert forged.answer and forged.answer.get("show_alert")
    forged = await karim.press_callback_data(
        FaqCallback(action=FaqAction.TOPIC, topic="work").pack(), offer
    )
    assert forged.answer and forged.answer.get("show_alert")

    # Another region's coordinator: not in their /faq_admin, every forged press refused.
    await other_coordinator.send_text("/faq_admin")
    listing = await other_coordinator.wait_for_message()
    assert not any(f"#{entry_id} " in text for text in listing.button_texts)
    for action in (FaqAdminAction.ENTRY, FaqAdminAction.RETIRE, FaqAdminAction.REVIEW,
                   FaqAdminAction.WRITE, FaqAdminAction.LANGUAGE):  # fmt: skip
        data = FaqAdminCallback(action=action, entry_id=entry_id, language="tr").pack()
        refused = await other_coordinator.press_callback_data(data, entry_card)
        assert refused.answer and refused.answer.get("show_alert"), action
    async with app.session_factory() as session:
        turkish = await session.scalar(
            select(FaqText).where(FaqText.entry_id == entry_id, FaqText.language == "tr")
        )
        entry = await session.get(FaqEntry, entry_id)
        assert turkish is not None and turkish.reviewed_by is None
        assert entry is not None and not entry.retired
        assert (
            await session.scalar(
                select(func.count()).select_from(FaqRating).where(FaqRating.value == "down")
            )
            == 1
        )

    # /stats: deflection, most read, 👎.
    admin = emulator.create_user("Admin", language_code="nl", user_id=ADMIN_ID)
    await admin.send_text("/stats twente")
    stats = await wait_text(admin, "FAQ")
    assert t(app, "Questions answered by the FAQ (not sent): {count}", "nl").format(count=1) in (stats.text or "")  # fmt: skip
    assert f"#{entry_id} Hoe vraag ik een DigiD aan? (" in (stats.text or "")
    assert t(app, "FAQ with 👎: {list}", "nl").split("{")[0] in (stats.text or "")

    # The coordinator of the region retires it: members no longer get it.
    await coordinator.press("◀ " + t(app, "Back", "nl"), entry_card)
    entry_card = await coordinator.wait_for_edit(entry_card, has_button("faqa:retire"))
    await coordinator.press("🗄 " + t(app, "Retire", "nl"), entry_card)
    await coordinator.wait_for_edit(entry_card)
    await karim.send_text("/faq")
    await wait_text(karim, t(app, "There are no answers here yet. You can ask the coordinators with /ask.", "ar"))  # fmt: skip
