"""Content written in several languages: which version a reader gets.

One rule for every such content (survey and intake texts, broadcast versions): the
reader's language, else English, else Dutch, else the first version given.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import TypeVar

FALLBACK_CHAIN = ("en", "nl")

T = TypeVar("T")


def pick(versions: Mapping[str, T], language: str) -> tuple[str, T]:
    """(language of the version, version) for a reader of `language`."""
    for code in (language, *FALLBACK_CHAIN):
        if code in versions:
            return code, versions[code]
    if not versions:
        raise ValueError("there is no version to pick")
    first = next(iter(versions))
    return first, versions[first]
