"""Texts of the broadcast feature for coordinators, all through gettext.

They need an i18n context with the reader's locale (a handler has one; the engine
enters one with `in_locale`). Numbers, times and durations are formatted by Babel.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping, Sequence
from contextlib import contextmanager
from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

from aiogram import html
from aiogram.utils.i18n import I18n, get_i18n, ngettext
from aiogram.utils.i18n import gettext as _
from babel import Locale
from babel.dates import format_datetime, format_time, format_timedelta
from babel.numbers import format_decimal

from bot.broadcast.content import EVERYONE, Content
from bot.broadcast.service import Preview


@contextmanager
def in_locale(i18n: I18n, locale: str) -> Iterator[None]:
    """For code without an update (the engine): gettext in `locale`."""
    with i18n.context(), i18n.use_locale(locale):
        yield


def _locale() -> str:
    return get_i18n().current_locale


def number(value: int) -> str:
    return format_decimal(value, locale=_locale())


def duration(seconds: float) -> str:
    return format_timedelta(timedelta(seconds=max(1.0, seconds)), locale=_locale())


def clock(moment: datetime, tz: ZoneInfo) -> str:
    return format_time(moment, format="short", tzinfo=tz, locale=_locale())


def when(moment: datetime, tz: ZoneInfo) -> str:
    return format_datetime(moment, format="short", tzinfo=tz, locale=_locale())


def language(code: str) -> str:
    return Locale.parse(code).get_display_name(_locale()) or code


def progress(broadcast_id: int, total: int, sent: int, unreachable: int, eta: float | None) -> str:
    text = _("Broadcast #{number}: sent {sent} of {total} · unreachable: {unreachable}").format(
        number=broadcast_id, sent=number(sent), total=number(total), unreachable=number(unreachable)
    )
    if eta is not None:
        text += " · " + _("ready in about {time}").format(time=duration(eta))
    return text


def waiting(broadcast_id: int, starts_at: datetime, tz: ZoneInfo) -> str:
    return _(
        "Broadcast #{number} waits for the quiet hours to end. Sending starts at {time}."
    ).format(number=broadcast_id, time=clock(starts_at, tz))


def queued(broadcast_id: int, total: int) -> str:
    return ngettext(
        "Broadcast #{number} to {count} member is queued. This message will show the progress.",
        "Broadcast #{number} to {count} members is queued. This message will show the progress.",
        total,
    ).format(number=broadcast_id, count=number(total))


def summary(broadcast_id: int, counts: Mapping[str, int], cancelled: bool) -> str:
    title = (
        _("Broadcast #{number} was cancelled.")
        if cancelled
        else _("Broadcast #{number} is finished.")
    )
    return "\n".join(
        [
            title.format(number=broadcast_id),
            _("Sent: {count}").format(count=number(counts.get("sent", 0))),
            _("Unreachable (blocked the bot or left Telegram): {count}").format(
                count=number(counts.get("unreachable", 0))
            ),
            _("Failed: {count}").format(count=number(counts.get("failed", 0))),
            _("Skipped (paused, left or cancelled): {count}").format(
                count=number(counts.get("skipped", 0))
            ),
        ]
    )


def pools(names: Sequence[str] | None) -> str:
    shown = ", ".join(html.quote(n) for n in names) if names else _("all pools")
    return _("Pools: {pools}").format(pools=shown)


def preview(
    names: Sequence[str] | None,
    found: Preview,
    versions: Mapping[str, Content],
    *,
    urgent: bool,
    quiet_start: datetime | None,
    tz: ZoneInfo,
    machine: Mapping[str, Mapping[str, object]] | None = None,
) -> str:
    lines = ["<b>" + _("Preview") + "</b>", pools(names)]
    counts = ", ".join(f"{number(count)} {code}" for code, count in found.by_language.items())
    recipients = _("Recipients: {count}").format(count=number(found.total))
    lines.append(f"{recipients} ({counts})" if counts else recipients)
    if not found.total:
        lines.append(_("Nobody would get this message."))
    if EVERYONE in versions:
        lines.append(_("Everyone gets the same version."))
    else:
        given = ", ".join(language(code) for code in versions)
        lines.append(_("Versions: {languages}").format(languages=given))
    for missing, count, used in found.fallbacks:
        lines.append(
            ngettext(
                "{count} × {missing}: no version in this language, so they get the {given} version.",
                "{count} × {missing}: no version in this language, so they get the {given} version.",
                count,
            ).format(count=number(count), missing=language(missing), given=language(used))
        )  # fmt: skip
    machine = machine or {}
    unreviewed = [code for code, mark in machine.items() if not mark.get("reviewed")]
    accepted = [code for code, mark in machine.items() if mark.get("reviewed")]
    if unreviewed:
        names = ", ".join(language(code) for code in unreviewed)
        lines.append("🤖 " + _("Machine drafts, not reviewed: {languages}").format(languages=names))
    if accepted:
        names = ", ".join(language(code) for code in accepted)
        lines.append("🤖 " + _("Machine drafts, accepted: {languages}").format(languages=names))
    if urgent:
        lines.append(_("Urgent: this is sent during quiet hours too."))
    elif quiet_start is not None:
        lines.append(
            _("It is quiet time now: sending starts at {time}.").format(time=clock(quiet_start, tz))
        )
    return "\n".join(lines)


def status_label(status: str) -> str:
    labels = {
        "queued": _("waiting"),
        "sending": _("sending"),
        "done": _("finished"),
        "cancelled": _("cancelled"),
    }
    return labels.get(status, status)


def list_line(
    broadcast_id: int, created: datetime, status: str, sent: int, total: int, tz: ZoneInfo
) -> str:
    return _("#{number} · {date} · {status} · sent {sent} of {total}").format(
        number=broadcast_id,
        date=when(created, tz),
        status=status_label(status),
        sent=number(sent),
        total=number(total),
    )


def draft_card(code: str, provider: str, status: str) -> str:
    """The head of a machine draft's message: "new" (with its buttons), "accepted" or
    "dropped"."""
    name = language(code)
    if status == "accepted":
        return "✅ " + _("Machine draft in {language}: accepted.").format(language=name)
    if status == "dropped":
        return "🗑 " + _(
            "Machine draft in {language}: dropped. These members get another version."
        ).format(language=name)
    head = _("Machine draft in {language} ({provider}), not reviewed").format(
        language=name, provider=provider
    )
    hint = _("Members get it exactly like this. Accept it, write your own text, or drop it.")
    return f"🤖 <b>{html.quote(head)}</b>\n{html.quote(hint)}"
