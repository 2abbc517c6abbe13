"""All inline-button callback data in one place: ids only, well under 64 bytes.

Every press is re-checked against the presser's current state and rights in a service.
"""

from __future__ import annotations

from aiogram.filters.callback_data import CallbackData


class LanguageCallback(CallbackData, prefix="lang"):
    code: str


class ConsentCallback(CallbackData, prefix="consent"):
    version: int
    agree: bool


class RegionCallback(CallbackData, prefix="region"):
    """region_id 0 means "I don't know / other"; move=True for /region after onboarding."""

    region_id: int
    move: bool = False


class ApprovalCallback(CallbackData, prefix="approve"):
    member_id: int
    approve: bool


class PrivacyCallback(CallbackData, prefix="privacy"):
    """action: mydata, delete, delete_yes, delete_no, pause, resume."""

    action: str


class AdminMenuCallback(CallbackData, prefix="adm"):
    """action: members, stats, coordinators, audit, regions."""

    action: str


class MembersPageCallback(CallbackData, prefix="mpage"):
    region_id: int  # 0 = every region the presser may see
    status: str  # "" = any
    page: int


class MemberCardCallback(CallbackData, prefix="mcard"):
    member_id: int


class MemberActionCallback(CallbackData, prefix="mact"):
    """action: approve, decline, pause, remove."""

    member_id: int
    action: str


class AskTopicCallback(CallbackData, prefix="ask"):
    """A topic for a new question; offer=True when it turns an earlier free message into one."""

    topic: str
    offer: bool = False


class DraftCallback(CallbackData, prefix="draft"):
    """action: send, cancel."""

    action: str


class QuestionActionCallback(CallbackData, prefix="q"):
    """Coordinator buttons on a question card. action: assign, close, urgent, reopen."""

    question_id: int
    action: str


class SatisfactionCallback(CallbackData, prefix="sat"):
    question_id: int
    value: str  # up | down
