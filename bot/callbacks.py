"""All inline-button callback data in one place: ids only, well under 64 bytes.

Every press is re-checked against the presser's current state and rights in a service.
Actions are Enums: data with an action no button carries does not unpack, so no handler
matches it and the catch-all answers it as a dead button.
"""

from __future__ import annotations

from enum import StrEnum

from aiogram.filters.callback_data import CallbackData

from bot.numbers import Id, IdOrZero
from db.models import MemberStatus


class LanguageCallback(CallbackData, prefix="lang"):
    code: str


class ConsentCallback(CallbackData, prefix="consent"):
    """The notice version and the member's step (membership decisions so far) it was shown at."""

    version: Id
    agree: bool
    step: int = -1  # buttons sent before steps existed carry none: always stale


class QuotesCallback(CallbackData, prefix="quotes"):
    """The optional quote consent: Yes / No, for the notice version it was asked under."""

    version: Id
    allow: bool


class RegionCallback(CallbackData, prefix="region"):
    """region_id 0 means "I don't know / other"; move=True for /region after onboarding;
    v: the notice version the picker was shown under (signing up)."""

    region_id: IdOrZero
    move: bool = False
    v: IdOrZero = 0


class ApprovalCallback(CallbackData, prefix="approve"):
    member_id: Id
    approve: bool


class PrivacyAction(StrEnum):
    MY_DATA = "mydata"
    DELETE = "delete"
    DELETE_YES = "delete_yes"
    DELETE_NO = "delete_no"
    PAUSE = "pause"
    RESUME = "resume"


class PrivacyCallback(CallbackData, prefix="privacy"):
    action: PrivacyAction


class AdminMenuAction(StrEnum):
    MEMBERS = "members"
    STATS = "stats"
    REGIONS = "regions"
    COORDINATORS = "coordinators"
    AUDIT = "audit"


class AdminMenuCallback(CallbackData, prefix="adm"):
    action: AdminMenuAction


class MembersPageCallback(CallbackData, prefix="mpage"):
    region_id: IdOrZero  # 0 = every region the presser may see
    status: MemberStatus | None = None  # None (packed as "") = any
    page: IdOrZero


class MemberCardCallback(CallbackData, prefix="mcard"):
    member_id: Id


class MemberAction(StrEnum):
    APPROVE = "approve"
    DECLINE = "decline"
    PAUSE = "pause"
    REMOVE = "remove"


class MemberActionCallback(CallbackData, prefix="mact"):
    member_id: Id
    action: MemberAction


class AskTopicCallback(CallbackData, prefix="ask"):
    """A topic for a new question; offer=True when it turns an earlier free message into one."""

    topic: str
    offer: bool = False


class DraftAction(StrEnum):
    SEND = "send"
    CANCEL = "cancel"
    NEW = "new"  # a held free message becomes a new question: choose its topic


class JoinQuestionCallback(CallbackData, prefix="joinq"):
    """ "Add to question #N": a free message joins the member's open question N."""

    question_id: int


class DraftCallback(CallbackData, prefix="draft"):
    action: DraftAction


class QuestionAction(StrEnum):
    """Coordinator buttons on a question card."""

    ASSIGN = "assign"
    CLOSE = "close"
    URGENT = "urgent"
    REOPEN = "reopen"
    VOLUNTEER = "volunteer"  # ask a volunteer to translate the question (bot.volunteers)


class QuestionActionCallback(CallbackData, prefix="q"):
    question_id: Id
    action: QuestionAction


class Satisfaction(StrEnum):
    UP = "up"
    DOWN = "down"


class SatisfactionCallback(CallbackData, prefix="sat"):
    question_id: Id
    value: Satisfaction


class RetentionAction(StrEnum):
    KEEP = "keep"


class RetentionCallback(CallbackData, prefix="keep"):
    """An inactive member answers retention's question (bot/retention)."""

    action: RetentionAction


class TemplateAction(StrEnum):
    """Reply templates (bot/templates): on a question, and in /templates."""

    LIST = "list"  # a question card's "Templates": the templates for its topic
    PICK = "pick"  # one of them: its preview as the member would get it
    SEND = "send"
    CANCEL = "cancel"
    SHOW = "show"  # /templates: one template with its languages
    REVIEW = "review"  # a language's machine draft accepted as it is
    EDIT = "edit"  # write a language's text
    DELETE = "delete"
    DELETE_YES = "delete_yes"
    REGION = "region"  # /template_add: the region (t: 0 = shared by the admins)
    TOPIC = "topic"  # /template_add: the topic (lang carries it)


class TemplateCallback(CallbackData, prefix="tpl"):
    action: TemplateAction
    q: IdOrZero = 0  # the question
    t: IdOrZero = 0  # the template (REGION: the region)
    lang: str = ""  # a language code (TOPIC: a topic)


class FaqAction(StrEnum):
    """A member's buttons in the FAQ (/faq and the entries offered before sending)."""

    TOPICS = "topics"  # back to the list of topics
    TOPIC = "topic"
    READ = "read"
    UP = "up"
    DOWN = "down"


class FaqCallback(CallbackData, prefix="faq"):
    action: FaqAction
    topic: str = ""
    entry_id: IdOrZero = 0


class FaqOfferAction(StrEnum):
    """Under "Maybe this answers your question?" before a question is sent."""

    READ = "read"
    ANSWERED = "yes"  # "Yes, thanks": nothing is sent
    SEND = "send"  # "No, send my question"


class FaqOfferCallback(CallbackData, prefix="faqo"):
    action: FaqOfferAction
    entry_id: IdOrZero = 0


class FaqFromQuestionCallback(CallbackData, prefix="faqq"):
    """ "Add to FAQ" on a question's card."""

    question_id: Id


class FaqAdminAction(StrEnum):
    TOPIC = "topic"  # the topic of a new entry (its text waits in the conversation state)
    LIST = "list"
    ENTRY = "entry"
    LANGUAGE = "lang"
    REVIEW = "review"
    WRITE = "write"
    RETIRE = "retire"
    RESTORE = "restore"


class FaqAdminCallback(CallbackData, prefix="faqa"):
    action: FaqAdminAction
    entry_id: IdOrZero = 0
    language: str = ""
    topic: str = ""
