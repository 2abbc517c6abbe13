"""Buttons and texts of meetings for the chat (aiogram): members' answers and needs, the
coordinators' flow, card, attendee list and check-in. Callback data: MeetingCB ("mt")."""

from __future__ import annotations

import html
from collections.abc import Sequence
from zoneinfo import ZoneInfo

from aiogram.filters.callback_data import CallbackData
from aiogram.types import InlineKeyboardMarkup
from aiogram.utils.i18n import I18n
from aiogram.utils.keyboard import InlineKeyboardBuilder

from bot.config import SUPPORTED_LOCALES
from bot.i18n import language_name, language_name_in
from bot.marking import N_
from bot.meetings import texts
from bot.meetings.rules import CANCELLED, DEADLINES, MAX_CHILDREN, MAYBE, NEEDS, NO, YES
from bot.meetings.service import Attendance, Attendee, Summary
from db.models import Meeting, MeetingReply


class MeetingCB(CallbackData, prefix=texts.PREFIX):
    """a: action; m: meeting id (0 in the planning flow); v: a value."""

    a: str
    m: int
    v: str = ""


NEED_LABELS = {
    "interpreter": N_("Interpreter"),
    "childcare": N_("Childcare"),
    "travel": N_("Travel costs"),
    "access": N_("Accessibility"),
}
NEED_ICONS = {"interpreter": "🗣", "childcare": "👶", "travel": "🚌", "access": "♿"}
ANSWER_LABELS = {YES: texts.YES_LABEL, MAYBE: texts.MAYBE_LABEL, NO: texts.NO_LABEL}
WAITLIST = N_("Waitlist")


def t(i18n: I18n, msgid: str, locale: str) -> str:
    return i18n.gettext(msgid, locale=locale)


# --- members --------------------------------------------------------------------------------


def answer_keyboard(
    i18n: I18n, meeting_id: int, locale: str, with_needs: bool
) -> InlineKeyboardMarkup:
    builder = InlineKeyboardBuilder()
    for code, icon, label in texts.ANSWER_BUTTONS:
        builder.button(
            text=f"{icon} {t(i18n, label, locale)}",
            callback_data=MeetingCB(a="r", m=meeting_id, v=code),
        )
    if with_needs:
        builder.button(
            text="🧾 " + t(i18n, N_("My needs"), locale),
            callback_data=MeetingCB(a="e", m=meeting_id),
        )
    builder.adjust(3, 1)
    return builder.as_markup()


def needs_text(i18n: I18n, meeting: Meeting, reply: MeetingReply, locale: str) -> str:
    lines = [t(i18n, N_("What do you need to take part? Tap what applies, then “Done”."), locale)]
    if reply.note:
        lines.append("📝 " + html.escape(reply.note, quote=False))
    return "\n".join(lines)


def needs_keyboard(
    i18n: I18n, meeting: Meeting, reply: MeetingReply, locale: str
) -> InlineKeyboardMarkup:
    builder = InlineKeyboardBuilder()
    asked = meeting.needs.split(",") if meeting.needs else []

    def mark(on: bool) -> str:
        return "✅" if on else "▫️"

    for need in asked:
        label = t(i18n, NEED_LABELS[need], locale)
        if need == "interpreter":
            language = reply.interpreter or locale
            text = f"{mark(bool(reply.interpreter))} {NEED_ICONS[need]} {label}: {language_name(language)}"
        elif need == "childcare":
            text = f"{mark(reply.children > 0)} {NEED_ICONS[need]} {label}: {reply.children}"
        else:
            text = f"{mark(getattr(reply, need))} {NEED_ICONS[need]} {label}"
        action = "k" if need == "childcare" else "n"
        builder.button(text=text, callback_data=MeetingCB(a=action, m=meeting.id, v=need))
    builder.button(
        text="📝 " + t(i18n, N_("Note"), locale), callback_data=MeetingCB(a="t", m=meeting.id)
    )
    builder.button(
        text="✔️ " + t(i18n, N_("Done"), locale), callback_data=MeetingCB(a="d", m=meeting.id)
    )
    builder.adjust(1)
    return builder.as_markup()


def children_keyboard(meeting_id: int) -> InlineKeyboardMarkup:
    builder = InlineKeyboardBuilder()
    for count in range(MAX_CHILDREN + 1):
        builder.button(text=str(count), callback_data=MeetingCB(a="c", m=meeting_id, v=str(count)))
    builder.adjust(MAX_CHILDREN + 1)
    return builder.as_markup()


def answered_text(i18n: I18n, reply: MeetingReply, position: int | None, locale: str) -> str:
    if reply.answer == YES and reply.waitlisted:
        return t(
            i18n,
            N_(
                "The meeting is full. You are number {position} on the waitlist. We will tell you when a place is free."
            ),
            locale,
        ).format(position=position)
    if reply.answer == YES:
        return t(i18n, N_("✅ You are registered. See you there!"), locale)
    if reply.answer == MAYBE:
        return t(i18n, N_("🤔 Thank you. We noted: maybe. You will get a reminder."), locale)
    return t(i18n, N_("Thank you for letting us know. We noted that you will not come."), locale)


def my_answer(i18n: I18n, reply: MeetingReply | None, position: int | None, locale: str) -> str:
    if reply is None:
        value = t(i18n, N_("no answer yet"), locale)
    elif reply.waitlisted:
        value = f"{t(i18n, WAITLIST, locale)} ({position})"
    else:
        value = t(i18n, ANSWER_LABELS[reply.answer], locale)
    return t(i18n, N_("Your answer: {answer}"), locale).format(answer=value)


PROMOTED = N_("🎉 A place became free: you are now registered for this meeting.")
CALENDAR = N_("📅 Add this meeting to your calendar.")
CLOSED = {
    "deadline": N_("Sorry, answers for this meeting closed on {moment}."),
    "cancelled": N_("This meeting was cancelled."),
    "past": N_("This meeting has already taken place."),
}


def closed_text(i18n: I18n, why: str, meeting: Meeting, locale: str, tz: ZoneInfo) -> str:
    return t(i18n, CLOSED[why], locale).format(moment=texts.moment(meeting.rsvp_until, locale, tz))


# --- coordinators ---------------------------------------------------------------------------


def regions_keyboard(regions: Sequence[tuple[int, str]]) -> InlineKeyboardMarkup:
    builder = InlineKeyboardBuilder()
    for region_id, name in regions:
        builder.button(text=name, callback_data=MeetingCB(a="G", m=0, v=str(region_id)))
    builder.adjust(2)
    return builder.as_markup()


def one_button(text: str, action: str) -> InlineKeyboardMarkup:
    builder = InlineKeyboardBuilder()
    builder.button(text=text, callback_data=MeetingCB(a=action, m=0))
    return builder.as_markup()


def needs_choice(i18n: I18n, chosen: Sequence[str], locale: str) -> InlineKeyboardMarkup:
    builder = InlineKeyboardBuilder()
    for need in NEEDS:
        mark = "✅" if need in chosen else "▫️"
        builder.button(text=f"{mark} {NEED_ICONS[need]} {t(i18n, NEED_LABELS[need], locale)}",
                       callback_data=MeetingCB(a="N", m=0, v=need))  # fmt: skip
    builder.button(text="➡️ " + t(i18n, N_("Next"), locale), callback_data=MeetingCB(a="P", m=0))
    builder.adjust(1)
    return builder.as_markup()


def deadline_choice(i18n: I18n, locale: str) -> InlineKeyboardMarkup:
    labels = {
        0: N_("Until the start"),
        24: N_("Until 1 day before"),
        48: N_("Until 2 days before"),
    }
    builder = InlineKeyboardBuilder()
    for hours in DEADLINES:
        builder.button(
            text=t(i18n, labels[hours], locale), callback_data=MeetingCB(a="D", m=0, v=str(hours))
        )
    builder.adjust(1)
    return builder.as_markup()


def preview_keyboard(i18n: I18n, shown: str, locale: str) -> InlineKeyboardMarkup:
    builder = InlineKeyboardBuilder()
    for code in SUPPORTED_LOCALES:
        mark = "• " if code == shown else ""
        builder.button(text=f"{mark}{code}", callback_data=MeetingCB(a="V", m=0, v=code))
    builder.button(
        text="✅ " + t(i18n, N_("Send invitations"), locale), callback_data=MeetingCB(a="Y", m=0)
    )
    builder.button(text="✖️ " + t(i18n, N_("Cancel"), locale), callback_data=MeetingCB(a="W", m=0))
    builder.adjust(4, 4, 1, 1)
    return builder.as_markup()


def summary_text(i18n: I18n, found: Summary, locale: str, tz: ZoneInfo) -> str:
    meeting, counts = found.meeting, found.counts
    title = html.escape(texts.shown(meeting, locale).title, quote=False)
    head = f"<b>#{meeting.id} · {title}</b> · {html.escape(found.region, quote=False)}"
    if meeting.status == CANCELLED:
        head += " · " + t(i18n, N_("cancelled"), locale)
    lines = [
        head,
        f"📅 {texts.moment(meeting.starts_at, locale, tz)} · 📍 {html.escape(meeting.place, quote=False)}",
        t(
            i18n,
            N_("yes {yes} · maybe {maybe} · no {no} · waitlist {waitlist} · no answer {none}"),
            locale,
        ).format(
            yes=counts["yes"],
            maybe=counts["maybe"],
            no=counts["no"],
            waitlist=counts["waitlist"],
            none=counts["none"],
        ),
    ]
    if meeting.capacity:
        lines[-1] += " · " + t(i18n, N_("places: {count}"), locale).format(count=meeting.capacity)
    if counts["attended"]:
        lines[-1] += " · " + t(i18n, N_("present: {count}"), locale).format(
            count=counts["attended"]
        )
    interpreters = ", ".join(
        f"{code} {n}" for code, n in sorted(found.interpreters.items(), key=lambda i: (-i[1], i[0]))
    )
    lines.append(
        t(
            i18n,
            N_(
                "Needs: interpreter: {languages} · childcare {childcare} · travel {travel} · accessibility {access}"
            ),
            locale,
        ).format(
            languages=interpreters or "0",
            childcare=found.children,
            travel=found.travel,
            access=found.access,
        )
    )
    return "\n".join(lines)


def card_keyboard(i18n: I18n, meeting: Meeting, locale: str) -> InlineKeyboardMarkup:
    builder = InlineKeyboardBuilder()
    m = meeting.id
    builder.button(
        text="👥 " + t(i18n, N_("Attendees"), locale), callback_data=MeetingCB(a="L", m=m)
    )
    builder.button(text="📄 CSV", callback_data=MeetingCB(a="X", m=m))
    builder.button(text="☑️ " + t(i18n, N_("Check-in"), locale), callback_data=MeetingCB(a="I", m=m))
    if meeting.status != CANCELLED:
        builder.button(
            text="✏️ " + t(i18n, N_("Change time or place"), locale),
            callback_data=MeetingCB(a="C", m=m),
        )
        builder.button(
            text="❌ " + t(i18n, N_("Cancel meeting"), locale), callback_data=MeetingCB(a="Q", m=m)
        )
    builder.adjust(3, 1, 1)
    return builder.as_markup()


def reply_needs(reply: MeetingReply) -> str:
    parts = []
    if reply.interpreter:
        parts.append(f"🗣{reply.interpreter}")
    if reply.children:
        parts.append(f"👶{reply.children}")
    if reply.travel:
        parts.append("🚌")
    if reply.access:
        parts.append("♿")
    if reply.note:
        parts.append("📝 " + html.escape(reply.note, quote=False))
    return " ".join(parts)


def attendee_line(i18n: I18n, row: Attendee, locale: str) -> str:
    reply = row.reply
    answer = (
        f"{t(i18n, WAITLIST, locale)} {row.position}"
        if reply.waitlisted
        else t(i18n, ANSWER_LABELS[reply.answer], locale)
    )
    present = " ☑️" if reply.attended else ""
    needs = reply_needs(reply)
    return f"• {html.escape(row.name, quote=False)} — {answer}{present}" + (
        f" — {needs}" if needs else ""
    )


def check_in_keyboard(meeting_id: int, rows: Sequence[Attendee]) -> InlineKeyboardMarkup:
    builder = InlineKeyboardBuilder()
    for row in rows:
        if row.reply.answer == NO or row.reply.waitlisted:
            continue
        mark = "✅" if row.reply.attended else "▫️"
        builder.button(
            text=f"{mark} {row.name}",
            callback_data=MeetingCB(a="A", m=meeting_id, v=str(row.member_id)),
        )
    builder.adjust(1)
    return builder.as_markup()


def cancel_confirm(i18n: I18n, meeting_id: int, locale: str) -> InlineKeyboardMarkup:
    builder = InlineKeyboardBuilder()
    builder.button(
        text=t(i18n, N_("Yes, cancel the meeting"), locale),
        callback_data=MeetingCB(a="Z", m=meeting_id),
    )
    builder.button(
        text=t(i18n, N_("No, keep it"), locale), callback_data=MeetingCB(a="S", m=meeting_id)
    )
    builder.adjust(1)
    return builder.as_markup()


def csv_headers(i18n: I18n, locale: str) -> dict[str, str]:
    return {
        "name": t(i18n, N_("Name"), locale),
        "language": t(i18n, N_("Language"), locale),
        "answer": t(i18n, N_("Answer"), locale),
        "waitlist": t(i18n, WAITLIST, locale),
        "interpreter": t(i18n, NEED_LABELS["interpreter"], locale),
        "children": t(i18n, NEED_LABELS["childcare"], locale),
        "travel": t(i18n, NEED_LABELS["travel"], locale),
        "accessibility": t(i18n, NEED_LABELS["access"], locale),
        "note": t(i18n, N_("Note"), locale),
        "attended": t(i18n, N_("Present"), locale),
    }


def answer_names(i18n: I18n, locale: str) -> dict[str, str]:
    return {code: t(i18n, label, locale) for code, label in ANSWER_LABELS.items()}


def language_title(code: str, locale: str) -> str:
    return language_name_in(code, locale)


def attendance_text(i18n: I18n, found: Attendance, locale: str, tz: ZoneInfo) -> str:
    """The meetings block of /stats: present per meeting, and who came most often."""
    if not found.meetings and not found.members:
        return ""
    lines = [f"<b>{t(i18n, N_('Meetings: who was there'), locale)}</b>"]
    for meeting, present, said_yes in found.meetings:
        title = html.escape(texts.shown(meeting, locale).title, quote=False)
        day = texts.moment(meeting.starts_at, locale, tz)
        count = t(i18n, N_("present {present} of {yes} who said yes"), locale)
        lines.append(
            f"#{meeting.id} {title} ({day}): " + count.format(present=present, yes=said_yes)
        )
    if found.members:
        names = ", ".join(
            f"{html.escape(name, quote=False)} {count}" for name, count in found.members
        )
        lines.append(t(i18n, N_("Meetings attended per member: {list}"), locale).format(list=names))
    return "\n".join(lines)
