"""Hot-path benchmark (not a test): member updates per second, the bot vs a bare aiogram bot.

Both bots run as subprocesses long-polling their own Bot API emulator (in this process) over
HTTP, in the same run, wave by wave:

  project  `python -m bot run` on SQLite: every update goes through the durable inbox (stored
           and committed before it is confirmed), the session, member and locale middlewares
  bare     aiogram's start_polling, no database, no i18n: a message is answered with an
           8-button keyboard (built per update with InlineKeyboardBuilder, as aiogram's docs
           do); a press gets answerCallbackQuery + editMessageText + a new message with the
           keyboard

Waves of N new members (each member does one thing, all at once; the next wave starts when
every member has had its answer and the emulator has been quiet for a moment):

  start      /start                                   (project: the language picker)
  language   press the first button: the language     (project: the privacy notice)
  consent    press a button: "I agree"                (project: the quotes question)
  quotes     press a button: "No"                     (project: the region question)
  region     press a button: the first region         (project: the first intake question)
  answer     a survey answer, button: the first option (project: the next intake question)
  typed      a survey answer, typed text               (project: the intake's name question;
             members skip the questions in between, not measured)
  question   a message while the member's question is open (project: the offer to add it to
             that question; before the wave members finish the intake and ask a question with
             /ask, a topic, a text and Send, not measured)

Per wave: updates/s (N / first send to last answer) and p50/p95 latency (a member's send to
the bot's first new message in that chat), for both bots, and the ratio project/bare.

Run: python bench/handlers.py [--n 1000] [--waves start,language] [--timeout 300]
     [--profile bot.prof]   (the project bot under cProfile: slower, for the shape only)
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import itertools
import os
import sys
import tempfile
import time
from collections import Counter
from collections.abc import AsyncIterator, Awaitable, Callable
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from bench.bridge import pct  # noqa: E402
from bench.durability import TOKEN, Bot  # noqa: E402
from botapi_emulator import Emulator, SimUser  # noqa: E402

WAVES = ("start", "language", "consent", "quotes", "region", "answer", "typed", "question")
SETTLE = 0.5  # seconds of quiet between waves
REDIS_URL = os.environ.get("BENCH_REDIS_URL", "redis://127.0.0.1:6379/14")


# -- measuring -----------------------------------------------------------------------------


class Side:
    """One bot with its emulator and members."""

    def __init__(self, name: str, emulator: Emulator, bot: Bot) -> None:
        self.name, self.emulator, self.bot = name, emulator, bot
        self.users: list[SimUser] = []
        self.seen = 0  # requests already looked at

    def answered(self, since: float, chats: set[int], first: dict[int, float]) -> None:
        """Add to `first` chat id → time of the bot's first sendMessage to it after `since`
        (looks only at the requests logged since the last call)."""
        records = list(itertools.islice(self.emulator.requests, self.seen, None))
        self.seen += len(records)
        for record in records:
            if record.method != "sendMessage" or record.time < since or record.status != 200:
                continue
            chat = int(record.params.get("chat_id", 0))
            if chat in chats and chat not in first:
                first[chat] = record.time

    async def wave(
        self, act: Callable[[SimUser], Awaitable[object]], timeout: float
    ) -> tuple[float, list[float]]:
        """Every member acts; returns (updates/s, latencies in s)."""
        chats = {u.id for u in self.users}
        sent: dict[int, float] = {}
        calls_before = len(self.emulator.requests)
        cpu_before = cpu_seconds(self.bot)
        began = time.time()
        for user in self.users:
            sent[user.id] = time.time()
            await act(user)
        deadline = time.monotonic() + timeout
        first: dict[int, float] = {}
        while True:
            self.answered(began, chats, first)
            if len(first) == len(chats):
                break
            if time.monotonic() > deadline:
                raise TimeoutError(f"{self.name}: {len(first)}/{len(chats)} answered")
            await asyncio.sleep(0.05)
        rate = len(chats) / (max(first.values()) - began)
        await quiet_for(self.emulator, SETTLE)
        self.cpu_ms = (cpu_seconds(self.bot) - cpu_before) * 1000 / len(chats)
        calls = itertools.islice(self.emulator.requests, calls_before, None)
        self.calls = Counter(r.method for r in calls if r.method != "getUpdates")
        latencies = [first[c] - sent[c] for c in chats]
        return rate, latencies


def cpu_seconds(bot: Bot) -> float:
    """User + system CPU time of the bot's process so far (Linux /proc)."""
    assert bot.proc is not None
    fields = Path(f"/proc/{bot.proc.pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


async def idle(bot: Bot, timeout: float = 180) -> None:
    """Until the bot's process uses under a tenth of a core for a second (work left from the
    set-up, such as its outbox, must not run into the measured wave)."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        before = cpu_seconds(bot)
        await asyncio.sleep(1.0)
        if cpu_seconds(bot) - before < 0.1:
            return
    raise TimeoutError("the bot did not go idle")


async def quiet_for(emulator: Emulator, seconds: float) -> None:
    while await emulator.world.events.notifier.wait(seconds):
        pass


def newest(user: SimUser):  # type: ignore[no-untyped-def]
    return next(m for m in reversed(user.bot_messages()) if m.inline_keyboard and not m.deleted)


def press(index: int) -> Callable[[SimUser], Awaitable[object]]:
    async def act(user: SimUser) -> object:
        message = newest(user)
        return await user.press_callback_data(
            message.callback_data[index], message, wait_answer=False
        )

    return act


def press_text(label: str) -> Callable[[SimUser], Awaitable[object]]:
    async def act(user: SimUser) -> object:
        message = newest(user)
        data = next(
            b["callback_data"]
            for row in message.inline_keyboard
            for b in row
            if b.get("text") == label
        )
        return await user.press_callback_data(data, message, wait_answer=False)

    return act


async def start(user: SimUser) -> object:
    return await user.send_command("/start")


async def typed(user: SimUser) -> object:
    return await user.send_text(f"Naam van {user.first_name}")


async def follow_up(user: SimUser) -> object:
    return await user.send_text("En mijn huisbaas reageert niet op mijn mail")


async def advance(
    side: Side,
    done: Callable[[SimUser], bool],
    act: Callable[[SimUser], Awaitable[object]],
    timeout: float,
    what: str,
) -> None:
    """Project only, not measured: `act` for each member until `done` (at most 10 rounds),
    each round waiting for the bot to answer everyone and then to go quiet."""
    for _ in range(10):
        pending = [u for u in side.users if not done(u)]
        if not pending:
            return
        logged = len(side.emulator.requests)
        for user in pending:
            await act(user)
        deadline = time.monotonic() + timeout
        waiting = {u.id for u in pending}
        while waiting:  # until the bot has sent to or edited in every acting member's chat
            records = itertools.islice(side.emulator.requests, logged, None)
            waiting -= {int(r.params.get("chat_id", 0)) for r in records if r.status == 200}
            if time.monotonic() > deadline:
                raise TimeoutError(f"{what}: {len(waiting)} members had no answer")
            await asyncio.sleep(0.1)
        await quiet_for(side.emulator, SETTLE)
    raise RuntimeError(f"{what}: not reached in 10 rounds")


def last_text(user: SimUser) -> str:
    return user.bot_messages()[-1].text or ""


async def open_questions(side: Side, texts: dict[str, str], timeout: float) -> None:
    """Project only: finish the intake (Skip), then ask a question (/ask, the first topic, a
    text, Send); every member then has one open question."""
    await advance(side, lambda u: bool(u.reply_keyboard), press_text(texts["skip"]), timeout,
                  "finishing the intake")  # fmt: skip

    async def ask(user: SimUser) -> object:
        return await user.send_command("/ask")

    async def describe(user: SimUser) -> object:
        return await user.send_text(f"Vraag van {user.first_name} over de huurtoeslag")

    def sent_button(user: SimUser) -> bool:
        message = user.bot_messages()[-1]
        return any(b.startswith("📨") for b in message.button_texts)

    await advance(side, lambda u: texts["topic"] in last_text(u) or bool(newest_topics(u)), ask,
                  timeout, "asking")  # fmt: skip
    await advance(side, lambda u: not newest_topics(u), press(0), timeout, "choosing a topic")
    await advance(side, sent_button, describe, timeout, "writing the question")

    async def send(user: SimUser) -> object:
        message = user.bot_messages()[-1]
        index = next(i for i, b in enumerate(message.button_texts) if b.startswith("📨"))
        return await user.press_callback_data(message.callback_data[index], message,
                                              wait_answer=False)  # fmt: skip

    await advance(side, lambda u: "#" in last_text(u) and not sent_button(u), send, timeout,
                  "sending the question")  # fmt: skip


def newest_topics(user: SimUser) -> bool:
    """The member's newest message with buttons is the topic picker (still unanswered)."""
    message = newest(user)
    return any(d.startswith("ask:") for d in message.callback_data)


async def skip_to_name(side: Side, skip: str, timeout: float) -> None:
    """Project only: skip the intake questions up to the one that asks for a name."""
    for _ in range(10):
        if all("naam" in (u.bot_messages()[-1].text or "").lower() for u in side.users):
            return
        pending = [u for u in side.users if "naam" not in (u.bot_messages()[-1].text or "").lower()]
        before = {u.id: len(u.bot_messages()) for u in pending}
        for user in pending:
            await press_text(skip)(user)
        deadline = time.monotonic() + timeout
        while any(len(u.bot_messages()) <= before[u.id] for u in pending):
            if time.monotonic() > deadline:
                raise TimeoutError("skipping the intake")
            await asyncio.sleep(0.05)
        await quiet_for(side.emulator, SETTLE)
    raise RuntimeError("no name question in the intake")


def profiled(path: str | None) -> list[str]:
    return ["-m", "cProfile", "-o", str(Path(path).resolve())] if path else []


def report(
    wave: str, n: int, project: tuple[float, list[float]], bare: tuple[float, list[float]]
) -> None:
    def cell(result: tuple[float, list[float]]) -> str:
        ms = [v * 1000 for v in result[1]]
        return f"{result[0]:7.0f}/s p50 {pct(ms, 50):6.0f} p95 {pct(ms, 95):6.0f} ms"

    print(f"{wave:<9} N={n:<5} project {cell(project)} | bare {cell(bare)} | "
          f"ratio {project[0] / bare[0]:4.2f}", flush=True)  # fmt: skip


def report_cost(sides: tuple[Side, Side], n: int) -> None:
    """CPU of each bot's process per update, and its Bot API calls per update."""

    def cell(side: Side) -> str:
        calls = " ".join(f"{m} {c / n:.2f}" for m, c in sorted(side.calls.items()))
        return f"{side.cpu_ms:5.2f} ms CPU/update, calls/update: {calls}"

    print(f"{'':<9} cost    project {cell(sides[0])} | bare {cell(sides[1])}", flush=True)


@contextlib.asynccontextmanager
async def stores(postgres: bool) -> AsyncIterator[dict[str, str]]:
    """The project bot's settings for its stores: SQLite (its default), or a fresh PostgreSQL
    database with the FSM in Redis (database REDIS_DB, emptied before and after)."""
    if not postgres:
        yield {}
        return
    from redis.asyncio import Redis

    from tests.servers import fresh_postgres_database

    redis = Redis.from_url(REDIS_URL)
    await redis.flushdb()
    try:
        async with fresh_postgres_database() as url:
            yield {"DATABASE_URL": url, "REDIS_URL": REDIS_URL}
    finally:
        await redis.flushdb()
        await redis.aclose()


async def main(
    n: int, waves: list[str], timeout: float, profile: str | None, postgres: bool
) -> None:
    where = "PostgreSQL + Redis (FSM)" if postgres else "SQLite"
    print(f"handlers: N={n} new members per wave, waves {','.join(waves)}; {where}; "
          f"load {' '.join(f'{x:.2f}' for x in os.getloadavg())} ({os.cpu_count()} cores)",
          flush=True)  # fmt: skip
    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp)
        async with stores(postgres) as settings:
            await run_waves(folder, settings, n, waves, timeout, profile)
    print(f"load at the end {' '.join(f'{x:.2f}' for x in os.getloadavg())}", flush=True)


async def run_waves(
    folder: Path,
    settings: dict[str, str],
    n: int,
    waves: list[str],
    timeout: float,
    profile: str | None,
) -> None:
    from bot.i18n import create_i18n

    i18n = create_i18n("nl")
    skip = i18n.gettext("Skip", locale="nl")
    texts = {"skip": skip, "topic": i18n.gettext("What is your question about?", locale="nl")}
    async with (
        Emulator(token=TOKEN, bot_username="bench_bot", request_log_size=None) as emu_p,
        Emulator(token=TOKEN, bot_username="bench_bare", request_log_size=None) as emu_b,
    ):
        project = Side("project", emu_p, Bot("project", emu_p, folder / "bot.db",
                                              profiled(profile) + ["-m", "bot", "run"], LOG_LEVEL="INFO",
                                              DEFAULT_LOCALE="nl", **settings))  # fmt: skip
        bare = Side("bare", emu_b, Bot("bare", emu_b, folder / "bare.db",
                                       [str(ROOT / "bench/bare_bot.py")]))  # fmt: skip
        for side in (project, bare):
            await side.bot.start()
            side.users = [side.emulator.create_user(f"M{i}", language_code="nl") for i in range(n)]
        try:
            acts = {
                "start": (start, start),
                "language": (press(0), press(0)),
                "consent": (press(0), press(1)),
                "quotes": (press(1), press(2)),
                "region": (press(0), press(3)),
                "answer": (press(0), press(4)),
                "typed": (typed, typed),
                "question": (follow_up, typed),
            }
            for wave in WAVES:
                if wave not in waves:
                    if waves and WAVES.index(wave) < max(WAVES.index(w) for w in waves):
                        raise SystemExit(f"wave {wave} is needed before the later waves")
                    continue
                if wave == "typed":
                    await skip_to_name(project, skip, timeout)
                if wave == "question":
                    await open_questions(project, texts, timeout)
                mine, theirs = acts[wave]
                await idle(project.bot)
                result_p = await project.wave(mine, timeout)
                result_b = await bare.wave(theirs, timeout)
                report(wave, n, result_p, result_b)
                report_cost((project, bare), n)
        finally:
            for side in (project, bare):
                await side.bot.stop()


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--n", type=int, help="members per wave (1000; 200 with --quick)")
    parser.add_argument("--quick", action="store_true", help="N=200 (for make bench)")
    parser.add_argument(
        "--postgres",
        action="store_true",
        help="the project bot on a fresh PostgreSQL database (TEST_POSTGRES_* or 127.0.0.1:5432) "
        "with its FSM in Redis (BENCH_REDIS_URL, default database 14, emptied)",
    )
    parser.add_argument("--waves", default=",".join(WAVES), help="a prefix of " + ",".join(WAVES))
    parser.add_argument("--timeout", type=float, default=300, help="seconds per wave at most")
    parser.add_argument("--profile", help="write a cProfile of the project bot to this file")
    arguments = parser.parse_args()
    waves = arguments.waves.split(",")
    n = arguments.n or (200 if arguments.quick else 1000)
    asyncio.run(main(n, waves, arguments.timeout, arguments.profile, arguments.postgres))
