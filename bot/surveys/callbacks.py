"""Callback data of the survey and intake buttons (ids only, well under 64 bytes).

They live with the feature rather than in bot/callbacks.py so the survey package is
self-contained; every press is re-checked against the stored response (or intake step).
"""

from __future__ import annotations

from enum import StrEnum

from aiogram.filters.callback_data import CallbackData

from bot.numbers import Id, IdOrZero


class SurveyAction(StrEnum):
    """What an answer button does; one letter each, as callback data has 64 bytes."""

    PICK = "p"  # choose this option (single choice, yes/no, scale)
    TOGGLE = "t"  # add or remove this option (multiple choice)
    DONE = "d"  # multiple choice finished
    SKIP = "s"
    BACK = "b"


# Short names for the keyboards and handlers.
PICK, TOGGLE, DONE, SKIP, BACK = (
    SurveyAction.PICK, SurveyAction.TOGGLE, SurveyAction.DONE, SurveyAction.SKIP,
    SurveyAction.BACK,
)  # fmt: skip


class SurveyAnswerCallback(CallbackData, prefix="sv"):
    """Button `a` (with option `o`) of question `q` (ids ≤ 20 characters) of run `run`."""

    run: Id
    q: str
    a: SurveyAction
    o: str = ""


class IntakeAnswerCallback(CallbackData, prefix="intake"):
    """A button of intake question `q`: like a survey's, without a run (one intake each)."""

    q: str
    a: str
    o: str = ""


class SurveyStartCallback(CallbackData, prefix="svs"):
    """Start or resume run `run` (from /surveys)."""

    run: Id


class SurveyAdminAction(StrEnum):
    """The coordinators' survey buttons under /admin → Surveys."""

    LIST = "l"  # the list of surveys
    OPEN = "o"  # one survey's card
    SCHEDULE = "s"  # choose a region
    REGION = "r"  # a region chosen: choose a time
    TIME = "t"  # a time chosen: plan it
    RESULTS = "v"
    EXPORT = "e"
    IMPORT = "i"  # wait for a survey file


class SurveyTime(StrEnum):
    """Ready-made moments for a survey planned by buttons (local time, TIMEZONE)."""

    NONE = ""
    NOW = "now"
    TOMORROW = "tom"  # tomorrow at 10:00
    MONDAY = "mon"  # next Monday at 10:00


class SurveyAdminCallback(CallbackData, prefix="sva"):
    """Survey `survey` (0: none yet), region `region` (0: every region), moment `at`."""

    a: SurveyAdminAction
    survey: IdOrZero = 0
    region: IdOrZero = 0
    at: SurveyTime = SurveyTime.NONE
