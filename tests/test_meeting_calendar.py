"""A meeting's calendar file, parsed back with the icalendar library."""

from __future__ import annotations

from datetime import UTC, datetime
from zoneinfo import ZoneInfo

from icalendar import Calendar

from bot.meetings import calendar
from bot.meetings.rules import FormError, parse_line, wall_clock_before

AMSTERDAM = ZoneInfo("Europe/Amsterdam")
TEXT = calendar.EventText("Gesprek met de gemeente", "Over de Brede Intake", "Bibliotheek")


def parsed(text: str) -> Calendar:
    assert "\r\n" in text
    return Calendar.from_ical(text)


def test_request_then_cancel_keeps_uid_and_raises_sequence() -> None:
    start = datetime(2026, 12, 15, 18, 0, tzinfo=UTC)  # 19:00 in Amsterdam (winter)
    stamp = datetime(2026, 12, 1, tzinfo=UTC)
    first = parsed(
        calendar.ics(
            7, starts_at=start, minutes=120, sequence=0, text=TEXT, tz=AMSTERDAM, stamp=stamp
        )
    )
    later = parsed(calendar.ics(7, starts_at=start, minutes=120, sequence=2, text=TEXT, tz=AMSTERDAM, stamp=stamp, cancelled=True))  # fmt: skip
    assert first["METHOD"] == "REQUEST" and later["METHOD"] == "CANCEL"
    (event,), (cancelled,) = first.walk("VEVENT"), later.walk("VEVENT")
    assert event["UID"] == cancelled["UID"] == "meeting-7@expertpool-bot"
    assert (event["SEQUENCE"], cancelled["SEQUENCE"]) == (0, 2)
    assert cancelled["STATUS"] == "CANCELLED"
    begin = event.decoded("DTSTART")
    assert begin.tzinfo is not None and str(event["DTSTART"].params["TZID"]) == "Europe/Amsterdam"
    assert (begin.hour, begin.minute) == (19, 0)
    assert (event.decoded("DTEND") - begin).total_seconds() == 7200
    (zone,) = first.walk("VTIMEZONE")
    assert zone["TZID"] == "Europe/Amsterdam"
    assert event["SUMMARY"] == TEXT.title and event["LOCATION"] == TEXT.place


def test_one_line_form() -> None:
    now = datetime(2026, 12, 1, tzinfo=UTC)
    line = parse_line(
        "Twente 2026-12-15 19:00 Bibliotheek Enschede | Gesprek met de gemeente", AMSTERDAM, now
    )
    assert line.region_code == "twente" and line.place == "Bibliotheek Enschede"
    assert line.starts_at == datetime(2026, 12, 15, 18, 0, tzinfo=UTC)
    for bad, problem in (("twente 2026-12-15 19:00 no bar", "usage"),
                         ("twente 2026-13-15 19:00 a | b", "date"),
                         ("twente 2026-11-15 19:00 a | b", "past"),
                         ("twente 2026-12-15 19:00 a | " + "x" * 201, "long")):  # fmt: skip
        try:
            parse_line(bad, AMSTERDAM, now)
        except FormError as exc:
            assert exc.problem == problem
        else:
            raise AssertionError(bad)


def test_two_days_before_keeps_the_clock_across_summer_time() -> None:
    start = datetime(2027, 10, 31, 18, 0, tzinfo=UTC)  # Sunday 19:00 CET, after the change
    early = wall_clock_before(start, 48, AMSTERDAM)
    assert early.astimezone(AMSTERDAM).hour == 19 and early == datetime(
        2027, 10, 29, 17, 0, tzinfo=UTC
    )
