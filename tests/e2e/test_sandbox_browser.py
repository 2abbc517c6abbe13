"""The sandbox: its page in headless Chromium, its API, and a restart keeping the chats.

The browser test needs the `playwright` Python package (test extras) and Debian's Chromium
(`apt-get install chromium`); Playwright's own browser download is not used. Without them
the test skips locally and fails in CI (CI=true), where .ci/run installs Chromium.
Screenshots of both chats go to test-artifacts/.
"""

from __future__ import annotations

import importlib.util
import os
import re
from collections.abc import AsyncIterator
from pathlib import Path
from typing import TYPE_CHECKING, Any

import aiohttp
import pytest
from sqlalchemy import select

from db.models import VolunteerPair
from expertpool_sandbox.stack import Sandbox

if TYPE_CHECKING:
    from playwright.async_api import Locator, Page

CHROMIUM = Path(os.environ.get("CHROMIUM_PATH", "/usr/bin/chromium"))
ARTIFACTS = Path(__file__).resolve().parents[2] / "test-artifacts"
# The machine's network is closed: no background requests, no sandbox (we run as root).
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]
SKIP_TO_NEXT_STEP = """([label, before]) =>
    !document.getElementById("reply-keyboard").hidden ||
    [...document.querySelectorAll(".row")].some((row) =>
        Number(row.dataset.messageId) > before &&
        [...row.querySelectorAll(".inline-button")].some((b) => b.textContent === label))"""


@pytest.fixture
async def sandbox(tmp_path: Path) -> AsyncIterator[Sandbox]:
    async with Sandbox(tmp_path / "sandbox", port=0) as running:
        yield running
        assert running.emulator is not None
        running.emulator.assert_no_rejections()


def _browser_missing() -> str | None:
    if importlib.util.find_spec("playwright") is None:
        return "the playwright package is not installed (pip install -e '.[test]')"
    if not CHROMIUM.exists():
        return f"Chromium is not installed at {CHROMIUM} (apt-get install chromium)"
    return None


@pytest.fixture
def chromium() -> Path:
    """Debian's Chromium, or skip (locally) / fail (in CI) saying what is missing."""
    missing = _browser_missing()
    if missing is not None:
        if os.environ.get("CI") == "true":
            pytest.fail(f"{missing}; CI must install it (see .ci/run)")
        pytest.skip(missing)
    return CHROMIUM


@pytest.fixture
async def page(chromium: Path, sandbox: Sandbox) -> AsyncIterator[Page]:
    from playwright.async_api import async_playwright

    async with async_playwright() as playwright:
        browser = await playwright.chromium.launch(
            executable_path=str(chromium), args=CHROMIUM_ARGS
        )
        context = await browser.new_context(viewport={"width": 1280, "height": 860})
        page = await context.new_page()
        errors: list[str] = []
        page.on("pageerror", lambda error: errors.append(str(error)))
        try:
            await page.goto(sandbox.url)
            yield page
        finally:
            await browser.close()
        assert not errors, f"JavaScript errors on the page: {errors}"


async def _skip_intake(page: Page, skip: str) -> None:
    """Press Skip on each intake question until the main menu (a reply keyboard) shows."""
    from playwright.async_api import expect

    keyboard = page.locator("#reply-keyboard")
    for _ in range(10):
        button = page.get_by_role("button", name=skip, exact=True).last
        await expect(button.or_(keyboard).first).to_be_visible()
        if await keyboard.is_visible():
            return
        before = await button.evaluate("b => Number(b.closest('.row').dataset.messageId)")
        await button.click()
        await page.wait_for_function(SKIP_TO_NEXT_STEP, arg=[skip, before])
    raise AssertionError("the intake did not end with the main menu")


async def _send(page: Page, text: str) -> None:
    await page.locator("#text-input").fill(text)
    await page.locator("#text-input").press("Enter")


async def _screenshot(page: Page, name: str) -> None:
    """Save the page once passing notices (the bot's button answers) are gone."""
    from playwright.async_api import expect

    await expect(page.locator(".toast")).to_have_count(0)
    ARTIFACTS.mkdir(exist_ok=True)
    await page.screenshot(path=ARTIFACTS / name)


def _bubble(page: Page, side: str, text: str) -> Locator:
    return page.locator(f".row.{side} .text", has_text=text)


async def test_arabic_newcomer_asks_and_the_coordinator_answers_in_the_topic(
    sandbox: Sandbox, page: Page
) -> None:
    from playwright.async_api import expect

    assert sandbox.bot is not None
    i18n = sandbox.bot.i18n

    def ar(msgid: str) -> str:
        return i18n.gettext(msgid, locale="ar")

    # New member → Arabic app → START → العربية → agree → no quotes → Twente → skip the intake.
    await expect(page.locator(".chat-row", has_text="Amina")).to_be_visible()
    await page.get_by_role("button", name="+ New member").click()
    await page.locator("#new-member-language").select_option("ar")
    await page.locator("#new-member-name").fill("Salma")
    await page.get_by_role("button", name="Create").click()
    await expect(page.locator("#chat-title")).to_have_text("Salma")
    await page.get_by_role("button", name="START").click()
    await page.get_by_role("button", name="العربية", exact=True).click()
    await page.get_by_role("button", name="✅ " + ar("I agree"), exact=True).click()
    await page.get_by_role("button", name=ar("No"), exact=True).click()
    await page.get_by_role("button", name="Twente", exact=True).click()
    await _skip_intake(page, ar("Skip"))
    await expect(page.locator("#chat-subtitle")).to_contain_text("Twente")

    # A question typed in Arabic; the bot offers topics; it goes to Twente.
    question = "كيف أجد مدرسة لابني؟"
    await _send(page, question)
    await page.get_by_role("button", name=ar("Education"), exact=True).last.click()
    confirmation = page.locator(".row.in .text").last
    await expect(confirmation).to_contain_text("Twente")
    number = re.search(r"#(\d+)", await confirmation.inner_text())
    assert number is not None, await confirmation.inner_text()
    asked = _bubble(page, "out", question)
    assert await asked.evaluate("el => getComputedStyle(el).direction") == "rtl"

    # The coordinator group: the question has its own topic; answer there.
    await page.locator(".chat-row", has_text="Twente · coördinatoren").click()
    await page.locator(".topic-chip", has_text=f"#{number[1]} ·").click()
    await expect(_bubble(page, "in", question)).to_be_visible()
    # The sandbox's demo translator, clearly labelled, adds a Dutch translation.
    await expect(_bubble(page, "in", "[demo translation] Hoe vind ik een school")).to_be_visible()
    answer = "Het Onderwijsloket van de gemeente helpt je een school te vinden."
    await _send(page, answer)
    delivered = page.locator(".row.out", has_text=answer).locator(".reaction")
    await expect(delivered).to_have_text("👌")  # the bot's sign that the member got it
    await _screenshot(page, "sandbox-coordinator-topic.png")

    # Back in the newcomer's chat, the answer is there.
    await page.locator(".chat-row", has_text="Salma").click()
    await expect(_bubble(page, "in", answer)).to_be_visible()
    await expect(_bubble(page, "in", "[demo translation]")).to_be_visible()  # Arabic + original
    await expect(page.locator(".row.in .text", has_text="💬")).to_be_visible()
    await _screenshot(page, "sandbox-newcomer-chat.png")


async def _get(session: aiohttp.ClientSession, url: str) -> Any:
    async with session.get(url) as response:
        assert response.status == 200, await response.text()
        return await response.json()


async def _post(session: aiohttp.ClientSession, url: str, body: dict[str, Any]) -> Any:
    async with session.post(url, json=body) as response:
        assert response.status == 200, await response.text()
        return await response.json()


async def test_demo_data_page_api_and_a_restart(tmp_path: Path) -> None:
    folder = tmp_path / "sandbox"
    async with Sandbox(folder, port=0) as first, aiohttp.ClientSession() as http:
        listing = await _get(http, first.url + "/sandbox/api/directory")
        chats = {c["title"]: c for c in listing["chats"]}
        assert chats["Amina"]["role"] == "Newcomer · العربية · Twente · active"
        assert chats["Amina"]["rtl"] and chats["Amina"]["reply_keyboard"]
        assert chats["Femke"]["role"] == "Coordinator · Twente"
        # The demo's volunteer translator, and only them, chose their pairs after the intake.
        volunteers = [c["title"] for c in chats.values() if "volunteer" in c["role"]]
        assert volunteers == ["Filmon"]
        assert chats["Filmon"]["role"] == "Newcomer · ትግርኛ · Twente · active · volunteer translator"
        assert first.bot is not None
        async with first.bot.session_factory() as session:
            chosen = await session.execute(select(VolunteerPair.source, VolunteerPair.target))
            assert {tuple(row) for row in chosen} == {
                ("ti", "nl"),
                ("nl", "ti"),
                ("ar", "nl"),
                ("nl", "ar"),
            }
        # Joris asks a volunteer from the card of Yonas's question: the demo volunteer gets it.
        assert first.emulator is not None
        people = {u.first_name: u for u in first.emulator.users.values()}
        zwolle = next(g for g in first.emulator.groups.values() if g.title.startswith("Zwolle"))
        card = next(
            m for m in zwolle.bot_messages() if any(":volunteer" in d for d in m.callback_data)
        )
        await people["Joris"].press(lambda b: b["callback_data"].endswith(":volunteer"), card)
        request = await people["Filmon"].wait_for_message(
            lambda m: any(d.startswith("vreq:") for d in m.callback_data)
        )
        assert "ቅድሚ B1" in (request.text or "") and "Yonas" not in (request.text or "")

        # The privacy notice names the demo translator as a demo, in the member's language.
        amina = people["Amina"]
        await amina.send_text("/privacy")
        demo = "a demo translator running on this computer (no real translation service)"
        named = first.bot.i18n.gettext(demo, locale="ar")
        notice = await amina.wait_for_message(lambda m: named in (m.text or ""))
        assert "LibreTranslate" not in (notice.text or "")
        assert chats["Admin"]["role"] == "Admin"
        rotterdam = chats["Rotterdam · coördinatoren"]
        assert rotterdam["role"] == "Coordinators of Rotterdam"
        assert [t["name"].split(" · [")[0] for t in rotterdam["topics"]] == [
            "#1 · Wonen · uk · Olena"
        ]
        assert "[demo translation]" in rotterdam["topics"][0]["name"]
        assert {a["name"] for a in rotterdam["actors"]} == {"Daan"}

        created = await _post(http, first.url + "/sandbox/api/members", {"language_code": "so"})
        start = {"user_id": created["user_id"], "text": "/start"}
        sent = await _post(http, f"{first.url}/sandbox/api/chats/{created['chat_id']}/send", start)
        assert sent["entities"] == [{"type": "bot_command", "offset": 0, "length": 6}]
        assert first.emulator is not None
        newcomer = first.emulator.users[created["user_id"]]
        picker = await newcomer.wait_for_message()
        assert picker.button_texts[0] == "Soomaali"  # Telegram's language first
        await newcomer.send_photo(caption="sawir")
        await newcomer.wait_for_message()  # the bot's answer to it
        page = await (await http.get(first.url + "/")).text()
        assert '<script type="module" src="/static/app.js">' in page
        transcript_length = len(newcomer.messages())

    async with Sandbox(folder, port=0) as second, aiohttp.ClientSession() as http:
        assert second.emulator is not None
        again = second.emulator.users[created["user_id"]]
        assert len(again.messages()) == transcript_length
        photo = next(m for m in again.messages() if m.media_kind == "photo")
        async with http.get(f"{second.url}/_emulator/files/{photo.file_id}") as response:
            assert response.status == 200
            assert (await response.read()).startswith(b"\x89PNG")
        listing = await _get(http, second.url + "/sandbox/api/directory")
        chats = {c["title"]: c for c in listing["chats"]}
        assert chats["Twente · coördinatoren"]["role"] == "Coordinators of Twente"
        assert len([c for c in listing["chats"] if c["title"] == "Amina"]) == 1
        another = await _post(http, second.url + "/sandbox/api/members", {"first_name": "Noor"})
        assert another["user_id"] > created["user_id"]


AT_THE_END = """() => {
    const list = document.getElementById("messages");
    return list.scrollHeight - list.scrollTop - list.clientHeight < 4;
}"""


async def test_bot_links_stickers_and_video_messages(sandbox: Sandbox, page: Page) -> None:
    """Issue 21: a t.me link to the bot opened a browser error page, the welcome ended up under
    the reply keyboard, and stickers and video messages could not be sent from the page."""
    from playwright.async_api import expect

    assert sandbox.bot is not None and sandbox.emulator is not None
    i18n = sandbox.bot.i18n

    def so(msgid: str) -> str:
        return i18n.gettext(msgid, locale="so")

    await expect(page.locator(".chat-row", has_text="Amina")).to_be_visible()
    await page.get_by_role("button", name="+ New member").click()
    await page.locator("#new-member-language").select_option("so")
    await page.locator("#new-member-name").fill("Sahra")
    await page.get_by_role("button", name="Create").click()
    await expect(page.locator("#chat-title")).to_have_text("Sahra")
    await page.get_by_role("button", name="START").click()
    await expect(page.get_by_role("button", name="Soomaali", exact=True)).to_be_visible()

    # A sticker before any language: it is sent as a sticker; the picker comes again.
    await page.get_by_role("button", name="Send a sticker").click()
    await page.get_by_role("menuitem", name="Sticker 🐢").click()
    await expect(page.locator(".row.out .sticker")).to_have_text("🐢")
    again = _bubble(page, "in", so("Please choose your language first."))
    await expect(again).to_be_visible()
    await page.get_by_role("button", name="Soomaali", exact=True).last.click()
    await page.get_by_role("button", name="✅ " + so("I agree"), exact=True).click()
    await page.get_by_role("button", name=so("No"), exact=True).click()
    await page.get_by_role("button", name="Twente", exact=True).click()
    await _skip_intake(page, so("Skip"))
    # The welcome came with the main menu's keyboard: the chat shows its end, not under it.
    await expect(_bubble(page, "in", "Twente").last).to_be_visible()
    await page.wait_for_function(AT_THE_END, timeout=5000)
    await expect(_bubble(page, "in", "Twente").last).to_be_in_viewport()

    # A video message (a round video note) from a chosen file.
    await page.locator("#video-note-input").set_input_files(
        files=[{"name": "note.mp4", "mimeType": "video/mp4", "buffer": b"\x00\x00\x00\x18ftypmp42"}]
    )
    await expect(page.locator(".row.out video.video_note")).to_have_count(1)
    sahra = next(u for u in sandbox.emulator.users.values() if u.first_name == "Sahra")
    sent = [m.media_kind for m in sahra.messages() if m.sender_id == sahra.id]
    assert sent[-1] == "video_note" and "sticker" in sent

    # A survey invitation's link to this bot sends /start <payload> in this chat; a link to
    # anything else on t.me stays a link that opens elsewhere.
    username = sandbox.emulator.world.bot.username
    await sandbox.bot.bot.send_message(
        sahra.id,
        f'<a href="https://t.me/{username}?start=survey_999">▶️ Start</a> · '
        '<a href="https://t.me/expertpool_news">news</a>',
        parse_mode="HTML",
    )
    start = page.locator(".row.in .text a", has_text="▶️ Start")
    await expect(start).to_be_visible()
    other = page.locator(".row.in .text a", has_text="news")
    assert await other.get_attribute("target") == "_blank"
    await start.click()
    await expect(_bubble(page, "out", "/start survey_999")).to_be_visible()
    assert len(page.context.pages) == 1  # no browser tab opened for it
    # The bot answers that /start (this survey does not exist) under it.
    await expect(page.locator(".row").last).to_have_class(re.compile(r"\brow in\b"))
