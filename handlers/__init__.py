"""Feature routers in the order they are consulted; catch-alls come last."""

from __future__ import annotations

from aiogram import Router

from handlers import (
    admin,
    approval,
    broadcast,
    common,
    consent_gate,
    onboarding,
    question_inbox,
    questions,
    selfservice,
    survey_admin,
    surveys,
)


def get_routers() -> list[Router]:
    routers = [
        consent_gate.router,
        broadcast.router,
        selfservice.router,
        approval.router,
        admin.router,
        survey_admin.router,
        question_inbox.router,
        surveys.router,
        onboarding.router,
        questions.router,
        common.router,
    ]
    for router in routers:
        # Routers are module-level; a new Dispatcher in the same process (tests, the
        # sandbox restarting the bot) takes them over from the previous, stopped one.
        router._parent_router = None
    return routers
