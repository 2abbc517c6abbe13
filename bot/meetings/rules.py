"""Meetings' limits and the one-line form of /meeting_new. No aiogram, no database."""

from __future__ import annotations

from dataclasses import asdict, dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

NEEDS = ("interpreter", "childcare", "travel", "access")
YES, MAYBE, NO = "yes", "maybe", "no"
ANSWERS = (YES, MAYBE, NO)
PLANNED, CANCELLED = "planned", "cancelled"
NOTE_LIMIT = 300
PLACE_LIMIT = 200
TITLE_LIMIT = 200
DESCRIPTION_LIMIT = 500
CAPACITY_LIMIT = 10_000
MAX_CHILDREN = 5
# How long before the start answers close, as offered by the guided flow (hours).
DEADLINES = (0, 24, 48)


class FormError(ValueError):
    """What is wrong with a meeting's details: `problem` is one of the names below."""

    # usage, date, past, place, title, long
    def __init__(self, problem: str) -> None:
        super().__init__(problem)
        self.problem = problem


@dataclass
class Draft:
    """A meeting being planned (kept in the coordinator's conversation state as a dict)."""

    region_id: int
    starts_at: datetime
    place: str
    title: str
    description: str = ""
    capacity: int | None = None
    needs: list[str] = field(default_factory=lambda: list(NEEDS))
    deadline_hours: int = 0
    # Other languages' drafts: {language: {"title", "description", "provider"}}.
    texts: dict[str, dict[str, str]] = field(default_factory=dict)

    def to_dict(self) -> dict[str, Any]:
        data = asdict(self)
        data["starts_at"] = self.starts_at.isoformat()
        return data

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> Draft:
        values = dict(data)
        values["starts_at"] = datetime.fromisoformat(values["starts_at"])
        return cls(**values)


def local_moment(day: str, clock: str, tz: ZoneInfo) -> datetime:
    """`2026-12-15` `19:00` in `tz` as UTC; FormError("date") when it is no such moment."""
    try:
        naive = datetime.strptime(f"{day.strip()} {clock.strip()}", "%Y-%m-%d %H:%M")
    except ValueError:
        raise FormError("date") from None
    return naive.replace(tzinfo=tz).astimezone(UTC)


def wall_clock_before(moment: datetime, hours: float, tz: ZoneInfo) -> datetime:
    """`hours` before `moment` on the local clock: two days before 19:00 is 19:00, also
    across a change to or from summer time."""
    local = moment.astimezone(tz).replace(tzinfo=None) - timedelta(hours=hours)
    return local.replace(tzinfo=tz).astimezone(UTC)


def check_text(value: str, limit: int, problem: str) -> str:
    value = " ".join(value.split())
    if not value:
        raise FormError(problem)
    if len(value) > limit:
        raise FormError("long")
    return value


def check_future(moment: datetime, now: datetime) -> datetime:
    if moment <= now:
        raise FormError("past")
    return moment


@dataclass(frozen=True)
class Line:
    region_code: str
    starts_at: datetime
    place: str
    title: str


def parse_line(args: str, tz: ZoneInfo, now: datetime) -> Line:
    """`twente 2026-12-15 19:00 Bibliotheek Enschede | Gesprek met de gemeente` → Line."""
    words = (args or "").split(maxsplit=3)
    if len(words) < 4 or "|" not in words[3]:
        raise FormError("usage")
    region, day, clock, rest = words
    starts_at = check_future(local_moment(day, clock, tz), now)
    place, title = rest.split("|", 1)
    return Line(
        region.lower(),
        starts_at,
        check_text(place, PLACE_LIMIT, "place"),
        check_text(title, TITLE_LIMIT, "title"),
    )
