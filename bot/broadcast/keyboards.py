"""Inline keyboards of the broadcast flow, built per call in the reader's locale."""

from __future__ import annotations

from collections.abc import Collection, Iterable

from aiogram.types import InlineKeyboardMarkup
from aiogram.utils.i18n import gettext as _
from aiogram.utils.keyboard import InlineKeyboardBuilder

from bot.broadcast.callbacks import BroadcastAction as Action
from bot.broadcast.callbacks import BroadcastCallback as CB
from bot.config import SUPPORTED_LOCALES
from bot.i18n import language_name
from db.models import Region


def regions(
    items: Iterable[Region], chosen: Collection[int], everywhere: bool | None
) -> InlineKeyboardMarkup:
    """Toggles per pool; `everywhere` None: the "All pools" button is not offered."""
    builder = InlineKeyboardBuilder()
    count = 0
    for region in items:
        mark = "✅ " if region.id in chosen else ""
        builder.button(
            text=mark + region.name, callback_data=CB(action=Action.REGION, value=str(region.id))
        )
        count += 1
    rows = [2] * (count // 2) + ([1] if count % 2 else [])
    if everywhere is not None:
        builder.button(
            text=("✅ " if everywhere else "") + _("All pools"), callback_data=CB(action=Action.ALL)
        )
        rows.append(1)
    # Translators: button: next step of writing an announcement
    builder.button(text=_("Next"), callback_data=CB(action=Action.NEXT))
    # Translators: button: stop writing the announcement; nothing is sent
    builder.button(text=_("Cancel"), callback_data=CB(action=Action.CANCEL))
    builder.adjust(*rows, 2)
    return builder.as_markup()


def cancel_only() -> InlineKeyboardMarkup:
    builder = InlineKeyboardBuilder()
    # Translators: button: stop writing the announcement; nothing is sent
    builder.button(text=_("Cancel"), callback_data=CB(action=Action.CANCEL))
    return builder.as_markup()


def languages(given: Collection[str]) -> InlineKeyboardMarkup:
    builder = InlineKeyboardBuilder()
    if not given:
        builder.button(
            text=_("One version for everyone"), callback_data=CB(action=Action.LANG, value="*")
        )
    for code in SUPPORTED_LOCALES:
        if code not in given:
            builder.button(
                text=language_name(code), callback_data=CB(action=Action.LANG, value=code)
            )
    # Translators: button: stop writing the announcement; nothing is sent
    builder.button(text=_("Cancel"), callback_data=CB(action=Action.CANCEL))
    builder.adjust(*([1] if not given else []), 2)
    return builder.as_markup()


def preview(
    can_send: bool, can_add: bool, urgent: bool, drafts: bool = False
) -> InlineKeyboardMarkup:
    builder = InlineKeyboardBuilder()
    if can_send:
        builder.button(text="✅ " + _("Send"), callback_data=CB(action=Action.SEND))
    if can_add:
        builder.button(text=_("Add a language"), callback_data=CB(action=Action.MORE))
    if drafts:
        builder.button(
            text="🌐 " + _("Machine drafts for missing languages"),
            callback_data=CB(action=Action.DRAFTS),
        )
    mark = "✅ " if urgent else ""
    builder.button(
        text=mark + _("Urgent: also during quiet hours"), callback_data=CB(action=Action.URGENT)
    )
    # Translators: button: stop writing the announcement; nothing is sent
    builder.button(text=_("Cancel"), callback_data=CB(action=Action.CANCEL))
    builder.adjust(1)
    return builder.as_markup()


def machine_draft(code: str) -> InlineKeyboardMarkup:
    builder = InlineKeyboardBuilder()
    builder.button(text="✅ " + _("Accept"), callback_data=CB(action=Action.DRAFT_OK, value=code))
    builder.button(
        text="✏️ " + _("Write my own"), callback_data=CB(action=Action.DRAFT_EDIT, value=code)
    )
    builder.button(text="🗑 " + _("Drop"), callback_data=CB(action=Action.DRAFT_DROP, value=code))
    builder.adjust(3)
    return builder.as_markup()


def send_anyway() -> InlineKeyboardMarkup:
    builder = InlineKeyboardBuilder()
    builder.button(text=_("Send anyway"), callback_data=CB(action=Action.SEND_ANYWAY))
    builder.button(text=_("Back"), callback_data=CB(action=Action.BACK))
    builder.adjust(1)
    return builder.as_markup()


def stop_buttons(broadcast_ids: Iterable[int]) -> InlineKeyboardMarkup | None:
    builder = InlineKeyboardBuilder()
    for broadcast_id in broadcast_ids:
        builder.button(
            text=_("Cancel #{number}").format(number=broadcast_id),
            callback_data=CB(action=Action.STOP, value=str(broadcast_id)),
        )
    builder.adjust(1)
    markup = builder.as_markup()
    return markup if markup.inline_keyboard else None
