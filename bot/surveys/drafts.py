"""Machine drafts for the languages an imported survey lacks, stored in its definition.

`make` translates every missing text of each missing language through the language bridge
(glossary protected; each language waits at most the bridge's quick wait) from the text in
STAFF_LANGUAGE (else the one the fallback rule picks), and stores the survey again with the
texts filled in and `machine_drafts: {language: {provider, reviewed: false}}` (through
`library.import_text`, so a survey with responses gets a new version). A language is drafted
whole or not at all: one failed text leaves it to the fallback as before. The file is written
anew, so comments in the imported file are not kept.

Members reading a drafted language see a machine-translation label (bot/surveys/invite.py).
`mark_reviewed` records the coordinator's review; scheduling a survey with unreviewed drafts
needs a confirmation (bot/surveys/schedule.py). Both are audited with the providers and the
languages; no member data is involved. No aiogram here.
"""

from __future__ import annotations

import asyncio
import re
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

import yaml
from sqlalchemy.ext.asyncio import AsyncSession

from bot.bridge import Reason, Translation
from bot.questions.translation import NotDrafted, Translator
from bot.services import audit
from bot.services.roles import Actor, require_staff
from bot.surveys import library
from bot.surveys.definition import pick_text
from bot.surveys.validate import missing_texts
from db.models import Survey

MADE, REVIEWED = "survey_machine_drafts", "survey_drafts_reviewed"
_STEP = re.compile(r"([A-Za-z_]+)|\[(\d+)\]")


class NoSurvey(Exception):
    pass


@dataclass(frozen=True)
class Made:
    survey: Survey  # the stored version (with the drafts, if any were made)
    made: dict[str, str]  # language -> provider
    failed: list[NotDrafted]
    missing: list[str]  # languages that lacked texts before


async def current(session: AsyncSession, who: Actor, slug: str) -> Survey:
    require_staff(who)
    survey = await library.latest(session, slug.lower())
    if survey is None:
        raise NoSurvey
    return survey


def _texts_at(data: Any, path: str) -> dict[str, Any]:
    """The {language: text} mapping at a field path such as questions[2].options[0].text."""
    node = data
    for name, index in _STEP.findall(path):
        node = node[int(index)] if index else node[name]
    assert isinstance(node, dict)
    return node


def _rewrite(survey: Survey, fill: dict[str, dict[str, str]], marks: dict[str, Any]) -> str:
    """The survey's file with `fill` ({language: {path: text}}) and the marks set."""
    data = yaml.safe_load(survey.source)
    for code, texts in fill.items():
        for path, text in texts.items():
            _texts_at(data, path)[code] = text
    data["machine_drafts"] = {**(data.get("machine_drafts") or {}), **marks}
    return yaml.safe_dump(data, allow_unicode=True, sort_keys=False, width=1000)


async def make(
    session: AsyncSession, translator: Translator, who: Actor, slug: str, now: datetime
) -> Made:
    """Drafts for every language the latest version lacks texts in; audits and commits."""
    survey = await current(session, who, slug)
    definition = library.definition_of(survey)
    missing = missing_texts(definition)
    texts = dict(definition.texts())
    # Group the wanted texts by the language they are translated from.
    by_source: dict[str, dict[str, list[str]]] = {}  # source -> target -> paths
    for code, paths in missing.items():
        for path in paths:
            source, _text = pick_text(texts[path], translator.staff_language)
            by_source.setdefault(source, {}).setdefault(code, []).append(path)
    fill: dict[str, dict[str, str]] = {code: {} for code in missing}
    providers: dict[str, str] = {}
    failed: dict[str, Reason] = {}
    for source, targets in by_source.items():
        wanted = {code: paths for code, paths in targets.items() if code not in failed}
        found = await asyncio.gather(  # every language at once, each bounded by the wait
            *(
                translator.translate_many([texts[p][source] for p in paths], source, code)
                for code, paths in wanted.items()
            )
        )
        for (code, paths), results in zip(wanted.items(), found, strict=True):
            for path, result in zip(paths, results, strict=True):
                if isinstance(result, Translation):
                    fill[code][path] = result.text
                    providers.setdefault(code, result.provider)
                else:
                    failed[code] = result.reason
                    break
    made = {code: provider for code, provider in providers.items() if code not in failed}
    if made:
        marks = {code: {"provider": made[code], "reviewed": False} for code in made}
        text = _rewrite(survey, {code: fill[code] for code in made}, marks)
        survey = (await library.import_text(session, who, text, now)).survey
    await audit.record(
        session, who.telegram_id, MADE, slug=survey.slug, version=survey.version,
        providers=sorted(set(made.values())), languages=sorted(made),
        failed={code: reason.value for code, reason in failed.items()},
    )  # fmt: skip
    await session.commit()
    return Made(
        survey, made, [NotDrafted(c, r) for c, r in sorted(failed.items())], sorted(missing)
    )


async def mark_reviewed(
    session: AsyncSession, who: Actor, slug: str, languages: Sequence[str], now: datetime
) -> tuple[Survey, list[str]]:
    """Mark the latest version's unreviewed drafts (all, or only `languages`) as reviewed;
    audits and commits. Returns the stored version and the languages marked."""
    survey = await current(session, who, slug)
    pending = library.definition_of(survey).unreviewed()
    chosen = [code for code in pending if not languages or code in languages]
    if not chosen:
        return survey, []
    data = yaml.safe_load(survey.source)
    marks = {code: {**data["machine_drafts"][code], "reviewed": True} for code in chosen}
    survey = (await library.import_text(session, who, _rewrite(survey, {}, marks), now)).survey
    await audit.record(
        session, who.telegram_id, REVIEWED, slug=survey.slug, version=survey.version,
        languages=chosen,
    )  # fmt: skip
    await session.commit()
    return survey, chosen


__all__ = ["Made", "NoSurvey", "NotDrafted", "current", "make", "mark_reviewed"]
