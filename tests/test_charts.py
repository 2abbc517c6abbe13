"""Charts of survey results: the small-group rule at its boundary, and labels in Arabic script
and Ethiopic drawn without a missing glyph (pytest turns matplotlib's warning into an error)."""

from __future__ import annotations

import warnings

import pytest

from bot.reports import fonts
from bot.reports.charts import (
    Bar,
    Series,
    bar_chart,
    drawn,
    grouped_chart,
    is_rtl,
    shown_count,
    visible_series,
)

PNG = b"\x89PNG\r\n\x1a\n"


@pytest.mark.parametrize(
    ("count", "bar", "label"), [(4, 0, "<5"), (5, 5, "5 · 25%"), (6, 6, "6 · 30%")]
)
def test_small_groups_get_no_bar_and_no_number(count: int, bar: int, label: str) -> None:
    assert drawn(count) == bar
    assert shown_count(count, 20, "en") == label


def test_zero_is_not_a_small_group() -> None:
    assert drawn(0) == 0
    assert shown_count(0, 20, "en") == "0 · 0%"


@pytest.mark.parametrize(("respondents", "shown"), [(4, False), (5, True), (6, True)])
def test_a_group_under_five_is_left_out_of_a_breakdown(respondents: int, shown: bool) -> None:
    group = Series("Twente", [respondents, 0], respondents)
    assert (visible_series([group]) == [group]) is shown


def test_no_chart_when_every_group_is_small() -> None:
    assert grouped_chart("Q", "by region", ["Yes", "No"], [Series("A", [3, 1], 4)], "en") is None


def test_arabic_and_tigrinya_labels_render_without_missing_glyphs() -> None:
    try:
        fonts.font_files()
    except fonts.FontsMissing as missing:
        pytest.fail(str(missing))  # .ci/run installs them; so should a developer
    with warnings.catch_warnings():
        warnings.simplefilter("error")  # "Glyph … missing from font(s)" would fail here
        png = bar_chart(
            "هل تعرف أين تجد المساعدة؟",
            "ጽቡቕ ዶ ኣሎ? · 12",
            [Bar("نعم، أعرف ذلك جيدا", 7), Bar("ኣይፈልጥን እየ", 3), Bar("Weet ik niet", 12)],
            22,
            "ar",
            footnote="<5",
        )
        grouped = grouped_chart(
            "ጽቡቕ ዶ ኣሎ?",
            "per taal",
            ["نعم", "ኣይፈልጥን"],
            [
                Series("العربية", [5, 6], 11),
                Series("ትግርኛ", [7, 2], 9),
                Series("Українська", [1, 1], 2),
            ],
            "nl",
        )
    assert png.startswith(PNG) and grouped is not None and grouped.startswith(PNG)


def test_visual_order_for_renderers_without_shaping() -> None:
    # Joined letter forms (presentation forms) in display order; other scripts untouched.
    shown = fonts.visual("سلام")
    assert shown != "سلام" and all(0xFB50 <= ord(c) <= 0xFEFF for c in shown)
    assert fonts.visual("ትግርኛ") == "ትግርኛ"


@pytest.mark.parametrize(
    ("locale", "mirrored"), [("ar", True), ("fa", True), ("nl", False), ("ti", False)]
)
def test_right_to_left_readers_get_a_mirrored_chart(locale: str, mirrored: bool) -> None:
    assert is_rtl(locale) is mirrored
