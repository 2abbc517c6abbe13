"""Feature routers in the order they are consulted; catch-alls come last."""

from __future__ import annotations

from aiogram import Router

from handlers import approval, common, consent_gate, onboarding, selfservice


def get_routers() -> list[Router]:
    return [
        consent_gate.router,
        selfservice.router,
        approval.router,
        onboarding.router,
        common.router,
    ]
