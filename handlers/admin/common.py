"""Rendering shared by the staff handlers.

A staff screen (/members, /stats, /regions, /coordinators, /audit) is a function returning
its `Reply` messages; its command and its /admin menu button both send what it returns.
"""

from __future__ import annotations

from dataclasses import dataclass
from zoneinfo import ZoneInfo

from aiogram import html
from aiogram.types import InlineKeyboardMarkup, Message
from aiogram.utils.i18n import gettext as _
from babel.numbers import format_decimal

from bot.i18n import format_day, language_with_code
from bot.texts import status_label
from db.models import Member, Region


@dataclass(frozen=True)
class Reply:
    """One message of a staff screen."""

    text: str
    markup: InlineKeyboardMarkup | None = None


async def send(target: Message, replies: list[Reply]) -> None:
    """Send a screen's messages to the chat of `target`."""
    for reply in replies:
        await target.answer(reply.text, reply_markup=reply.markup)


def member_label(member: Member) -> str:
    name = html.quote(member.display_name) if member.display_name else _("no name")
    return f"#{member.id} · {name} · {member.language or '?'} · {status_label(member.status)}"


def member_card(
    member: Member, region: Region | None, profile: dict[str, str], locale: str,
    tz: ZoneInfo | None = None,
) -> str:  # fmt: skip
    lines = [
        f"<b>#{member.id}</b> "
        + (html.quote(member.display_name) if member.display_name else _("no name")),
        _("Language: {language}").format(
            language=language_with_code(member.language) if member.language else "–"
        ),
        _("Status: {status}").format(status=status_label(member.status)),
        _("Pool: {region}").format(region=html.quote(region.name) if region else "–"),
    ]
    if member.municipality_text:
        lines.append(
            _("Municipality (typed): {municipality}").format(
                municipality=html.quote(member.municipality_text)
            )
        )
    if member.joined_at:
        lines.append(
            _("Member since: {date}").format(date=format_day(member.joined_at, locale, tz))
        )
    lines.append(
        _("Intake answers: {count}").format(count=format_decimal(len(profile), locale=locale))
    )
    return "\n".join(lines)


def number(value: int, locale: str) -> str:
    return format_decimal(value, locale=locale)


def bar(part: int, total: int, width: int = 10) -> str:
    filled = round(width * part / total) if total else 0
    return "█" * filled + "░" * (width - filled)
