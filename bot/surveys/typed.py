"""Typed answers: free text within its length, whole numbers within their bounds.

Digits in any script count (Arabic-Indic ٣, Persian ۳, …), as do spaces and a leading minus.
"""

from __future__ import annotations

import unicodedata

from bot.surveys.definition import SurveyQuestion
from bot.surveys.errors import EMPTY, NOT_A_NUMBER, OUT_OF_RANGE, TOO_LONG, Rejected

MINUS = ("-", "−", "‐", "–")


def parse_number(text: str) -> int | None:
    cleaned = "".join(ch for ch in text.strip() if not ch.isspace() and ch not in "\u200e\u200f")
    negative = cleaned.startswith(MINUS)
    digits = cleaned[1:] if negative else cleaned
    if not digits or len(digits) > 12 or not all(ch.isdigit() for ch in digits):
        return None
    value = int("".join(str(unicodedata.digit(ch)) for ch in digits))
    return -value if negative else value


def parse_typed(question: SurveyQuestion, text: str) -> str | int:
    if question.kind == "number":
        value = parse_number(text)
        if value is None:
            raise Rejected(NOT_A_NUMBER, low=question.low, high=question.high)
        if not question.low <= value <= question.high:
            raise Rejected(OUT_OF_RANGE, low=question.low, high=question.high)
        return value
    answer = text.strip()
    if not answer:
        raise Rejected(EMPTY)
    if len(answer) > question.max_length:
        raise Rejected(TOO_LONG, limit=question.max_length)
    return answer
