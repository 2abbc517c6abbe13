"""Sends that recover (not a test): a burst of questions into one coordinators' group under
Telegram's flood control, and a member's onboarding through injected 429s and 5xx.

The emulator and the bot (in-process, SQLite) run in this process.

  burst   N members press Send at the same moment; the emulator enforces Telegram's limits
          (20 messages a minute in a group, 1 a second per private chat). Printed: the
          members' wait for their confirmation, the time until every topic has its card and
          copy, the 429s the outbox met, and whether every topic is complete and in order.
  faults  M new members choose their language while the first send of every call to them
          fails (500, then a 429 with retry_after 1): how many end with their language
          stored and the next step shown, and how long the press took.

Run: python bench/sends.py [--n 20] [--m 10]
"""

from __future__ import annotations

import argparse
import asyncio
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from sqlalchemy import select  # noqa: E402

from bench.bridge import TIMEOUT, World, line  # noqa: E402
from bot.callbacks import AskTopicCallback, DraftCallback  # noqa: E402
from botapi_emulator import SimUser  # noqa: E402
from db.models import Member  # noqa: E402


async def prepare(world: World, user: SimUser, n: int) -> tuple[str, object]:
    """A draft with one message; returns the Send button's data and its message."""
    await user.send_text("/ask")
    picker = await user.wait_for_message(lambda m: bool(m.callback_data), timeout=TIMEOUT)
    await user.press_callback_data(AskTopicCallback(topic="work").pack(), picker)
    await user.wait_for_edit(timeout=TIMEOUT)
    await user.send_text(f"Vraag nummer {n}")
    controls = await user.wait_for_message(
        lambda m: any(d.endswith("send") for d in m.callback_data), timeout=TIMEOUT
    )
    return DraftCallback(action="send").pack(), controls


async def burst(folder: Path, n: int) -> None:
    world = await World.start(folder, "burst")
    try:
        users = [await world.member("nl") for _ in range(n)]
        drafts = [await prepare(world, user, i) for i, user in enumerate(users)]
        await world.app.settled()
        world.emulator.flood.configure()  # Telegram's limits from here on
        started = time.perf_counter()

        async def send(user: SimUser, draft: tuple[str, object]) -> float:
            await user.press_callback_data(draft[0], draft[1])  # type: ignore[arg-type]
            await user.wait_for_message(lambda m: "#" in (m.text or ""), timeout=120)
            return time.perf_counter() - started

        confirmed = await asyncio.gather(*(send(u, d) for u, d in zip(users, drafts, strict=True)))
        await world.app.settled()
        done = time.perf_counter() - started
        complete = 0
        for i, user in enumerate(users):
            thread = next(
                (
                    m.thread_id
                    for m in world.group.bot_messages()
                    if user.first_name in (m.text or "")
                ),
                None,
            )
            texts = [m.text or "" for m in world.group.bot_messages() if m.thread_id == thread]
            if thread and len(texts) == 2 and texts[1] == f"Vraag nummer {i}" and "#" in texts[0]:
                complete += 1
        outbox = world.app.outbox
        print(f"burst: {n} questions at once into one group under flood control")
        print(line("  member's wait for the confirmation", list(confirmed)))
        print(f"  every topic complete after           {done:7.1f} s")
        print(f"  topics complete, card before copy    {complete}/{n}")
        print(
            f"  429s met by the outbox               {outbox.pacing.throttled if outbox else '?'}"
        )
        print(f"  bot requests rejected                {len(world.emulator.rejections)}")
    finally:
        await world.stop()


async def faults(folder: Path, m: int) -> None:
    world = await World.start(folder, "faults")
    try:
        waits, stored = [], 0
        for i in range(m):
            user = world.emulator.create_user(f"Nieuw{i}", language_code="tr")
            await user.send_command("/start")
            picker = await user.wait_for_message(timeout=TIMEOUT)
            world.emulator.faults.fail_next("editMessageText", 500, chat_id=user.id)
            world.emulator.faults.fail_next("sendMessage", 429, chat_id=user.id, retry_after=1)
            started = time.perf_counter()
            await user.press_callback_data("lang:tr", picker)
            await user.wait_for_message(lambda m: bool(m.inline_keyboard), timeout=TIMEOUT)
            waits.append(time.perf_counter() - started)
            await world.app.settled()
            async with world.app.session_factory() as session:
                row = await session.scalar(select(Member).where(Member.telegram_id == user.id))
                stored += row is not None and row.language == "tr" and picker.text == "Dil: Türkçe"
        print(f"faults: {m} new members choose Türkçe through a 500 and a 429 (retry_after 1)")
        print(line("  press to the next step", waits))
        print(f"  language stored and shown            {stored}/{m}")
        print(f"  faults met                           {len(world.emulator.fault_log)}")
    finally:
        await world.stop()


async def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--n", type=int, default=20)
    parser.add_argument("--m", type=int, default=10)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as folder:
        await burst(Path(folder), args.n)
        await faults(Path(folder), args.m)


if __name__ == "__main__":
    asyncio.run(main())
