"""Layering rules that import contracts cannot express, checked on the sources."""

from __future__ import annotations

import re
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
SCHEDULER = ROOT / "bot" / "scheduler.py"
# APScheduler and its internals stay behind bot.scheduler.Scheduler.
SCHEDULER_INTERNALS = re.compile(r"\._?aps\b|_lookup_executor|_pending_futures|\bapscheduler\b")


def _sources() -> list[Path]:
    return sorted(p for folder in ("bot", "handlers") for p in (ROOT / folder).rglob("*.py"))


def test_only_the_scheduler_module_touches_apscheduler() -> None:
    offences = [
        f"{path.relative_to(ROOT)}:{number}: {line.strip()}"
        for path in _sources()
        if path != SCHEDULER
        for number, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1)
        if SCHEDULER_INTERNALS.search(line)
    ]
    assert not offences, "use bot.scheduler.Scheduler's own API:\n" + "\n".join(offences)


def test_the_rule_sees_an_offence() -> None:
    assert SCHEDULER_INTERNALS.search("    scheduler.aps.add_job(run_due)")
    assert SCHEDULER_INTERNALS.search('executor = s._lookup_executor("default")')
    assert not SCHEDULER_INTERNALS.search("scheduler.add_job(run_due, Every(30), id=TICK_ID)")
