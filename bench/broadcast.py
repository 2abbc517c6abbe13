"""Broadcast engine benchmark (not a test): send rate, exactly-once, planning speed.

The emulator runs in this process; the engine runs in a subprocess (`runner`), as in
production, so both get a core. Phases, each with a baseline measured in the same run:

  plan    time to plan N deliveries on SQLite (one INSERT ... SELECT) vs per-row executemany
  rate L  emulator flood control at L msg/s, BROADCAST_RATE=L (paid above 30/s):
          baseline  bare aiogram sender with the same pacing and no database
          clean     the engine, flood control only
          faults    the engine, plus 5% 429 (retry_after 1 s), 1% 5xx, 2% blocked
  kill    SIGKILL the engine at random points and restart it (1% 5xx, 2% blocked)

Ratios: rate / L over the send window (first to last delivery); for the fault run also over
the time the stream was not held by 429 retry_after (those pauses are mandatory).
Run: python bench/broadcast.py [--quick] [--n30 3000] [--n1000 20000] [--plan 100000] ...
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import random
import signal
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from sqlalchemy import insert, select  # noqa: E402

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
    options = parser.parse_args()
    if options.command == "runner":
        chats = json.loads(Path(options.baseline).read_text()) if options.baseline else None
        asyncio.run(runner(options, chats))
    else:
        if options.quick:
            options.plan, options.n30, options.n1000 = 20_000, 300, 3_000
            options.faults30, options.faults1000, options.base_seconds = 150, 300, 5
            options.kill_n, options.kills = 300, 2
        asyncio.run(main(options))
