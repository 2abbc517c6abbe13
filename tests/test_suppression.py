"""The small-group rule on rows: whole, without language, without region, or withheld."""

from __future__ import annotations

from bot.surveys.suppression import Level, is_small, protect


def _levels(rows: list[tuple[str, str]]) -> tuple[dict[tuple[str, str], set[str]], int]:
    protected = protect(rows, lambda r: r[0], lambda r: r[1])
    seen: dict[tuple[str, str], set[str]] = {}
    for row, level in protected.rows:
        seen.setdefault(row, set()).add(level)
    return seen, protected.withheld


def test_small_counts() -> None:
    assert [is_small(n) for n in (0, 1, 4, 5, 9)] == [False, True, True, False, False]


def test_groups_are_kept_coarsened_or_withheld() -> None:
    rows = (
        [("twente", "ar")] * 5  # a group of 5: whole
        + [("twente", "uk")] * 3
        + [("twente", "nl")] * 2  # 5 in Twente without language
        + [("zwolle", "so")] * 2
        + [("alkmaar", "ti")] * 3  # 5 without region and language
    )
    seen, withheld = _levels(rows)
    assert withheld == 0
    assert seen[("twente", "ar")] == {Level.WHOLE}
    assert seen[("twente", "uk")] == seen[("twente", "nl")] == {Level.REGION}
    assert seen[("zwolle", "so")] == seen[("alkmaar", "ti")] == {Level.NONE}


def test_a_lone_respondent_is_withheld() -> None:
    seen, withheld = _levels([("friesland", "so")])
    assert (seen, withheld) == ({}, 1)
    seen, withheld = _levels([("twente", "ar")] * 5 + [("friesland", "so")] * 4)
    assert (seen, withheld) == ({("twente", "ar"): {Level.WHOLE}}, 4)
