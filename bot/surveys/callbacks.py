"""Callback data of the survey and intake buttons (ids only, well under 64 bytes).

They live with the feature rather than in bot/callbacks.py so the survey package is
self-contained; every press is re-checked against the stored response (or intake step).
"""

from __future__ import annotations

from aiogram.filters.callback_data import CallbackData

PICK, TOGGLE, DONE, SKIP, BACK = "p", "t", "d", "s", "b"


class SurveyAnswerCallback(CallbackData, prefix="sv"):
    """A button of question `q` (ids ≤ 20 characters) of run `run`; action as above."""

    run: int
    q: str
    a: str
    o: str = ""


class IntakeAnswerCallback(CallbackData, prefix="intake"):
    """A button of intake question `q`: like a survey's, without a run (one intake each)."""

    q: str
    a: str
    o: str = ""


class SurveyStartCallback(CallbackData, prefix="svs"):
    """Start or resume run `run` (from /surveys)."""

    run: int
