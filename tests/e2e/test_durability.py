"""Nothing lost: `python -m bot run` is SIGKILLed in the middle of a burst of /start updates
and started again; every new member gets exactly one language picker.

On SQLite with long polling (one process), and on PostgreSQL with two webhook workers
behind a load balancer, one of them killed. The kill comes while most updates are stored
but not handled and every handler slot waits for Telegram to take a picker (Telegram is made
slow for a moment): those pickers arrive after the kill, and the updates handled again must
not send a second one. (A kill in the instant between the picker's record and the picker
leaving the process loses that picker; bench/durability.py measures kills at any moment.)
"""

from __future__ import annotations

import asyncio
from pathlib import Path

from aiogram import Dispatcher, Router
from aiogram.filters import Command
from aiogram.types import Message

from bot.app import prepare_database
from bot.config import Settings
from bot.factory import create_bot
from bot.i18n import create_i18n
from bot.inbox import store
from bot.scale.inbox import CONCURRENCY, Inbox, serve
from botapi_emulator import Emulator, SimUser
from db.engine import create_engine, create_session_factory
from tests.balancer import balancer_for
from tests.e2e.conftest import TOKEN
from tests.process import STARTUP_TIMEOUT, BotProcess
from tests.servers import closed_port, fresh_postgres_database

BURST = 300
KILL_AFTER = 60
PICKER = "Choose your language"
PATH = "/telegram/webhook"
HOLD = 2.0  # seconds Telegram takes for the pickers in flight at the kill
LEASE = 5.0  # INBOX_LEASE_SECONDS of the two workers (default 15): the survivor takes over sooner


def pickers(user: SimUser) -> int:
    return sum(PICKER in (m.text or "") for m in user.bot_messages())


async def _burst(emulator: Emulator) -> list[SimUser]:
    users = [emulator.create_user(f"New{i}", language_code="nl") for i in range(BURST)]
    for user in users:
        await user.send_command("/start")
    return users


async def _until_pickers(
    emulator: Emulator, users: list[SimUser], count: int, *workers: BotProcess
) -> None:
    while (answered := sum(pickers(u) > 0 for u in users)) < count:
        if not await emulator.world.events.notifier.wait(30):
            output = "\n".join(line for w in workers for line in w.lines[-30:])
            raise AssertionError(f"the bot stopped answering at {answered}/{count}:\n{output}")


async def _kill_while_sending(
    emulator: Emulator, users: list[SimUser], victim: BotProcess, sending: int
) -> None:
    """After KILL_AFTER pickers, hold every further picker for HOLD seconds; once `sending`
    handlers wait for Telegram, SIGKILL `victim` and let Telegram be quick again."""
    await _until_pickers(emulator, users, KILL_AFTER)
    emulator.faults.delay_next("sendMessage", HOLD, count=BURST)
    while sum(r.action == "delay" for r in emulator.fault_log) < sending:
        assert await emulator.world.events.notifier.wait(30), "handlers did not reach Telegram"
    await victim.kill()
    emulator.faults.clear()
    assert sum(pickers(u) > 0 for u in users) < BURST, "the kill came too late"


async def _drained(database_url: str, worker: BotProcess) -> None:
    """Wait until nothing is left in the inbox: the updates a dead worker had in hand are
    handled again, once each, when its lease ends (their pickers were sent: no new message)."""
    engine = create_engine(database_url)
    try:
        while True:
            async with create_session_factory(engine)() as session:
                if await store.waiting_count(session) == 0:
                    return
            await worker.wait_for_log(lambda e: e["event"] == "update handled again", timeout=30)
    finally:
        await engine.dispose()


async def test_sigkill_mid_burst_polling_sqlite(emulator: Emulator, tmp_path: Path) -> None:
    database_url = f"sqlite+aiosqlite:///{tmp_path / 'bot.db'}"
    settings = {"BOT_TOKEN": TOKEN, "TELEGRAM_API_URL": emulator.api_url,
                "DATABASE_URL": database_url, "LOG_LEVEL": "INFO"}  # fmt: skip
    first = await BotProcess.start("run", cwd=tmp_path, **settings)
    second: BotProcess | None = None
    try:
        await emulator.wait_until_polling(timeout=STARTUP_TIMEOUT)
        users = await _burst(emulator)
        await _kill_while_sending(emulator, users, first, CONCURRENCY)

        second = await BotProcess.start("run", cwd=tmp_path, **settings)
        await _until_pickers(emulator, users, BURST)
        await _drained(database_url, second)
        assert await second.stop() == 0
        assert [u.first_name for u in users if pickers(u) != 1] == []
    finally:
        await first.kill()
        if second is not None:
            await second.kill()


async def test_sigkill_one_of_two_webhook_workers_postgres(
    emulator: Emulator, tmp_path: Path, postgres_template: str
) -> None:
    async with fresh_postgres_database(template=postgres_template) as database_url:
        ports = [closed_port(), closed_port()]
        balancer, balancer_port = await balancer_for(ports, PATH)
        workers = [
            await BotProcess.start(
                "run",
                cwd=tmp_path,
                BOT_TOKEN=TOKEN,
                TELEGRAM_API_URL=emulator.api_url,
                DATABASE_URL=database_url,
                WEBHOOK_URL=f"http://127.0.0.1:{balancer_port}{PATH}",
                WEBHOOK_SECRET="durable-secret",
                WEBHOOK_PORT=str(port),
                INSTANCE_ID=f"worker-{n}",
                INBOX_LEASE_SECONDS=str(LEASE),
                LOG_LEVEL="INFO",
            )  # fmt: skip
            for n, port in enumerate(ports, start=1)
        ]
        try:
            for worker in workers:
                await worker.wait_for_log(
                    lambda e: e["event"] == "webhook server listening", timeout=STARTUP_TIMEOUT
                )
            users = await _burst(emulator)
            await _kill_while_sending(emulator, users, workers[0], 2 * CONCURRENCY)

            # The survivor takes over what the dead worker had claimed once its lease ends.
            await _until_pickers(emulator, users, BURST, workers[1])
            await _drained(database_url, workers[1])
            assert await workers[1].stop() == 0
            assert [u.first_name for u in users if pickers(u) != 1] == []
        finally:
            for worker in workers:
                await worker.kill()
            await balancer.cleanup()


async def test_poison_update_is_parked_with_an_alert_and_its_chat_goes_on(
    emulator: Emulator, tmp_path: Path
) -> None:
    admin = emulator.create_user("Admin", language_code="nl")
    member = emulator.create_user("Amal", language_code="ar")
    settings = Settings(bot_token=TOKEN, telegram_api_url=emulator.api_url,
                        database_url=f"sqlite+aiosqlite:///{tmp_path / 'bot.db'}",
                        admin_ids=(admin.id,), default_locale="nl", _env_file=None)  # type: ignore[call-arg]  # fmt: skip
    await prepare_database(settings)
    router = Router()
    tries: list[int] = []

    @router.message(Command("boom"))
    async def boom(message: Message) -> None:
        tries.append(message.message_id)
        raise RuntimeError("a handler bug")

    @router.message()
    async def answer(message: Message) -> None:
        await message.answer("pong")

    dp = Dispatcher()
    dp.include_router(router)
    bot = create_bot(settings)
    engine = create_engine(settings.database_url)
    inbox = Inbox(dp, bot, create_session_factory(engine), settings, create_i18n("nl"))
    task = asyncio.create_task(serve(dp, bot, inbox))
    try:
        await emulator.wait_until_polling()
        await member.send_command("/boom")
        await member.send_text("ping")
        alert = await admin.wait_for_message(timeout=20)
        assert "kon na 3 pogingen niet worden verwerkt" in (alert.text or "")
        assert "boom" not in (alert.text or "")  # nothing the member wrote
        assert len(tries) == store.MAX_ATTEMPTS
        assert (await member.wait_for_message(timeout=10)).text == "pong"
    finally:
        task.cancel()
        await asyncio.gather(task, return_exceptions=True)
        await bot.session.close()
        await engine.dispose()
