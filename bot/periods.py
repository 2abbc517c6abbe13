"""How long each kind of member data is kept, in words: the privacy notice and /mydata state
the retention rules from the settings through these (no dependency on the retention jobs)."""

from __future__ import annotations

from dataclasses import dataclass

from aiogram.utils.i18n import I18n
from babel.numbers import format_decimal

from bot.config import Settings


@dataclass(frozen=True)
class Periods:
    """The retention periods as the notice and /mydata state them (0: kept)."""

    closed_questions_months: int
    survey_responses_months: int
    audit_months: int
    inactive_members_months: int
    confirm_days: int


def periods(settings: Settings) -> Periods:
    return Periods(
        settings.retention_closed_questions_months,
        settings.retention_survey_responses_months,
        settings.retention_audit_months,
        settings.retention_inactive_members_months,
        settings.retention_confirm_days,
    )


def months(i18n: I18n, count: int, locale: str) -> str:
    ngettext = i18n.gettext  # named so that extraction sees a plural entry
    return ngettext("{count} month", "{count} months", count, locale=locale).format(
        count=format_decimal(count, locale=locale)
    )


def days(i18n: I18n, count: int, locale: str) -> str:
    ngettext = i18n.gettext  # named so that extraction sees a plural entry
    return ngettext("{count} day", "{count} days", count, locale=locale).format(
        count=format_decimal(count, locale=locale)
    )


def my_data_lines(i18n: I18n, settings: Settings, locale: str) -> list[str]:
    """How long each kind of a member's data is kept, for /mydata."""
    rules = periods(settings)
    kept = i18n.gettext("kept until you delete your data with /delete", locale=locale)

    def line(label: str, count: int, rule: str) -> str:
        text = rule.format(period=months(i18n, count, locale)) if count else kept
        return f"{label}: {text}"

    lines = [
        i18n.gettext("How long we keep your data:", locale=locale),
        line(
            i18n.gettext("Closed questions and their messages", locale=locale),
            rules.closed_questions_months,
            i18n.gettext("deleted {period} after the question is closed", locale=locale),
        ),
        line(
            i18n.gettext("Survey answers linked to you", locale=locale),
            rules.survey_responses_months,
            i18n.gettext("made anonymous {period} after the survey closed", locale=locale),
        ),
        line(
            i18n.gettext("Record of who looked at or changed your data", locale=locale),
            rules.audit_months,
            i18n.gettext("deleted after {period}", locale=locale),
        ),
    ]
    if rules.inactive_members_months:
        lines.append(
            i18n.gettext(
                "If you do not use the bot for {period}, we ask if you want to stay. "
                "If you do not answer within {days}, we delete your data.",
                locale=locale,
            ).format(
                period=months(i18n, rules.inactive_members_months, locale),
                days=days(i18n, rules.confirm_days, locale),
            )
        )
    return lines
