"""Numbers that come from people (command arguments, deep links, button data), in one place.

Anything a person can type or forge is parsed here with a range check, so an id that cannot
exist (negative, huge, unicode digits) is "unknown" and answered like a stale button or an
unknown command, never an OverflowError from the database driver.
"""

from __future__ import annotations

from typing import Annotated

from pydantic import Field

ID_MAX = 2**31 - 1
"""The largest row id: PostgreSQL's `integer`, the narrowest id column the bot uses."""

Id = Annotated[int, Field(ge=1, le=ID_MAX)]
"""A row id in callback data: out of range does not unpack, so the catch-all answers it."""

IdOrZero = Annotated[int, Field(ge=0, le=ID_MAX)]
"""A row id where 0 means "none" (e.g. "every region"), or a small counter such as a page."""


def parse_id(text: str | None, *, zero: bool = False) -> int | None:
    """`text` as a row id (ASCII digits, 1..ID_MAX; 0 too with `zero`), else None."""
    text = (text or "").strip()
    if not text or not text.isascii() or not text.isdigit() or len(text) > len(str(ID_MAX)):
        return None
    number = int(text)
    return number if (0 if zero else 1) <= number <= ID_MAX else None


TELEGRAM_ID_MAX = 2**63 - 1
"""Telegram's user and chat ids fit a signed 64-bit integer (the database's BIGINT)."""


def parse_telegram_id(text: str | None) -> int | None:
    """`text` as a Telegram user or chat id (group ids are negative), else None."""
    text = (text or "").strip()
    digits = text.removeprefix("-")
    if not digits or not digits.isascii() or not digits.isdigit() or len(digits) > 19:
        return None
    number = int(text)
    return number if number != 0 and abs(number) <= TELEGRAM_ID_MAX else None
