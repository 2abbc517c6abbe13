"""Consent and reachability: the member rules that decide who may be written to.

A member consents to one version of the privacy notice; a newer notice asks them again.
A member is *reachable* (receives surveys, announcements, reminders) when active (so not
paused, left or unreachable) and their consent is for the current notice. The rule exists
once, as SQL criteria for queries and as a predicate for rows already loaded.
"""

from __future__ import annotations

from sqlalchemy import ColumnElement

from db.models import Member, MemberStatus

NOTICE_VERSION = 3  # the base version (2: per-purpose consent; 3: how long backups are kept)
_revision = 0
_services: tuple[str, ...] = ()


def notice_version() -> int:
    """The current notice's version: the base version plus the revision set at start-up
    (`bot.privacy.notice.sync_revision` raises it when the translation providers change)."""
    return NOTICE_VERSION + _revision


def set_notice_revision(revision: int, services: tuple[str, ...] = ()) -> None:
    """Set at start-up: the revision, and the translation services the notice names."""
    global _revision, _services
    _revision, _services = revision, tuple(services)


def notice_services() -> tuple[str, ...]:
    """Translation services that see member texts (names for the privacy notice)."""
    return _services


def consent_is_current(consent_version: int | None) -> bool:
    return (consent_version or 0) >= notice_version()


def needs_consent(member: Member | None) -> bool:
    """A known member whose consent (if any) is not for the current notice."""
    return member is not None and not consent_is_current(member.consent_version)


def is_reachable(status: str, consent_version: int | None) -> bool:
    """The predicate form of `reachable()`, for a member's status and consent version."""
    return status == MemberStatus.ACTIVE and consent_is_current(consent_version)


def reachable() -> list[ColumnElement[bool]]:
    """SQL criteria on Member: who may receive surveys and announcements."""
    return [
        Member.status == MemberStatus.ACTIVE.value,
        Member.consent_version >= notice_version(),
    ]
