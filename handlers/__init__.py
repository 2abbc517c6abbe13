"""Feature routers in the order they are consulted; catch-alls come last."""

from __future__ import annotations

from aiogram import Router

from handlers import (
    admin,
    approval,
    broadcast,
    common,
    consent_gate,
    faq,
    findings,
    meetings,
    onboarding,
    question_inbox,
    questions,
    retention,
    selfservice,
    staff_help,
    survey_admin,
    survey_buttons,
    survey_reports,
    surveys,
    templates,
    volunteers,
)


def get_routers() -> list[Router]:
    """New routers for one Dispatcher, in the order they are consulted; first a guard that
    answers commands none of them knows (so no flow takes one as content)."""
    routers = [
        consent_gate.create_router(),
        retention.create_router(),
        broadcast.create_router(),
        staff_help.create_router(),
        selfservice.create_router(),
        approval.create_router(),
        admin.create_router(),
        survey_admin.create_router(),
        survey_reports.create_router(),
        survey_buttons.create_router(),
        meetings.create_router(),
        findings.create_router(),
        volunteers.create_router(),
        templates.create_router(),
        question_inbox.create_router(),
        faq.create_router(),
        surveys.create_router(),
        onboarding.create_router(),
        questions.create_router(),
        common.create_router(),
    ]
    guards = [
        common.create_guard_router(common.registered_commands(routers)),
        broadcast.create_guard_router(),
        templates.create_guard_router(),
    ]
    return [*guards, *routers]
