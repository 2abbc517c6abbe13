"""The answer header says which language an answer is in when it isn't the member's (issue
21), with the language bridge's stand-in providers of tests/e2e/test_bridge_inbox.py."""

from __future__ import annotations

from bot.i18n import language_name_in
from botapi_emulator import Emulator
from expertpool_sandbox.harness import RunningBot
from tests.e2e.people import t, wait_text
from tests.e2e.test_bridge_inbox import (  # noqa: F401 (fixtures: the providers, the settings)
    ANSWER,
    ARABIC,
    azure,
    bridge_pool,
    libre,
    providers,
    question_in_topic,
    settings,
)
from tests.e2e.test_questions import ask


async def test_the_answer_header_names_its_language_and_the_machine_translation(
    emulator: Emulator, app: RunningBot
) -> None:
    pool = await bridge_pool(emulator, app, "ar", "Amina")
    assert pool.group is not None
    amina, coordinator, group = pool.member, pool.coordinator, pool.group
    await ask(app, amina, "ar", "Education", ARABIC)
    await wait_text(amina, "Twente")
    thread, _copy, _note = await question_in_topic(group, ARABIC)
    dutch = language_name_in("nl", "ar")
    header = "💬 " + t(app, "Answer to your question #{number}", "ar").format(number=1)

    await coordinator.send_text(ANSWER, chat=group, thread_id=thread)
    translated = await amina.wait_for_message(lambda m: (m.text or "").startswith("💬"))
    said = t(app, "(in {language}, with a machine translation)", "ar").format(language=dutch)
    assert translated.text == header + " " + said

    # "=" sends the Dutch text as it is: "(in Dutch)", without the machine translation.
    await coordinator.send_text("=Tot morgen, Amina!", chat=group, thread_id=thread)
    plain = await amina.wait_for_message(lambda m: (m.text or "").startswith("💬"))
    assert plain.text == header + " " + t(app, "(in {language})", "ar").format(language=dutch)
