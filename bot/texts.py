"""Longer user-facing texts and labels shared by several handlers (all through gettext)."""

from __future__ import annotations

from aiogram.utils.i18n import gettext as _

from bot.marking import N_
from bot.members.consent import notice_services
from db.models import MemberStatus


def privacy_notice() -> str:
    parts = [
        _("<b>Privacy: what we do with your data</b>"),
        _(
            "This bot belongs to the expert pool of your region. The pool is run by "
            "coordinators. They talk with the municipality about inburgering, but they "
            "are not the municipality."
        ),
        _(
            "<b>What we store:</b> your Telegram number, your language, your region and "
            "municipality, and the answers you choose to give. You can skip every question."
        ),
        _(
            "<b>Who sees it:</b> only the coordinators of your region. We do not give your "
            "name to the municipality. We share survey results only as totals."
        ),
        _("<b>Why:</b> to invite you to surveys and meetings, and to answer your questions."),
        _(
            "<b>How long:</b> as long as you are a member. When you delete your data, it "
            "is gone at once."
        ),
        _(
            "<b>Your rights:</b> see all your data with /mydata. Delete everything with "
            "/delete. Stop our messages for a while with /pause."
        ),
    ]
    services = notice_services()
    if services:
        parts.insert(
            4,
            _(
                "<b>Translation:</b> when you and the coordinators do not speak the same "
                "language, the texts of your questions and of the answers go to {services} for "
                "machine translation. This service does not get your name or your Telegram number."
            ).format(services=", ".join(services)),
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
    # Translators: main-menu button: the open surveys of the member
    "surveys": N_("Surveys"),
    # Translators: main-menu button: the member's expert pool (see locales/glossary.yaml: pool), not a Telegram group
    "pool": N_("My pool"),
    # Translators: main-menu button: choose the language of the bot
    "language": N_("Language"),
    # Translators: main-menu button: what we store and why
    "privacy": N_("Privacy"),
}
