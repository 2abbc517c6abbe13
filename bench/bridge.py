"""Language bridge benchmark (not a test): what machine translation adds per question, and
that a provider that hangs does not slow anybody else.

The emulator, the bot (in-process, SQLite) and a DeepL-API stand-in (tests/translation_servers)
run in this process. Phases, each on a fresh database, in the same run:

  off    TRANSLATION_PROVIDER=none: N Arabic questions, one after the other; latency from
         pressing Send to the card in the Twente topic
  on     TRANSLATION_PROVIDER=deepl (the stand-in): the same N questions; also the time to
         the Dutch translation under the copy
  hang   the stand-in answers no translate request (TRANSLATION_TIMEOUT 3 s): K members ask
         questions over and over while N other members send /help; their reply latency is
         compared with the same load on the bridge-off bot (baseline)

Run: python bench/bridge.py [--n 30] [--k 4]
"""

from __future__ import annotations

import argparse
import asyncio
import os
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from sqlalchemy import select  # noqa: E402

from bot.callbacks import AskTopicCallback, DraftCallback  # noqa: E402
from bot.config import Settings  # noqa: E402
from bot.members.consent import notice_version  # noqa: E402
from botapi_emulator import Emulator, SimGroup, SimUser  # noqa: E402
from db.base import utcnow  # noqa: E402
from db.models import Member, Region, RoleGrant  # noqa: E402
from expertpool_sandbox.harness import RunningBot  # noqa: E402
from tests.translation_servers import DeepLServer  # noqa: E402

TOKEN = "123456:bench-bridge"
QUESTION = "كيف أجد مدرسة لابني؟ سؤال رقم {n}"
TIMEOUT = 30.0


def pct(values: list[float], p: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(round(p / 100 * (len(ordered) - 1))))]


def line(name: str, values: list[float]) -> str:
    ms = [v * 1000 for v in values]
    return f"{name:<38} n={len(ms):<4} p50={pct(ms, 50):7.1f} ms  p95={pct(ms, 95):7.1f} ms"


class World:
    """One bot on a fresh database with a Twente forum group and members."""

    def __init__(self, emulator: Emulator, app: RunningBot, group: SimGroup) -> None:
        self.emulator, self.app, self.group = emulator, app, group
        self.serial = 0

    @classmethod
    async def start(cls, folder: Path, name: str, **overrides: Any) -> World:
        emulator = Emulator(token=TOKEN, bot_username="bench_bridge_bot")
        await emulator.start()
        values: dict[str, Any] = {
            "bot_token": TOKEN, "telegram_api_url": emulator.api_url,
            "database_url": f"sqlite+aiosqlite:///{folder / name}.db", "default_locale": "nl",
            "log_level": "WARNING", "quiet_hours": "off", "_env_file": None,
        }  # fmt: skip
        app = await RunningBot.start(Settings(**(values | overrides)))
        await emulator.wait_until_polling()
        coordinator = emulator.create_user("Coordinator", language_code="nl")
        group = emulator.create_group("Twente coördinatoren", forum=True, admins=[coordinator])
        async with app.session_factory() as session:
            twente = await session.scalar(select(Region).where(Region.code == "twente"))
            assert twente is not None
            twente.coordinator_chat_id = group.id
            session.add(RoleGrant(telegram_id=coordinator.id, role="coordinator",
                                  region_id=twente.id, granted_by=0, granted_at=utcnow()))  # fmt: skip
            await session.commit()
        return cls(emulator, app, group)

    async def member(self, language: str = "ar") -> SimUser:
        self.serial += 1
        name = f"Member{self.serial:04d}"
        user = self.emulator.create_user(name, language_code=language)
        async with self.app.session_factory() as session:
            twente = await session.scalar(select(Region.id).where(Region.code == "twente"))
            session.add(Member(telegram_id=user.id, language=language, status="active",
                               region_id=twente, display_name=name,
                               consent_version=notice_version(), joined_at=utcnow()))  # fmt: skip
            await session.commit()
        return user

    async def ask(self, user: SimUser, text: str, note: bool = False) -> tuple[float, float | None]:
        """Seconds from pressing Send to the card in the topic, and to the translation."""
        await user.send_text("/ask")
        picker = await user.wait_for_message(lambda m: bool(m.callback_data), timeout=TIMEOUT)
        education = AskTopicCallback(topic="education", offer=False).pack()
        await user.press_callback_data(education, picker)
        await user.wait_for_edit(timeout=TIMEOUT)
        await user.send_text(text)
        controls = await user.wait_for_message(
            lambda m: any(d.endswith("send") for d in m.callback_data), timeout=TIMEOUT
        )
        send = next(d for d in controls.callback_data if d.endswith("send"))
        assert send == DraftCallback(action="send").pack()
        name = user.first_name
        started = time.perf_counter()
        await user.press_callback_data(send, controls)
        card = await self.group.wait_for_message(
            lambda m: name in (m.text or "") and "#" in (m.text or ""), timeout=TIMEOUT
        )
        to_card = time.perf_counter() - started
        copy = await self.group.wait_for_message(
            lambda m: m.text == text and m.thread_id == card.thread_id, timeout=TIMEOUT
        )
        to_translation: float | None = None
        if note:
            await self.group.wait_for_message(
                lambda m: m.reply_to_message_id == copy.message_id, timeout=TIMEOUT
            )
            to_translation = time.perf_counter() - started
        return to_card, to_translation

    async def help_latency(self, user: SimUser) -> float:
        started = time.perf_counter()
        await user.send_text("/help")
        await user.wait_for_message(timeout=TIMEOUT)
        return time.perf_counter() - started

    async def stop(self) -> None:
        await self.app.stop()
        await self.emulator.stop()


async def sequential(world: World, n: int, note: bool) -> tuple[list[float], list[float]]:
    cards: list[float] = []
    notes: list[float] = []
    for i in range(n):
        user = await world.member()
        to_card, to_note = await world.ask(user, QUESTION.format(n=i), note)
        cards.append(to_card)
        if to_note is not None:
            notes.append(to_note)
    return cards, notes


async def under_load(world: World, n: int, k: int) -> tuple[list[float], list[float]]:
    """K members keep asking while N others send /help; returns (help latencies, card latencies)."""
    askers = [await world.member() for _ in range(k)]
    others = [await world.member("nl") for _ in range(n)]
    stop = asyncio.Event()
    cards: list[float] = []

    async def keep_asking(user: SimUser, index: int) -> None:
        round_ = 0
        while not stop.is_set():
            round_ += 1
            to_card, _note = await world.ask(user, QUESTION.format(n=f"{index}-{round_}"))
            cards.append(to_card)

    tasks = [asyncio.create_task(keep_asking(u, i)) for i, u in enumerate(askers)]
    await asyncio.sleep(0.5)  # the askers are under way
    helps = []
    for user in others:
        helps.append(await world.help_latency(user))
    stop.set()
    await asyncio.gather(*tasks)
    return helps, cards


async def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--n", type=int, default=30, help="questions (and /help senders) per phase")
    parser.add_argument("--k", type=int, default=4, help="members asking during the hang phase")
    args = parser.parse_args()
    print("command:", " ".join([os.path.basename(sys.executable), *sys.argv]))
    print(f"N={args.n} K={args.k} loadavg={os.getloadavg()}")
    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp)
        async with DeepLServer() as deepl:
            assert isinstance(deepl, DeepLServer)
            bridge = {
                "translation_provider": "deepl", "deepl_api_url": deepl.url,
                "deepl_api_key": deepl.key, "translation_timeout": 3.0,
            }  # fmt: skip

            world = await World.start(folder, "off")
            off_cards, _ = await sequential(world, args.n, note=False)
            base_helps, _ = await under_load(world, args.n, args.k)
            await world.stop()

            world = await World.start(folder, "on", **bridge)
            on_cards, on_notes = await sequential(world, args.n, note=True)
            requests = len(deepl.translate_requests())
            deepl.hang_next(100_000)  # every translate request from now on hangs
            hang_helps, hang_cards = await under_load(world, args.n, args.k)
            deepl._faults.clear()
            await world.stop()

    print(line("off: Send -> card", off_cards))
    print(line("on:  Send -> card", on_cards))
    print(line("on:  Send -> Dutch translation", on_notes))
    print(
        f"{'added latency per question':<38} p50 +{(pct(on_cards, 50) - pct(off_cards, 50)) * 1000:.1f} ms"
        f"  ratio on/off p50={pct(on_cards, 50) / pct(off_cards, 50):.2f}"
        f"  p95={pct(on_cards, 95) / pct(off_cards, 95):.2f}  (provider requests: {requests})"
    )
    print(line("baseline (bridge off): /help under load", base_helps))
    print(line("hang (provider hangs): /help under load", hang_helps))
    print(line("hang: askers' Send -> card (bounded)", hang_cards))
    print(
        f"{'others under a hanging provider':<38} p95 ratio hang/baseline="
        f"{pct(hang_helps, 95) / pct(base_helps, 95):.2f}"
    )


if __name__ == "__main__":
    asyncio.run(main())
