"""The running sandbox: the emulator, the real bot against it, and the page, as one object.

``async with Sandbox(folder, port=0) as sandbox:`` starts the Bot API emulator, the bot
(SQLite in `folder`, leader services included; a labelled demo translator unless
TRANSLATION_PROVIDER is set), seeds demo data on the first start and
serves the page at ``sandbox.url``. The emulated chats are saved to `folder` every few
seconds and on stop, so a restart continues where the last run stopped.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import os
import secrets
from pathlib import Path
from types import TracebackType

from aiohttp import web

from bot.config import Settings, load_settings
from bot.features import leader_services
from bot.scale.leader import LeaderServices
from botapi_emulator import Emulator
from expertpool_sandbox import demo, snapshot
from expertpool_sandbox.harness import RunningBot
from expertpool_sandbox.runner import DEFAULT_PORT
from expertpool_sandbox.translator import DemoTranslator
from expertpool_sandbox.webapp import SandboxState, create_web_app

log = logging.getLogger(__name__)

DATABASE_FILE = "sandbox.db"
BOT_ID = 7_000_000_001
BOT_USERNAME = "expertpool_sandbox_bot"
BOT_NAME = "Expert pool"
AUTOSAVE_SECONDS = 3.0
SANDBOX_SURVEY_SECRET = "sandbox-only-survey-secret-never-use-in-production"


def sandbox_settings(
    api_url: str, token: str, database: Path, demo_translator: str | None = None
) -> Settings:
    """The bot's settings in the sandbox: environment values apply, `.env` does not.
    `demo_translator`: the demo translator's address (the bot's `demo` provider, a
    LibreTranslate-compatible server named as a demo in labels and the privacy notice)."""
    translation = (
        {"translation_provider": "demo", "libretranslate_url": demo_translator}
        if demo_translator
        else {}
    )
    return load_settings(
        _env_file=None,
        bot_token=token,
        telegram_api_url=api_url,
        database_url=f"sqlite+aiosqlite:///{database}",
        admin_ids=(demo.ADMIN_ID,),
        redis_url=None,
        webhook_url=None,
        webhook_secret=None,
        # Scheduled messages should arrive while someone is watching, at any hour.
        quiet_hours=os.environ.get("QUIET_HOURS", "off"),
        **translation,
        # A fixed key keeps anonymous answers in the sandbox's database consistent across runs.
        survey_secret=os.environ.get("SURVEY_SECRET") or SANDBOX_SURVEY_SECRET,
    )


def wants_demo_translator() -> bool:
    """The demo translator runs unless TRANSLATION_PROVIDER is set in the environment."""
    return not os.environ.get("TRANSLATION_PROVIDER")


class Sandbox:
    """Emulator + bot + page; `async with Sandbox(folder, port=0) as sandbox: sandbox.url`."""

    def __init__(
        self,
        data_dir: Path,
        *,
        host: str = "127.0.0.1",
        port: int = DEFAULT_PORT,
        demo_data: bool = True,
    ) -> None:
        self.data_dir = data_dir
        self.host = host
        self.port = port
        self.demo_data = demo_data
        self.ids = snapshot.Ids()
        self.emulator: Emulator | None = None
        self.bot: RunningBot | None = None
        self.services: LeaderServices | None = None
        self.translator: DemoTranslator | None = None
        self._web: web.AppRunner | None = None
        self._autosave: asyncio.Task[None] | None = None
        self._saved_seq = -1
        self._ready = False  # only a fully started world is saved on stop

    @property
    def url(self) -> str:
        return f"http://{self.host}:{self.port}"

    async def __aenter__(self) -> Sandbox:
        await self.start()
        return self

    async def __aexit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        await self.stop()

    async def start(self) -> None:
        try:
            await self._start()
        except BaseException:
            await self.stop()
            raise

    async def _start(self) -> None:
        self.data_dir.mkdir(parents=True, exist_ok=True)
        saved = snapshot.load(self.data_dir)
        database = self.data_dir / DATABASE_FILE
        if saved is None:
            _remove_orphan_database(database)
        else:
            self.ids = saved.ids
        token = f"{BOT_ID}:{secrets.token_urlsafe(24)}"
        self.emulator = Emulator(token, bot_username=BOT_USERNAME, bot_first_name=BOT_NAME)
        await self.emulator.start(self.host, 0)
        if saved is not None:
            snapshot.restore(self.data_dir, self.emulator, saved)
        demo.admin(self.emulator)
        if wants_demo_translator():
            self.translator = await DemoTranslator().start()
        settings = sandbox_settings(
            self.emulator.api_url,
            token,
            database,
            self.translator.url if self.translator is not None else None,
        )
        self.bot = await RunningBot.start(settings)
        await self.emulator.wait_until_polling(timeout=15)
        self.services = self._leader_services(self.bot)
        await self.services.start_all()
        if self.demo_data and (saved is None or not saved.seeded):
            await demo.seed(self.emulator, self.bot, self.ids)
        self.save()
        state = SandboxState(self.emulator, self.bot, self.ids)
        self._web = web.AppRunner(
            create_web_app(state), access_log=None, handle_signals=False, shutdown_timeout=1.0
        )
        await self._web.setup()
        await web.TCPSite(self._web, self.host, self.port).start()
        self.port = int(self._web.addresses[0][1])
        self._autosave = asyncio.create_task(self._autosave_loop())
        self._ready = True

    @staticmethod
    def _leader_services(running: RunningBot) -> LeaderServices:
        args = (running.bot, running.session_factory, running.settings, running.i18n)
        services, _scheduler = leader_services(*args, dp=running.dispatcher, bridge=running.bridge)
        return services

    def save(self) -> None:
        if self.emulator is None:
            return
        snapshot.save(self.data_dir, self.emulator, self.ids, seeded=True)
        self._saved_seq = self.emulator.world.events.seq

    async def _autosave_loop(self) -> None:
        while True:
            await asyncio.sleep(AUTOSAVE_SECONDS)
            if self.emulator is not None and self.emulator.world.events.seq != self._saved_seq:
                try:
                    self.save()
                except OSError as exc:
                    log.warning("sandbox not saved", extra={"reason": str(exc)})

    async def stop(self) -> None:
        """Stop everything that started, bot before emulator; the world is saved last."""
        if self._autosave is not None:
            self._autosave.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._autosave
            self._autosave = None
        if self.services is not None:
            await self.services.stop_all()
            self.services = None
        if self.bot is not None:
            running, self.bot = self.bot, None
            await running.stop()
        if self.emulator is not None:
            if self._ready:
                with contextlib.suppress(OSError):
                    self.save()
            await self.emulator.stop()  # also ends the page's event streams
            self.emulator = None
        if self._web is not None:
            await self._web.cleanup()
            self._web = None
        if self.translator is not None:
            await self.translator.close()
            self.translator = None
        self._ready = False


def _remove_orphan_database(database: Path) -> None:
    """A sandbox database whose chats were never saved refers to people who no longer exist."""
    if database.exists():
        log.warning(
            "sandbox database without saved chats: starting over", extra={"db": str(database)}
        )
        for suffix in ("", "-wal", "-shm", "-journal"):
            database.with_name(database.name + suffix).unlink(missing_ok=True)
