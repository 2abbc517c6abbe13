"""Demo data for a first sandbox start, made through the real bot as people would do it.

The admin (listed in ADMIN_IDS) makes one coordinator per region with /coordinator_add;
each coordinator links a forum group with /region_link; newcomers in several languages
onboard by pressing the bot's buttons (one of them volunteers as a translator); two of them
ask a question and one gets an answer in the question's topic. The example surveys in surveys/*.yaml are imported when the
surveys feature is present. A step that fails is logged and skipped, so the sandbox
still starts while features change.
"""

from __future__ import annotations

import importlib
import logging
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from pathlib import Path
from typing import TypeVar

from aiogram.filters.callback_data import CallbackData
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from bot.callbacks import (
    AskTopicCallback,
    ConsentCallback,
    DraftCallback,
    LanguageCallback,
    QuotesCallback,
    RegionCallback,
)
from bot.services.roles import Actor
from bot.surveys.callbacks import DONE, PICK, TOGGLE, IntakeAnswerCallback
from bot.volunteers.service import INTAKE_QUESTION
from bot.volunteers.views import VolunteerAction, VolunteerCallback
from botapi_emulator import Emulator, SimGroup, SimUser
from botapi_emulator.state import BotRights
from botapi_emulator.view import SimMessage
from db.base import utcnow
from db.models import Region
from expertpool_sandbox.harness import RunningBot
from expertpool_sandbox.snapshot import Ids

log = logging.getLogger(__name__)
T = TypeVar("T", bound=CallbackData)

ADMIN_ID = 7_100_000_001  # the sandbox's ADMIN_IDS
ADMIN_NAME = "Admin"
STEP_TIMEOUT = 10.0
MAX_INTAKE_STEPS = 12
SURVEY_FOLDER = Path(__file__).resolve().parents[3] / "surveys"  # the repository's examples

COORDINATORS = {
    "alkmaar": "Sanne",
    "rotterdam": "Daan",
    "twente": "Femke",
    "zwolle": "Joris",
    "friesland": "Wytske",
}


@dataclass(frozen=True)
class Newcomer:
    name: str
    language: str
    region: str
    # Languages they translate to and from Dutch as a volunteer (they say yes in the intake).
    translates: tuple[str, ...] = ()


NEWCOMERS = (
    Newcomer("Amina", "ar", "twente"),
    Newcomer("Olena", "uk", "rotterdam"),
    Newcomer("Yonas", "ti", "zwolle"),
    Newcomer("Reza", "fa", "alkmaar"),
    Newcomer("Hodan", "so", "friesland"),
    Newcomer("Mehmet", "tr", "twente"),
    # A volunteer translator: ask them from the card of Yonas's question (Zwolle), or of
    # any Arabic or Tigrinya question.
    Newcomer("Filmon", "ti", "twente", translates=("ti", "ar")),
)


@dataclass(frozen=True)
class DemoQuestion:
    asker: str
    topic: str
    text: str
    answer: str | None


QUESTIONS = (
    DemoQuestion(
        "Olena",
        "housing",
        "Ми вже вісім місяців живемо в AZC. Як отримати соціальне житло в Роттердамі?",
        "Dag Olena! De gemeente zoekt een huis voor je; je hoeft zelf niets aan te vragen. "
        "Vraag je contactpersoon bij het COA naar de stand van zaken.",
    ),
    DemoQuestion(
        "Yonas",
        "work",
        "ስራሕ ክደሊ ደልየ ኣለኹ። ቅድሚ B1 ምውዳእ ክሰርሕ ይኽእል ድየ?",
        None,
    ),
)


def admin(emulator: Emulator) -> SimUser:
    """The sandbox admin, created before the bot starts so its command menu gets published."""
    existing = emulator.users.get(ADMIN_ID)
    return existing or emulator.create_user(ADMIN_NAME, "en", user_id=ADMIN_ID)


def create_forum(emulator: Emulator, chat_id: int, title: str, owner: SimUser) -> SimGroup:
    """A forum supergroup with the bot as an admin that may manage topics."""
    rights = BotRights(
        status="administrator",
        can_manage_topics=True,
        can_delete_messages=True,
        can_pin_messages=True,
    )
    chat = emulator.world.add_group(
        title, forum=True, members={owner.id: "creator"}, bot_rights=rights, chat_id=chat_id
    )
    group = SimGroup(emulator, chat)
    emulator.groups[group.id] = group
    return group


async def seed(emulator: Emulator, app: RunningBot, ids: Ids) -> None:
    boss = admin(emulator)
    await _step("admin menu", _say(boss, "/admin"))
    regions = await _regions(app.session_factory)
    coordinators: dict[str, tuple[SimUser, SimGroup]] = {}
    for code, name in COORDINATORS.items():
        region = regions.get(code)
        if region is None:
            continue
        coordinator = emulator.create_user(name, "nl", user_id=ids.user())
        group = create_forum(emulator, ids.group(), f"{region.name} · coördinatoren", coordinator)
        coordinators[code] = (coordinator, group)
        await _step(f"coordinator {name}", _make_coordinator(boss, coordinator, group, code))
    people: dict[str, SimUser] = {}
    for newcomer in NEWCOMERS:
        region = regions.get(newcomer.region)
        if region is None:
            continue
        user = emulator.create_user(newcomer.name, newcomer.language, user_id=ids.user())
        people[newcomer.name] = user
        await _step(f"onboarding {newcomer.name}", onboard(user, newcomer, region.id))
        if newcomer.translates:
            await _step(f"volunteer {newcomer.name}", volunteer(user, newcomer))
    for question in QUESTIONS:
        asker = people.get(question.asker)
        region_code = next((n.region for n in NEWCOMERS if n.name == question.asker), "")
        if asker is None or region_code not in coordinators:
            continue
        await _step(
            f"question of {question.asker}",
            _ask_and_answer(asker, *coordinators[region_code], question),
        )
    await import_surveys(app.session_factory, survey_files())
    await app.settled()


async def _step(what: str, work: Awaitable[object]) -> None:
    try:
        await work
    except Exception as exc:  # a feature in flux must not keep the sandbox from starting
        reason = f"{type(exc).__name__}: {str(exc)[:300]}"
        log.warning("sandbox demo step skipped", extra={"step": what, "reason": reason})


async def _regions(session_factory: async_sessionmaker[AsyncSession]) -> dict[str, Region]:
    async with session_factory() as session:
        return {r.code: r for r in await session.scalars(select(Region))}


async def _say(user: SimUser, text: str, chat: object = None) -> SimMessage:
    """Send a command and return the bot's answer."""
    command, _, args = text.partition(" ")
    await user.send_command(command, args, chat=chat)
    return await user.wait_for_message(timeout=STEP_TIMEOUT, chat=chat)


async def _make_coordinator(
    boss: SimUser, coordinator: SimUser, group: SimGroup, code: str
) -> None:
    await _say(boss, f"/coordinator_add {coordinator.id} {code}")
    await coordinator.send_command("/region_link", code, chat=group)
    await group.wait_for_message(timeout=STEP_TIMEOUT)
    await _say(coordinator, "/admin")


def _matching(factory: type[T], test: Callable[[T], bool]) -> Callable[[str], bool]:
    def check(data: str) -> bool:
        try:
            return test(factory.unpack(data))
        except (TypeError, ValueError):
            return False

    return check


async def press(user: SimUser, wanted: Callable[[str], bool]) -> SimMessage:
    """Wait for a bot message with a button whose callback data is `wanted`, and press it."""
    message = await user.wait_for_message(
        lambda m: any(wanted(d) for d in m.callback_data), timeout=STEP_TIMEOUT
    )
    data = next(d for d in message.callback_data if wanted(d))
    await user.press_callback_data(data, message, timeout=STEP_TIMEOUT)
    return message


async def onboard(user: SimUser, newcomer: Newcomer, region_id: int) -> None:
    """Language, consent (no quotes), region, then the intake: one answer per question, the name typed."""
    await user.send_command("/start")
    await press(user, _matching(LanguageCallback, lambda c: c.code == newcomer.language))
    await press(user, _matching(ConsentCallback, lambda c: c.agree))
    await press(user, _matching(QuotesCallback, lambda c: not c.allow))
    await press(user, _matching(RegionCallback, lambda c: c.region_id == region_id))
    for _ in range(MAX_INTAKE_STEPS):
        message = await user.wait_for_message(timeout=STEP_TIMEOUT)
        steps = [c for d in message.callback_data if (c := _intake(d)) is not None]
        if not steps:
            if user.reply_keyboard:
                return
            continue
        await _answer_intake(user, message, steps, newcomer)
    raise RuntimeError("the intake did not finish")


async def volunteer(user: SimUser, newcomer: Newcomer) -> None:
    """After the intake's yes: choose both directions between each language and Dutch."""
    choice = await user.wait_for_message(
        lambda m: any(_volunteering(d) for d in m.callback_data), timeout=STEP_TIMEOUT
    )
    for language in newcomer.translates:
        for to_staff in (True, False):
            data = VolunteerCallback(
                action=VolunteerAction.TOGGLE, lang=language, to_staff=to_staff
            )
            await user.press_callback_data(data.pack(), choice, timeout=STEP_TIMEOUT)
            await user.wait_for_edit(choice, timeout=STEP_TIMEOUT)
    done = VolunteerCallback(action=VolunteerAction.DONE)
    await user.press_callback_data(done.pack(), choice, timeout=STEP_TIMEOUT)
    await user.wait_for_edit(choice, timeout=STEP_TIMEOUT)


def _volunteering(data: str) -> bool:
    try:
        VolunteerCallback.unpack(data)
    except (TypeError, ValueError):
        return False
    return True


def _intake(data: str) -> IntakeAnswerCallback | None:
    try:
        return IntakeAnswerCallback.unpack(data)
    except (TypeError, ValueError):
        return None


async def _answer_intake(
    user: SimUser, message: SimMessage, steps: list[IntakeAnswerCallback], newcomer: Newcomer
) -> None:
    picks = [s for s in steps if s.a == PICK]
    toggles = [s for s in steps if s.a == TOGGLE]
    if picks and picks[0].q == INTAKE_QUESTION:  # only the demo's volunteers say yes
        wanted = "yes" if newcomer.translates else "no"
        choice = next((s for s in picks if s.o == wanted), picks[0])
        await user.press_callback_data(choice.pack(), message, timeout=STEP_TIMEOUT)
    elif picks:
        choice = picks[len(newcomer.name) % len(picks)]
        await user.press_callback_data(choice.pack(), message, timeout=STEP_TIMEOUT)
    elif toggles:
        await user.press_callback_data(toggles[0].pack(), message, timeout=STEP_TIMEOUT)
        await user.wait_for_edit(message, timeout=STEP_TIMEOUT)
        done = next(s for s in steps if s.a == DONE)
        await user.press_callback_data(done.pack(), message, timeout=STEP_TIMEOUT)
    else:  # a question to answer in words: the name
        await user.send_text(newcomer.name)


async def _ask_and_answer(
    asker: SimUser, coordinator: SimUser, group: SimGroup, question: DemoQuestion
) -> None:
    await asker.send_command("/ask")
    await press(asker, _matching(AskTopicCallback, lambda c: c.topic == question.topic))
    await asker.wait_for_edit(timeout=STEP_TIMEOUT)
    await asker.send_text(question.text)
    await press(asker, _matching(DraftCallback, lambda c: c.action == "send"))
    await asker.wait_for_message(timeout=STEP_TIMEOUT)
    topic = await group.wait_for_topic(lambda t: t.name.startswith("#"), timeout=STEP_TIMEOUT)
    await group.wait_for_message(
        lambda m: question.text in m.body, thread_id=topic.message_thread_id, timeout=STEP_TIMEOUT
    )
    if question.answer is not None:
        await coordinator.send_text(question.answer, chat=group, thread_id=topic.message_thread_id)
        # The answer arrives as it is, or machine-translated with the original beneath it.
        await asker.wait_for_message(
            lambda m: question.answer in (m.text or ""), timeout=STEP_TIMEOUT
        )


def survey_files(folder: Path = SURVEY_FOLDER) -> list[tuple[str, bytes]]:
    """The example surveys as (name, bytes)."""
    if not folder.is_dir():
        return []
    return [(path.name, path.read_bytes()) for path in sorted(folder.glob("*.yaml"))]


async def import_surveys(
    session_factory: async_sessionmaker[AsyncSession], files: list[tuple[str, bytes]]
) -> list[str]:
    """Import survey files through bot.surveys as the sandbox admin, if that feature exists."""
    if not files:
        return []
    try:
        library = importlib.import_module("bot.surveys.library")
    except ImportError:
        log.info("surveys feature not available; example surveys not imported")
        return []
    import_text = getattr(library, "import_text", None)
    decode = getattr(library, "decode", lambda data: data.decode("utf-8"))
    if import_text is None:
        return []
    imported = []
    who = Actor(telegram_id=ADMIN_ID, is_admin=True, region_ids=frozenset())
    for name, data in files:
        async with session_factory() as session:
            try:
                await import_text(session, who, decode(data), utcnow())
                await session.commit()
            except Exception as exc:  # a broken example must not stop the sandbox
                log.warning("example survey not imported", extra={"file": name, "reason": str(exc)})
                continue
        imported.append(name)
    return imported
