from __future__ import annotations

import pytest

from bot.config import ConfigError, load_settings
from bot.i18n import picker_order, resolve_locale


@pytest.fixture(autouse=True)
def _clean_env(monkeypatch: pytest.MonkeyPatch, tmp_path: pytest.TempPathFactory) -> None:
    for name in ("BOT_TOKEN", "DATABASE_URL", "ADMIN_IDS", "REDIS_URL", "TIMEZONE",
                 "DEFAULT_LOCALE", "TELEGRAM_API_URL", "LOG_LEVEL", "LOG_FORMAT"):  # fmt: skip
        monkeypatch.delenv(name, raising=False)
    monkeypatch.chdir(tmp_path)  # type: ignore[arg-type]


def test_defaults() -> None:
    settings = load_settings()
    assert settings.database_url == "sqlite+aiosqlite:///data/expertpool.db"
    assert settings.telegram_api_url == "https://api.telegram.org"
    assert settings.timezone == "Europe/Amsterdam"
    assert settings.admin_ids == ()
    assert settings.bot_token is None
    with pytest.raises(ConfigError, match="^BOT_TOKEN is not set"):
        settings.require_token()


def test_values_are_parsed_and_normalised(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("BOT_TOKEN", "42:abc")
    monkeypatch.setenv("ADMIN_IDS", " 1, 22 ,333 ")
    monkeypatch.setenv("DATABASE_URL", "postgresql://u:p@db:5432/pool")
    monkeypatch.setenv("TELEGRAM_API_URL", "http://127.0.0.1:8081/")
    settings = load_settings()
    assert settings.admin_ids == (1, 22, 333)
    assert settings.database_url == "postgresql+asyncpg://u:p@db:5432/pool"
    assert settings.telegram_api_url == "http://127.0.0.1:8081"
    assert settings.require_token() == "42:abc"
    assert "abc" not in repr(settings)


@pytest.mark.parametrize(
    ("setting", "value", "fragment"),
    [
        ("DATABASE_URL", "nonsense", "is not a database URL"),
        ("DATABASE_URL", "mysql://root@localhost/db", "unsupported database"),
        ("ADMIN_IDS", "abc", "'abc' is not a Telegram user id"),
        ("TIMEZONE", "Mars/Olympus", "unknown time zone"),
        ("DEFAULT_LOCALE", "xx", "'xx' is not one of"),
        ("TELEGRAM_API_URL", "ftp://example", "must start with http"),
        ("BOT_TOKEN", "not-a-token", "does not look like a bot token"),
        ("REDIS_URL", "localhost:6379", "must start with redis://"),
        ("LOG_LEVEL", "loud", "must be DEBUG"),
    ],
)
def test_bad_setting_names_itself(
    monkeypatch: pytest.MonkeyPatch, setting: str, value: str, fragment: str
) -> None:
    monkeypatch.setenv(setting, value)
    with pytest.raises(ConfigError) as info:
        load_settings()
    message = str(info.value)
    assert message.startswith(f"{setting}: ")
    assert fragment in message
    assert "\\n" not in message and "\n" not in message


def test_locale_resolution() -> None:
    assert resolve_locale("ar", "nl", "en") == "ar"
    assert resolve_locale(None, "uk-UA", "nl") == "uk"
    assert resolve_locale(None, "de", "nl") == "nl"
    assert resolve_locale("xx", None, "en") == "en"
    assert picker_order("ti")[0] == "ti"
    assert picker_order("de")[0] == "nl"
    assert sorted(picker_order(None)) == sorted(picker_order("ar"))
