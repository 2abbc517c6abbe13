"""A local Telegram Bot API emulator for end-to-end tests, benchmarks and the sandbox UI.

The unchanged bot talks to it over HTTP, exactly as to ``api.telegram.org``::

    async with Emulator(token=TOKEN, bot_username="expertpool_bot") as emu:
        bot = Bot(TOKEN, session=AiohttpSession(api=TelegramAPIServer.from_base(emu.api_url)))
        amina = emu.create_user("Amina", language_code="ar")
        await amina.send_command("/start")
        reply = await amina.wait_for_message()          # the bot's next message, no sleeping
        await amina.press("العربية")                    # inline button by text; waits for the answer
        emu.assert_no_rejections()

Server
    ``Emulator(token, *, bot_username, bot_first_name, seed, spec_path, request_log_size,
    privacy_mode, webhook_retry_base, webhook_max_attempts)``; ``await emu.start(host, port=0)``
    / ``await emu.stop()`` or ``async with``; ``emu.api_url`` is the ``TELEGRAM_API_URL``.
    Serves ``/bot<token>/<method>`` (JSON, urlencoded or multipart; method names
    case-insensitive) and ``/file/bot<token>/<file_path>``. ``await emu.api(method, **params)``
    calls a method in-process; ``await emu.wait_until_polling()`` returns once the bot's
    getUpdates is waiting.

Validation
    Every call is checked against the Bot API model shipped in ``data/bot-api.json`` (or
    the file ``BOT_API_SPEC`` names) and the limits in ``telegram.constants``. Refused calls
    get Telegram's status and description and are appended to ``emu.rejections``
    (``Rejection(method, params, status, description)``); ``emu.assert_no_rejections()``
    fails a test on any. Unknown parameters are accepted and noted in ``emu.warnings``.
    ``emu.requests`` logs every call (capped by ``request_log_size``);
    ``emu.method_calls("sendMessage")`` filters it.

Faults (``emu.faults``; logged in ``emu.fault_log``, never counted as rejections)
    ``fail_next(method, status, description=None, *, chat_id=None, count=1, retry_after=None)``,
    ``drop_next(method=None, *, chat_id=None, count=1)`` (connection closed, no answer),
    ``delay_next(method, seconds, *, chat_id=None, count=1)``,
    ``set_random(rate_429=, rate_5xx=, rate_blocked=, rate_drop=, rate_slow=, slow_seconds=,
    retry_after=, methods=None, seed=)``, ``block(chat_id)``, ``deactivate(chat_id)``,
    ``unblock(chat_id)``, ``clear()``. A randomly "blocked" user stays blocked.
    ``await emu.wait_for_fault(method=None, *, chat_id=None, timeout=5)`` returns the first
    logged fault that matches, waiting for it without sleeping.
    A fault that fires notifies ``emu.world.events.notifier`` (a delayed call: before its
    delay, the request already received in full).

Flood control (``emu.flood``; off by default)
    ``configure(global_per_sec=30, per_chat_per_sec=1, per_chat_burst=3, per_group_per_min=20,
    per_group_burst=None)`` (defaults from ``FloodLimit``), ``disable()``; over the limit a
    send gets 429 "Too Many Requests: retry after N" with ``parameters.retry_after``.

People
    ``emu.create_user(first_name="Amina", language_code=None, username=None, last_name=None, *,
    started=True) -> SimUser`` and ``emu.create_group(title, *, forum=True, members=(),
    admins=(), owner=None, bot_is_admin=True, bot_can_manage_topics=True) -> SimGroup``.
    ``SimUser``: ``send_text(text, chat=None, thread_id=None, reply_to=None)``,
    ``send_command("/start", args="")``, ``send_photo(data=None, caption=None)``,
    ``send_voice(data=..., duration=3)``, ``send_document(data, file_name, mime_type, caption)``,
    ``send_sticker(emoji)``, ``reply(message, text)``, ``edit(message, text)``,
    ``press(button_text_or_predicate, message=None, *, wait_answer=True, timeout=5)
    -> CallbackResult``, ``press_callback_data(data, message)``, ``press_keyboard(text)``,
    ``block_bot()`` / ``unblock_bot()`` (403 plus a my_chat_member update),
    ``create_topic(group, name)``, ``chat``, ``reply_keyboard``, ``callback_answers``.
    Both ``SimUser`` and ``SimGroup`` can wait and read: ``await wait_for_message(predicate=None,
    *, timeout=5, chat=None, thread_id=ANY)`` returns the oldest bot message in the chat not
    yet returned to that observer (event-driven; raises ``TimeoutError`` with the recent
    transcript and rejections), ``wait_for_edit(message=None, predicate=None)``,
    ``skip_pending()``, ``messages()``, ``bot_messages()``, ``last_bot_message()``. A ``chat``
    argument may be a SimGroup, a SimUser (their private chat), a message, an id or @name.
    ``SimGroup`` adds ``topics``, ``topic(name)``, ``wait_for_topic(name_or_predicate)``.
    Messages are ``SimMessage`` views (a read-only Mapping over the Bot API dict that reflects
    later edits) with ``.text``, ``.caption``, ``.buttons``, ``.button_texts``,
    ``.callback_data``, ``.file_id``, ``.thread_id``, ``.deleted``, ``.edit_history`` and
    ``.to_dict()``. In groups the bot sees messages as Telegram's privacy mode allows
    (all of them when it is an admin).

Updates and webhooks
    Updates queue for getUpdates (offset/limit/timeout/allowed_updates, 409 on a concurrent
    poll or an active webhook). After setWebhook the emulator POSTs each update in order with
    ``X-Telegram-Bot-Api-Secret-Token``, retrying non-2xx answers with back-off;
    ``emu.deliveries`` lists the attempts. A webhook reply naming a ``method`` is executed.

Telegram rules the emulator keeps (and tests may trip over)
    A person who never wrote to the bot can't be messaged (403 "bot can't initiate
    conversation with a user"; ``create_user(started=False)``). Forum topics need an admin
    bot with ``can_manage_topics``; a closed topic takes posts only from such admins
    (others get "TOPIC_CLOSED"). editMessageText without ``reply_markup`` removes the inline
    keyboard. Replies to another chat's message carry ``external_reply``.

Control API for a browser UI: see ``control.py`` (``/_emulator/...``, long poll and SSE).
"""

from .core import ApiWarning, Rejection, RequestRecord
from .errors import ApiError
from .faults import Faults
from .flood import FloodControl
from .groups import SimGroup
from .people import EmulatorUsageError, SimUser
from .server import DEFAULT_TOKEN, Emulator
from .spec import SpecNotFoundError, load_spec
from .view import CallbackResult, SimMessage
from .waiting import ANY

__all__ = [
    "ANY",
    "DEFAULT_TOKEN",
    "ApiError",
    "ApiWarning",
    "CallbackResult",
    "Emulator",
    "EmulatorUsageError",
    "Faults",
    "FloodControl",
    "Rejection",
    "RequestRecord",
    "SimGroup",
    "SimMessage",
    "SimUser",
    "SpecNotFoundError",
    "load_spec",
]
