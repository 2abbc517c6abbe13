"""`N_` marks a msgid for extraction where it is defined; it is translated with _() when shown.

Kept apart from `bot.texts` so that modules without aiogram (services, rules) can mark texts.
"""

from typing import NamedTuple


def N_(message: str) -> str:
    """Marks a msgid for extraction; translated later with _()."""
    return message


class Plural(NamedTuple):
    """A msgid with its plural, chosen later by the number in the parameter `n`."""

    singular: str
    plural: str
    n: str


def N_plural(singular: str, plural: str, n: str) -> Plural:
    """Marks a singular/plural msgid pair for extraction; translated later with ngettext, with
    the number taken from the parameter named `n`."""
    return Plural(singular, plural, n)
