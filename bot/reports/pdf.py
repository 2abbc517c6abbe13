"""The survey report for the municipality as a PDF (reportlab platypus).

Fonts are the Noto faces of bot/reports/fonts.py, registered as TrueType fonts, so the PDF
embeds (subsets of) every font it uses. Reportlab does not shape text: every run of a
paragraph is set in the face of its script (`face_for`), and Arabic-script runs go through
`visual()` (letters joined, right-to-left order) first. Rendering is synchronous and
CPU-bound (charts included): call `build` through charts.render from async code.
"""

from __future__ import annotations

import io
import re
from functools import cache
from xml.sax.saxutils import escape

from aiogram.utils.i18n import gettext as _
from reportlab.lib import colors
from reportlab.lib.enums import TA_RIGHT
from reportlab.lib.pagesizes import A4
from reportlab.lib.styles import ParagraphStyle
from reportlab.lib.units import cm
from reportlab.pdfbase import pdfmetrics
from reportlab.pdfbase.ttfonts import TTFont
from reportlab.platypus import (
    Image,
    KeepTogether,
    PageBreak,
    Paragraph,
    SimpleDocTemplate,
    Spacer,
    Table,
    TableStyle,
)

from bot.reports import fonts
from bot.reports.charts import grouped_chart
from bot.reports.survey_charts import question_chart
from bot.reports.survey_report import ReportData, Section

WIDTH = A4[0] - 4 * cm
BASE = fonts.FACES[0].family


def _font_name(family: str, bold: bool) -> str:
    return family.replace(" ", "") + ("-Bold" if bold else "")


@cache
def register() -> None:
    """Register every Noto face (regular and bold) with reportlab, once."""
    for (family, bold), path in fonts.font_files().items():
        pdfmetrics.registerFont(TTFont(_font_name(family, bold), str(path)))
    for face in fonts.FACES:
        pdfmetrics.registerFontFamily(
            _font_name(face.family, False),
            normal=_font_name(face.family, False),
            bold=_font_name(face.family, True),
            italic=_font_name(face.family, False),
            boldItalic=_font_name(face.family, True),
        )


_WORD = re.compile(r"\S+|\s+")


def _runs(text: str) -> str:
    """Markup for text already in display order: escaped, each run in its script's face."""
    parts: list[tuple[str, str]] = []
    for word in _WORD.findall(text):
        face = fonts.face_for(word) if word.strip() else (parts[-1][0] if parts else BASE)
        if parts and parts[-1][0] == face:
            parts[-1] = (face, parts[-1][1] + word)
        else:
            parts.append((face, word))
    return "".join(
        escape(chunk) if face == BASE else f'<font face="{_font_name(face, False)}">{escape(chunk)}</font>'
        for face, chunk in parts
    )  # fmt: skip


def _logical_lines(text: str, width: float, size: float) -> list[str]:
    """`text` broken into lines that fit `width` (measured in the Arabic face), in reading order."""
    font = _font_name(fonts.FACES[1].family, False)
    lines: list[str] = []
    for paragraph in text.splitlines() or [""]:
        line = ""
        for word in paragraph.split():
            longer = f"{line} {word}" if line else word
            if line and pdfmetrics.stringWidth(longer, font, size) > width:
                lines.append(line)
                line = word
            else:
                line = longer
        lines.append(line)
    return lines


def markup(text: str, width: float = 0, size: float = 10) -> str:
    """`text` as paragraph markup. Right-to-left text is broken into lines first (in reading
    order, when `width` is given), then each line put in display order: reportlab would
    otherwise wrap a reversed paragraph from its end."""
    if not fonts.is_rtl(text):
        return _runs(text)
    lines = _logical_lines(text, width, size) if width else [text]
    return "<br/>".join(_runs(fonts.visual(line)) for line in lines)


def _styles() -> dict[str, ParagraphStyle]:
    body = ParagraphStyle("body", fontName=_font_name(BASE, False), fontSize=10, leading=14)
    return {
        "body": body,
        "small": ParagraphStyle("small", parent=body, fontSize=8.5, leading=11,
                                textColor=colors.HexColor("#555555")),
        "title": ParagraphStyle("title", parent=body, fontName=_font_name(BASE, True),
                                fontSize=22, leading=28, spaceAfter=12),
        "h1": ParagraphStyle("h1", parent=body, fontName=_font_name(BASE, True), fontSize=14,
                             leading=18, spaceBefore=10, spaceAfter=6),
        "h2": ParagraphStyle("h2", parent=body, fontName=_font_name(BASE, True), fontSize=11,
                             leading=15, spaceBefore=6, spaceAfter=4),
        "quote": ParagraphStyle("quote", parent=body, leftIndent=12, textColor=colors.HexColor("#333333")),
        "quote_rtl": ParagraphStyle("quote_rtl", parent=body, rightIndent=12, alignment=TA_RIGHT),
    }  # fmt: skip


def _starts_rtl(text: str) -> bool:
    """The paragraph's direction: that of its first letter."""
    first = next((c for c in text if c.isalpha()), "")
    return fonts.is_rtl(first)


def _p(text: str, style: ParagraphStyle, width: float = WIDTH) -> Paragraph:
    """A paragraph of `text`, right-aligned when it starts in a right-to-left script."""
    if _starts_rtl(text) and style.alignment != TA_RIGHT:
        style = ParagraphStyle(f"{style.name}_rtl", parent=style, alignment=TA_RIGHT)
    usable = (width - style.leftIndent - style.rightIndent) * 0.97
    return Paragraph(markup(text, usable, style.fontSize), style)


def _table(header: list[str], rows: list[list[str]], styles: dict[str, ParagraphStyle]) -> Table:
    first = WIDTH * (0.6 if len(header) == 3 else 0.5)
    rest = (WIDTH - first) / max(len(header) - 1, 1)
    cells = [[_p(h, styles["h2"], first if i == 0 else rest) for i, h in enumerate(header)]] + [
        [_p(c, styles["body"], first if i == 0 else rest) for i, c in enumerate(row)]
        for row in rows
    ]
    table = Table(cells, colWidths=[first] + [rest] * (len(header) - 1), repeatRows=1)
    table.setStyle(TableStyle([
        ("LINEBELOW", (0, 0), (-1, 0), 0.8, colors.HexColor("#2f6db5")),
        ("LINEBELOW", (0, 1), (-1, -1), 0.3, colors.HexColor("#cccccc")),
        ("VALIGN", (0, 0), (-1, -1), "MIDDLE"),
        ("FONTNAME", (0, 0), (-1, -1), _font_name(BASE, False)),  # not reportlab's Helvetica
    ]))  # fmt: skip
    return table


def _image(png: bytes) -> Image:
    image = Image(io.BytesIO(png))
    scale = WIDTH / image.imageWidth
    image.drawWidth, image.drawHeight = WIDTH, image.imageHeight * scale
    return image


def _section(section: Section, data: ReportData, styles: dict[str, ParagraphStyle]) -> list:
    parts: list = [_p(f"{section.number}. {section.title}", styles["h1"]),
                   _p(section.answered, styles["body"])]  # fmt: skip
    if section.note:
        parts.append(_p(section.note, styles["small"]))
    png = question_chart(section.result, section.answered, data.locale) if section.rows else None
    if png:
        parts.append(_image(png))
    if section.rows:
        parts += [Spacer(1, 4), _table(section.header, section.rows, styles)]
    for split in section.breakdowns:
        if not split.safe_to_print():
            continue
        heading = _("By region") if split.dimension == "region" else _("By language")
        parts.append(_p(heading, styles["h2"]))
        png = grouped_chart(f"{section.title} — {heading}", "", split.categories, split.series,
                            data.locale)  # fmt: skip
        if png:
            parts.append(_image(png))
        header = [heading] + split.categories
        rows = [[s.name] + [str(c) for c in s.counts] for s in split.series]
        parts.append(_table(header, rows, styles))
    return [KeepTogether(parts[:3]), *parts[3:]]


def build(data: ReportData) -> bytes:
    """The report as PDF bytes. Needs gettext active in `data.locale`."""
    register()
    styles = _styles()
    story: list = [
        Spacer(1, 3 * cm),
        _p(data.title, styles["title"]),
        _p(_("Expert pool: {scope}").format(scope=data.scope), styles["h2"]),
        _p(
            _("Survey {slug}, version {version}").format(slug=data.slug, version=data.version)
            + (" · " + _("run {run}").format(run=data.run) if data.run is not None else ""),
            styles["body"],
        ),  # fmt: skip
    ]
    if data.period:
        story.append(_p(_("Period: {period}").format(period=data.period), styles["body"]))
    story += [
        _p(_("Answered: {rate}").format(rate=data.rate), styles["body"]),
        PageBreak(),
        _p(_("How this survey was done"), styles["h1"]),
        _p(
            _(
                "Asked: the members of the pool ({scope}) who received the survey in the bot: "
                "{asked}."
            ).format(scope=data.scope, asked=data.asked),
            styles["body"],
        ),  # fmt: skip
        _p(_("Answered all questions: {rate}.").format(rate=data.rate), styles["body"]),
        _p(
            _(
                "To protect people, a group of fewer than 5 people is never shown: counts "
                "under 5 show as <5, and a breakdown by region or language is printed only "
                "where every group and every number is 5 or more."
            ),
            styles["body"],
        ),  # fmt: skip
    ]
    if data.anonymous:
        story.append(_p(_("The answers are anonymous: they are not linked to the members who "
                          "gave them."), styles["body"]))  # fmt: skip
    story.append(_p(_("Written answers are quoted only where the member allowed it and a "
                      "coordinator chose the quote."), styles["body"]))  # fmt: skip
    if data.rates:
        story += [Spacer(1, 6), _p(_("Answers per region"), styles["h2"]),
                  _table([_("Region"), _("Answered")], [list(r) for r in data.rates], styles)]  # fmt: skip
    for section in data.sections:
        story += _section(section, data, styles)
    if data.quotes:
        story.append(_p(_("Quotes"), styles["h1"]))
        for title, text in data.quotes:
            style = styles["quote_rtl"] if _starts_rtl(text) else styles["quote"]
            story += [_p(f"“{text}”", style), _p(title, styles["small"]), Spacer(1, 4)]
    buffer = io.BytesIO()
    document = SimpleDocTemplate(
        buffer, pagesize=A4, leftMargin=2 * cm, rightMargin=2 * cm, topMargin=2 * cm,
        bottomMargin=2 * cm, title=data.title, author=_("Expert pool"),
        initialFontName=_font_name(BASE, False),
        subject=f"{data.slug} v{data.version}",
    )  # fmt: skip
    document.build(story)
    return buffer.getvalue()
