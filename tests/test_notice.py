"""The privacy notice says what the code does.

Each checkable claim of the notice is compared with the code that makes it true: who sees a
member's data (the roles), what /delete leaves, the retention periods (from the settings),
where the municipality is stored, and the translation services. No catalogue keeps a wording
of "Telegram ID" that reads as a phone number or a bank-account number.
"""

from __future__ import annotations

import re
from typing import Any

import pytest
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from bot.config import SUPPORTED_LOCALES, Settings
from bot.i18n import create_i18n
from bot.members.consent import NOTICE_VERSION, set_notice_revision
from bot.messenger import Reason, Undeliverable
from bot.onboarding import service as onboarding
from bot.periods import days, months
from bot.privacy import notice as notice_revision
from bot.privacy import service as privacy
from bot.scheduler import JobContext
from bot.services import roles
from bot.surveys import library
from bot.texts import privacy_notice
from db.base import utcnow
from db.models import OutboundCopy, Region, RoleGrant, SurveyAnswer, SurveyResponse
from tests.test_catalogues import _catalog, _strings
from tests.test_survey_service import ADMIN, PIP, SETTINGS, _answer_pip, _members, _open_run
from tests.test_survey_service import ctx as ctx  # noqa: F401  (the fixture)

I18N = create_i18n("nl")

WHO_SEES = (
    "<b>Who sees it:</b> the coordinators of your pool, and the administrators of this bot, "
    "who can see all pools. We do not give your name to the municipality. We share survey "
    "results only as totals (and quotes only if you allow them, see below)."
)
AFTER_DELETE = (
    "<b>When you delete your data</b> with /delete, we delete your profile, your answers, "
    "your questions and your consents at once. Two things can remain: your button answers in "
    "finished surveys, without anything that links them to you, so that the totals stay right; "
    "and messages about you in the coordinators' chats that Telegram does not let us delete. "
    "We tell you how many we could remove."
)
WHAT_WE_STORE = (
    "<b>What we store:</b> your Telegram ID (not your phone number), your language, your "
    "pool, and the answers you choose to give. You can skip every question. We store your "
    "municipality only if you type it because you do not know your pool."
)
TRANSLATION = (
    "<b>Translation:</b> when you and the coordinators do not speak the same language, the "
    "texts of your questions and of the answers go to {services} for machine translation. "
    "This service does not get your name or your Telegram ID."
)
BACKUPS = (
    "<b>Backups:</b> we keep safety copies of the data for {period} at most, so what you "
    "delete with /delete is also gone from the copies after that time."
)

# Wordings that read as a phone number or a bank-account number instead of the Telegram ID.
FORBIDDEN = {
    "en": ["Telegram number"],
    "nl": ["Telegram-nummer", "Telegramnummer"],
    "ar": ["رقم حساب"],
    "fa": ["شمارهٔ حساب", "شماره حساب", "شماره‌ی حساب"],
    "tr": ["hesap numara"],
    "uk": ["номер вашого акаунта", "номер акаунта"],
    "so": ["lambarka akoon"],
    "ti": ["ቁጽሪ ሕሳብ"],
}


def _settings(**overrides: Any) -> Settings:
    return Settings(bot_token="1:test", admin_ids=(1,), _env_file=None, **overrides)  # type: ignore[call-arg]


def notice(locale: str, settings: Settings, services: tuple[str, ...] = ()) -> str:
    set_notice_revision(0, services)
    try:
        with I18N.context(), I18N.use_locale(locale):
            return privacy_notice(settings)
    finally:
        set_notice_revision(0, ())


def said(msgid: str, locale: str) -> str:
    return I18N.gettext(msgid, locale=locale)


def test_the_base_version_was_raised_for_this_notice() -> None:
    assert NOTICE_VERSION >= 2


@pytest.mark.parametrize("locale", SUPPORTED_LOCALES)
def test_no_catalogue_calls_the_telegram_id_a_phone_or_account_number(locale: str) -> None:
    for message in _catalog(locale):
        if not message.id:
            continue
        for text in _strings(message):
            for phrase in FORBIDDEN[locale]:
                assert phrase.lower() not in text.lower(), (locale, phrase, text)
    assert said(WHAT_WE_STORE, locale) in notice(locale, _settings())


async def test_who_sees_matches_the_roles(session: AsyncSession) -> None:
    settings = _settings()  # ADMIN_IDS=1
    twente = await session.scalar(select(Region).where(Region.code == "twente"))
    zwolle = await session.scalar(select(Region).where(Region.code == "zwolle"))
    assert twente is not None and zwolle is not None
    session.add_all([
        RoleGrant(telegram_id=2, role=roles.COORDINATOR, region_id=twente.id, granted_by=1,
                  granted_at=utcnow()),
        RoleGrant(telegram_id=3, role=roles.ADMIN, region_id=None, granted_by=1,
                  granted_at=utcnow()),
    ])  # fmt: skip
    await session.flush()
    configured, coordinator, granted = [await roles.actor(session, settings, i) for i in (1, 2, 3)]
    # Coordinators see their own pool only; administrators (configured or granted) see all.
    assert coordinator.may_see_region(twente.id) and not coordinator.may_see_region(zwolle.id)
    for admin in (configured, granted):
        assert admin.may_see_region(twente.id) and admin.may_see_region(zwolle.id)
    for locale in SUPPORTED_LOCALES:
        text = notice(locale, settings)
        assert said(WHO_SEES, locale) in text
    assert "administrators" in WHO_SEES and "all pools" in WHO_SEES  # the English source


@pytest.mark.parametrize("locale", SUPPORTED_LOCALES)
def test_retention_periods_come_from_the_settings(locale: str) -> None:
    default = notice(locale, _settings())
    changed_settings = _settings(
        retention_closed_questions_months=7,
        retention_survey_responses_months=30,
        retention_audit_months=0,
        retention_inactive_members_months=9,
        retention_confirm_days=14,
        backup_retention_days=10,
    )
    changed = notice(locale, changed_settings)
    assert default != changed
    for count in (12, 24, 18):
        assert months(I18N, count, locale) in default
    assert days(I18N, 30, locale) in default
    for count in (7, 30, 9):
        assert months(I18N, count, locale) in changed
    assert days(I18N, 14, locale) in changed
    # How long backups are kept: the days `python -m bot backup --dir` keeps them (README).
    assert said(BACKUPS, locale).format(period=days(I18N, 28, locale)) in default
    assert said(BACKUPS, locale).format(period=days(I18N, 10, locale)) in changed
    assert said("kept until you delete your data with /delete", locale) in changed  # 0: kept
    assert months(I18N, 12, locale) not in changed


async def test_changed_retention_settings_raise_the_notice_version(session: AsyncSession) -> None:
    async def revision(providers: tuple[str, ...], settings: Settings) -> int:
        found = await notice_revision.sync_revision(
            session, providers, notice_revision.facts(settings)
        )
        await session.flush()  # as each start commits
        return found

    shorter = _settings(retention_audit_months=6)
    assert [
        await revision((), _settings()),  # a new database: nothing to ask again
        await revision((), _settings()),
        await revision((), shorter),
        await revision(("deepl",), shorter),
        await revision(("deepl",), _settings(retention_audit_months=6, backup_retention_days=7)),
    ] == [0, 0, 1, 2, 3]


@pytest.mark.parametrize("locale", SUPPORTED_LOCALES)
def test_translation_services_are_named_when_configured(locale: str) -> None:
    settings = _settings()
    with_services = notice(locale, settings, ("DeepL", "LibreTranslate"))
    paragraph = said(TRANSLATION, locale).format(services="DeepL, LibreTranslate")
    assert paragraph in with_services
    assert "DeepL" not in notice(locale, settings)
    # RTL lines never start with Latin text.
    if locale in ("ar", "fa"):
        for line in with_services.splitlines():
            first = re.search(r"[A-Za-z\u0600-\u06FF]", re.sub(r"<[^>]+>", "", line))
            assert first is None or not first.group().isascii(), line


async def test_municipality_is_stored_only_when_typed(session: AsyncSession) -> None:
    by_pool = await onboarding.choose_language(session, 5001, "nl")
    await onboarding.give_consent(session, by_pool, NOTICE_VERSION, 0)
    await onboarding.answer_quotes(session, None, by_pool, False, NOTICE_VERSION)
    twente = await session.scalar(select(Region).where(Region.code == "twente"))
    assert twente is not None
    await onboarding.choose_region(session, by_pool, twente.id, NOTICE_VERSION)
    assert (by_pool.municipality_id, by_pool.municipality_text) == (None, None)
    typed = await onboarding.choose_language(session, 5002, "nl")
    await onboarding.give_consent(session, typed, NOTICE_VERSION, 0)
    await onboarding.answer_quotes(session, None, typed, False, NOTICE_VERSION)
    onboarding.ask_municipality(typed, NOTICE_VERSION)
    await onboarding.set_municipality(session, typed, "Enschede")
    assert typed.municipality_id is not None


class RefusingMessenger:
    """Deletes one message; Telegram refuses to delete or blank the other."""

    def __init__(self, refused: int) -> None:
        self.refused = refused

    async def delete(self, chat_id: int, message_id: int) -> None:
        if message_id == self.refused:
            raise Undeliverable(Reason.REJECTED, "message can't be deleted")

    async def edit_text(self, chat_id: int, message_id: int, text: str, **_: Any) -> None:
        raise Undeliverable(Reason.REJECTED, "message can't be edited")

    async def delete_topic(self, chat_id: int, thread_id: int) -> None:
        return None


async def test_what_remains_after_delete_is_what_the_notice_says(
    session: AsyncSession, ctx: JobContext
) -> None:
    await library.import_text(session, ADMIN, PIP, utcnow())
    (member,) = await _members(session, "twente", ["ar"], 5100)
    run = await _open_run(session, ctx, "intake-pip", "twente")
    await _answer_pip(session, member, run, [("pick", "no"), ("pick", "yes"), ("type", "Amal")])
    for message_id in (11, 12):
        session.add(OutboundCopy(member_id=member.id, chat_id=-100, message_id=message_id,
                                 purpose="approval", sent_at=utcnow()))  # fmt: skip
    await session.commit()
    forgotten = await privacy.forget(
        session, RefusingMessenger(refused=12), member, SETTINGS,  # type: ignore[arg-type]
        blank_text="removed",
    )  # fmt: skip
    # Two things remain: anonymous button answers of the finished survey, and the copy
    # Telegram refused to delete (the reply says "removed 1 of 2").
    assert (forgotten.removed, forgotten.total, forgotten.kept_surveys) == (1, 2, 1)
    response = await session.scalar(select(SurveyResponse))
    assert response is not None and response.member_id is None and response.finished
    kept = set(await session.scalars(select(SurveyAnswer.question)))
    assert kept == {"had_intake", "route_fit"}  # the written answer is gone
    for locale in SUPPORTED_LOCALES:
        assert said(AFTER_DELETE, locale) in notice(locale, SETTINGS)
