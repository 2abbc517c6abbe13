"""Feature routers in the order they are consulted; catch-alls come last."""

from __future__ import annotations

from aiogram import Router

from handlers import common, start


def get_routers() -> list[Router]:
    return [start.router, common.router]
