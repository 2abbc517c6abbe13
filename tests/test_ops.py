"""Pure parts of operations: the alert gate's window and count, where an error came from,
and the new settings."""

from __future__ import annotations

from bot.config import Settings
from bot.ops.errors import AlertGate, exception_name, handler_name, new_error_id


def test_the_same_error_is_alerted_once_per_window_with_the_count_of_repeats() -> None:
    now = [0.0]
    gate = AlertGate(window=600, clock=lambda: now[0])
    assert gate.admit("handlers.a.f", "RuntimeError") == 1
    now[0] = 599
    assert gate.admit("handlers.a.f", "RuntimeError") is None
    assert gate.admit("handlers.a.f", "ValueError") == 1  # another error: its own window
    assert gate.admit("handlers.b.g", "RuntimeError") == 1
    now[0] = 600
    assert gate.admit("handlers.a.f", "RuntimeError") == 2  # the repeat and this one
    now[0] = 1300
    assert gate.admit("handlers.a.f", "RuntimeError") == 1
    gate.undelivered("handlers.a.f", "RuntimeError", 1)  # the alert did not get through
    now[0] = 1301
    assert gate.admit("handlers.a.f", "RuntimeError") == 2


def test_where_an_error_came_from() -> None:
    def fail() -> None:
        raise KeyError("x")

    try:
        fail()
    except KeyError as exc:
        assert handler_name(exc) == "unknown"  # not the bot's code
        assert exception_name(exc) == "KeyError"
    assert len(new_error_id()) == 8 and int(new_error_id(), 16) >= 0


def test_metrics_and_alert_settings() -> None:
    empty = Settings(_env_file=None, metrics_port="", alert_chat_id="", alert_thread_id="")  # type: ignore[call-arg,arg-type]
    assert (empty.metrics_port, empty.alert_chat_id, empty.alert_thread_id) == (None, None, None)
    given = Settings(
        _env_file=None, metrics_port="9108", alert_chat_id="-100123", alert_thread_id="7"
    )  # type: ignore[call-arg,arg-type]
    assert (given.metrics_port, given.alert_chat_id, given.alert_thread_id) == (9108, -100123, 7)
