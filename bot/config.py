"""Typed configuration from the environment and `.env` (pydantic-settings)."""

from __future__ import annotations

import os
import re
import socket
from typing import Annotated, Any, Literal
from urllib.parse import urlsplit
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from pydantic import Field, SecretStr, ValidationError, ValidationInfo, field_validator
from pydantic_settings import BaseSettings, NoDecode, SettingsConfigDict
from sqlalchemy.engine import make_url
from sqlalchemy.exc import ArgumentError

SUPPORTED_LOCALES: tuple[str, ...] = ("nl", "en", "ar", "fa", "ti", "tr", "uk", "so")
TELEGRAM_API_URL = "https://api.telegram.org"

_ASYNC_DRIVERS = {
    "sqlite": "sqlite+aiosqlite",
    "sqlite+aiosqlite": "sqlite+aiosqlite",
    "postgres": "postgresql+asyncpg",
    "postgresql": "postgresql+asyncpg",
    "postgresql+asyncpg": "postgresql+asyncpg",
}


_WEBHOOK_SECRET = re.compile(r"[A-Za-z0-9_-]{1,256}")
_INSTANCE_ID = re.compile(r"[A-Za-z0-9._:-]{1,128}")
_CLOCK = re.compile(r"(\d{1,2}):(\d{2})")
SURVEY_SECRET_MIN = 32
_QUIET_HOURS = re.compile(r"(\d{1,2}):(\d{2})-(\d{1,2}):(\d{2})")
# Telegram: about 30 messages/s for free; allow_paid_broadcast raises that to 1000/s.
FREE_BROADCAST_RATE = 30.0
PAID_BROADCAST_RATE = 1000.0
# `demo`: the sandbox's demo translator, a LibreTranslate-compatible server at LIBRETRANSLATE_URL
# that does not really translate; labels and the privacy notice say so.
TRANSLATION_PROVIDERS: tuple[str, ...] = ("libretranslate", "deepl", "azure", "demo")
DEEPL_FREE_API_URL = "https://api-free.deepl.com"
DEEPL_PRO_API_URL = "https://api.deepl.com"
# Azure AI Translator's European geography endpoint: texts are processed within the EU.
AZURE_TRANSLATOR_EU_URL = "https://api-eur.cognitive.microsofttranslator.com"
_AZURE_REGION = re.compile(r"[a-z0-9]{2,40}")


def _default_instance_id() -> str:
    return f"{socket.gethostname()}-{os.getpid()}"


def _service_url(value: str) -> str:
    """A provider's base URL: http(s), a host, no query; no trailing slash."""
    url = value.strip().rstrip("/")
    parts = urlsplit(url)
    if parts.scheme not in {"http", "https"} or not parts.hostname or parts.query:
        raise ValueError(f"'{url}' is not a URL starting with https:// (or http://)")
    return url


class ConfigError(Exception):
    """A setting is missing or malformed; the message is one line naming it."""


class Settings(BaseSettings):
    model_config = SettingsConfigDict(
        env_file=".env", env_file_encoding="utf-8", extra="ignore", frozen=True
    )

    bot_token: SecretStr | None = None
    telegram_api_url: str = TELEGRAM_API_URL
    database_url: str = "sqlite+aiosqlite:///data/expertpool.db"
    redis_url: str | None = None
    admin_ids: Annotated[tuple[int, ...], NoDecode] = ()
    timezone: str = "Europe/Amsterdam"
    default_locale: str = "nl"
    log_level: str = "INFO"
    log_format: str = "json"
    webhook_url: str | None = None
    # Declared after webhook_url: its validator checks WEBHOOK_URL (see _webhook_secret).
    webhook_secret: SecretStr | None = Field(default=None, validate_default=True)
    webhook_host: str = "127.0.0.1"
    webhook_port: int = 8080
    webhook_path: str = "/telegram/webhook"
    instance_id: str = Field(default_factory=_default_instance_id)
    inbox_lease_seconds: float = Field(default=15.0, gt=0)
    # Declared before broadcast_rate: its validator checks BROADCAST_PAID.
    broadcast_paid: bool = False
    broadcast_rate: float = Field(default=25.0, validate_default=True)
    # "inline": the leader of `python -m bot run` sends broadcasts; "process": a process of
    # its own does (`python -m bot broadcaster`), so that sending at paid rates (about 0.7 of
    # a core at 1000 msg/s) does not slow the replies to members, and the other way round.
    broadcast_engine: Literal["inline", "process"] = "inline"
    quiet_hours: str = "21:00-09:00"
    question_reminder_hours: float = Field(default=48.0, gt=0)
    volunteer_timeout_hours: float = Field(default=6.0, gt=0)
    meeting_reminder_early_hours: float = Field(default=48.0, ge=0)
    meeting_reminder_late_hours: float = Field(default=3.0, ge=0)
    # Language bridge (bot/bridge). Declared before the providers' settings: their validators
    # check which providers TRANSLATION_PROVIDER lists.
    translation_provider: Annotated[tuple[str, ...], NoDecode] = ()
    libretranslate_url: str | None = Field(default=None, validate_default=True)
    libretranslate_api_key: SecretStr | None = None
    deepl_api_key: SecretStr | None = Field(default=None, validate_default=True)
    deepl_api_url: str = Field(default=DEEPL_FREE_API_URL, validate_default=True)
    azure_translator_key: SecretStr | None = Field(default=None, validate_default=True)
    azure_translator_region: str | None = None
    azure_translator_url: str = AZURE_TRANSLATOR_EU_URL
    staff_language: str = "nl"
    translation_timeout: float = 10.0
    # Key of the keyed hash that stands in for members in anonymous surveys (bot/surveys).
    survey_secret: SecretStr | None = None
    # Retention (bot/retention): months (days for the confirmation) before data goes; 0 keeps it.
    retention_closed_questions_months: int = 12
    retention_survey_responses_months: int = 24
    retention_audit_months: int = 24
    retention_inactive_members_months: int = 18
    retention_confirm_days: int = 30
    retention_time: str = "03:30"
    # Operations (bot/ops): Prometheus metrics in polling mode, error alerts to a chat.
    metrics_port: int | None = Field(default=None, ge=0, le=65535)
    metrics_host: str = "127.0.0.1"
    alert_chat_id: int | None = None
    alert_thread_id: int | None = None
    # Days a backup file is kept (`python -m bot backup --dir` deletes older ones; the notice says so).
    backup_retention_days: int = Field(default=28, gt=0)

    @field_validator("bot_token", mode="before")
    @classmethod
    def _token(cls, value: Any) -> Any:
        if value is None or (isinstance(value, str) and not value.strip()):
            return None
        token = str(value).strip()
        bot_id, sep, secret = token.partition(":")
        if not sep or not bot_id.isdigit() or not secret:
            raise ValueError("does not look like a bot token from @BotFather (digits:secret)")
        return token

    @field_validator("telegram_api_url")
    @classmethod
    def _api_url(cls, value: str) -> str:
        value = value.strip().rstrip("/")
        if not value.startswith(("http://", "https://")):
            raise ValueError("must start with http:// or https://")
        return value

    @field_validator("database_url")
    @classmethod
    def _database_url(cls, value: str) -> str:
        try:
            url = make_url(value.strip())
        except ArgumentError:
            raise ValueError(
                "is not a database URL (e.g. sqlite+aiosqlite:///data/expertpool.db "
                "or postgresql+asyncpg://user@host/db)"
            ) from None
        driver = _ASYNC_DRIVERS.get(url.drivername)
        if driver is None:
            raise ValueError(f"unsupported database '{url.drivername}' (use SQLite or PostgreSQL)")
        return url.set(drivername=driver).render_as_string(hide_password=False)

    @field_validator("metrics_port", "alert_chat_id", "alert_thread_id", mode="before")
    @classmethod
    def _optional_number(cls, value: Any) -> Any:
        if isinstance(value, str) and not value.strip():
            return None
        return value

    @field_validator("redis_url", mode="before")
    @classmethod
    def _redis_url(cls, value: Any) -> Any:
        if value is None or (isinstance(value, str) and not value.strip()):
            return None
        if not str(value).startswith(("redis://", "rediss://", "unix://")):
            raise ValueError("must start with redis://, rediss:// or unix://")
        return str(value).strip()

    @field_validator("admin_ids", mode="before")
    @classmethod
    def _admin_ids(cls, value: Any) -> Any:
        if isinstance(value, str):
            parts = [p.strip() for p in value.replace(";", ",").split(",") if p.strip()]
            bad = [p for p in parts if not p.lstrip("-").isdigit()]
            if bad:
                raise ValueError(
                    f"'{bad[0]}' is not a Telegram user id (expected numbers separated by commas)"
                )
            return tuple(int(p) for p in parts)
        return value

    @field_validator("timezone")
    @classmethod
    def _timezone(cls, value: str) -> str:
        try:
            ZoneInfo(value)
        except (ZoneInfoNotFoundError, ValueError):
            raise ValueError(f"unknown time zone '{value}' (e.g. Europe/Amsterdam)") from None
        return value

    @field_validator("default_locale")
    @classmethod
    def _default_locale(cls, value: str) -> str:
        if value not in SUPPORTED_LOCALES:
            raise ValueError(f"'{value}' is not one of {', '.join(SUPPORTED_LOCALES)}")
        return value

    @field_validator("log_level")
    @classmethod
    def _log_level(cls, value: str) -> str:
        value = value.upper()
        if value not in {"DEBUG", "INFO", "WARNING", "ERROR", "CRITICAL"}:
            raise ValueError("must be DEBUG, INFO, WARNING, ERROR or CRITICAL")
        return value

    @field_validator("log_format")
    @classmethod
    def _log_format(cls, value: str) -> str:
        if value not in {"json", "text"}:
            raise ValueError("must be json or text")
        return value

    @field_validator("webhook_url", mode="before")
    @classmethod
    def _webhook_url(cls, value: Any) -> Any:
        if value is None or (isinstance(value, str) and not value.strip()):
            return None
        url = str(value).strip()
        parts = urlsplit(url)
        if parts.scheme not in {"http", "https"} or not parts.hostname:
            raise ValueError("must be a full URL starting with https:// (or http://)")
        return url

    @field_validator("webhook_secret", mode="before")
    @classmethod
    def _webhook_secret(cls, value: Any, info: ValidationInfo) -> Any:
        if isinstance(value, SecretStr):
            value = value.get_secret_value()
        if value is None or (isinstance(value, str) and not value.strip()):
            if info.data.get("webhook_url"):
                raise ValueError(
                    "is required when WEBHOOK_URL is set (1-256 characters: A-Z a-z 0-9 _ -)"
                )
            return None
        if not _WEBHOOK_SECRET.fullmatch(str(value)):
            raise ValueError("must be 1-256 characters of A-Z a-z 0-9 _ - only")
        return value

    @field_validator("webhook_host")
    @classmethod
    def _webhook_host(cls, value: str) -> str:
        value = value.strip()
        if not value or any(ch.isspace() for ch in value):
            raise ValueError("must be an address to listen on (e.g. 127.0.0.1 or 0.0.0.0)")
        return value

    @field_validator("webhook_port", mode="before")
    @classmethod
    def _webhook_port(cls, value: Any) -> Any:
        text = str(value).strip()
        if not text.isdigit() or not 0 <= int(text) <= 65535:
            raise ValueError(f"'{text}' is not a port number (0-65535)")
        return int(text)

    @field_validator("webhook_path")
    @classmethod
    def _webhook_path(cls, value: str) -> str:
        value = value.strip()
        if not value.startswith("/") or any(ch.isspace() or ch in "?#" for ch in value):
            raise ValueError("must be a URL path starting with / (e.g. /telegram/webhook)")
        return value

    @field_validator("instance_id", mode="before")
    @classmethod
    def _instance_id(cls, value: Any) -> Any:
        if value is None or (isinstance(value, str) and not value.strip()):
            return _default_instance_id()
        value = str(value).strip()
        if not _INSTANCE_ID.fullmatch(value):
            raise ValueError("must be 1-128 characters of A-Z a-z 0-9 . _ : -")
        return value

    @field_validator("broadcast_rate", mode="before")
    @classmethod
    def _broadcast_rate(cls, value: Any, info: ValidationInfo) -> Any:
        try:
            rate = float(str(value).strip())
        except ValueError:
            raise ValueError(f"'{value}' is not a number of messages per second") from None
        limit = PAID_BROADCAST_RATE if info.data.get("broadcast_paid") else FREE_BROADCAST_RATE
        if not 0 < rate <= limit:
            hint = (
                "" if info.data.get("broadcast_paid") else " (up to 1000 with BROADCAST_PAID=true)"
            )
            raise ValueError(f"must be more than 0 and at most {limit:g}{hint}")
        return rate

    @field_validator("quiet_hours", mode="before")
    @classmethod
    def _quiet_hours(cls, value: Any) -> Any:
        text = "" if value is None else str(value).strip().lower()
        if text in ("", "off", "none"):
            return ""
        match = _QUIET_HOURS.fullmatch(text.replace(" ", ""))
        if match is None:
            raise ValueError("must look like 21:00-09:00 (start-end, 24-hour clock), or off")
        start_h, start_m, end_h, end_m = (int(g) for g in match.groups())
        if start_h > 23 or end_h > 23 or start_m > 59 or end_m > 59:
            raise ValueError("hours must be 00-23 and minutes 00-59")
        if (start_h, start_m) == (end_h, end_m):
            raise ValueError("start and end must differ (use off for no quiet hours)")
        return f"{start_h:02d}:{start_m:02d}-{end_h:02d}:{end_m:02d}"

    @field_validator("translation_provider", mode="before")
    @classmethod
    def _translation_provider(cls, value: Any) -> Any:
        if value is None:
            return ()
        if isinstance(value, str):
            names = [n.strip().lower() for n in value.split(",") if n.strip()]
            if names in ([], ["none"]):
                return ()
            if "none" in names:
                raise ValueError("none cannot be combined with providers")
            for name in names:
                if name not in TRANSLATION_PROVIDERS:
                    raise ValueError(
                        f"unknown provider '{name}' (use none, or one or more of "
                        f"{', '.join(TRANSLATION_PROVIDERS)} separated by commas)"
                    )
            if len(set(names)) != len(names):
                raise ValueError("lists a provider twice")
            if "demo" in names and len(names) > 1:
                raise ValueError("demo (the sandbox's demo translator) cannot be combined")
            return tuple(names)
        return value

    @field_validator("libretranslate_url", mode="before")
    @classmethod
    def _libretranslate_url(cls, value: Any, info: ValidationInfo) -> Any:
        if value is None or (isinstance(value, str) and not value.strip()):
            listed = info.data.get("translation_provider", ())
            if "libretranslate" in listed or "demo" in listed:
                raise ValueError(
                    "is required when TRANSLATION_PROVIDER lists libretranslate or demo "
                    "(the server's address, e.g. http://127.0.0.1:5000)"
                )
            return None
        return _service_url(str(value))

    @field_validator("deepl_api_key", "azure_translator_key", mode="before")
    @classmethod
    def _provider_key(cls, value: Any, info: ValidationInfo) -> Any:
        if isinstance(value, SecretStr):
            value = value.get_secret_value()
        if value is None or (isinstance(value, str) and not value.strip()):
            provider = "deepl" if info.field_name == "deepl_api_key" else "azure"
            if provider in info.data.get("translation_provider", ()):
                raise ValueError(f"is required when TRANSLATION_PROVIDER lists {provider}")
            return None
        value = str(value).strip()
        if any(ch.isspace() for ch in value):
            raise ValueError("must not contain spaces")
        return value

    @field_validator("deepl_api_url", mode="before")
    @classmethod
    def _deepl_api_url(cls, value: Any, info: ValidationInfo) -> Any:
        url = _service_url(str(value))
        key = info.data.get("deepl_api_key")
        free_key = key is not None and key.get_secret_value().endswith(":fx")
        if free_key and url == DEEPL_PRO_API_URL:
            raise ValueError(f"a DeepL API Free key (ending in :fx) needs {DEEPL_FREE_API_URL}")
        if key is not None and not free_key and url == DEEPL_FREE_API_URL:
            raise ValueError(f"a DeepL API Pro key (not ending in :fx) needs {DEEPL_PRO_API_URL}")
        return url

    @field_validator("azure_translator_region", mode="before")
    @classmethod
    def _azure_region(cls, value: Any) -> Any:
        if value is None or (isinstance(value, str) and not value.strip()):
            return None
        value = str(value).strip().lower()
        if not _AZURE_REGION.fullmatch(value):
            raise ValueError("must be an Azure region name such as westeurope")
        return value

    @field_validator("azure_translator_url", mode="before")
    @classmethod
    def _azure_url(cls, value: Any) -> Any:
        return _service_url(str(value))

    @field_validator("staff_language")
    @classmethod
    def _staff_language(cls, value: str) -> str:
        value = value.strip().lower()
        if value not in SUPPORTED_LOCALES:
            raise ValueError(f"'{value}' is not one of {', '.join(SUPPORTED_LOCALES)}")
        return value

    @field_validator("translation_timeout", mode="before")
    @classmethod
    def _translation_timeout(cls, value: Any) -> Any:
        try:
            seconds = float(str(value).strip())
        except ValueError:
            raise ValueError(f"'{value}' is not a number of seconds") from None
        if not 0 < seconds <= 120:
            raise ValueError("must be more than 0 and at most 120 seconds")
        return seconds

    @field_validator("survey_secret", mode="before")
    @classmethod
    def _survey_secret(cls, value: Any) -> Any:
        if isinstance(value, SecretStr):
            value = value.get_secret_value()
        if value is None or (isinstance(value, str) and not value.strip()):
            return None
        value = str(value).strip()
        if len(value) < SURVEY_SECRET_MIN:
            raise ValueError(
                f"must be at least {SURVEY_SECRET_MIN} characters "
                "(e.g. python -c 'import secrets; print(secrets.token_urlsafe(32))')"
            )
        return value

    @field_validator(
        "retention_closed_questions_months",
        "retention_survey_responses_months",
        "retention_audit_months",
        "retention_inactive_members_months",
        "retention_confirm_days",
        mode="before",
    )
    @classmethod
    def _retention_period(cls, value: Any, info: ValidationInfo) -> Any:
        text = str(value).strip()
        unit = "days" if info.field_name == "retention_confirm_days" else "months"
        if not text.isdigit() or int(text) > 1200:
            raise ValueError(f"'{text}' is not a whole number of {unit} (0-1200)")
        if unit == "days" and int(text) == 0:
            raise ValueError("must be at least 1 day")
        return int(text)

    @field_validator("retention_time", mode="before")
    @classmethod
    def _retention_time(cls, value: Any) -> Any:
        match = _CLOCK.fullmatch(str(value).strip())
        if match is None or int(match.group(1)) > 23 or int(match.group(2)) > 59:
            raise ValueError("must be a time of day like 03:30 (24-hour clock)")
        return f"{int(match.group(1)):02d}:{match.group(2)}"

    @property
    def tz(self) -> ZoneInfo:
        return ZoneInfo(self.timezone)

    @property
    def is_sqlite(self) -> bool:
        return self.database_url.startswith("sqlite")

    def require_token(self) -> str:
        if self.bot_token is None:
            raise ConfigError(
                "BOT_TOKEN is not set: get a token from @BotFather and put it in .env "
                "(or run the sandbox, which needs none)"
            )
        return self.bot_token.get_secret_value()


def load_settings(**overrides: Any) -> Settings:
    """Load settings; any problem becomes one ConfigError line naming the setting."""
    try:
        return Settings(**overrides)
    except ValidationError as exc:
        error = exc.errors()[0]
        name = str(error["loc"][0]).upper() if error["loc"] else "configuration"
        message = str(error["msg"]).removeprefix("Value error, ")
        raise ConfigError(f"{name}: {message}") from None


__all__ = ["SUPPORTED_LOCALES", "ConfigError", "Settings", "load_settings"]
