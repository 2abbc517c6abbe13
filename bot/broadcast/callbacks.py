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
    CANCEL = "cancel"  # the draft
    STOP = "stop"  # value: broadcast id


class BroadcastCallback(CallbackData, prefix="bc"):
    action: BroadcastAction
    value: str = ""
