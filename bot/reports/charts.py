"""Charts of survey results as PNG: horizontal bars, one chart per question, and grouped bars
for breakdowns by region or language.

The small-group rule holds in the picture as in the text (bot/surveys/suppression.py,
`is_small`): a count under 5 gets no bar and shows as "<5", and a group (a region or a
language) with fewer than 5 respondents is left out of a breakdown altogether. The caller
passes texts already in the reader's language; fonts are chosen in bot/reports/fonts.py
(matplotlib 3.11 shapes Arabic script and orders right-to-left text itself, with libraqm). Drawing is synchronous and CPU-bound (about 0.1 s a chart): call it
through `render()` from async code, which runs it in a thread, one chart at a time.
"""

from __future__ import annotations

import asyncio
import io
import textwrap
import threading
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from functools import cache
from typing import Any, TypeVar

from bot.reports import fonts
from bot.surveys import suppression
from bot.surveys.suppression import is_small

BAR_COLOUR = "#2f6db5"
SERIES_COLOURS = ("#2f6db5", "#e08a1e", "#3a9b5c", "#b0413e", "#7a5aa6", "#5b8e99", "#a7a23a")
WIDTH_IN = 8.0
DPI = 110
LABEL_WIDTH = 32  # characters per line of an option's label
TITLE_WIDTH = 64

_lock = threading.Lock()
T = TypeVar("T")


@dataclass(frozen=True)
class Bar:
    label: str
    count: int


@dataclass(frozen=True)
class Series:
    """One group of a breakdown (a region, a language): a count per category, and how many
    respondents the group has (a group under 5 is not drawn)."""

    name: str
    counts: Sequence[int]
    respondents: int


def shown_count(count: int, total: int, locale: str) -> str:
    """ "12 · 40%", or "<5" for a small group (no count, no share)."""
    number = suppression.shown_count(count, locale)
    share = suppression.shown_share(count, total, locale)
    return f"{number} · {share}" if share else number


def drawn(count: int) -> int:
    """The length of a count's bar: none for a small group."""
    return 0 if is_small(count) else count


def visible_series(series: Sequence[Series]) -> list[Series]:
    """The groups a breakdown may show: those with at least 5 respondents."""
    return [s for s in series if s.respondents and not is_small(s.respondents)]


def _lines(text: str, width: int) -> str:
    lines = textwrap.wrap(text, width=width) or [""]
    return "\n".join(lines)


@cache
def _setup() -> None:
    from matplotlib import font_manager

    for path in fonts.font_files().values():
        font_manager.fontManager.addfont(str(path))


def is_rtl(locale: str) -> bool:
    """Arabic, Farsi/Dari: the chart is mirrored (labels right, bars growing leftwards)."""
    from babel import Locale

    try:
        return Locale.parse(locale.replace("-", "_")).character_order == "right-to-left"
    except (ValueError, LookupError):
        return False


def _figure(rows: int, rtl: bool) -> tuple[Any, Any]:
    from matplotlib.figure import Figure

    _setup()
    figure = Figure(figsize=(WIDTH_IN, 1.6 + 0.42 * max(rows, 1)), dpi=DPI)
    axes = figure.add_axes((0.08, 0.12, 0.56, 0.68) if rtl else (0.36, 0.12, 0.56, 0.68))
    for side in ("top", "left" if rtl else "right", "bottom"):
        axes.spines[side].set_visible(False)
    axes.set_xticks([])
    if rtl:
        axes.yaxis.tick_right()
    return figure, axes


def _mirror(axes: Any, limit: float, rtl: bool) -> None:
    axes.set_xlim(0, limit)
    if rtl:
        axes.invert_xaxis()


def _title(figure: Any, title: str, subtitle: str, footnote: str | None, rtl: bool) -> None:
    family = fonts.families()
    x, align = (0.97, "right") if rtl else (0.03, "left")
    figure.text(x, 0.97, _lines(title, TITLE_WIDTH), ha=align, va="top",
                fontsize=12, fontweight="bold", family=family)  # fmt: skip
    figure.text(x, 0.86, _lines(subtitle, TITLE_WIDTH + 20), ha=align, va="top",
                fontsize=9, color="#444444", family=family)  # fmt: skip
    if footnote:
        figure.text(x, 0.02, _lines(footnote, TITLE_WIDTH + 30), ha=align, va="bottom",
                    fontsize=8, color="#666666", family=family)  # fmt: skip


def _png(figure: Any) -> bytes:
    from matplotlib.backends.backend_agg import FigureCanvasAgg

    FigureCanvasAgg(figure)
    buffer = io.BytesIO()
    figure.savefig(buffer, format="png", metadata={"Software": None})
    return buffer.getvalue()


def bar_chart(
    title: str,
    subtitle: str,
    bars: Sequence[Bar],
    total: int,
    locale: str,
    footnote: str | None = None,
) -> bytes:
    """Horizontal bars, first bar on top; `total` is what shares are taken of."""
    rtl = is_rtl(locale)
    with _lock:
        figure, axes = _figure(len(bars), rtl)
        family = fonts.families()
        positions = list(range(len(bars)))
        axes.barh(positions, [drawn(b.count) for b in bars], color=BAR_COLOUR, height=0.6)
        axes.set_yticks(positions, labels=[_lines(b.label, LABEL_WIDTH) for b in bars],
                        family=family, fontsize=9)  # fmt: skip
        axes.invert_yaxis()
        longest = max([drawn(b.count) for b in bars] + [1])
        _mirror(axes, longest * 1.3, rtl)
        for position, item in zip(positions, bars, strict=True):
            axes.text(drawn(item.count) + longest * 0.02, position,
                      shown_count(item.count, total, locale), va="center", fontsize=9,
                      family=family, ha="right" if rtl else "left")  # fmt: skip
        _title(figure, title, subtitle, footnote, rtl)
        return _png(figure)


def grouped_chart(
    title: str,
    subtitle: str,
    categories: Sequence[str],
    series: Sequence[Series],
    locale: str,
    footnote: str | None = None,
) -> bytes | None:
    """Grouped horizontal bars: per category, one bar per group with at least 5 respondents
    (shares of that group's respondents). None when no group may be shown."""
    shown = visible_series(series)
    if not shown:
        return None
    rtl = is_rtl(locale)
    with _lock:
        rows = len(categories) * max(1, len(shown)) // 2 + len(categories)
        figure, axes = _figure(rows, rtl)
        family = fonts.families()
        height = 0.8 / len(shown)
        longest = max([drawn(c) for s in shown for c in s.counts] + [1])
        for index, group in enumerate(shown):
            offsets = [c + (index - (len(shown) - 1) / 2) * height for c in range(len(categories))]
            axes.barh(offsets, [drawn(c) for c in group.counts], height=height * 0.9,
                      color=SERIES_COLOURS[index % len(SERIES_COLOURS)],
                      label=group.name)  # fmt: skip
            for offset, count in zip(offsets, group.counts, strict=True):
                axes.text(drawn(count) + longest * 0.02, offset,
                          shown_count(count, group.respondents, locale), va="center",
                          fontsize=7, family=family, ha="right" if rtl else "left")  # fmt: skip
        axes.set_yticks(range(len(categories)),
                        labels=[_lines(c, LABEL_WIDTH) for c in categories],
                        family=family, fontsize=9)  # fmt: skip
        axes.invert_yaxis()
        _mirror(axes, longest * 1.35, rtl)
        axes.legend(loc="lower left" if rtl else "lower right", fontsize=8,
                    prop={"family": family, "size": 8}, frameon=False)  # fmt: skip
        _title(figure, title, subtitle, footnote, rtl)
        return _png(figure)


async def render(draw: Callable[..., T], *args: Any, **kwargs: Any) -> T:
    """Run a drawing function off the event loop (charts take about a tenth of a second)."""
    return await asyncio.to_thread(draw, *args, **kwargs)
