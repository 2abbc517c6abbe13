"""Broadcast engine benchmark (not a test): send rate, exactly-once, planning speed.

The emulator runs in this process; the engine runs in a subprocess (`runner`), as in
production, so both get a core. Phases, each with a baseline measured in the same run:

  plan    time to plan N deliveries on SQLite (one INSERT ... SELECT) vs per-row executemany
  rate L  emulator flood control at L msg/s, BROADCAST_RATE=L (paid above 30/s):
          baseline  bare aiogram sender with the same pacing and no database
          clean     the engine, flood control only
          faults    the engine, plus 5% 429 (retry_after 1 s), 1% 5xx, 2% blocked
  kill    SIGKILL the engine at random points and restart it (1% 5xx, 2% blocked)
  mixed   the whole bot (`python -m bot run`, polling) with N members broadcasts to all of
          them at L=1000 while members write to it at 100 updates/s (/help), twice: with
          the engine in the bot's process (BROADCAST_ENGINE=inline) and in a process of its
          own (`python -m bot broadcaster`, BROADCAST_ENGINE=process). Printed: the
          broadcast's ratio to L, the members' reply latency against the same bot's with no
          broadcast (measured first, in the same run), and resident memory (VmRSS, sampled
          every 0.2 s) idle and at its peak against a bare aiogram bot's

Ratios: rate / L over the send window (first to last delivery); for the fault run also over
the time the stream was not held by 429 retry_after (those pauses are mandatory).
Run: python bench/broadcast.py [--quick] [--n30 3000] [--n1000 20000] [--plan 100000]
     [--mixed-n 100000] [--answer-rate 100] ...
"""

from __future__ import annotations

import argparse
import asyncio
import itertools
import json
import os
import random
import signal
import sys
import tempfile
import time
from collections import Counter
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from sqlalchemy import insert, select  # noqa: E402

from bench.durability import Bot  # noqa: E402
from bot.app import prepare_database  # noqa: E402
from bot.broadcast import Broadcaster, service  # noqa: E402
from bot.broadcast.audience import Audience  # noqa: E402
from bot.broadcast.content import Content  # noqa: E402
from bot.config import Settings  # noqa: E402
from bot.factory import create_bot  # noqa: E402
from bot.i18n import create_i18n  # noqa: E402
from bot.members.consent import NOTICE_VERSION  # noqa: E402
from bot.ratelimit import RateLimiter  # noqa: E402
from botapi_emulator import Emulator  # noqa: E402
from db.base import utcnow  # noqa: E402
from db.engine import create_engine, create_session_factory  # noqa: E402
from db.models import Broadcast, BroadcastDelivery, Member, Region  # noqa: E402

TOKEN = "123456:bench-broadcast"
TEXT = Content("text", "Meeting on <b>Monday</b> at 19:00 in the library.", 36)


def settings(db: str, api: str = "http://127.0.0.1:1", rate: float = 25) -> Settings:
    return Settings(
        bot_token=TOKEN, telegram_api_url=api, database_url=db, broadcast_rate=rate,
        broadcast_paid=rate > 30, quiet_hours="off", log_level="WARNING", _env_file=None,
    )  # fmt: skip


async def fresh_db(folder: Path, name: str, telegram_ids: list[int]) -> str:
    url = f"sqlite+aiosqlite:///{folder / name}.db"
    await prepare_database(settings(url))
    engine = create_engine(url)
    async with create_session_factory(engine)() as session:
        region = await session.scalar(select(Region.id).where(Region.code == "twente"))
        now, languages = utcnow(), ("ar", "nl", "ti", "fa", "uk")
        rows = [
            {"telegram_id": tid, "language": languages[i % 5], "status": "active",
             "region_id": region, "consent_version": NOTICE_VERSION, "created_at": now, "updated_at": now}
            for i, tid in enumerate(telegram_ids)
        ]  # fmt: skip
        for start in range(0, len(rows), 20_000):
            await session.execute(insert(Member), rows[start : start + 20_000])
        await session.commit()
    await engine.dispose()
    return url


async def plan(url: str) -> tuple[int, float]:
    engine = create_engine(url)
    async with create_session_factory(engine)() as session:
        started = time.perf_counter()
        created = await service.create(
            session, settings(url), actor=None, audience=Audience(), versions={"*": TEXT},
            now=utcnow(), locale="en",
        )  # fmt: skip
        await session.commit()
        elapsed = time.perf_counter() - started
    await engine.dispose()
    return created.total, elapsed


async def plan_per_row(url: str) -> float:
    """Baseline: read the recipients, then one executemany INSERT of N rows."""
    engine = create_engine(url)
    async with create_session_factory(engine)() as session:
        started = time.perf_counter()
        broadcast = Broadcast(locale="en", due_at=utcnow(), created_at=utcnow(), total=0)
        session.add(broadcast)
        await session.flush()
        ids = list(await session.scalars(select(Member.id).where(Member.status == "active")))
        rows = [{"broadcast_id": broadcast.id, "member_id": i, "state": "queued"} for i in ids]
        await session.execute(insert(BroadcastDelivery), rows)
        await session.commit()
        elapsed = time.perf_counter() - started
    await engine.dispose()
    return elapsed


# -- the engine subprocess --------------------------------------------------------


async def runner(args: argparse.Namespace, chats: list[int] | None) -> None:
    config = settings(args.db, args.api, args.rate)
    bot = create_bot(config)
    if chats is not None:
        await baseline_sender(bot, chats, args.rate)
        await bot.session.close()
        return
    engine = create_engine(config.database_url)
    factory = create_session_factory(engine)
    broadcaster = Broadcaster(bot, factory, config, create_i18n("nl"))
    await broadcaster.start()
    print(json.dumps({"event": "started", "resumed": broadcaster.resumed}), flush=True)
    while True:  # a benchmark runner may poll
        async with factory() as session:
            if await session.scalar(select(Broadcast.finished_at).where(Broadcast.id == 1)):
                break
        await asyncio.sleep(0.1)
    await broadcaster.stop()
    stats = {"paused": broadcaster.limiter.paused_total, "commits": broadcaster.journal.commits,
             "window": broadcaster.window(), "latency_ms": broadcaster.latency * 1000}  # fmt: skip
    print(json.dumps({"event": "done", **stats}))
    await bot.session.close()
    await engine.dispose()


async def baseline_sender(bot: Any, chats: list[int], rate: float) -> None:
    """The same pacing, 32 concurrent senders, no database and no bookkeeping."""
    limiter, queue = RateLimiter(rate), list(reversed(chats))

    async def worker() -> None:
        while queue:
            chat = queue.pop()
            await limiter.acquire()
            await bot.send_message(chat, "Meeting on <b>Monday</b> at 19:00 in the library.")

    await asyncio.gather(*(worker() for _ in range(32)))


async def spawn(db: str, api: str, rate: float, *extra: str) -> asyncio.subprocess.Process:
    return await asyncio.create_subprocess_exec(
        sys.executable, __file__, "runner", "--db", db, "--api", api, "--rate", str(rate), *extra,
        stdout=asyncio.subprocess.PIPE, env={**os.environ, "PYTHONPATH": str(ROOT)},
    )  # fmt: skip


async def events(proc: asyncio.subprocess.Process) -> list[dict[str, Any]]:
    assert proc.stdout is not None
    out = await proc.stdout.read()
    await proc.wait()
    return [json.loads(line) for line in out.decode().splitlines() if line.startswith("{")]


# -- measuring ---------------------------------------------------------------------


def delivered(emu: Emulator, users: list[int]) -> tuple[int, int, int]:
    """(recipients who got it, extra copies, lost = not blocked and got nothing)."""
    counts = [sum(1 for m in emu.world.chats[u].messages.values() if m.from_bot) for u in users]
    pairs = zip(users, counts, strict=True)
    lost = sum(1 for u, c in pairs if c == 0 and not emu.faults.is_blocked(u))
    return sum(1 for c in counts if c), sum(max(0, c - 1) for c in counts), lost


def send_window(emu: Emulator, since: float) -> float:
    """Seconds from the first sendMessage to the last delivered one."""
    calls = [r for r in emu.requests if r.method == "sendMessage" and r.time >= since]
    ok = [r.time for r in calls if r.status == 200]
    return max(ok) - min(r.time for r in calls) if ok else float("nan")


async def rate_phase(folder: Path, limit: float, n: int, mode: str) -> dict[str, Any]:
    """mode: baseline, clean or faults."""
    async with Emulator(token=TOKEN, request_log_size=None) as emu:
        users = [emu.create_user(f"U{i}").id for i in range(n)]
        emu.flood.configure(global_per_sec=limit, per_chat_per_sec=1, per_chat_burst=3)
        if mode == "faults":
            emu.faults.set_random(rate_429=0.05, rate_5xx=0.01, rate_blocked=0.02, seed=7)
        if mode == "baseline":
            chats = folder / "chats.json"
            chats.write_text(json.dumps(users))
            db, extra = "sqlite+aiosqlite://", ("--baseline", str(chats))
        else:
            db, extra = await fresh_db(folder, f"{mode}{limit:g}", users), ()
            await plan(db)
        started = time.time()
        found = await events(await spawn(db, emu.api_url, limit, *extra))
        got, dup, lost = delivered(emu, users)
        span = send_window(emu, started)
        stats = found[-1] if found else {}
        paused = stats.get("paused", 0.0)
        return {**stats, "rate": got / span, "dup": dup, "lost": lost, "flood_429": emu.flood.hits,
                "sending_rate": got / max(1e-9, span - paused)}  # fmt: skip


async def kill_phase(folder: Path, limit: float, n: int, kills: int) -> None:
    async with Emulator(token=TOKEN, request_log_size=None) as emu:
        users = [emu.create_user(f"U{i}").id for i in range(n)]
        emu.flood.configure(global_per_sec=limit, per_chat_per_sec=1, per_chat_burst=3)
        emu.faults.set_random(rate_5xx=0.01, rate_blocked=0.02, seed=11)
        url = await fresh_db(folder, "kill", users)
        await plan(url)
        rng, resumed = random.Random(3), []
        for _ in range(kills):
            proc = await spawn(url, emu.api_url, limit)
            assert proc.stdout is not None
            resumed.append(json.loads(await proc.stdout.readline())["resumed"])
            await asyncio.sleep(rng.uniform(0.5, n / limit / (kills + 1)))
            proc.send_signal(signal.SIGKILL)
            await proc.wait()
        final = await events(await spawn(url, emu.api_url, limit))
        resumed.append(final[0]["resumed"])
        got, dup, lost = delivered(emu, users)
    print(f"kill     L={limit:<5g} N={n}: {kills} SIGKILLs at random points; 'sending' rows "
          f"found at each restart {resumed[1:]}; delivered {got}, duplicates {dup} "
          f"(target <= 1 per kill), lost {lost}", flush=True)  # fmt: skip


def rss_mb(pid: int) -> float:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) / 1024
    return float("nan")


class Peak:
    """Samples a process's VmRSS every 0.2 s until stopped; keeps the largest."""

    def __init__(self, pid: int) -> None:
        self.pid, self.peak = pid, 0.0
        self.task = asyncio.create_task(self._sample())

    async def _sample(self) -> None:
        while True:
            self.peak = max(self.peak, rss_mb(self.pid))
            await asyncio.sleep(0.2)

    def stop(self) -> float:
        self.task.cancel()
        return self.peak


def broadcast_copies(emu: Emulator, since: float) -> tuple[int, int]:
    """(members who got the broadcast, extra copies) from the request log."""
    chats = Counter(
        r.params.get("chat_id")
        for r in emu.requests
        if r.method == "sendMessage" and r.time >= since and r.status == 200
        and "Monday" in str(r.params.get("text"))
    )  # fmt: skip
    return len(chats), sum(c - 1 for c in chats.values())


def p95(values: list[float]) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(0.95 * len(ordered)))] if ordered else float("nan")


async def answers(emu: Emulator, users: list[Any], rate: float, seconds: float) -> list[float]:
    """Members write /help at `rate` per second for `seconds`; each one's reply latency (the
    first sendMessage to that chat after it wrote that is not the broadcast)."""
    sent: dict[int, float] = {}
    seen = len(emu.requests)
    first: dict[int, float] = {}

    def collect() -> None:
        nonlocal seen
        records = list(itertools.islice(emu.requests, seen, None))
        seen += len(records)
        for r in records:
            chat = int(r.params.get("chat_id", 0)) if r.method == "sendMessage" else 0
            if chat in sent and chat not in first and r.time >= sent[chat] and r.status == 200:
                if "Monday" not in str(r.params.get("text")):
                    first[chat] = r.time

    began = time.monotonic()
    for index, user in enumerate(users[: int(rate * seconds)]):
        delay = began + index / rate - time.monotonic()
        if delay > 0:
            await asyncio.sleep(delay)
        sent[user.id] = time.time()
        await user.send_command("/help")
        collect()
    deadline = time.monotonic() + 60
    while len(first) < len(sent) and time.monotonic() < deadline:
        await asyncio.sleep(0.1)
        collect()
    missing = len(sent) - len(first)
    return [first[c] - sent[c] for c in first] + [float("inf")] * missing


async def bare_rss(folder: Path, rate: float) -> float:
    """Baseline: the peak VmRSS of a bare aiogram bot (bench/handlers.py's, no database, no
    i18n) answering members who write at `rate` per second for 3 seconds."""
    async with Emulator(token=TOKEN, request_log_size=None) as emu:
        users = [emu.create_user(f"B{i}") for i in range(int(rate * 3))]
        bot = Bot("bare", emu, folder / "bare.db", [str(ROOT / "bench/bare_bot.py")],
                  BOT_TOKEN=TOKEN)  # fmt: skip
        await bot.start()
        assert bot.proc is not None
        try:
            peak = Peak(bot.proc.pid)
            await answers(emu, users, rate, 3)
            return peak.stop()
        finally:
            await bot.stop()


async def mixed_phase(
    folder: Path, limit: float, n: int, rate: float, seconds: float, engine: str, base_rss: float
) -> None:
    """engine "inline": `python -m bot run` sends the broadcast too; "process": it leaves
    that to `python -m bot broadcaster` (BROADCAST_ENGINE=process)."""
    async with Emulator(token=TOKEN, request_log_size=None) as emu:
        users = [emu.create_user(f"U{i}") for i in range(n)]
        # Headroom over L for the replies: the broadcast alone is paced at L.
        emu.flood.configure(global_per_sec=limit + 3 * rate, per_chat_per_sec=1, per_chat_burst=3)
        url = await fresh_db(folder, f"mixed-{engine}", [u.id for u in users])
        env = dict(BROADCAST_RATE=f"{limit:g}", BROADCAST_PAID="true", QUIET_HOURS="off",
                   LOG_LEVEL="WARNING", DEFAULT_LOCALE="nl", BOT_TOKEN=TOKEN,
                   BROADCAST_ENGINE=engine)  # fmt: skip
        bot = Bot("project", emu, folder / f"mixed-{engine}.db", ["-m", "bot", "run"], **env)
        await bot.start()
        assert bot.proc is not None
        sender = None
        if engine == "process":
            sender = await asyncio.create_subprocess_exec(
                sys.executable, "-m", "bot", "broadcaster", cwd=folder,
                env={**os.environ, **env, "PYTHONPATH": str(ROOT),
                     "TELEGRAM_API_URL": emu.api_url, "DATABASE_URL": url},
                stdout=asyncio.subprocess.DEVNULL, stderr=asyncio.subprocess.DEVNULL,
            )  # fmt: skip
        try:
            peak = Peak(bot.proc.pid)
            sender_peak = Peak(sender.pid) if sender is not None else None
            quiet = await answers(emu, users[-int(rate * seconds) :], rate, seconds)
            idle_rss = rss_mb(bot.proc.pid)
            since = time.time()
            await plan(url)
            while True:  # the first copy sent (then the members start writing)
                if any(r.method == "sendMessage" and r.time >= since for r in emu.requests):
                    break
                await asyncio.sleep(0.05)
            busy = await answers(emu, users[: int(rate * seconds)], rate, seconds)
            deadline = time.monotonic() + 60 + 3 * n / limit
            while (
                True
            ):  # every half second: reading the whole log per event would slow the emulator
                counted = broadcast_copies(emu, since)
                if counted[0] >= n:
                    break
                if time.monotonic() > deadline:
                    print(f"mixed: only {counted[0]} of {n} got the broadcast", flush=True)
                    break
                await asyncio.sleep(0.5)
            got, dup = counted
            window = send_window(emu, since)
            peak_rss = peak.stop()
            sender_rss = sender_peak.stop() if sender_peak is not None else 0.0
        finally:
            if sender is not None:
                sender.terminate()
                await sender.wait()
            await bot.stop()
    memory = f"RSS of `bot run` {idle_rss:.0f} MB idle, peak {peak_rss:.0f} MB"
    if sender is not None:
        memory += f", of `bot broadcaster` peak {sender_rss:.0f} MB"
    print(f"mixed    L={limit:<5g} N={n} engine {engine}: broadcast {got / window:7.1f}/s "
          f"ratio {got / window / limit:5.3f} (target >= 0.95) dup {dup} lost {n - got}; "
          f"replies to {len(busy)} members writing at {rate:g}/s: p95 {p95(busy) * 1000:.0f} ms "
          f"during the broadcast (target < 1000) vs {p95(quiet) * 1000:.0f} ms without it; "
          f"{memory} (target < 150; a bare aiogram bot: {base_rss:.0f} MB)",
          flush=True)  # fmt: skip


async def mixed_phases(folder: Path, args: argparse.Namespace) -> None:
    base_rss = await bare_rss(folder, args.answer_rate)
    for engine in ("inline", "process"):
        await mixed_phase(folder, 1000, args.mixed_n, args.answer_rate, args.answer_seconds,
                          engine, base_rss)  # fmt: skip


def show(label: str, limit: float, r: dict[str, Any], base: dict[str, Any]) -> None:
    line = (f"{label:8s} L={limit:<5g} rate {r['rate']:7.1f}/s  ratio {r['rate'] / limit:5.3f}  "
            f"vs baseline {r['rate'] / base['rate']:5.3f}  dup {r['dup']}  lost {r['lost']}  "
            f"flood 429s {r['flood_429']}")  # fmt: skip
    if "window" in r:
        line += f"  window {r['window']} latency {r['latency_ms']:.0f}ms"
    if r.get("paused"):
        line += (f"\n{'':8s} held by retry_after {r['paused']:.0f}s of the run; ratio over "
                 f"the time sending was allowed {r['sending_rate'] / limit:5.3f}")  # fmt: skip
    print(line, flush=True)


async def main(args: argparse.Namespace) -> None:
    print(f"load average before the run: {os.getloadavg()[0]:.2f}", flush=True)
    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp)
        if args.only_mixed:
            await mixed_phases(folder, args)
            return
        url = await fresh_db(folder, "plan", list(range(10_000_000, 10_000_000 + args.plan)))
        total, fast = await plan(url)
        slow = await plan_per_row(url)
        print(
            f"plan     N={total}: {fast:.2f}s (target < 5s: {fast / 5:.2f}x the budget); "
            f"baseline per-row executemany {slow:.2f}s ({slow / fast:.1f}x slower)",
            flush=True,
        )
        pairs = ((30, args.n30, args.faults30), (1000, args.n1000, args.faults1000))
        for limit, n, n_faults in pairs:
            short = min(n, int(limit * args.base_seconds))
            base = await rate_phase(folder, limit, short, "baseline")
            show("baseline", limit, base, base)
            show("clean", limit, await rate_phase(folder, limit, n, "clean"), base)
            show("faults", limit, await rate_phase(folder, limit, n_faults, "faults"), base)
        await kill_phase(folder, args.kill_rate, args.kill_n, args.kills)
        await mixed_phases(folder, args)


if __name__ == "__main__":
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    sub = parser.add_subparsers(dest="command")
    run = sub.add_parser("runner", help="internal: the engine (or the baseline sender) process")
    run.add_argument("--db", required=True)
    run.add_argument("--api", required=True)
    run.add_argument("--rate", type=float, required=True)
    run.add_argument("--baseline", help="JSON file of chat ids: run the bare sender instead")
    parser.add_argument("--quick", action="store_true", help="small N everywhere (about 1 minute)")
    parser.add_argument("--plan", type=int, default=100_000)
    parser.add_argument("--n30", type=int, default=3_000)
    parser.add_argument("--n1000", type=int, default=20_000)
    parser.add_argument(
        "--faults30", type=int, default=1_000, help="N for the 429 fault run at L=30"
    )
    parser.add_argument(
        "--faults1000", type=int, default=2_000, help="N for the 429 fault run at L=1000"
    )
    parser.add_argument("--base-seconds", type=float, default=20, help="baseline length per L")
    parser.add_argument("--kill-n", type=int, default=900)
    parser.add_argument("--kill-rate", type=float, default=30)
    parser.add_argument("--kills", type=int, default=3)
    parser.add_argument("--mixed-n", type=int, default=100_000, help="members in the mixed phase")
    parser.add_argument("--answer-rate", type=float, default=100, help="updates/s, mixed phase")
    parser.add_argument("--answer-seconds", type=float, default=10, help="how long they write")
    parser.add_argument("--only-mixed", action="store_true", help="run the mixed phase alone")
    options = parser.parse_args()
    if options.command == "runner":
        chats = json.loads(Path(options.baseline).read_text()) if options.baseline else None
        asyncio.run(runner(options, chats))
    else:
        if options.quick:
            options.plan, options.n30, options.n1000 = 20_000, 300, 3_000
            options.faults30, options.faults1000, options.base_seconds = 150, 300, 5
            options.kill_n, options.kills, options.mixed_n = 300, 2, 10_000
        asyncio.run(main(options))
