"""A meeting's attendee list as CSV: UTF-8 with a byte order mark, so Excel shows Arabic,
Tigrinya and other names as written. Column names come translated from the caller."""

from __future__ import annotations

import csv
import io
from collections.abc import Mapping, Sequence

from bot.meetings.service import Attendee

COLUMNS = (
    "name", "language", "answer", "waitlist", "interpreter", "children", "travel",
    "accessibility", "note", "attended",
)  # fmt: skip


def _safe(value: str) -> str:
    """No formula injection: a cell starting with = + - @ is read as text by Excel."""
    return "'" + value if value[:1] in ("=", "+", "-", "@") else value


def attendees_csv(
    rows: Sequence[Attendee], headers: Mapping[str, str], answers: Mapping[str, str]
) -> bytes:
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow([headers.get(c, c) for c in COLUMNS])
    for row in rows:
        reply = row.reply
        writer.writerow([
            _safe(row.name), row.language, answers.get(reply.answer, reply.answer),
            row.position or "", reply.interpreter or "", reply.children or "",
            "1" if reply.travel else "", "1" if reply.access else "", _safe(reply.note or ""),
            "" if reply.attended is None else ("1" if reply.attended else "0"),
        ])  # fmt: skip
    return ("\ufeff" + out.getvalue()).encode("utf-8")
