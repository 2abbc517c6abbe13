"""Callback data of the /broadcast and /broadcasts buttons (ids only, well under 64 bytes)."""

from __future__ import annotations

from enum import StrEnum

from aiogram.filters.callback_data import CallbackData


class BroadcastAction(StrEnum):
    REGION = "region"  # value: region id
    ALL = "all"
    NEXT = "next"
    LANG = "lang"  # value: language code, or * for one version for everyone
    MORE = "more"
    URGENT = "urgent"
    SEND = "send"
    SEND_ANYWAY = "sendany"  # unreviewed machine drafts confirmed
    BACK = "back"  # from that confirmation to the preview
    DRAFTS = "drafts"  # machine drafts for the missing languages
    DRAFT_OK = "dok"  # value: language code of a machine draft
    DRAFT_EDIT = "dedit"
    DRAFT_DROP = "ddrop"
    CANCEL = "cancel"  # the draft
    STOP = "stop"  # value: broadcast id


class BroadcastCallback(CallbackData, prefix="bc"):
    action: BroadcastAction
    value: str = ""
