"""Callback data of the /broadcast and /broadcasts buttons (ids only, well under 64 bytes)."""

from __future__ import annotations

from aiogram.filters.callback_data import CallbackData


class BroadcastCallback(CallbackData, prefix="bc"):
    """action: region (value: region id), all, next, lang (value: code or *), more,
    urgent, send, cancel (the draft), stop (value: broadcast id)."""

    action: str
    value: str = ""
