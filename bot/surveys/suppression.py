"""The small-group rule: nothing shown about fewer than 5 people can single one of them out.

One rule for every place that shows survey data per group: the chat report (counts under 5
show as "<5"), the totals CSV and the per-response CSV of anonymous surveys. For the rows:

- a row whose group (region × language) has at least MIN_GROUP respondents is exported whole;
- the other rows lose their language; those whose region still has MIN_GROUP such rows keep
  the region (and their run, which names the region);
- the rest lose region, language and run, and are exported only if at least MIN_GROUP of
  them remain; otherwise they are withheld;
- free-text answers stay only in whole rows (a text's language would undo the coarsening).
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable, Hashable, Sequence
from dataclasses import dataclass, field
from typing import Generic, TypeVar

from babel.numbers import format_decimal, format_percent

MIN_GROUP = 5
SMALL_LABEL = "<5"  # what any count of 1 to 4 shows as (in Telegram HTML: "&lt;5")

T = TypeVar("T")


def is_small(count: int) -> bool:
    """A count that could point to people: more than none, fewer than MIN_GROUP."""
    return 0 < count < MIN_GROUP


def shown_count(value: int, locale: str) -> str:
    """A count as anything prints it: "<5" for 1 to 4, else the number in `locale`."""
    return SMALL_LABEL if is_small(value) else format_decimal(value, locale=locale)


def shown_share(part: int, total: int, locale: str) -> str:
    """ "42%" of `total`, or "" when the part is a small group (or there is no total)."""
    if not total or is_small(part):
        return ""
    return format_percent(part / total, locale=locale)


class Level:
    WHOLE = "whole"  # region and language shown, free text kept
    REGION = "region"  # language dropped
    NONE = "none"  # region, language and run dropped


@dataclass
class Protected(Generic[T]):
    """Rows with how much of each may be shown, in the input order; `withheld` are left out."""

    rows: list[tuple[T, str]] = field(default_factory=list)
    withheld: int = 0

    def count(self, level: str) -> int:
        return sum(1 for _row, at in self.rows if at == level)

    @property
    def coarsened(self) -> int:
        return len(self.rows) - self.count(Level.WHOLE)


def protect(
    rows: Sequence[T], region: Callable[[T], Hashable], language: Callable[[T], Hashable]
) -> Protected[T]:
    groups = Counter((region(r), language(r)) for r in rows)
    level = {
        id(r): Level.WHOLE if not is_small(groups[(region(r), language(r))]) else "" for r in rows
    }
    rest = [r for r in rows if not level[id(r)]]
    regions = Counter(region(r) for r in rest)
    for r in rest:
        level[id(r)] = Level.REGION if not is_small(regions[region(r)]) else ""
    pooled = [r for r in rest if not level[id(r)]]
    keep_pooled = not is_small(len(pooled))
    result: Protected[T] = Protected()
    for r in rows:
        if level[id(r)]:
            result.rows.append((r, level[id(r)]))
        elif keep_pooled:
            result.rows.append((r, Level.NONE))
        else:
            result.withheld += 1
    return result
