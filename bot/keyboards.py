"""Keyboards, inside the user's locale context. The ones every newcomer or member sees on
the hot path (language picker, consent, quotes, main menu) are built once per locale and
arguments and then reused: markups are frozen pydantic models; never change one in place."""

from __future__ import annotations

from functools import cache, lru_cache

from aiogram.types import (
    CallbackQuery,
    InlineKeyboardButton,
    InlineKeyboardMarkup,
    Message,
    ReplyKeyboardMarkup,
    ReplyKeyboardRemove,
)
from aiogram.utils.i18n import get_i18n
from aiogram.utils.i18n import gettext as _
from aiogram.utils.keyboard import InlineKeyboardBuilder, ReplyKeyboardBuilder

from bot.callbacks import (
    ApprovalCallback,
    ConsentCallback,
    LanguageCallback,
    PrivacyAction,
    PrivacyCallback,
    QuotesCallback,
    RegionCallback,
)
from bot.i18n import language_name, picker_order, resolve_locale
from bot.texts import menu_labels
from db.models import Member, MemberStatus, Region


def _locale() -> str:
    return get_i18n().current_locale


def language_picker(telegram_code: str | None) -> InlineKeyboardMarkup:
    """Every language in its own name, the person's Telegram language (if we have it) first."""
    return _language_picker(resolve_locale(None, telegram_code, ""))


@cache
def _language_picker(first: str) -> InlineKeyboardMarkup:
    builder = InlineKeyboardBuilder()
    for code in picker_order(first or None):
        builder.button(text=language_name(code), callback_data=LanguageCallback(code=code))
    builder.adjust(2)
    return builder.as_markup()


def consent(version: int, step: int) -> InlineKeyboardMarkup:
    return _consent(_locale(), version, step)


@lru_cache(maxsize=256)
def _consent(locale: str, version: int, step: int) -> InlineKeyboardMarkup:
    agree = ConsentCallback(version=version, agree=True, step=step).pack()
    refuse = ConsentCallback(version=version, agree=False, step=step).pack()
    return InlineKeyboardMarkup(
        inline_keyboard=[
            [InlineKeyboardButton(text="✅ " + _("I agree"), callback_data=agree)],
            [InlineKeyboardButton(text=_("Not now"), callback_data=refuse)],
        ]
    )


def quotes(version: int) -> InlineKeyboardMarkup:
    return _quotes(_locale(), version)


@lru_cache(maxsize=64)
def _quotes(locale: str, version: int) -> InlineKeyboardMarkup:
    allow = QuotesCallback(version=version, allow=True).pack()
    deny = QuotesCallback(version=version, allow=False).pack()
    return InlineKeyboardMarkup(
        inline_keyboard=[
            [
                InlineKeyboardButton(text=_("Yes"), callback_data=allow),
                InlineKeyboardButton(text=_("No"), callback_data=deny),
            ]
        ]
    )


def regions(
    items: list[Region], move: bool = False, other: bool = True, version: int = 0
) -> InlineKeyboardMarkup:
    """Two regions a row. Built once per list, language and version (every newcomer sees it)."""
    names = tuple((region.id, region.name) for region in items)
    return _regions(names, move, other, version, _locale())


def region_picker(names: tuple[tuple[int, str], ...], version: int = 0) -> InlineKeyboardMarkup:
    """The newcomer's picker (as `regions`) from the regions' (id, name) pairs."""
    return _regions(names, False, True, version, _locale())


@lru_cache(maxsize=64)
def _regions(
    names: tuple[tuple[int, str], ...], move: bool, other: bool, version: int, locale: str
) -> InlineKeyboardMarkup:
    buttons = [
        InlineKeyboardButton(
            text=name, callback_data=RegionCallback(region_id=id_, move=move, v=version).pack()
        )
        for id_, name in names
    ]
    if other:
        buttons.append(
            InlineKeyboardButton(
                text=_("I don't know / other"),
                callback_data=RegionCallback(region_id=0, move=move, v=version).pack(),
            )
        )
    return InlineKeyboardMarkup(
        inline_keyboard=[buttons[i : i + 2] for i in range(0, len(buttons), 2)]
    )


def main_menu() -> ReplyKeyboardMarkup:
    return _main_menu(_locale())


@lru_cache(maxsize=32)
def _main_menu(locale: str) -> ReplyKeyboardMarkup:
    labels = menu_labels()
    builder = ReplyKeyboardBuilder()
    builder.button(text=labels["ask"])
    builder.button(text=labels["faq"])
    builder.button(text=labels["surveys"])
    builder.button(text=labels["pool"])
    builder.button(text=labels["language"])
    builder.button(text=labels["privacy"])
    builder.adjust(2, 2, 2)
    return builder.as_markup(resize_keyboard=True, is_persistent=True)


def privacy_menu(member: Member | None, version: int = 0) -> InlineKeyboardMarkup:
    """Show/delete data, pause/resume, and (with consent to notice `version`) the quote choice."""
    builder = InlineKeyboardBuilder()
    builder.button(
        text=_("Show my data"), callback_data=PrivacyCallback(action=PrivacyAction.MY_DATA)
    )
    builder.button(
        text=_("Delete my data"), callback_data=PrivacyCallback(action=PrivacyAction.DELETE)
    )
    if member is not None and member.status == MemberStatus.ACTIVE:
        builder.button(
            text=_("Pause messages"), callback_data=PrivacyCallback(action=PrivacyAction.PAUSE)
        )
    elif member is not None and member.status == MemberStatus.PAUSED:
        builder.button(
            text=_("Resume messages"), callback_data=PrivacyCallback(action=PrivacyAction.RESUME)
        )
    toggle = quotes_toggle(member, version) if member is not None else None
    if toggle is not None:
        builder.attach(InlineKeyboardBuilder.from_markup(toggle))
    builder.adjust(1)
    return builder.as_markup()


def quotes_toggle(member: Member, version: int) -> InlineKeyboardMarkup | None:
    """One button that changes the member's quote consent; None without current consent."""
    if member.consent_version != version:
        return None
    allowed = member.quote_consent_version is not None
    builder = InlineKeyboardBuilder()
    builder.button(
        text=_("Stop quotes of my answers") if allowed else _("Allow quotes of my answers"),
        callback_data=QuotesCallback(version=version, allow=not allowed),
    )
    return builder.as_markup()


def confirm_delete() -> InlineKeyboardMarkup:
    builder = InlineKeyboardBuilder()
    builder.button(
        text=_("Yes, delete everything"),
        callback_data=PrivacyCallback(action=PrivacyAction.DELETE_YES),
    )
    builder.button(
        text=_("No, keep my data"), callback_data=PrivacyCallback(action=PrivacyAction.DELETE_NO)
    )
    builder.adjust(1)
    return builder.as_markup()


def approval(member_id: int) -> InlineKeyboardMarkup:
    builder = InlineKeyboardBuilder()
    builder.button(
        text="✅ " + _("Approve"), callback_data=ApprovalCallback(member_id=member_id, approve=True)
    )
    builder.button(
        text=_("Decline"), callback_data=ApprovalCallback(member_id=member_id, approve=False)
    )
    builder.adjust(2)
    return builder.as_markup()


def remove_keyboard() -> ReplyKeyboardRemove:
    return ReplyKeyboardRemove()


async def drop_buttons(query: CallbackQuery) -> None:
    """Remove the inline keyboard of the pressed message (if it still has one)."""
    if isinstance(query.message, Message) and query.message.reply_markup is not None:
        await query.message.edit_reply_markup(reply_markup=None)
