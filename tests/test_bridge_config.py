from __future__ import annotations

import asyncio
from pathlib import Path

import pytest

from bot.config import ConfigError, load_settings
from tests.process import BotProcess

BRIDGE_SETTINGS = (
    "TRANSLATION_PROVIDER",
    "LIBRETRANSLATE_URL",
    "LIBRETRANSLATE_API_KEY",
    "DEEPL_API_KEY",
    "DEEPL_API_URL",
    "AZURE_TRANSLATOR_KEY",
    "AZURE_TRANSLATOR_REGION",
    "AZURE_TRANSLATOR_URL",
    "STAFF_LANGUAGE",
    "TRANSLATION_TIMEOUT",
)


@pytest.fixture(autouse=True)
def _clean_env(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    for name in BRIDGE_SETTINGS:
        monkeypatch.delenv(name, raising=False)
    monkeypatch.chdir(tmp_path)


def test_defaults_translate_nothing() -> None:
    settings = load_settings()
    assert settings.translation_provider == ()
    assert settings.deepl_api_url == "https://api-free.deepl.com"
    assert settings.azure_translator_url == "https://api-eur.cognitive.microsofttranslator.com"
    assert settings.staff_language == "nl"
    assert settings.translation_timeout == 10.0


def test_providers_in_order_of_preference(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("TRANSLATION_PROVIDER", " DeepL, azure ,libretranslate")
    monkeypatch.setenv("DEEPL_API_KEY", "secret-key:fx")
    monkeypatch.setenv("AZURE_TRANSLATOR_KEY", "azure-secret")
    monkeypatch.setenv("AZURE_TRANSLATOR_REGION", "WestEurope")
    monkeypatch.setenv("LIBRETRANSLATE_URL", "http://127.0.0.1:5000/")
    monkeypatch.setenv("TRANSLATION_TIMEOUT", "2.5")
    monkeypatch.setenv("STAFF_LANGUAGE", "EN")
    settings = load_settings()
    assert settings.translation_provider == ("deepl", "azure", "libretranslate")
    assert settings.libretranslate_url == "http://127.0.0.1:5000"
    assert settings.azure_translator_region == "westeurope"
    assert settings.translation_timeout == 2.5
    assert settings.staff_language == "en"
    assert "secret-key" not in repr(settings) and "azure-secret" not in repr(settings)


@pytest.mark.parametrize("value", ["none", "", " NONE "])
def test_none_means_no_provider(monkeypatch: pytest.MonkeyPatch, value: str) -> None:
    monkeypatch.setenv("TRANSLATION_PROVIDER", value)
    assert load_settings().translation_provider == ()


def test_a_pro_key_with_the_pro_address(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("TRANSLATION_PROVIDER", "deepl")
    monkeypatch.setenv("DEEPL_API_KEY", "pro-key")
    monkeypatch.setenv("DEEPL_API_URL", "https://api.deepl.com")
    assert load_settings().deepl_api_url == "https://api.deepl.com"


@pytest.mark.parametrize(
    ("env", "setting", "fragment"),
    [
        ({"TRANSLATION_PROVIDER": "google"}, "TRANSLATION_PROVIDER", "unknown provider 'google'"),
        ({"TRANSLATION_PROVIDER": "none,deepl"}, "TRANSLATION_PROVIDER", "none cannot be combined"),
        (
            {"TRANSLATION_PROVIDER": "azure,azure", "AZURE_TRANSLATOR_KEY": "k"},
            "TRANSLATION_PROVIDER",
            "lists a provider twice",
        ),  # fmt: skip
        ({"TRANSLATION_PROVIDER": "libretranslate"}, "LIBRETRANSLATE_URL", "is required"),
        ({"TRANSLATION_PROVIDER": "demo"}, "LIBRETRANSLATE_URL", "libretranslate or demo"),
        (
            {"TRANSLATION_PROVIDER": "demo,libretranslate"},
            "TRANSLATION_PROVIDER",
            "demo (the sandbox's demo translator) cannot be combined",
        ),  # fmt: skip
        (
            {"TRANSLATION_PROVIDER": "deepl,azure", "AZURE_TRANSLATOR_KEY": "k"},
            "DEEPL_API_KEY",
            "is required when TRANSLATION_PROVIDER lists deepl",
        ),  # fmt: skip
        (
            {"TRANSLATION_PROVIDER": "deepl,azure", "DEEPL_API_KEY": "k:fx"},
            "AZURE_TRANSLATOR_KEY",
            "is required when TRANSLATION_PROVIDER lists azure",
        ),  # fmt: skip
        ({"LIBRETRANSLATE_URL": "localhost:5000"}, "LIBRETRANSLATE_URL", "is not a URL"),
        ({"DEEPL_API_URL": "ftp://api.deepl.com"}, "DEEPL_API_URL", "is not a URL"),
        (
            {"AZURE_TRANSLATOR_URL": "https://x.example/?a=1"},
            "AZURE_TRANSLATOR_URL",
            "is not a URL",
        ),
        (
            {"DEEPL_API_KEY": "k:fx", "DEEPL_API_URL": "https://api.deepl.com"},
            "DEEPL_API_URL",
            "needs https://api-free.deepl.com",
        ),  # fmt: skip
        ({"DEEPL_API_KEY": "pro"}, "DEEPL_API_URL", "needs https://api.deepl.com"),
        ({"DEEPL_API_KEY": "two words"}, "DEEPL_API_KEY", "must not contain spaces"),
        ({"AZURE_TRANSLATOR_REGION": "west europe"}, "AZURE_TRANSLATOR_REGION", "region name"),
        ({"STAFF_LANGUAGE": "de"}, "STAFF_LANGUAGE", "'de' is not one of"),
        ({"TRANSLATION_TIMEOUT": "soon"}, "TRANSLATION_TIMEOUT", "is not a number"),
        ({"TRANSLATION_TIMEOUT": "0"}, "TRANSLATION_TIMEOUT", "more than 0"),
    ],
)
def test_bad_bridge_setting_names_itself(
    monkeypatch: pytest.MonkeyPatch, env: dict[str, str], setting: str, fragment: str
) -> None:
    for name, value in env.items():
        monkeypatch.setenv(name, value)
    with pytest.raises(ConfigError) as info:
        load_settings()
    message = str(info.value)
    assert message.startswith(f"{setting}: ")
    assert fragment in message
    assert "\n" not in message


async def test_the_bot_does_not_start_with_a_provider_missing_its_key(tmp_path: Path) -> None:
    proc = await BotProcess.start(
        "run", cwd=tmp_path, BOT_TOKEN="123456:TEST-token", TRANSLATION_PROVIDER="deepl,azure"
    )
    out, _ = await asyncio.wait_for(proc.proc.communicate(), 60)
    assert proc.proc.returncode == 2
    assert out.decode().strip().splitlines() == [
        "Configuration error: DEEPL_API_KEY: is required when TRANSLATION_PROVIDER lists deepl"
    ]
