"""gettext catalogues compiled in memory at start, and language names in their own script."""

from __future__ import annotations

import functools
import gettext
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import date, datetime, time
from io import BytesIO
from pathlib import Path
from zoneinfo import ZoneInfo

from aiogram.utils.i18n import I18n
from babel import Locale, dates
from babel.messages.mofile import write_mo
from babel.messages.pofile import read_po

from bot.config import SUPPORTED_LOCALES

LOCALES_DIR = Path(__file__).resolve().parent.parent / "locales"
DOMAIN = "messages"
RTL_LOCALES = frozenset({"ar", "fa"})


class CatalogueI18n(I18n):
    """aiogram's I18n, but it compiles the .po files itself: no manual compile step to run."""

    @contextmanager
    def context(self) -> Iterator[I18n]:
        # aiogram's gettext helpers look up I18n's own context variable; a subclass gets a
        # separate one, so register this instance under the base class.
        token = I18n.set_current(self)
        try:
            yield self
        finally:
            I18n.reset_current(token)

    def find_locales(self) -> dict[str, gettext.GNUTranslations]:
        translations: dict[str, gettext.GNUTranslations] = {}
        for po_path in sorted(self.path.glob(f"*/LC_MESSAGES/{self.domain}.po")):
            code = po_path.parent.parent.name
            with po_path.open("rb") as fh:
                catalog = read_po(fh, locale=code)
            buffer = BytesIO()
            write_mo(buffer, catalog)
            buffer.seek(0)
            translations[code] = gettext.GNUTranslations(buffer)
        return translations


def pgettext(context: str, message: str) -> str:
    """gettext with a context (msgctxt): one English word in two roles, e.g. "closed" for a
    question and for a region, gets a translation per role. aiogram's helpers have none."""
    i18n = I18n.get_current(no_error=True)
    translations = i18n.locales.get(i18n.current_locale) if i18n else None
    return translations.pgettext(context, message) if translations else message


def create_i18n(default_locale: str = "nl", path: Path = LOCALES_DIR) -> CatalogueI18n:
    i18n = CatalogueI18n(path=path, default_locale=default_locale, domain=DOMAIN)
    missing = set(SUPPORTED_LOCALES) - set(i18n.available_locales)
    if missing:
        raise RuntimeError(f"missing catalogues for: {', '.join(sorted(missing))}")
    return i18n


# The supported languages' own names, as `_native_name` gives them (a test keeps them equal):
# the language picker of every /start shows them, and asking Babel loads each language's
# whole CLDR data (about 12 MB for the eight, and a tenth of a /start wave's CPU).
NATIVE_NAMES = {
    "nl": "Nederlands",
    "en": "English",
    "ar": "العربية",
    "fa": "فارسی / دری",
    "ti": "ትግርኛ",
    "tr": "Türkçe",
    "uk": "Українська",
    "so": "Soomaali",
}


@functools.cache
def language_name(code: str) -> str:
    """The language's name in its own script: 'العربية', 'ትግርኛ', 'Türkçe'."""
    return NATIVE_NAMES.get(code) or _native_name(code)


def _native_name(code: str) -> str:
    if code == "fa":
        # One catalogue serves Farsi and Dari speakers; show both names.
        return f"{Locale.parse('fa').get_display_name('fa')} / دری"
    name = Locale.parse(code).get_display_name(code) or code
    return name[:1].upper() + name[1:]


def language_name_in(code: str, locale: str) -> str:
    """The language's name in `locale`'s words: 'Dutch' in en, 'Nederlands' in nl."""
    try:
        return Locale.parse(code).get_display_name(locale) or code
    except (ValueError, TypeError):
        return code


def language_with_code(code: str) -> str:
    """A language as staff see it: its own name and the code, "Soomaali (so)"."""
    return f"{language_name(code)} ({code})"


def resolve_locale(stored: str | None, telegram_code: str | None, default: str) -> str:
    """Stored choice first, then Telegram's language_code when supported, then the default."""
    if stored in SUPPORTED_LOCALES:
        return stored
    if telegram_code:
        base = telegram_code.replace("_", "-").split("-")[0].lower()
        if base in SUPPORTED_LOCALES:
            return base
    return default


def picker_order(telegram_code: str | None) -> list[str]:
    """Supported languages with the user's Telegram language (if supported) first."""
    first = resolve_locale(None, telegram_code, "")
    rest = [code for code in SUPPORTED_LOCALES if code != first]
    return [first, *rest] if first else rest


def format_clock(moment: datetime | time, locale: str, tz: ZoneInfo | None = None) -> str:
    """A time of day as the locale writes it: 19:00 in Dutch, 7:00 PM in English."""
    if isinstance(moment, datetime) and tz is not None:
        moment = moment.astimezone(tz)
    return dates.format_time(moment, format="short", locale=locale)


def format_moment(moment: datetime, locale: str, tz: ZoneInfo | None = None) -> str:
    """A day and time as the locale writes them ("6 december, 19:00"; "December 6, 7:00 PM")."""
    if tz is not None:
        moment = moment.astimezone(tz)
    day = dates.format_skeleton("MMMMd", moment, locale=locale)
    return f"{day}, {format_clock(moment, locale)}"


def format_day(moment: datetime | date, locale: str, tz: ZoneInfo | None = None) -> str:
    """A date with the year, short, as the locale writes it ("06-12-2026", "12/6/26")."""
    if isinstance(moment, datetime) and tz is not None:
        moment = moment.astimezone(tz)
    return dates.format_date(moment, format="short", locale=locale)
