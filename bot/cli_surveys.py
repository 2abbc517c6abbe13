"""`python -m bot survey validate FILE` and `python -m bot survey import FILE` (and `list`).

validate needs no database; import acts as an admin (audit actor 0, like the other CLI).
"""

from __future__ import annotations

import argparse
from pathlib import Path
from typing import Any

from bot.cli_admin import CLI_ACTOR, CliError
from bot.config import SUPPORTED_LOCALES, Settings
from bot.surveys import library
from bot.surveys.definition import SurveyDefinition, shown
from bot.surveys.validate import check_text
from db.base import utcnow
from db.engine import create_engine, create_session_factory

MAX_FIELDS = 6


def add_parsers(commands: Any) -> None:
    survey = commands.add_parser("survey", help="validate, import or list survey files")
    actions = survey.add_subparsers(dest="action", metavar="ACTION", required=True)
    for name, text in (("validate", "check a survey file"), ("import", "check and import it")):
        sub = actions.add_parser(name, help=text)
        sub.add_argument("file", type=Path)
    actions.add_parser("list", help="list imported surveys")


def _read(path: Path) -> str:
    try:
        return library.decode(path.read_bytes())
    except OSError as exc:
        raise CliError(f"cannot read {path}: {exc.strerror}") from None
    except library.InvalidSurvey as exc:
        raise CliError(f"{path}: {exc.problems[0].render()}") from None


def _problems(path: Path, problems: list[Any]) -> CliError:
    lines = [f"{path}: {len(problems)} problem(s), nothing imported"]
    return CliError("\n".join(lines + [f"  {p.render()}" for p in problems]))


def missing_report(missing: dict[str, list[str]]) -> list[str]:
    if not missing:
        return [f"translations: complete in {' '.join(SUPPORTED_LOCALES)}"]
    lines = ["missing translations (fall back to en, then nl):"]
    for code in SUPPORTED_LOCALES:
        fields = missing.get(code, [])
        if fields:
            more = " …" if len(fields) > MAX_FIELDS else ""
            lines.append(f"  {code}: {len(fields)} — {', '.join(fields[:MAX_FIELDS])}{more}")
    return lines


def _summary(definition: SurveyDefinition) -> str:
    kinds = ", ".join(f"{q.id} ({q.kind})" for q in definition.questions)
    anonymous = " anonymous" if definition.anonymous else ""
    return f"{definition.slug}{anonymous}: {shown(definition.title, 'en')} — {kinds}"


async def run(args: argparse.Namespace, settings: Settings) -> list[str]:
    """Carry out the command; return the lines to print (problems raise CliError)."""
    if args.action == "validate":
        checked = check_text(_read(args.file))
        if checked.definition is None:
            raise _problems(args.file, checked.problems)
        return ["valid: " + _summary(checked.definition), *missing_report(checked.missing)]
    engine = create_engine(settings.database_url)
    try:
        async with create_session_factory(engine)() as session:
            if args.action == "list":
                return [
                    f"{s.slug}\tv{s.version}\t{'anonymous' if s.anonymous else 'named'}"
                    for s in await library.catalogue(session)
                ]
            try:
                result = await library.import_text(session, CLI_ACTOR, _read(args.file), utcnow())
            except library.InvalidSurvey as exc:
                raise _problems(args.file, exc.problems) from None
            await session.commit()
    finally:
        await engine.dispose()
    survey = result.survey
    head = f"{result.outcome.value}: {survey.slug} version {survey.version}"
    return [head, _summary(result.definition), *missing_report(result.missing)]
