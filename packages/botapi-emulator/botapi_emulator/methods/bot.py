"""The bot itself: getMe, getUpdates, webhooks, commands, name and descriptions."""

from __future__ import annotations

import datetime as dt
from typing import Any
from urllib.parse import urlsplit

import telegram

from ..errors import bad_request
from ..limits import (
    MAX_BOT_DESCRIPTION,
    MAX_BOT_NAME,
    MAX_BOT_SHORT_DESCRIPTION,
    MAX_WEBHOOK_CONNECTIONS,
    MIN_WEBHOOK_CONNECTIONS,
    check_commands,
    check_secret_token,
)
from ..updates import WebhookConfig
from . import Call, method


@method("getMe")
async def get_me(call: Call) -> dict[str, Any]:
    return call.world.objects.bot_user(call.world.bot)


@method("logOut", "close")
async def log_out(call: Call) -> bool:
    return True


@method("getUpdates")
async def get_updates(call: Call) -> list[dict[str, Any]]:
    params = call.params
    return await call.world.updates.poll(
        params.get("offset"),
        params.get("limit"),
        params.get("timeout"),
        params.get("allowed_updates"),
    )


@method("setWebhook")
async def set_webhook(call: Call) -> bool:
    params = call.params
    hub = call.world.updates
    url = params.get("url") or ""
    if params.get("drop_pending_updates"):
        hub.drop_pending()
    if not url:
        hub.webhook = None
        hub.notifier.notify()
        return True
    parts = urlsplit(url)
    if parts.scheme not in ("http", "https") or not parts.hostname:
        raise bad_request("bad webhook: Webhook can be set up only on ports 80, 88, 443 or 8443")
    connections = params.get("max_connections", 40)
    if not MIN_WEBHOOK_CONNECTIONS <= connections <= MAX_WEBHOOK_CONNECTIONS:
        raise bad_request("bad webhook: max_connections must be between 1 and 100")
    check_secret_token(params.get("secret_token"))
    hub.set_allowed(params.get("allowed_updates"))
    hub.webhook = WebhookConfig(
        url=url,
        secret_token=params.get("secret_token"),
        max_connections=connections,
        ip_address=params.get("ip_address"),
        has_custom_certificate="certificate" in params,
    )
    hub.notifier.notify()
    return True


@method("deleteWebhook")
async def delete_webhook(call: Call) -> bool:
    hub = call.world.updates
    if call.params.get("drop_pending_updates"):
        hub.drop_pending()
    hub.webhook = None
    hub.notifier.notify()
    return True


@method("getWebhookInfo")
async def get_webhook_info(call: Call) -> dict[str, Any]:
    hub = call.world.updates
    config = hub.webhook
    pending = len(hub.pending)
    if config is None:
        return telegram.WebhookInfo(
            url="", has_custom_certificate=False, pending_update_count=pending
        ).to_dict()
    allowed = sorted(hub.allowed)
    return telegram.WebhookInfo(
        url=config.url,
        has_custom_certificate=config.has_custom_certificate,
        pending_update_count=pending,
        ip_address=config.ip_address or "127.0.0.1",
        last_error_date=(
            dt.datetime.fromtimestamp(config.last_error_date, tz=dt.UTC)
            if config.last_error_date
            else None
        ),
        last_error_message=config.last_error_message,
        max_connections=config.max_connections,
        allowed_updates=allowed,
    ).to_dict()


def _scope_key(scope: dict[str, Any] | None) -> str:
    if not scope:
        return "default"
    parts = [scope["type"]]
    for key in ("chat_id", "user_id"):
        if key in scope:
            parts.append(str(scope[key]))
    return ":".join(parts)


@method("setMyCommands")
async def set_my_commands(call: Call) -> bool:
    commands: list[dict[str, Any]] = call.params["commands"]
    check_commands(commands)
    key = (_scope_key(call.params.get("scope")), call.params.get("language_code", ""))
    objects = call.world.objects
    call.world.commands[key] = [objects.bot_command(c) for c in commands]
    return True


@method("getMyCommands")
async def get_my_commands(call: Call) -> list[dict[str, Any]]:
    key = (_scope_key(call.params.get("scope")), call.params.get("language_code", ""))
    return list(call.world.commands.get(key, []))


@method("deleteMyCommands")
async def delete_my_commands(call: Call) -> bool:
    key = (_scope_key(call.params.get("scope")), call.params.get("language_code", ""))
    call.world.commands.pop(key, None)
    return True


_TEXTS = {
    "setmyname": ("name", MAX_BOT_NAME),
    "setmydescription": ("description", MAX_BOT_DESCRIPTION),
    "setmyshortdescription": ("short_description", MAX_BOT_SHORT_DESCRIPTION),
}


@method("setMyName", "setMyDescription", "setMyShortDescription")
async def set_my_text(call: Call) -> bool:
    field, limit = _TEXTS[call.method.lower()]
    value = call.params.get(field) or ""
    if len(value) > limit:
        raise bad_request(f"bot {field.replace('_', ' ')} is too long")
    call.world.bot_texts[(field, call.params.get("language_code", ""))] = value
    return True


@method("getMyName", "getMyDescription", "getMyShortDescription")
async def get_my_text(call: Call) -> dict[str, Any]:
    field = (
        call.method.lower().removeprefix("getmy").replace("shortdescription", "short_description")
    )
    texts = call.world.bot_texts
    lang = call.params.get("language_code", "")
    value = texts.get((field, lang), texts.get((field, ""), ""))
    if field == "name":
        return telegram.BotName(value or call.world.bot.first_name).to_dict()
    if field == "description":
        return telegram.BotDescription(value).to_dict()
    return telegram.BotShortDescription(value).to_dict()
