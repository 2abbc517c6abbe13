"""Longer user-facing texts and labels shared by several handlers (all through gettext)."""

from __future__ import annotations

from aiogram.utils.i18n import get_i18n, ngettext
from aiogram.utils.i18n import gettext as _
from babel import Locale

from bot.bridge import Reason
from bot.config import Settings
from bot.marking import N_
from bot.members.consent import notice_services
from bot.periods import days, my_data_lines
from db.models import MemberStatus


def privacy_notice(settings: Settings) -> str:
    """The notice members agree to. Its claims are the code's (tests/test_notice.py checks
    them): who sees, what /delete leaves, retention periods from `settings`, the services."""
    i18n = get_i18n()
    retention = my_data_lines(i18n, settings, i18n.current_locale)[1:]
    parts = [
        _("<b>Privacy: what we do with your data</b>"),
        _(
            "This bot belongs to the expert pool of your region. The pool is run by "
            "coordinators. They talk with the municipality about inburgering, but they "
            "are not the municipality."
        ),
        _(
            "<b>What we store:</b> your Telegram ID (not your phone number), your language, "
            "your pool, and the answers you choose to give. You can skip every question. "
            "We store your municipality only if you type it because you do not know your pool."
        ),
        _(
            "<b>Who sees it:</b> the coordinators of your pool, and the administrators of "
            "this bot, who can see all pools. We do not give your name to the municipality. "
            "We share survey results only as totals (and quotes only if you allow them, see below)."
        ),
        _(
            "<b>Quotes:</b> only if you allow it, coordinators may quote your written survey "
            "answers, without your name, in reports to the municipality. This is a separate "
            "choice. You can change it at any time with /privacy."
        ),
        _("<b>Why:</b> to invite you to surveys and meetings, and to answer your questions."),
        _(
            "<b>Volunteer translators:</b> a coordinator can ask a volunteer translator (a "
            "member of a pool who offered to help) to translate your question or an answer. "
            "The volunteer gets only the text, not your name or your Telegram ID."
        ),
        _(
            "<b>Meetings and reactions:</b> when you answer an invitation to a meeting, we "
            "store your answer and the help you ask for (for example an interpreter or "
            "childcare), to prepare the meeting. When you press 👍 or 👎 under a message from "
            "your pool, we store that too. You can see both with /mydata."
        ),
        "\n".join(
            [_("<b>How long:</b> as long as you are a member, with these limits:"), *retention]
        ),  # fmt: skip
        _(
            "<b>When you delete your data</b> with /delete, we delete your profile, your "
            "answers, your questions and your consents at once. Two things can remain: your "
            "button answers in finished surveys, without anything that links them to you, "
            "so that the totals stay right; and messages about you in the coordinators' chats "
            "that Telegram does not let us delete. We tell you how many we could remove."
        ),
        _(
            "<b>Backups:</b> we keep safety copies of the data for {period} at most, so what "
            "you delete with /delete is also gone from the copies after that time."
        ).format(period=days(i18n, settings.backup_retention_days, i18n.current_locale)),
        _(
            "<b>If you do not agree</b> (or later say “Not now”), you get no surveys or news. "
            "We keep what you stored until you delete it with /delete."
        ),
        _(
            "<b>Your rights:</b> see all your data with /mydata. Delete everything with "
            "/delete. Stop our messages for a while with /pause."
        ),
    ]
    services = notice_services()
    if services:
        parts.insert(
            6,
            _(
                "<b>Translation:</b> when you and the coordinators do not speak the same "
                "language, the texts of your questions and of the answers go to {services} for "
                "machine translation. This service does not get your name or your Telegram ID."
            ).format(services=", ".join(_(name) for name in services)),  # names, or msgids
        )
    return "\n\n".join(parts)


def status_label(status: str) -> str:
    labels = {
        MemberStatus.ONBOARDING: _("signing up"),
        MemberStatus.PENDING: _("waiting for approval"),
        MemberStatus.ACTIVE: _("active"),
        MemberStatus.PAUSED: _("paused"),
        MemberStatus.LEFT: _("not a member"),
        MemberStatus.UNREACHABLE: _("unreachable"),
    }
    return labels.get(MemberStatus(status), status)


def menu_labels() -> dict[str, str]:
    """Reply-keyboard buttons of the main menu, keyed by action, in the current locale."""
    return {action: _(msgid) for action, msgid in MENU_MSGIDS.items()}


MENU_MSGIDS = {
    # Translators: main-menu button under the text field; keep it short
    "ask": N_("Ask a question"),
    # Translators: main-menu button: answers to common questions (/faq); keep it short
    "faq": N_("Answers"),
    # Translators: main-menu button: the open surveys of the member
    "surveys": N_("Surveys"),
    # Translators: main-menu button: the member's expert pool (see locales/glossary.yaml: pool), not a Telegram group
    "pool": N_("My pool"),
    # Translators: main-menu button: choose the language of the bot
    "language": N_("Language"),
    # Translators: main-menu button: what we store and why
    "privacy": N_("Privacy"),
}


def language_label(code: str) -> str:
    """A language's name in the reader's language."""
    return Locale.parse(code).get_display_name(get_i18n().current_locale) or code


def unreviewed(codes: list[str]) -> str:
    """Machine drafts nobody reviewed (asked before sending a broadcast or a survey)."""
    names = ", ".join(language_label(code) for code in codes)
    return ngettext(
        "{count} language is an unreviewed machine draft: {languages}.",
        "{count} languages are unreviewed machine drafts: {languages}.",
        len(codes),
    ).format(count=len(codes), languages=names)


def draft_problem(code: str, reason: Reason) -> str:
    """Why a language got no machine draft (broadcasts and surveys)."""
    name = language_label(code)
    if reason is Reason.PAIR_UNSUPPORTED:
        text = _("{language}: no machine translation is available for this language.")
    elif reason is Reason.TEMPORARY:
        text = _("{language}: the translation service did not answer in time. Try again later.")
    else:
        text = _("{language}: the translation service could not translate this text.")
    return "⚠️ " + text.format(language=name)
