"""A meeting as an iCalendar file (RFC 5545) through the `icalendar` library.

Times carry TZID=Europe/Amsterdam (the bot's TIMEZONE) with its VTIMEZONE; the UID stays the
same for the meeting's life and SEQUENCE rises with each change, so calendar apps update
the event they have (METHOD:REQUEST) or remove it (METHOD:CANCEL).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, timedelta
from zoneinfo import ZoneInfo

from icalendar import Calendar, Event, Timezone

PRODID = "-//expertpool-bot//meetings//EN"


@dataclass(frozen=True)
class EventText:
    title: str
    description: str
    place: str


def uid(meeting_id: int) -> str:
    return f"meeting-{meeting_id}@expertpool-bot"


def file_name(meeting_id: int) -> str:
    return f"meeting-{meeting_id}.ics"


def ics(
    meeting_id: int,
    *,
    starts_at: datetime,
    minutes: int,
    sequence: int,
    text: EventText,
    tz: ZoneInfo,
    stamp: datetime,
    cancelled: bool = False,
) -> str:
    """The calendar file's text (CRLF line ends, as RFC 5545 wants)."""
    local = starts_at.astimezone(tz)
    calendar = Calendar()
    calendar.add("prodid", PRODID)
    calendar.add("version", "2.0")
    calendar.add("method", "CANCEL" if cancelled else "REQUEST")
    calendar.add_component(
        Timezone.from_tzid(
            str(tz.key),
            first_date=date(local.year - 1, 1, 1),
            last_date=date(local.year + 1, 12, 31),
        )
    )
    event = Event()
    event.add("uid", uid(meeting_id))
    event.add("dtstamp", stamp)
    event.add("dtstart", local)
    event.add("dtend", local + timedelta(minutes=minutes))
    event.add("sequence", sequence)
    event.add("summary", text.title)
    event.add("location", text.place)
    if text.description:
        event.add("description", text.description)
    event.add("status", "CANCELLED" if cancelled else "CONFIRMED")
    calendar.add_component(event)
    return calendar.to_ical().decode("utf-8")
