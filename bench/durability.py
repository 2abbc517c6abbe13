"""Durability benchmark (not a test): updates lost and handled twice when `python -m bot run`
is SIGKILLed in the middle of a burst, and what the update inbox costs in throughput.

The emulator runs in this process; the bot runs as a real subprocess on SQLite with long
polling, in two modes, in the same run:

  aiogram  the bot as it was before the inbox: aiogram's start_polling (each batch is
           confirmed by the next getUpdates before its handlers ran) — the baseline
  inbox    the bot as it is: each batch stored before it is confirmed, handled from the store

Phases per mode, each on a fresh database:
  kill        N new members send /start at once; SIGKILL after K pickers; start again; once
              a new member is answered and nothing has arrived for QUIET seconds, count members without a picker (lost)
              and pickers beyond the first (duplicates). Repeated --rounds times.
  throughput  N new members send /start at once; updates/s from the first send to the last
              picker (no kill).

Run: python bench/durability.py [--n 300] [--kill-after 60] [--rounds 2]
"""

from __future__ import annotations

import argparse
import asyncio
import os
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from botapi_emulator import Emulator, SimUser  # noqa: E402
from tests.process import bot_env  # noqa: E402

TOKEN = "123456:bench-durability"
PICKER = "Choose your language"
QUIET = 3.0


def child(mode: str) -> int:
    """Run `python -m bot run`; in aiogram mode with the old polling (the baseline)."""
    from bot import app, cli

    if mode == "aiogram":

        async def start_polling(dp, bot, inbox):  # type: ignore[no-untyped-def]
            await bot.delete_webhook(drop_pending_updates=False)
            await dp.start_polling(
                bot, allowed_updates=dp.resolve_used_update_types(), handle_signals=False
            )

        app.serve = start_polling  # type: ignore[assignment]
    return cli.main(["run"])


class Bot:
    """A bot subprocess polling `emulator`: by default this file's child in `mode`; `argv`
    runs something else (e.g. `-m bot run`), `settings` add to or override the environment."""

    def __init__(
        self,
        mode: str,
        emulator: Emulator,
        database: Path,
        argv: list[str] | None = None,
        **settings: str,
    ) -> None:
        self.mode, self.emulator, self.database = mode, emulator, database
        self.argv = argv or [__file__, "--child", mode]
        self.settings = settings
        self.proc: asyncio.subprocess.Process | None = None

    async def start(self) -> None:
        defaults = {
            "BOT_TOKEN": TOKEN, "TELEGRAM_API_URL": self.emulator.api_url, "LOG_LEVEL": "ERROR",
            "DATABASE_URL": f"sqlite+aiosqlite:///{self.database}",
        }  # fmt: skip
        env = bot_env(**(defaults | self.settings))
        env["PYTHONPATH"] = os.pathsep.join(
            [str(ROOT), str(ROOT / "packages/botapi-emulator"), str(ROOT / "packages/sandbox")]
        )
        # BENCH_BOT_STDERR=FILE keeps the bot's log (e.g. why it did not start polling).
        with open(os.environ.get("BENCH_BOT_STDERR", os.devnull), "a") as log:  # noqa: ASYNC230
            self.proc = await asyncio.create_subprocess_exec(
                sys.executable, *self.argv, env=env, cwd=self.database.parent,
                stdout=asyncio.subprocess.DEVNULL, stderr=log,
            )  # fmt: skip
        await self.emulator.wait_until_polling(timeout=60)

    async def kill(self) -> None:
        assert self.proc is not None
        self.proc.kill()
        await self.proc.wait()

    async def stop(self) -> None:
        assert self.proc is not None
        if self.proc.returncode is None:
            self.proc.terminate()
        await self.proc.wait()


def pickers(user: SimUser) -> int:
    return sum(PICKER in (m.text or "") for m in user.bot_messages())


async def burst(emulator: Emulator, n: int, tag: str) -> list[SimUser]:
    users = [emulator.create_user(f"{tag}{i}", language_code="nl") for i in range(n)]
    for user in users:
        await user.send_command("/start")
    return users


async def until(emulator: Emulator, users: list[SimUser], count: int) -> None:
    while sum(pickers(u) > 0 for u in users) < count:
        if not await emulator.world.events.notifier.wait(60):
            raise TimeoutError("no progress for 60 s")


async def quiet(emulator: Emulator) -> None:
    """Return once nothing has happened in the emulator for QUIET seconds."""
    while await emulator.world.events.notifier.wait(QUIET):
        pass


async def kill_round(mode: str, folder: Path, n: int, kill_after: int, tag: str) -> tuple[int, int]:
    async with Emulator(token=TOKEN, bot_username="bench_durability_bot") as emulator:
        bot = Bot(mode, emulator, folder / f"{mode}-{tag}.db")
        await bot.start()
        users = await burst(emulator, n, tag)
        await until(emulator, users, kill_after)
        await bot.kill()
        await bot.start()
        # The killed process's getUpdates may still look like polling: wait for an answer.
        sentinel = await burst(emulator, 1, f"{tag}-after")
        await until(emulator, sentinel, 1)
        await quiet(emulator)
        await bot.stop()
        lost = sum(pickers(u) == 0 for u in users)
        duplicates = sum(max(0, pickers(u) - 1) for u in users)
        return lost, duplicates


async def throughput(mode: str, folder: Path, n: int) -> float:
    async with Emulator(token=TOKEN, bot_username="bench_durability_bot") as emulator:
        bot = Bot(mode, emulator, folder / f"{mode}-throughput.db")
        await bot.start()
        started = time.perf_counter()
        users = await burst(emulator, n, "t")
        await until(emulator, users, n)
        elapsed = time.perf_counter() - started
        await bot.stop()
        return n / elapsed


async def main(n: int, kill_after: int, rounds: int) -> None:
    print(f"durability: N={n} /start in a burst, SIGKILL after {kill_after} pickers, "
          f"{rounds} round(s) per mode; SQLite, long polling; load {os.getloadavg()[0]:.2f}")  # fmt: skip
    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp)
        rates: dict[str, float] = {}
        for mode in ("aiogram", "inbox"):
            results = [
                await kill_round(mode, folder, n, kill_after, f"r{r}") for r in range(rounds)
            ]
            lost = [r[0] for r in results]
            dups = [r[1] for r in results]
            print(f"  {mode:<8} lost per kill: {lost} (mean {sum(lost) / rounds:.1f} of {n}), "
                  f"duplicates: {dups}")  # fmt: skip
            rates[mode] = await throughput(mode, folder, n)
        print(f"  throughput (N={n} /start, no kill): aiogram {rates['aiogram']:.0f} updates/s, "
              f"inbox {rates['inbox']:.0f} updates/s, ratio inbox/aiogram "
              f"{rates['inbox'] / rates['aiogram']:.2f}")  # fmt: skip
        print(f"  load average at the end: {os.getloadavg()[0]:.2f}")


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--n", type=int, default=300)
    parser.add_argument("--kill-after", type=int, default=60)
    parser.add_argument("--rounds", type=int, default=2)
    parser.add_argument("--child", choices=("aiogram", "inbox"), help=argparse.SUPPRESS)
    arguments = parser.parse_args()
    if arguments.child:
        sys.exit(child(arguments.child))
    asyncio.run(main(arguments.n, arguments.kill_after, arguments.rounds))
