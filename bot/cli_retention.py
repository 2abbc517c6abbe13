"""`python -m bot retention [--dry-run]`: apply the retention rules now, or count what is due.

Without --dry-run the bot's messages go out as in the daily job (questions to inactive
members, removal of old topics and copies), so BOT_TOKEN is needed.
"""

from __future__ import annotations

import argparse
from datetime import datetime
from typing import TYPE_CHECKING, Any

from bot.config import Settings
from db.base import utcnow
from db.engine import create_engine, create_session_factory

if TYPE_CHECKING:
    from bot.retention import service

DESCRIPTIONS = {
    "closed_questions": "closed questions with their messages and topics",
    "translations": "cached translations of those questions' texts",
    "survey_responses": "survey responses anonymised",
    "audit_entries": "audit log entries",
    "members_asked": "inactive members asked to confirm",
    "members_removed": "members removed after no confirmation",
}


def add_parsers(commands: Any) -> None:
    retention = commands.add_parser(
        "retention", help="remove data older than the retention rules allow (see .env.example)"
    )
    retention.add_argument(
        "--dry-run", action="store_true", help="only count what would be removed, change nothing"
    )


def lines(counts: service.Counts, dry_run: bool, now: datetime) -> list[str]:
    head = f"retention at {now.isoformat(timespec='seconds')}: " + (
        "would remove (dry run, nothing changed)" if dry_run else "removed"
    )
    return [head] + [f"{kind}\t{n}\t{DESCRIPTIONS[kind]}" for kind, n in counts.items()]


async def run(
    args: argparse.Namespace, settings: Settings, now: datetime | None = None
) -> list[str]:
    """Carry out the command; return the lines to print."""
    from bot.retention import service  # imported here: `python -m bot` parses without it

    now = now or utcnow()
    engine = create_engine(settings.database_url)
    try:
        async with create_session_factory(engine)() as session:
            if args.dry_run:
                return lines(await service.plan(session, settings, now), True, now)
            return lines(await _apply(session, settings, now), False, now)
    finally:
        await engine.dispose()


async def _apply(session: Any, settings: Settings, now: datetime) -> service.Counts:
    from bot.factory import create_bot
    from bot.i18n import create_i18n
    from bot.retention import service, views
    from bot.telegram.messenger import TelegramMessenger

    bot = create_bot(settings)  # BOT_TOKEN is required here, checked before any change
    try:
        i18n = create_i18n(settings.default_locale)
        return await service.apply(
            session, settings, now, TelegramMessenger(bot),
            ask=views.ask(i18n, settings), blank_text=views.blank(i18n, settings),
            withdrawn_text=views.withdrawn(i18n),
        )  # fmt: skip
    finally:
        await bot.session.close()
