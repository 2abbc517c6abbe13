"""The one place that chooses fonts for charts and reports, and prepares right-to-left text.

Fonts come from Debian's fonts-noto-core (`.ci/run` installs it): Noto Sans for Latin and
Cyrillic, Noto Sans Arabic for Arabic, Farsi and Dari, Noto Sans Ethiopic for Tigrinya.
Matplotlib (3.11, with libraqm) shapes Arabic script and orders right-to-left text itself;
a renderer that does neither (a PDF library without a shaping engine) takes its text through
`visual()` first: letters joined (arabic_reshaper), then laid out in display order
(python-bidi).
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from functools import cache
from pathlib import Path

FONT_DIRS = tuple(
    Path(p)
    for p in os.environ.get(
        "EXPERTPOOL_FONT_DIRS", "/usr/share/fonts/truetype/noto:/usr/share/fonts/opentype/noto"
    ).split(":")
    if p
)


@dataclass(frozen=True)
class Face:
    family: str  # the family name the font file declares
    regular: str  # file names, looked up in FONT_DIRS
    bold: str


# In fallback order: a glyph missing from the first face is taken from the next.
FACES = (
    Face("Noto Sans", "NotoSans-Regular.ttf", "NotoSans-Bold.ttf"),
    Face("Noto Sans Arabic", "NotoSansArabic-Regular.ttf", "NotoSansArabic-Bold.ttf"),
    Face("Noto Sans Ethiopic", "NotoSansEthiopic-Regular.ttf", "NotoSansEthiopic-Bold.ttf"),
)
PACKAGE = "fonts-noto-core"


class FontsMissing(RuntimeError):
    def __init__(self, missing: list[str]) -> None:
        super().__init__(
            f"fonts not found: {', '.join(missing)} (looked in {', '.join(map(str, FONT_DIRS))};"
            f" on Debian or Ubuntu: apt-get install {PACKAGE})"
        )
        self.missing = missing


def _find(name: str) -> Path | None:
    for folder in FONT_DIRS:
        path = folder / name
        if path.is_file():
            return path
    return None


@cache
def font_files() -> dict[tuple[str, bool], Path]:
    """(family, bold) -> file, for every face; FontsMissing names what is not installed."""
    found: dict[tuple[str, bool], Path] = {}
    missing: list[str] = []
    for face in FACES:
        for bold, name in ((False, face.regular), (True, face.bold)):
            path = _find(name)
            if path is None:
                missing.append(name)
            else:
                found[(face.family, bold)] = path
    if missing:
        raise FontsMissing(missing)
    return found


def families() -> list[str]:
    return [face.family for face in FACES]


def face_for(text: str) -> str:
    """The family that writes `text`'s script (for libraries without per-glyph fallback)."""
    for char in text:
        code = ord(char)
        if 0x0600 <= code <= 0x06FF or 0x0750 <= code <= 0x077F or 0xFB50 <= code <= 0xFEFF:
            return FACES[1].family
        if 0x1200 <= code <= 0x139F or 0x2D80 <= code <= 0x2DDF or 0xAB00 <= code <= 0xAB2F:
            return FACES[2].family
    return FACES[0].family


def is_rtl(text: str) -> bool:
    return face_for(text) == FACES[1].family


def visual(text: str) -> str:
    """`text` as a renderer without shaping must draw it: Arabic letters joined, right-to-left
    runs in display order. Other text is returned as it is."""
    if not is_rtl(text):
        return text
    import arabic_reshaper
    from bidi import get_display

    return str(get_display(arabic_reshaper.reshape(text)))
