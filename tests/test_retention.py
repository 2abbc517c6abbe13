"""Retention against real databases, with an injected clock: it removes exactly what its
rules say, and nothing else."""

from __future__ import annotations

import argparse
import json
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession

from bot import cli_retention
from bot.bridge.service import text_hash
from bot.config import ConfigError, Settings, load_settings
from bot.retention import service
from bot.retention.service import Counts, months_before, next_run
from bot.services.roles import Actor
from bot.surveys import library
from db.models import (
    AuditEntry,
    CachedTranslation,
    Member,
    Question,
    QuestionMessage,
    Region,
    RoleGrant,
    SurveyAnswer,
    SurveyResponse,
    SurveyRun,
    Volunteer,
    VolunteerRequest,
)

ROOT = Path(__file__).resolve().parent.parent
NOW = datetime(2027, 3, 31, 12, 0, tzinfo=UTC)
ADMIN = 7
SETTINGS = Settings(bot_token="1:test", admin_ids=(ADMIN,), _env_file=None)  # type: ignore[call-arg]
PIP = (ROOT / "surveys" / "brede-intake-pip.yaml").read_text(encoding="utf-8")


def ago(months: int = 0, days: int = 0) -> datetime:
    return months_before(NOW, months) - timedelta(days=days)


@dataclass
class WatchingMessenger:
    """Records what retention says and removes on Telegram."""

    sent: list[tuple[int, str]] = field(default_factory=list)
    deleted_topics: list[tuple[int, int]] = field(default_factory=list)
    buttons_removed: list[tuple[int, int]] = field(default_factory=list)

    async def send_text(self, chat_id: int, text: str, **_: Any) -> int:
        self.sent.append((chat_id, text))
        return len(self.sent)

    async def delete(self, chat_id: int, message_id: int) -> None:
        pass

    async def edit_text(self, chat_id: int, message_id: int, text: str, **_: Any) -> None:
        pass

    async def delete_topic(self, chat_id: int, thread_id: int) -> None:
        self.deleted_topics.append((chat_id, thread_id))

    async def edit_markup(self, chat_id: int, message_id: int, markup: Any = None) -> None:
        self.buttons_removed.append((chat_id, message_id))


def test_months_before_and_next_run() -> None:
    assert months_before(NOW, 1) == datetime(2027, 2, 28, 12, 0, tzinfo=UTC)
    assert months_before(NOW, 12) == datetime(2026, 3, 31, 12, 0, tzinfo=UTC)
    assert months_before(NOW, 15) == datetime(2025, 12, 31, 12, 0, tzinfo=UTC)
    upcoming = next_run(SETTINGS, NOW)  # 14:00 in Amsterdam (summer time) is past 03:30
    assert upcoming.isoformat() == "2027-04-01T03:30:00+02:00"
    early = datetime(2027, 1, 10, 1, 0, tzinfo=UTC)  # 02:00 in Amsterdam
    assert next_run(SETTINGS, early).isoformat() == "2027-01-10T03:30:00+01:00"


@pytest.mark.parametrize(
    ("name", "value", "message"),
    [
        ("RETENTION_AUDIT_MONTHS", "two", "RETENTION_AUDIT_MONTHS: 'two' is not a whole number"),
        ("RETENTION_CONFIRM_DAYS", "0", "RETENTION_CONFIRM_DAYS: must be at least 1 day"),
        ("RETENTION_TIME", "25:00", "RETENTION_TIME: must be a time of day like 03:30"),
    ],
)
def test_malformed_rules_stop_start_up(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path, name: str, value: str, message: str
) -> None:
    monkeypatch.chdir(tmp_path)
    monkeypatch.setenv(name, value)
    with pytest.raises(ConfigError, match="^" + message):
        load_settings()


async def _member(session: AsyncSession, telegram_id: int, **values: Any) -> Member:
    region = await session.scalar(select(Region).where(Region.code == "twente"))
    assert region is not None
    values.setdefault("status", "active")
    member = Member(telegram_id=telegram_id, language="ar", region_id=region.id, **values)
    session.add(member)
    await session.flush()
    return member


async def _question(
    session: AsyncSession, member: Member, status: str, closed_at: datetime | None, text: str
) -> Question:
    question = Question(member_id=member.id, region_id=member.region_id, topic="work",
                        language="ar", status=status, closed_at=closed_at,
                        coordinator_chat_id=-100, thread_id=member.telegram_id)  # fmt: skip
    session.add(question)
    await session.flush()
    session.add(QuestionMessage(question_id=question.id, direction="in", kind="text", text=text))
    session.add(CachedTranslation(text_hash=text_hash(text), source="ar", target="nl",
                                  provider="deepl", translated="vertaald", member_id=member.id))  # fmt: skip
    return question


async def _seed(session: AsyncSession) -> dict[str, Any]:
    asked_old, asked_recent = ago(days=31), ago(days=10)
    people = {
        "quiet": await _member(session, 101, last_seen_at=ago(19)),
        "recent": await _member(session, 102, last_seen_at=ago(17)),
        "silent": await _member(session, 103, last_seen_at=ago(20), retention_asked_at=asked_old),
        "came_back": await _member(
            session, 104, last_seen_at=ago(days=2), retention_asked_at=asked_old
        ),  # fmt: skip
        "waiting": await _member(
            session, 105, last_seen_at=ago(19), retention_asked_at=asked_recent
        ),
        "admin": await _member(session, ADMIN, last_seen_at=ago(30)),
        "coordinator": await _member(session, 106, last_seen_at=ago(30)),
    }
    session.add(RoleGrant(telegram_id=106, role="coordinator", region_id=people["quiet"].region_id,
                          granted_by=ADMIN, granted_at=ago(40)))  # fmt: skip
    recent = people["recent"]
    old = await _question(session, recent, "closed", ago(13), "سؤال قديم")
    young = await _question(session, recent, "closed", ago(11), "سؤال جديد")
    still_open = await _question(session, recent, "open", None, "سؤال مفتوح")
    survey = (await library.import_text(
        session, Actor(telegram_id=ADMIN, is_admin=True, region_ids=frozenset()), PIP, ago(30)
    )).survey  # fmt: skip
    runs = []
    for closed in (ago(25), ago(23)):
        run = SurveyRun(survey_id=survey.id, status="closed", due_at=closed - timedelta(days=2),
                        close_at=closed, late=False, locale="en")  # fmt: skip
        session.add(run)
        await session.flush()
        runs.append(run)
        response = SurveyResponse(run_id=run.id, member_id=recent.id, language="ar",
                                  finished=True, finished_at=closed - timedelta(days=1))  # fmt: skip
        session.add(response)
        await session.flush()
        session.add(SurveyAnswer(response_id=response.id, question="had_intake",
                                 value=json.dumps("yes")))  # fmt: skip
    for when in (ago(25), ago(23)):
        session.add(AuditEntry(actor_id=ADMIN, action="member_view", member_id=recent.id,
                               created_at=when))  # fmt: skip
    await session.commit()
    return {"people": people, "questions": (old, young, still_open), "runs": runs}


async def test_plan_counts_and_apply_removes_exactly_what_is_due(session: AsyncSession) -> None:
    seeded = await _seed(session)
    people, (old, young, still_open) = seeded["people"], seeded["questions"]
    due = Counts(closed_questions=1, translations=1, survey_responses=1, audit_entries=1,
                 members_asked=1, members_removed=1)  # fmt: skip
    assert await service.plan(session, SETTINGS, NOW) == due
    assert await service.plan(session, SETTINGS, NOW) == due  # planning changes nothing

    messenger = WatchingMessenger()
    applied = await service.apply(
        session, SETTINGS, NOW, messenger,  # type: ignore[arg-type]
        ask=lambda m: (f"stay? {m.language}", None), blank_text=lambda m: "removed",
    )  # fmt: skip
    assert applied == due
    assert messenger.sent == [(101, "stay? ar")]
    assert (-100, 102) in messenger.deleted_topics  # the old question's topic (thread 102)

    session.expunge_all()
    questions = set(await session.scalars(select(Question.id)))
    assert questions == {young.id, still_open.id}
    assert await session.scalar(
        select(func.count()).select_from(QuestionMessage).where(QuestionMessage.question_id == old.id)
    ) == 0  # fmt: skip
    assert await session.scalar(select(func.count()).select_from(CachedTranslation)) == 2
    responses = {r.run_id: r for r in await session.scalars(select(SurveyResponse))}
    old_run, young_run = seeded["runs"]
    assert responses[old_run.id].member_id is None and responses[old_run.id].finished_at is None
    assert responses[young_run.id].member_id == people["recent"].id
    views = select(AuditEntry).where(AuditEntry.action == "member_view")
    assert [a.created_at for a in await session.scalars(views)] == [ago(23)]
    remaining = {m.telegram_id: m for m in await session.scalars(select(Member))}
    assert 103 not in remaining  # silent for 30 days after being asked: erased like /delete
    assert remaining[101].retention_asked_at == NOW
    assert remaining[104].retention_asked_at is None  # came back: no longer asked
    assert remaining[105].retention_asked_at is not None  # still has time to answer
    assert remaining[ADMIN].retention_asked_at is None and remaining[106].retention_asked_at is None

    assert await service.plan(session, SETTINGS, NOW) == Counts()  # nothing left to do
    later = NOW + timedelta(days=SETTINGS.retention_confirm_days)
    assert (await service.plan(session, SETTINGS, later)).members_removed == 2  # quiet, waiting


async def test_a_removed_question_withdraws_a_request_still_open(session: AsyncSession) -> None:
    asker = await _member(session, 120, last_seen_at=ago(days=1))
    helper = await _member(session, 121, last_seen_at=ago(days=1))
    volunteer = Volunteer(member_id=helper.id, created_at=ago(14))
    session.add(volunteer)
    old = await _question(session, asker, "closed", ago(13), "سؤال قديم")
    await session.flush()
    request = VolunteerRequest(question_id=old.id, member_id=asker.id, kind="question",
                               source="ar", target="nl", text="سؤال قديم", requested_by=ADMIN,
                               status="assigned", volunteer_id=volunteer.id,
                               volunteer_message_id=9, created_at=ago(13), assigned_at=ago(13))  # fmt: skip
    session.add(request)
    await session.commit()
    number = request.id

    messenger = WatchingMessenger()
    await service.apply(
        session, SETTINGS, NOW, messenger,  # type: ignore[arg-type]
        ask=lambda m: ("stay?", None), blank_text=lambda m: "removed",
        withdrawn_text=lambda locale, n: f"{locale}: {n} is no longer needed",
    )  # fmt: skip
    assert messenger.sent == [(121, f"ar: {number} is no longer needed")]
    assert messenger.buttons_removed == [(121, 9)]
    assert await session.scalar(select(func.count()).select_from(VolunteerRequest)) == 0


async def test_zero_keeps_a_kind(session: AsyncSession) -> None:
    await _seed(session)
    keep_all = SETTINGS.model_copy(update={
        "retention_closed_questions_months": 0, "retention_survey_responses_months": 0,
        "retention_audit_months": 0, "retention_inactive_members_months": 0,
    })  # fmt: skip
    assert await service.plan(session, keep_all, NOW) == Counts()


async def test_cli_dry_run_prints_counts_per_kind(session: AsyncSession, database_url: str) -> None:
    await _seed(session)
    settings = SETTINGS.model_copy(update={"database_url": database_url})
    lines = await cli_retention.run(argparse.Namespace(dry_run=True), settings, NOW)
    assert lines[0].startswith("retention at 2027-03-31T12:00:00+00:00: would remove (dry run")
    assert lines[1:] == [
        "closed_questions\t1\tclosed questions with their messages and topics",
        "translations\t1\tcached translations of those questions' texts",
        "survey_responses\t1\tsurvey responses anonymised",
        "audit_entries\t1\taudit log entries",
        "members_asked\t1\tinactive members asked to confirm",
        "members_removed\t1\tmembers removed after no confirmation",
    ]
    views = select(func.count()).select_from(AuditEntry).where(AuditEntry.action == "member_view")
    assert await session.scalar(views) == 2
