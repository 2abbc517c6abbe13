"""FAQ suggestions benchmark (not a test): how well and how fast the bot finds the entries
that answer what a member types before their question is sent.

On a fresh, migrated database (SQLite file; with --postgres also a fresh PostgreSQL database) with the FAQ of
tests/faq_dataset.py (12 entries, reviewed in 8 languages) it runs the whole lookup the bot
runs on Send (`bot.faq.reading.matches`: the reviewed questions in the member's language from
the database, then rapidfuzz) for every pair of the labelled set and reports

  hit@1, hit@3   the expected entry first / among the three offered
  latency        p50 and p95 of one lookup, against a baseline measured in the same run: one
                 SELECT of the member's row (what every update costs anyway); the bot gives up
                 on suggestions after 300 ms (LOOKUP_BUDGET)
  --scale K      the same with the FAQ copied K times (K x 12 entries) to see how latency grows

Run: python bench/faq.py [--postgres] [--scale 20] [--rounds 5]
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

from bot.faq import reading  # noqa: E402
from db import migrate  # noqa: E402
from db.engine import create_engine, create_session_factory  # noqa: E402
from db.models import Member, Region  # noqa: E402
from db.seed import seed_regions  # noqa: E402
from tests.faq_dataset import LABELLED, seed_faq  # noqa: E402
from tests.servers import fresh_postgres_database  # noqa: E402

LANGUAGES = ("nl", "en", "ar", "fa", "ti", "tr", "uk", "so")


def pct(values: list[float], p: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(round(p / 100 * (len(ordered) - 1))))]


async def run(url: str, scale: int, rounds: int) -> None:
    engine = create_engine(url)
    await migrate.upgrade(engine)
    factory = create_session_factory(engine)
    async with factory() as session:
        await seed_regions(session)
        await session.commit()
        twente = await session.scalar(select(Region.id).where(Region.code == "twente"))
        ids = await seed_faq(session, twente)
        for _copy in range(scale - 1):
            await seed_faq(session, twente)
        members = {}
        for number, language in enumerate(LANGUAGES):
            member = Member(telegram_id=800_000 + number, language=language, status="active",
                            region_id=twente)  # fmt: skip
            session.add(member)
            members[language] = member
        await session.commit()
        hits1 = hits3 = 0
        lookups: list[float] = []
        baseline: list[float] = []
        for round_number in range(rounds):
            for language, query, key in LABELLED:
                member = members[language]
                started = time.perf_counter()
                await session.scalar(select(Member).where(Member.telegram_id == member.telegram_id))
                baseline.append(time.perf_counter() - started)
                started = time.perf_counter()
                found = await reading.matches(session, member, language, query, 5.0)
                lookups.append(time.perf_counter() - started)
                if round_number == 0:
                    hits1 += bool(found) and found[0] == ids[key]
                    hits3 += ids[key] in found[:3]
    await engine.dispose()
    n = len(LABELLED)
    print(f"{url.split(':')[0]:<20} entries={12 * scale:<5} pairs={n}  "
          f"hit@1={hits1 / n:.2f}  hit@3={hits3 / n:.2f}")  # fmt: skip
    ms = [v * 1000 for v in lookups]
    base = [v * 1000 for v in baseline]
    print(f"  lookup   p50={pct(ms, 50):6.2f} ms  p95={pct(ms, 95):6.2f} ms  max={max(ms):6.2f} ms"
          f"  (budget {reading.LOOKUP_BUDGET * 1000:.0f} ms)")  # fmt: skip
    print(f"  baseline p50={pct(base, 50):6.2f} ms  p95={pct(base, 95):6.2f} ms"
          f"  -> lookup/baseline p50 x{pct(ms, 50) / max(pct(base, 50), 1e-6):.1f}")  # fmt: skip


async def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument(
        "--postgres", action="store_true", help="also on PostgreSQL (a fresh database each run)"
    )
    parser.add_argument("--scale", type=int, default=20)
    parser.add_argument("--rounds", type=int, default=5)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        for scale in (1, args.scale):
            await run(f"sqlite+aiosqlite:///{tmp}/faq-{scale}.db", scale, args.rounds)
    if args.postgres:
        for scale in (1, args.scale):
            async with fresh_postgres_database() as url:
                await run(url, scale, args.rounds)


if __name__ == "__main__":
    asyncio.run(main())
