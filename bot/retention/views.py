"""Retention's texts and keyboard: the question to inactive members, the admins' report,
the next run for /stats, and the periods /mydata states. Texts take the locale explicitly
(jobs have no update context)."""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime

from aiogram.types import InlineKeyboardButton, InlineKeyboardMarkup
from aiogram.utils.i18n import I18n
from babel.numbers import format_decimal

from bot.callbacks import RetentionAction, RetentionCallback
from bot.config import Settings
from bot.i18n import format_moment
from bot.periods import days
from bot.questions.render import InboxViews
from bot.retention.service import Counts
from db.models import Member


def _labels(i18n: I18n, locale: str) -> dict[str, str]:
    return {
        "closed_questions": i18n.gettext(
            "Closed questions removed, with their messages", locale=locale
        ),
        "translations": i18n.gettext("Saved translations removed", locale=locale),
        "survey_responses": i18n.gettext("Survey answers made anonymous", locale=locale),
        "audit_entries": i18n.gettext(
            "Entries removed from the log of who looked at member data", locale=locale
        ),
        "members_asked": i18n.gettext(
            "Members asked if they want to stay (no use for a long time)", locale=locale
        ),
        "members_removed": i18n.gettext(
            "Members removed (no answer to that question)", locale=locale
        ),
    }


def when(moment: datetime, settings: Settings, locale: str) -> str:
    return format_moment(moment, locale, settings.tz)


def ask(i18n: I18n, settings: Settings) -> Callable[[Member], tuple[str, InlineKeyboardMarkup]]:
    """The question to an inactive member, in their language."""

    def render(member: Member) -> tuple[str, InlineKeyboardMarkup]:
        locale = member.language or settings.default_locale
        text = i18n.gettext(
            "Hello! You have not used the expert pool bot for a long time. Do you want to "
            "stay in the pool? Then press the button below. If we do not hear from you "
            "within {period}, we delete your data.",
            locale=locale,
        ).format(period=days(i18n, settings.retention_confirm_days, locale))
        button = InlineKeyboardButton(
            text=i18n.gettext("Keep me in the pool", locale=locale),
            callback_data=RetentionCallback(action=RetentionAction.KEEP).pack(),
        )
        return text, InlineKeyboardMarkup(inline_keyboard=[[button]])

    return render


def blank(i18n: I18n, settings: Settings) -> Callable[[Member], str]:
    """What replaces an old copy about a removed member in coordinator chats."""

    def render(_member: Member) -> str:
        return i18n.gettext(
            "Removed: this member did not use the bot for a long time.",
            locale=settings.default_locale,
        )

    return render


def report(i18n: I18n, counts: Counts, upcoming: datetime, settings: Settings, locale: str) -> str:
    """The admins' report after a run, in `locale`."""
    labels = _labels(i18n, locale)
    lines = [i18n.gettext("🧹 Data clean-up (retention) is done:", locale=locale)]
    lines += [f"{labels[kind]}: {format_decimal(n, locale=locale)}" for kind, n in counts.items()]
    lines.append(next_run_line(i18n, upcoming, settings, locale))
    return "\n".join(lines)


def next_run_line(i18n: I18n, upcoming: datetime, settings: Settings, locale: str) -> str:
    return i18n.gettext("Next data clean-up (retention): {when}", locale=locale).format(
        when=when(upcoming, settings, locale)
    )


def withdrawn(i18n: I18n) -> Callable[[str, int], str]:
    """A volunteer's notice that a request of a removed question is no longer needed."""

    def text(locale: str, number: int) -> str:
        with i18n.context():  # jobs have no update whose middleware sets it
            return InboxViews(i18n).request_withdrawn(locale, number)

    return text
