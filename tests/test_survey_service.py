"""Survey services against real databases: import, scheduling, runs, answering, results."""

from __future__ import annotations

import argparse
from dataclasses import dataclass, field
from datetime import timedelta
from pathlib import Path
from types import SimpleNamespace
from typing import Any

import pytest
from sqlalchemy import func, select, update
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from bot.config import Settings
from bot.i18n import create_i18n
from bot.members.consent import NOTICE_VERSION
from bot.scheduler import JobContext
from bot.services.roles import Actor, NotAllowed
from bot.surveys import answering, export, jobs, library, responses, results, schedule
from bot.surveys.errors import AlreadyFinished, Closed, Rejected, Stale
from bot.surveys.privacy import forget_member, member_survey_data
from db.base import utcnow
from db.models import (
    AuditEntry,
    Broadcast,
    BroadcastDelivery,
    BroadcastVersion,
    DeliveryState,
    Member,
    Region,
    Survey,
    SurveyAnswer,
    SurveyResponse,
    SurveyRun,
)

ROOT = Path(__file__).resolve().parent.parent
PULSE = (ROOT / "surveys" / "monthly-pulse.yaml").read_text(encoding="utf-8")
PIP = (ROOT / "surveys" / "brede-intake-pip.yaml").read_text(encoding="utf-8")
ADMIN = Actor(telegram_id=1, is_admin=True, region_ids=frozenset())
SETTINGS = Settings(
    bot_token="1:test", admin_ids=(1,), quiet_hours="off", survey_secret="s" * 32, _env_file=None
)  # type: ignore[call-arg]


@dataclass
class StubBot:
    """Jobs only ask the bot who it is and send coordinators a line."""

    sent: list[tuple[int, str]] = field(default_factory=list)

    async def me(self) -> Any:
        return SimpleNamespace(username="expertpool_bot")

    async def send_message(self, chat_id: int, text: str, **_: Any) -> None:
        self.sent.append((chat_id, text))


@pytest.fixture
def ctx(session_factory: async_sessionmaker[AsyncSession]) -> JobContext:
    return JobContext(StubBot(), session_factory, SETTINGS, create_i18n("nl"))  # type: ignore[arg-type]


async def _region(session: AsyncSession, code: str) -> Region:
    region = await session.scalar(select(Region).where(Region.code == code))
    assert region is not None
    return region


async def _members(
    session: AsyncSession, code: str, languages: list[str], base: int, quotes: bool = False
) -> list[Member]:
    """Active members with consent; with `quotes`, also consent to quoting their answers."""
    region = await _region(session, code)
    rows = [
        Member(telegram_id=base + i, language=lang, status="active", region_id=region.id,
               consent_version=NOTICE_VERSION, joined_at=utcnow(),
               quote_consent_version=NOTICE_VERSION if quotes else None)
        for i, lang in enumerate(languages)
    ]  # fmt: skip
    session.add_all(rows)
    await session.flush()
    return rows


async def _open_run(session: AsyncSession, ctx: JobContext, slug: str, code: str) -> SurveyRun:
    region = await _region(session, code)
    coordinator = Actor(telegram_id=50, is_admin=False, region_ids=frozenset({region.id}))
    await schedule.create(session, coordinator, SETTINGS, slug=slug, region_code=code,
                          words=["now"], locale="en", now=utcnow())  # fmt: skip
    await session.commit()
    assert await jobs.tick(ctx) == 1
    run = await session.scalar(select(SurveyRun).order_by(SurveyRun.id.desc()).limit(1))
    assert run is not None
    await session.refresh(run)
    return run


async def test_import_versions_and_rights(session: AsyncSession) -> None:
    now = utcnow()
    nobody = Actor(telegram_id=9, is_admin=False, region_ids=frozenset())
    with pytest.raises(NotAllowed):
        await library.import_text(session, nobody, PULSE, now)
    first = await library.import_text(session, ADMIN, PULSE, now)
    assert (first.outcome, first.survey.version, first.missing) == (library.Outcome.NEW, 1, {})
    again = await library.import_text(session, ADMIN, PULSE, now)
    assert again.outcome == library.Outcome.UNCHANGED
    edited = PULSE.replace("Monthly pulse", "Monthly check")
    replaced = await library.import_text(session, ADMIN, edited, now)
    assert (replaced.outcome, replaced.survey.version) == (library.Outcome.REPLACED, 1)
    run = SurveyRun(survey_id=first.survey.id, status="closed", due_at=now, close_at=now, late=False, locale="en")  # fmt: skip
    session.add(run)
    await session.flush()
    session.add(SurveyResponse(run_id=run.id, language="en", finished=True, respondent_key="k"))
    await session.flush()
    newer = await library.import_text(session, ADMIN, PULSE, now)
    assert (newer.outcome, newer.survey.version) == (library.Outcome.NEW_VERSION, 2)
    assert run.survey_id == first.survey.id  # the answered run keeps version 1
    assert [s.version for s in await library.catalogue(session)] == [2]
    assert await session.scalar(
        select(func.count()).where(AuditEntry.action == library.IMPORT)
    ) == 3  # fmt: skip


async def test_scheduling_rights(session: AsyncSession) -> None:
    await library.import_text(session, ADMIN, PULSE, utcnow())
    twente = await _region(session, "twente")
    coordinator = Actor(telegram_id=5, is_admin=False, region_ids=frozenset({twente.id}))
    args = {"slug": "pulse", "words": ["every", "monday", "10:00"], "locale": "nl", "now": utcnow()}
    made, run = await schedule.create(session, coordinator, SETTINGS, region_code="twente", **args)
    assert (made.region_id, made.rule, run.status) == (twente.id, "weekly:0:10:00", "scheduled")
    for code in ("zwolle", "all"):
        with pytest.raises(NotAllowed):
            await schedule.create(session, coordinator, SETTINGS, region_code=code, **args)
    with pytest.raises(schedule.UnknownRegion):
        await schedule.create(session, coordinator, SETTINGS, region_code="mars", **args)
    with pytest.raises(schedule.UnknownSurvey):
        await schedule.create(
            session, ADMIN, SETTINGS, region_code="all", **{**args, "slug": "nope"}
        )
    everywhere, _ = await schedule.create(session, ADMIN, SETTINGS, region_code="all", **args)
    assert [item.schedule.id for item in await schedule.visible(session, coordinator)] == [
        made.id, everywhere.id,
    ]  # fmt: skip
    with pytest.raises(NotAllowed):
        await schedule.cancel(session, coordinator, everywhere.id)
    await schedule.cancel(session, coordinator, made.id)
    await session.refresh(run)
    assert run.status == "cancelled"


async def test_tick_sends_through_the_broadcaster_and_plans_the_next_run(
    session: AsyncSession, ctx: JobContext
) -> None:
    await library.import_text(session, ADMIN, PULSE, utcnow())
    twente = await _members(session, "twente", ["ar", "uk", "nl"], 100)
    await _members(session, "zwolle", ["en"], 200)
    coordinator = Actor(
        telegram_id=50, is_admin=False, region_ids=frozenset({twente[0].region_id or 0})
    )
    plan, run = await schedule.create(session, coordinator, SETTINGS, slug="pulse", region_code="twente",
                                      words=["every", "friday", "10:00"], locale="nl", now=utcnow())  # fmt: skip
    run.due_at = utcnow() - timedelta(seconds=5)
    await session.commit()
    assert await jobs.tick(ctx) == 1
    assert await jobs.tick(ctx) == 0  # idempotent
    await session.refresh(run)
    assert run.status == "open" and run.broadcast_id is not None and not run.late
    broadcast = await session.get(Broadcast, run.broadcast_id)
    assert broadcast is not None and (broadcast.kind, broadcast.total, broadcast.created_by) == (
        "survey",
        3,
        50,
    )
    recipients = set(await session.scalars(
        select(BroadcastDelivery.member_id).where(BroadcastDelivery.broadcast_id == broadcast.id)
    ))  # fmt: skip
    assert recipients == {m.id for m in twente}
    versions = {v.language: v.html for v in await session.scalars(
        select(BroadcastVersion).where(BroadcastVersion.broadcast_id == broadcast.id))}  # fmt: skip
    assert len(versions) == 8
    assert "الاستبيان الشهري" in versions["ar"] and "Щомісячне опитування" in versions["uk"]
    assert f"start=survey_{run.id}" in versions["nl"]
    following = await session.scalar(
        select(SurveyRun).where(SurveyRun.schedule_id == plan.id, SurveyRun.status == "scheduled")
    )
    assert following is not None and following.due_at > utcnow()
    assert ctx.bot.sent == []  # type: ignore[attr-defined]


async def test_runs_due_while_down_are_sent_late_or_reported_missed(
    session: AsyncSession, ctx: JobContext
) -> None:
    await library.import_text(session, ADMIN, PULSE, utcnow())
    await _members(session, "twente", ["nl"], 300)
    twente = await _region(session, "twente")
    coordinator = Actor(telegram_id=51, is_admin=False, region_ids=frozenset({twente.id}))
    made = []
    for _ in range(2):
        made.append((await schedule.create(session, coordinator, SETTINGS, slug="pulse", region_code="twente",
                                           words=["now"], locale="en", now=utcnow()))[1])  # fmt: skip
    late, missed = made
    late.due_at = utcnow() - timedelta(hours=2)
    missed.due_at, missed.close_at = utcnow() - timedelta(days=9), utcnow() - timedelta(days=2)
    await session.commit()
    await jobs.tick(ctx)
    await session.refresh(late)
    await session.refresh(missed)
    assert (late.status, late.late, missed.status) == ("open", True, "missed")
    assert missed.broadcast_id is None
    texts = [text for chat, text in ctx.bot.sent if chat == 51]  # type: ignore[attr-defined]
    assert len(texts) == 2
    assert "was not sent" in texts[0]  # due first
    assert "It is being sent now." in texts[1] and "Monthly pulse" in texts[1]


async def _answer_pip(
    session: AsyncSession, member: Member, run: SurveyRun, plan: list[tuple[str, Any]]
) -> None:
    now = utcnow()
    current = await responses.begin(session, SETTINGS, member, run.id, now)
    for action, value in plan:
        if action == "pick":
            await answering.choose(session, current, value, now)
        elif action == "type":
            await answering.typed(session, current, value, now)
        elif action == "skip":
            await answering.skip(session, current, now)
        elif action == "back":
            await answering.back(session, current)


async def _delivered(
    session: AsyncSession, run: SurveyRun, *, except_ids: tuple[int, ...] = ()
) -> None:
    """What the broadcaster would record after sending the invitations."""
    await session.execute(
        update(BroadcastDelivery)
        .where(BroadcastDelivery.broadcast_id == run.broadcast_id)
        .values(state=DeliveryState.SENT.value, sent_at=utcnow())
    )
    if except_ids:
        await session.execute(
            update(BroadcastDelivery)
            .where(BroadcastDelivery.broadcast_id == run.broadcast_id,
                   BroadcastDelivery.member_id.in_(except_ids))
            .values(state=DeliveryState.FAILED.value)
        )  # fmt: skip
    await session.commit()


async def test_answering_results_and_export_match(session: AsyncSession, ctx: JobContext) -> None:
    await library.import_text(session, ADMIN, PIP, utcnow())
    people = await _members(session, "twente", ["ar", "ar", "uk", "uk", "nl", "nl"], 400, True)
    people[3].quote_consent_version = None  # this one does not allow quotes
    run = await _open_run(session, ctx, "intake-pip", "twente")
    await _delivered(session, run)
    for i, member in enumerate(people[:5]):
        await _answer_pip(session, member, run, [
            ("pick", "yes"), ("pick", "professional" if i < 4 else "needed"),
            ("pick", "4" if i < 3 else "2"), ("pick", "yes") if i else ("skip", None),
            ("type", "٣" if i < 3 else "10"), ("pick", "partly"), ("type", f"Meer tolken {i}"),
        ])  # fmt: skip
    # Skip logic: "no" jumps to route_fit; Back and Skip along the way; left unfinished.
    sixth = await responses.begin(session, SETTINGS, people[5], run.id, utcnow())
    await answering.choose(session, sixth, "no", utcnow())
    assert sixth.response.current == "route_fit"
    assert (await answering.back(session, sixth)).id == "had_intake"
    with pytest.raises(Rejected):
        await answering.skip(session, sixth, utcnow())  # required
    await answering.choose(session, sixth, "no", utcnow())
    await answering.skip(session, sixth, utcnow())
    assert sixth.response.current == "improve" and not sixth.response.finished
    with pytest.raises(Stale):
        await responses.resume(session, SETTINGS, people[5], run.id, "route_fit", utcnow())
    with pytest.raises(AlreadyFinished):
        await responses.begin(session, SETTINGS, people[0], run.id, utcnow())
    await session.commit()
    assert await session.scalar(select(func.count()).select_from(SurveyResponse)) == 6

    found = await results.collect(session, ADMIN, "intake-pip")
    assert (found.runs, found.delivered, found.started, found.finished) == (1, 6, 6, 5)
    counts = {r.question.id: (r.answered, dict(r.counts)) for r in found.questions}
    assert counts["had_intake"] == (5, {"yes": 5})
    assert counts["interpreter"] == (5, {"professional": 4, "needed": 1})
    assert counts["understood"] == (5, {"4": 3, "2": 2})
    assert counts["pip_copy"] == (4, {"yes": 4})
    assert counts["route_fit"] == (5, {"partly": 5})
    numbers = {r.question.id: sorted(r.numbers) for r in found.questions}
    assert numbers["conversations"] == [3, 3, 3, 10, 10]
    assert {(g.key, g.delivered, g.finished) for g in found.by_language} == {
        ("ar", 2, 2), ("uk", 2, 2), ("nl", 2, 1),
    }  # fmt: skip
    assert [(g.key, g.delivered, g.finished) for g in found.by_region] == [("Twente", 6, 5)]

    i18n = create_i18n("nl")
    from bot.surveys import report

    with i18n.context(), i18n.use_locale("en"):
        text = "\n".join(report.render(found, "en", "Twente"))
    assert "Finished: 5 of 6 who got it (83%)" in text
    for line in (
        "Yes: ██████████ 100% (5)",  # had_intake
        "Yes, a professional interpreter: (&lt;5)",  # 4 people: not shown
        "No, but I needed one: (&lt;5)",
        "4: (&lt;5)",
        "Partly: ██████████ 100% (5)",
        "Average: 5.8 · median: 3",
        "العربية (ar): &lt;5",
        "Twente: 5 / 6 (83%)",
    ):
        assert line in text.splitlines(), line
    assert "<b>4. Did you get your PIP on paper or by e-mail?</b>\nfewer than 5 answers\n\n" in text
    # Written answers are quoted only with the member's consent; the rest is counted.
    improve = next(r for r in found.questions if r.question.id == "improve")
    assert (sorted(improve.texts), improve.unquoted) == (
        ["Meer tolken 0", "Meer tolken 1", "Meer tolken 2", "Meer tolken 4"], 1)  # fmt: skip
    assert "1 written answer is left out: the member did not allow quotes." in text

    full = await results.collect(session, ADMIN, "intake-pip", unfinished=True)
    files = export.export(full, {r.id: r.code for r in await session.scalars(select(Region))})
    assert files.responses.startswith("\ufeff".encode())
    rows = export.parse(files.responses)
    assert len(rows) == 6 and list(rows[0])[:7] == [*export.FIXED, "had_intake"]
    assert rows[0]["region"] == "twente" and rows[0]["language"] == "ar"
    assert [r["conversations"] for r in rows] == ["3", "3", "3", "10", "10", ""]
    assert [r["finished"] for r in rows] == ["yes"] * 5 + ["no"]
    assert rows[5]["had_intake"] == "no" and rows[5]["improve"] == ""
    assert rows[4]["improve"] == "Meer tolken 4" and rows[0]["pip_copy"] == ""
    assert rows[3]["improve"] == "" and rows[3]["route_fit"] == "partly" and files.unquoted == 1
    assert export.notes(files.responses) == [
        "# Written answers left out (the respondent did not allow quotes): 1"
    ]
    totals = {
        (r["question"], r["answer"], r["label"]): r["count"] for r in export.parse(files.totals)
    }
    assert totals[("interpreter", "professional", "Yes, a professional interpreter")] == "4"
    # Totals count finished responses, like the report; the unfinished one said "no".
    assert (totals[("had_intake", "yes", "yes")], totals[("had_intake", "no", "no")]) == ("5", "0")


async def test_anonymous_survey_keeps_no_member_link(
    session: AsyncSession, ctx: JobContext
) -> None:
    await library.import_text(session, ADMIN, PULSE, utcnow())
    member = (await _members(session, "twente", ["fa"], 500))[0]
    run = await _open_run(session, ctx, "pulse", "twente")
    now = utcnow()
    current = await responses.begin(session, SETTINGS, member, run.id, now)
    await answering.choose(session, current, "5", now)
    assert await answering.toggle(session, current, "work") == ["work"]
    assert await answering.toggle(session, current, "housing") == ["housing", "work"]
    await answering.toggle(session, current, "money")
    with pytest.raises(Rejected):
        await answering.toggle(session, current, "health")  # max 3
    await answering.done(session, current, now)
    await answering.choose(session, current, "yes", now)
    await answering.choose(session, current, "maybe", now)
    assert current.response.finished
    await session.commit()
    response = await session.scalar(select(SurveyResponse))
    assert response is not None
    assert (
        response.member_id is None and response.started_at is None and response.finished_at is None
    )
    assert response.respondent_key and str(member.telegram_id) not in response.respondent_key
    with pytest.raises(AlreadyFinished):
        await responses.begin(session, SETTINGS, member, run.id, utcnow())
    data = await member_survey_data(session, member, SETTINGS)
    assert data[0]["anonymous"] and data[0]["answers"]["topics"]["answer"] == [
        "مسکن",
        "کار یا تحصیل",
        "پول و کمک‌هزینه",
    ]
    assert await member_survey_data(session, member) == []  # without the key: nothing links
    await forget_member(session, member, SETTINGS)
    await session.delete(member)
    await session.commit()
    kept = await session.scalar(select(SurveyResponse))
    assert kept is not None and kept.respondent_key is None and kept.finished
    assert await session.scalar(select(func.count()).select_from(SurveyAnswer)) == 4


async def test_reminder_goes_only_to_invitees_who_did_not_finish(
    session: AsyncSession, ctx: JobContext
) -> None:
    await library.import_text(session, ADMIN, PIP, utcnow())
    done, started, silent, failed = await _members(session, "twente", ["nl", "en", "tr", "so"], 600)
    run = await _open_run(session, ctx, "intake-pip", "twente")
    await _delivered(session, run, except_ids=(failed.id,))
    await _answer_pip(session, done, run, [("pick", "no"), ("skip", None), ("skip", None)])
    await _answer_pip(session, started, run, [("pick", "no")])
    await session.commit()
    assert run.remind_at is not None
    await jobs.tick(ctx, now=run.remind_at + timedelta(seconds=1))
    await jobs.tick(ctx, now=run.remind_at + timedelta(seconds=2))  # only once
    await session.refresh(run)
    assert run.reminder_broadcast_id is not None
    reminders = await session.scalars(select(Broadcast).where(Broadcast.kind == "survey_reminder"))
    assert len(list(reminders)) == 1
    targets = set(await session.scalars(select(BroadcastDelivery.member_id).where(
        BroadcastDelivery.broadcast_id == run.reminder_broadcast_id)))  # fmt: skip
    assert targets == {started.id, silent.id}
    reminder = await session.get(Broadcast, run.reminder_broadcast_id)
    assert reminder is not None and reminder.total == 2

    await jobs.tick(ctx, now=run.close_at)
    await session.refresh(run)
    assert run.status == "closed"
    with pytest.raises(Closed):
        await responses.begin(session, SETTINGS, started, run.id, utcnow())


async def test_delete_leaves_no_member_link(session: AsyncSession, ctx: JobContext) -> None:
    await library.import_text(session, ADMIN, PIP, utcnow())
    kept, erased, plain = await _members(session, "twente", ["nl", "nl", "nl"], 700)
    run = await _open_run(session, ctx, "intake-pip", "twente")
    answers = [("pick", "no"), ("pick", "yes"), ("type", "Mijn naam is Erased")]
    for member in (kept, erased, plain):
        await _answer_pip(session, member, run, answers)
    data = await member_survey_data(session, erased)
    assert data[0]["survey"] == "intake-pip" and not data[0]["anonymous"]
    assert data[0]["answers"]["route_fit"] == {
        "question": "Past jouw inburgeringsroute bij jou?",
        "answer": "Ja",
    }
    await forget_member(session, erased)
    await session.delete(erased)
    await session.delete(plain)  # without the hook: ON DELETE CASCADE
    await session.commit()
    rows = list(await session.scalars(select(SurveyResponse).order_by(SurveyResponse.id)))
    assert [r.member_id for r in rows] == [kept.id, None]
    assert rows[1].started_at is None and rows[1].finished_at is None
    left = {(a.response_id, a.question) for a in await session.scalars(select(SurveyAnswer))}
    assert (rows[1].id, "route_fit") in left and (rows[1].id, "improve") not in left
    assert await session.scalar(select(func.count()).select_from(Survey)) == 1


async def test_cli_import_and_list(database_url: str, engine: object) -> None:
    from bot.cli_surveys import run as cli_run

    settings = Settings(database_url=database_url, _env_file=None)  # type: ignore[call-arg]
    path = ROOT / "surveys" / "brede-intake-pip.yaml"
    lines = await cli_run(argparse.Namespace(action="import", file=path), settings)
    assert lines[0] == "new: intake-pip version 1"
    assert lines[-1].startswith("translations: complete")
    again = await cli_run(argparse.Namespace(action="import", file=path), settings)
    assert again[0] == "unchanged: intake-pip version 1"
    assert await cli_run(argparse.Namespace(action="list"), settings) == ["intake-pip\tv1\tnamed"]
