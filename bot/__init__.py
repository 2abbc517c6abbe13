"""The expert-pool bot."""

from bot import lazy_models

lazy_models.install()
