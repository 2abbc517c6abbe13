"""Schedule wording: a date and time, `now`, `every monday 10:00`, `monthly 1 10:00`,
and durations like `remind=24h close=7d`. Times are local (TIMEZONE); stored in UTC.

Rules as stored: "once", "weekly:<0-6, Monday first>:<HH:MM>", "monthly:<1-28>:<HH:MM>".
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

WEEKDAY_NAMES = ("monday", "tuesday", "wednesday", "thursday", "friday", "saturday", "sunday")
WEEKDAYS = {
    **{name: i for i, name in enumerate(
        ("monday", "tuesday", "wednesday", "thursday", "friday", "saturday", "sunday"))},
    **{name: i for i, name in enumerate(
        ("maandag", "dinsdag", "woensdag", "donderdag", "vrijdag", "zaterdag", "zondag"))},
}  # fmt: skip
DURATION = re.compile(r"(\d{1,4})([mhd])")
UNITS = {"m": 60, "h": 3600, "d": 86400}
MAX_DURATION = 90 * 86400
DEFAULT_REMIND, DEFAULT_CLOSE = 24 * 3600, 7 * 86400
ONCE = "once"


# Words the parser knows besides English, as `alias: English word`; Dutch always, and the
# reader's own language through `parse(..., aliases=...)` (bot/surveys/admin_texts.py).
KEYWORDS = ("now", "every", "monthly", "all", "remind", "close", "off")
DUTCH = {
    "nu": "now", "elke": "every", "iedere": "every", "maandelijks": "monthly", "alle": "all",
    "herinner": "remind", "herinnering": "remind", "sluit": "close", "uit": "off",
}  # fmt: skip


def normalise(word: str, aliases: dict[str, str] | None = None) -> str:
    """One word (or key=value) in English: "elke" -> "every", "herinner=24u" -> "remind=24h"."""
    known = {**DUTCH, **(aliases or {})}
    key, sep, value = word.lower().partition("=")
    if sep:
        value = known.get(value, value)
        if value[-1:] == "u" and value[:-1].isdigit():  # Dutch "uur"
            value = value[:-1] + "h"
        return f"{known.get(key, key)}={value}"
    return known.get(key, key)


class WhenError(ValueError):
    """`str(exc)` is a key: usage, date, past, duration, remind, close."""


@dataclass(frozen=True)
class When:
    rule: str
    first: datetime  # UTC
    remind_after: int | None
    close_after: int


def _clock(text: str) -> time:
    try:
        return time.fromisoformat(text if len(text) == 5 else "0" + text)
    except ValueError:
        raise WhenError("date") from None


def duration(text: str) -> int | None:
    if text in ("off", "none", "0"):
        return None
    match = DURATION.fullmatch(text)
    if match is None:
        raise WhenError("duration")
    seconds = int(match.group(1)) * UNITS[match.group(2)]
    if not 60 <= seconds <= MAX_DURATION:
        raise WhenError("duration")
    return seconds


def _local(day: date, at: time, tz: ZoneInfo) -> datetime:
    return datetime.combine(day, at, tzinfo=tz).astimezone(UTC)


def next_occurrence(rule: str, after: datetime, tz: ZoneInfo) -> datetime | None:
    """The first moment of a recurring rule strictly after `after` (None for "once")."""
    kind, _, rest = rule.partition(":")
    if kind not in ("weekly", "monthly"):
        return None
    number, _, clock = rest.partition(":")
    at, local = time.fromisoformat(clock), after.astimezone(tz)
    if kind == "weekly":
        day = local.date() + timedelta(days=(int(number) - local.weekday()) % 7)
        moment = _local(day, at, tz)
        return moment if moment > after else _local(day + timedelta(days=7), at, tz)
    day = local.date().replace(day=int(number))
    moment = _local(day, at, tz)
    if moment > after:
        return moment
    following = (day.replace(day=1) + timedelta(days=32)).replace(day=int(number))
    return _local(following, at, tz)


def period(rule: str) -> int | None:
    kind = rule.partition(":")[0]
    return {"weekly": 7 * 86400, "monthly": 28 * 86400}.get(kind)


def parse(
    words: list[str], now: datetime, tz: ZoneInfo, aliases: dict[str, str] | None = None
) -> When:
    """The words after `<slug> <region>`: a moment or rule, then optional key=value pairs;
    English, Dutch, or the words in `aliases`."""
    words = [normalise(w, aliases) for w in words]
    options = {w.split("=", 1)[0].lower(): w.split("=", 1)[1].lower() for w in words if "=" in w}
    plain = [w.lower() for w in words if "=" not in w]
    if set(options) - {"remind", "close"}:
        raise WhenError("usage")
    remind = duration(options["remind"]) if "remind" in options else DEFAULT_REMIND
    close = duration(options["close"]) if "close" in options else DEFAULT_CLOSE
    if close is None:
        raise WhenError("duration")
    rule, first = _moment(plain, now, tz)
    if remind is not None and remind >= close:
        raise WhenError("remind")
    longest = period(rule)
    if longest is not None and close > longest:
        raise WhenError("close")
    return When(rule, first, remind, close)


def _moment(plain: list[str], now: datetime, tz: ZoneInfo) -> tuple[str, datetime]:
    if plain == ["now"]:
        return ONCE, now
    if len(plain) == 3 and plain[0] == "every" and plain[1] in WEEKDAYS:
        rule = f"weekly:{WEEKDAYS[plain[1]]}:{_clock(plain[2]):%H:%M}"
    elif len(plain) == 3 and plain[0] == "monthly" and plain[1].isascii() and plain[1].isdigit():
        if not 1 <= int(plain[1]) <= 28:
            raise WhenError("date")
        rule = f"monthly:{int(plain[1])}:{_clock(plain[2]):%H:%M}"
    elif len(plain) == 2:
        try:
            day = date.fromisoformat(plain[0])
        except ValueError:
            raise WhenError("date") from None
        moment = _local(day, _clock(plain[1]), tz)
        if moment < now - timedelta(minutes=1):
            raise WhenError("past")
        return ONCE, max(moment, now)
    else:
        raise WhenError("usage")
    first = next_occurrence(rule, now, tz)
    assert first is not None
    return rule, first


PRESET_CLOCK = time(10, 0)


def preset(name: str, now: datetime, tz: ZoneInfo) -> list[str]:
    """The schedule words of a ready-made moment: "now", "tom" (tomorrow 10:00) or "mon"
    (next Monday 10:00, a week on when today is Monday), in local time."""
    if name == "now":
        return ["now"]
    today = now.astimezone(tz).date()
    if name == "tom":
        day = today + timedelta(days=1)
    elif name == "mon":
        day = today + timedelta(days=(7 - today.weekday()) or 7)
    else:
        raise WhenError("usage")
    return [day.isoformat(), f"{PRESET_CLOCK:%H:%M}"]
