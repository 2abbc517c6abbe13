"""Imported survey definitions: versions in the database, parsed definitions cached."""

from __future__ import annotations

import enum
import hashlib
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import exists, func, select
from sqlalchemy.ext.asyncio import AsyncSession

from bot.services import audit
from bot.services.roles import Actor, require_staff
from bot.surveys.checker import INVALID_YAML, Problem
from bot.surveys.definition import SurveyDefinition
from bot.surveys.validate import check_text
from db.models import Survey, SurveyResponse, SurveyRun

MAX_FILE_BYTES = 256 * 1024
IMPORT = "survey_import"
_cache: dict[str, SurveyDefinition] = {}


class InvalidSurvey(Exception):
    def __init__(self, problems: list[Problem]) -> None:
        super().__init__(f"{len(problems)} problem(s)")
        self.problems = problems


class Outcome(enum.StrEnum):
    NEW = "new"  # first version of this slug
    REPLACED = "replaced"  # no responses yet: the current version was updated in place
    NEW_VERSION = "new_version"  # the current version has responses: they keep it
    UNCHANGED = "unchanged"


@dataclass(frozen=True)
class Imported:
    survey: Survey
    definition: SurveyDefinition
    outcome: Outcome
    missing: dict[str, list[str]]


def checksum(text: str) -> str:
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


def definition_of(survey: Survey) -> SurveyDefinition:
    """The parsed definition of a stored version (files were valid when imported)."""
    found = _cache.get(survey.checksum)
    if found is None:
        checked = check_text(survey.source)
        if checked.definition is None:
            raise InvalidSurvey(checked.problems)
        if len(_cache) > 256:
            _cache.clear()
        found = _cache[survey.checksum] = checked.definition
    return found


def decode(data: bytes) -> str:
    """A file's text (UTF-8, with or without BOM); a too-big or binary file is refused."""
    if len(data) > MAX_FILE_BYTES:
        reason = f"larger than {MAX_FILE_BYTES // 1024} KB"
        raise InvalidSurvey([Problem(None, "", INVALID_YAML, {"reason": reason})])
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        reason = f"not UTF-8 text ({exc.reason})"
        raise InvalidSurvey([Problem(None, "", INVALID_YAML, {"reason": reason})]) from None


async def latest(session: AsyncSession, slug: str) -> Survey | None:
    return await session.scalar(
        select(Survey).where(Survey.slug == slug).order_by(Survey.version.desc()).limit(1)
    )


async def version(session: AsyncSession, slug: str, number: int) -> Survey | None:
    return await session.scalar(select(Survey).where(Survey.slug == slug, Survey.version == number))


async def has_responses(session: AsyncSession, survey_id: int) -> bool:
    found = await session.scalar(
        select(
            exists().where(SurveyResponse.run_id == SurveyRun.id, SurveyRun.survey_id == survey_id)
        )
    )
    return bool(found)


async def import_text(session: AsyncSession, who: Actor, text: str, now: datetime) -> Imported:
    """Store a survey file: a new slug, an in-place update, or a new version (see Outcome)."""
    require_staff(who)
    checked = check_text(text)
    if checked.definition is None:
        raise InvalidSurvey(checked.problems)
    definition, digest = checked.definition, checksum(text)
    current = await latest(session, definition.slug)
    if current is not None and current.checksum == digest:
        return Imported(current, definition, Outcome.UNCHANGED, checked.missing)
    if current is not None and not await has_responses(session, current.id):
        current.source, current.checksum = text, digest
        current.anonymous, current.imported_by, current.imported_at = (
            definition.anonymous, who.telegram_id, now,
        )  # fmt: skip
        survey, outcome = current, Outcome.REPLACED
    else:
        survey = Survey(
            slug=definition.slug, version=current.version + 1 if current else 1,
            anonymous=definition.anonymous, source=text, checksum=digest,
            imported_by=who.telegram_id, imported_at=now,
        )  # fmt: skip
        session.add(survey)
        outcome = Outcome.NEW_VERSION if current else Outcome.NEW
    await session.flush()
    await audit.record(
        session, who.telegram_id, IMPORT, slug=survey.slug, version=survey.version,
        outcome=outcome.value,
    )  # fmt: skip
    return Imported(survey, definition, outcome, checked.missing)


async def catalogue(session: AsyncSession) -> list[Survey]:
    """The newest version of every survey, by slug."""
    newest = (
        select(Survey.slug, func.max(Survey.version).label("version"))
        .group_by(Survey.slug)
        .subquery()
    )
    return list(
        await session.scalars(
            select(Survey)
            .join(newest, (Survey.slug == newest.c.slug) & (Survey.version == newest.c.version))
            .order_by(Survey.slug)
        )
    )


async def by_id(session: AsyncSession, survey_id: int) -> Survey | None:
    return await session.get(Survey, survey_id)
