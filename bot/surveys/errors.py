"""What can go wrong while answering; handlers turn each into a polite reply."""

from __future__ import annotations

from typing import Any


class SurveyError(Exception):
    """Base of the outcomes a handler turns into a polite reply."""


class NotFound(SurveyError):
    """No such run for this member (wrong region, forged data, not a member)."""


class Closed(SurveyError):
    pass


class AlreadyFinished(SurveyError):
    pass


class Stale(SurveyError):
    """A button of a question that is no longer the current one."""


class Rejected(SurveyError):
    """The answer does not fit the question: `reason` is one of the keys below."""

    def __init__(self, reason: str, **params: Any) -> None:
        super().__init__(reason)
        self.reason = reason
        self.params = params


REQUIRED, TOO_MANY, NOT_A_NUMBER, OUT_OF_RANGE, TOO_LONG, EMPTY = (
    "required", "too_many", "not_a_number", "out_of_range", "too_long", "empty",
)  # fmt: skip
