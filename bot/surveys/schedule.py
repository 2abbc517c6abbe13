"""Scheduling surveys: who may send what where, and the runs a schedule produces."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import or_, select, update
from sqlalchemy.ext.asyncio import AsyncSession

from bot.config import Settings
from bot.services import audit, regions
from bot.services.roles import Actor, NotAllowed, require_admin, require_region, require_staff
from bot.surveys import anonymity, library, when
from db.models import Region, Survey, SurveyRun, SurveyRunStatus, SurveySchedule

SCHEDULE, CANCEL = "survey_schedule", "survey_cancel"
PENDING = (SurveyRunStatus.SCHEDULED.value, SurveyRunStatus.OPEN.value)


class UnknownSurvey(Exception):
    pass


class UnknownRegion(Exception):
    pass


class NoSecret(Exception):
    """An anonymous survey cannot be sent: SURVEY_SECRET is not set."""


class UnreviewedDrafts(Exception):
    """The survey has machine drafts nobody reviewed, and sending them was not confirmed."""

    def __init__(self, languages: list[str]) -> None:
        super().__init__(", ".join(languages))
        self.languages = languages


def make_run(schedule: SurveySchedule, survey: Survey, due: datetime) -> SurveyRun:
    remind = schedule.remind_after
    return SurveyRun(
        survey_id=survey.id,
        schedule_id=schedule.id,
        region_id=schedule.region_id,
        status=SurveyRunStatus.SCHEDULED.value,
        due_at=due,
        remind_at=due + timedelta(seconds=remind) if remind else None,
        close_at=due + timedelta(seconds=schedule.close_after),
        late=False,
        created_by=schedule.created_by,
        locale=schedule.locale,
    )


async def create(
    session: AsyncSession,
    who: Actor,
    settings: Settings,
    *,
    slug: str,
    region_code: str,
    words: list[str],
    locale: str,
    now: datetime,
    send_unreviewed: bool = False,
    aliases: dict[str, str] | None = None,
) -> tuple[SurveySchedule, SurveyRun]:
    """Plan a survey for a region (coordinators) or every region (`all`, admins only).
    A survey with unreviewed machine drafts is planned only with `send_unreviewed`."""
    require_staff(who)
    region: Region | None = None
    if when.normalise(region_code, aliases) == "all":
        require_admin(who)
    else:
        region = await regions.by_code(session, region_code.lower())
        if region is None:
            raise UnknownRegion
        require_region(who, region.id)
    survey = await library.latest(session, slug.lower())
    if survey is None:
        raise UnknownSurvey
    if survey.anonymous and not anonymity.has_secret(settings):
        raise NoSecret
    plan = when.parse(words, now, settings.tz, aliases)
    unreviewed = library.definition_of(survey).unreviewed()
    if unreviewed and not send_unreviewed:
        raise UnreviewedDrafts(unreviewed)
    schedule = SurveySchedule(
        slug=survey.slug, region_id=region.id if region else None, rule=plan.rule,
        remind_after=plan.remind_after, close_after=plan.close_after, active=True,
        created_by=who.telegram_id, locale=locale, created_at=now,
    )  # fmt: skip
    session.add(schedule)
    await session.flush()
    run = make_run(schedule, survey, plan.first)
    session.add(run)
    await session.flush()
    await audit.record(
        session, who.telegram_id, SCHEDULE, region_id=schedule.region_id, slug=survey.slug,
        schedule=schedule.id, rule=plan.rule,
        **({"unreviewed_drafts": unreviewed} if unreviewed else {}),
    )  # fmt: skip
    return schedule, run


async def next_run(
    session: AsyncSession, run: SurveyRun, now: datetime, settings: Settings
) -> None:
    """After a recurring schedule's run opened (or was missed), plan the following one."""
    schedule = await session.get(SurveySchedule, run.schedule_id) if run.schedule_id else None
    if schedule is None or not schedule.active:
        return
    due = when.next_occurrence(schedule.rule, max(now, run.due_at), settings.tz)
    survey = await library.latest(session, schedule.slug)
    if due is None or survey is None:
        return
    session.add(make_run(schedule, survey, due))
    await session.flush()


@dataclass(frozen=True)
class Listed:
    schedule: SurveySchedule
    region: Region | None
    next_due: datetime | None
    open_runs: int


async def visible(session: AsyncSession, who: Actor) -> list[Listed]:
    """Active schedules of the actor's regions (and those for every region)."""
    require_staff(who)
    query = select(SurveySchedule).where(SurveySchedule.active).order_by(SurveySchedule.id)
    if not who.is_admin:
        query = query.where(
            or_(SurveySchedule.region_id.in_(who.region_ids), SurveySchedule.region_id.is_(None))
        )
    listed = []
    for schedule in await session.scalars(query):
        runs = list(
            await session.scalars(
                select(SurveyRun).where(
                    SurveyRun.schedule_id == schedule.id, SurveyRun.status.in_(PENDING)
                )
            )
        )
        due = [r.due_at for r in runs if r.status == SurveyRunStatus.SCHEDULED]
        region = await session.get(Region, schedule.region_id) if schedule.region_id else None
        opened = sum(r.status == SurveyRunStatus.OPEN for r in runs)
        listed.append(Listed(schedule, region, min(due) if due else None, opened))
    return listed


async def cancel(session: AsyncSession, who: Actor, schedule_id: int) -> SurveySchedule:
    """Stop a schedule: runs not sent yet are cancelled; open runs stay open until they close."""
    schedule = await session.get(SurveySchedule, schedule_id)
    if schedule is None or not schedule.active:
        raise NotAllowed
    if schedule.region_id is None:
        require_admin(who)
    else:
        require_region(who, schedule.region_id)
    schedule.active = False
    await session.execute(
        update(SurveyRun)
        .where(
            SurveyRun.schedule_id == schedule.id,
            SurveyRun.status == SurveyRunStatus.SCHEDULED.value,
        )
        .values(status=SurveyRunStatus.CANCELLED.value)
    )
    await audit.record(
        session, who.telegram_id, CANCEL, region_id=schedule.region_id, schedule=schedule.id
    )
    return schedule
