"""Quiet hours: a daily local-time window in which non-urgent broadcasts wait."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime, time, timedelta
from zoneinfo import ZoneInfo

from bot.config import Settings


@dataclass(frozen=True)
class QuietHours:
    start: time
    end: time
    tz: ZoneInfo

    @classmethod
    def from_settings(cls, settings: Settings) -> QuietHours | None:
        """QUIET_HOURS ("21:00-09:00", already validated) in TIMEZONE; None when off."""
        if not settings.quiet_hours:
            return None
        start, end = settings.quiet_hours.split("-")
        return cls(time.fromisoformat(start), time.fromisoformat(end), settings.tz)

    def contains(self, moment: datetime) -> bool:
        local = moment.astimezone(self.tz).time()
        if self.start < self.end:
            return self.start <= local < self.end
        return local >= self.start or local < self.end

    def end_after(self, moment: datetime) -> datetime:
        """The end (UTC) of the quiet period that contains `moment`."""
        local = moment.astimezone(self.tz)
        end = datetime.combine(local.date(), self.end, tzinfo=self.tz)
        if end <= local:
            end = datetime.combine(local.date() + timedelta(days=1), self.end, tzinfo=self.tz)
        return end.astimezone(UTC)


def may_start_at(
    quiet: QuietHours | None, due: datetime, now: datetime, *, urgent: bool
) -> datetime:
    """The earliest moment at or after max(due, now) when a broadcast may send."""
    moment = max(due, now)
    if urgent or quiet is None or not quiet.contains(moment):
        return moment
    return quiet.end_after(moment)
