"""Scale settings: webhook and instance id, each bad value named on one line."""

from __future__ import annotations

import os
import socket
from pathlib import Path

import pytest

from bot.config import ConfigError, load_settings

SCALE_SETTINGS = (
    "WEBHOOK_URL",
    "WEBHOOK_SECRET",
    "WEBHOOK_HOST",
    "WEBHOOK_PORT",
    "WEBHOOK_PATH",
    "INSTANCE_ID",
)
ROOT = Path(__file__).resolve().parent.parent


@pytest.fixture(autouse=True)
def _clean_env(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    for name in (*SCALE_SETTINGS, "REDIS_URL", "DATABASE_URL", "BOT_TOKEN"):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.chdir(tmp_path)


def test_defaults_mean_polling() -> None:
    settings = load_settings()
    assert settings.webhook_url is None
    assert settings.webhook_secret is None
    assert (settings.webhook_host, settings.webhook_port) == ("127.0.0.1", 8080)
    assert settings.webhook_path == "/telegram/webhook"
    assert settings.instance_id == f"{socket.gethostname()}-{os.getpid()}"


def test_webhook_settings_are_parsed(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("WEBHOOK_URL", " https://bot.example.org/telegram/webhook ")
    monkeypatch.setenv("WEBHOOK_SECRET", "Abc_123-xyz")
    monkeypatch.setenv("WEBHOOK_HOST", "0.0.0.0")
    monkeypatch.setenv("WEBHOOK_PORT", "8443")
    monkeypatch.setenv("WEBHOOK_PATH", "/hook")
    monkeypatch.setenv("INSTANCE_ID", "worker-2.pool")
    settings = load_settings()
    assert settings.webhook_url == "https://bot.example.org/telegram/webhook"
    assert settings.webhook_secret is not None
    assert settings.webhook_secret.get_secret_value() == "Abc_123-xyz"
    assert "Abc_123" not in repr(settings)
    assert (settings.webhook_host, settings.webhook_port) == ("0.0.0.0", 8443)
    assert settings.webhook_path == "/hook"
    assert settings.instance_id == "worker-2.pool"


def test_blank_optional_values_fall_back(monkeypatch: pytest.MonkeyPatch) -> None:
    for name in ("WEBHOOK_URL", "WEBHOOK_SECRET", "INSTANCE_ID"):
        monkeypatch.setenv(name, "")
    settings = load_settings()
    assert settings.webhook_url is None and settings.webhook_secret is None
    assert settings.instance_id.endswith(f"-{os.getpid()}")


def test_longest_secret_is_accepted() -> None:
    secret = "a" * 256
    settings = load_settings(webhook_url="https://x.example/h", webhook_secret=secret)
    assert settings.webhook_secret is not None
    assert settings.webhook_secret.get_secret_value() == secret


@pytest.mark.parametrize(
    ("env", "setting", "fragment"),
    [
        ({"WEBHOOK_URL": "https://x.example/h"}, "WEBHOOK_SECRET", "required when WEBHOOK_URL"),
        ({"WEBHOOK_URL": "x.example/h", "WEBHOOK_SECRET": "s"}, "WEBHOOK_URL", "https://"),
        ({"WEBHOOK_URL": "ftp://x.example/h", "WEBHOOK_SECRET": "s"}, "WEBHOOK_URL", "https://"),
        ({"WEBHOOK_SECRET": "has space"}, "WEBHOOK_SECRET", "A-Z a-z 0-9 _ -"),
        ({"WEBHOOK_SECRET": "é"}, "WEBHOOK_SECRET", "1-256 characters"),
        ({"WEBHOOK_SECRET": "a" * 257}, "WEBHOOK_SECRET", "1-256 characters"),
        ({"WEBHOOK_PORT": "http"}, "WEBHOOK_PORT", "not a port number"),
        ({"WEBHOOK_PORT": "70000"}, "WEBHOOK_PORT", "not a port number"),
        ({"WEBHOOK_PORT": "-1"}, "WEBHOOK_PORT", "not a port number"),
        ({"WEBHOOK_HOST": " "}, "WEBHOOK_HOST", "address to listen on"),
        ({"WEBHOOK_PATH": "telegram"}, "WEBHOOK_PATH", "starting with /"),
        ({"WEBHOOK_PATH": "/hook?x=1"}, "WEBHOOK_PATH", "starting with /"),
        ({"INSTANCE_ID": "worker 1"}, "INSTANCE_ID", "1-128 characters"),
    ],
)
def test_bad_scale_setting_names_itself(
    monkeypatch: pytest.MonkeyPatch, env: dict[str, str], setting: str, fragment: str
) -> None:
    for name, value in env.items():
        monkeypatch.setenv(name, value)
    with pytest.raises(ConfigError) as info:
        load_settings()
    message = str(info.value)
    assert message.startswith(f"{setting}: "), message
    assert fragment in message
    assert "\n" not in message
    assert "has space" not in message  # the secret is never echoed


def test_env_example_documents_every_scale_setting() -> None:
    lines = (ROOT / ".env.example").read_text().splitlines()
    for name in SCALE_SETTINGS:
        index = next((i for i, line in enumerate(lines) if line.startswith(f"{name}=")), None)
        assert index is not None, f"{name} missing from .env.example"
        assert lines[index - 1].startswith("# "), f"{name} has no comment in .env.example"
