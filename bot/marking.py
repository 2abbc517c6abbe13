"""`N_` marks a msgid for extraction where it is defined; it is translated with _() when shown.

Kept apart from `bot.texts` so that modules without aiogram (services, rules) can mark texts.
"""


def N_(message: str) -> str:
    """Marks a msgid for extraction; translated later with _()."""
    return message
