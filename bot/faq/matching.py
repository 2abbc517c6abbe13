"""Which FAQ entries may answer what a member typed: rapidfuzz's token-set ratio between the
text and each entry's question (in the member's language), the best few above a cutoff.

The cutoff and scorer were chosen on the labelled set in tests/faq_dataset.py (bench/faq.py
reports hit@1, hit@3 and latency); unrelated questions score below it there.
"""

from __future__ import annotations

from rapidfuzz import fuzz, process, utils

CUTOFF = 55.0  # 0-100
QUERY_LIMIT = 500  # characters of the member's text that are compared
LIMIT = 3


def best(query: str, choices: dict[int, str], limit: int = LIMIT) -> list[int]:
    """Ids of the `limit` choices that match `query` best (best first), above CUTOFF."""
    if not query.strip() or not choices:
        return []
    found = process.extract(
        query[:QUERY_LIMIT], choices, scorer=fuzz.token_set_ratio,
        processor=utils.default_process, limit=limit, score_cutoff=CUTOFF,
    )  # fmt: skip
    return [key for _choice, _score, key in found]
