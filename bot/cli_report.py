"""`python -m bot report SLUG [--run N] [--region CODE] [--language nl|en] --out FILE.pdf`:
the survey report for the municipality, as the bot's /survey_report makes it. The CLI acts
as an admin of all regions (audit actor 0, like the other CLI commands)."""

from __future__ import annotations

import argparse
from pathlib import Path
from typing import Any

from bot.cli_admin import CLI_ACTOR, CliError
from bot.config import Settings
from db.engine import create_engine, create_session_factory

LANGUAGES = ("nl", "en")


def add_parsers(commands: Any) -> None:
    report = commands.add_parser(
        "report", help="a survey's report for the municipality as PDF (charts, tables, quotes)"
    )
    report.add_argument("slug", help="the survey (see `python -m bot survey list`)")
    report.add_argument("--run", type=int, help="only this run (default: every run)")
    report.add_argument("--version", type=int, help="this version (default: the newest sent)")
    report.add_argument("--region", help="only this region's code (default: all regions)")
    report.add_argument("--language", choices=LANGUAGES, default="nl", help="default: nl")
    report.add_argument("--out", type=Path, required=True, help="the PDF file to write")


async def run(args: argparse.Namespace, settings: Settings) -> list[str]:
    from bot.i18n import create_i18n
    from bot.reports import charts, pdf, survey_report
    from bot.services.roles import NotAllowed
    from bot.surveys.results import NoSurvey

    engine = create_engine(settings.database_url)
    i18n = create_i18n(settings.default_locale)
    try:
        async with create_session_factory(engine)() as session:
            with i18n.context(), i18n.use_locale(args.language):
                try:
                    data = await survey_report.gather(
                        session, CLI_ACTOR, args.slug, locale=args.language, tz=settings.tz,
                        run_id=args.run, region_code=args.region, version=args.version,
                    )  # fmt: skip
                except NoSurvey:
                    raise CliError(f"no survey {args.slug!r} (with that run or version)") from None
                except NotAllowed:
                    raise CliError(f"unknown region {args.region!r}") from None
                document = await charts.render(pdf.build, data)
    finally:
        await engine.dispose()
    try:
        args.out.write_bytes(document)
    except OSError as exc:
        raise CliError(f"cannot write {args.out}: {exc.strerror}") from None
    return [f"wrote {args.out} ({len(document) // 1024} KB): finished responses: {data.finished},"
            f" questions: {len(data.sections)}, quotes: {len(data.quotes)}"]  # fmt: skip
