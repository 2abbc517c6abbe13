"""Catch-alls, last in order: unknown commands, stray messages and stale buttons never meet silence.

One guard comes first instead: a command no handler knows gets the unknown-command reply
whatever the member is doing (a question draft, an onboarding step, a translation request),
so a command is never taken as content."""

from __future__ import annotations

from collections.abc import Iterable, Iterator

from aiogram import F, Router
from aiogram.filters import Command, Filter
from aiogram.types import BotCommand, CallbackQuery, Message
from aiogram.utils.i18n import I18n
from aiogram.utils.i18n import gettext as _

from bot import keyboards
from bot.config import SUPPORTED_LOCALES
from bot.i18n import picker_order
from bot.marking import N_
from bot.services.roles import Actor
from bot.telegram.route_index import MessageKey
from db.models import Member
from handlers.selfservice import reply_unknown_command
from handlers.staff_help import staff_help

CHOOSE_FIRST = N_("Please choose your language first.")


def _all_routers(routers: Iterable[Router]) -> Iterator[Router]:
    for router in routers:
        yield router
        yield from _all_routers(router.sub_routers)


def registered_commands(routers: Iterable[Router]) -> frozenset[str]:
    """Every command name some message handler of `routers` filters on (lower case)."""
    names: set[str] = set()
    for router in _all_routers(routers):
        for handler in router.message.handlers:
            for item in handler.filters or ():
                if not isinstance(item.callback, Command):
                    continue
                for command in item.callback.commands:
                    if isinstance(command, str):
                        names.add(command.lower())
                    elif isinstance(command, BotCommand):
                        names.add(command.command.lower())
    return frozenset(names)


def command_name(text: str | None) -> str | None:
    """`/Foo@bot args` → "foo"; None when the text is no command."""
    if not text or not text.startswith("/"):
        return None
    return text.split(maxsplit=1)[0][1:].split("@", 1)[0].lower()


class UnknownCommand(Filter):
    """A command that no handler of this bot knows."""

    def __init__(self, known: frozenset[str]) -> None:
        self.known = known

    async def __call__(self, message: Message) -> bool:
        name = command_name(message.text)
        return name is not None and name not in self.known

    def routes_messages(self) -> MessageKey:
        return MessageKey(other_commands=self.known)  # bot/telegram/route_index.py


async def unknown_command(message: Message, i18n: I18n, actor: Actor | None = None) -> None:
    if actor is not None and actor.is_staff:  # staff are pointed to their own commands
        await message.answer(
            _("Sorry, I don't know that command.") + "\n\n" + staff_help(actor, i18n.current_locale)
        )
        return
    await reply_unknown_command(message)


def choose_first_text(i18n: I18n, telegram_code: str | None) -> str:
    """ "Please choose your language first." in every language, the user's app language first
    (no language is known yet, as for the picker's own prompt)."""
    order = picker_order(telegram_code) or list(SUPPORTED_LOCALES)
    lines = dict.fromkeys(i18n.gettext(CHOOSE_FIRST, locale=code) for code in order)
    return "\n".join(lines)


async def anything_else(
    message: Message,
    i18n: I18n,
    member: Member | None = None,
    actor: Actor | None = None,
) -> None:
    if (member is None or member.language is None) and not (actor and actor.is_staff):
        # No language chosen yet: there is no menu to point at; the picker again.
        code = message.from_user.language_code if message.from_user else None
        await message.answer(
            choose_first_text(i18n, code), reply_markup=keyboards.language_picker(code)
        )
        return
    await message.answer(_("I did not understand that. Use the menu below, or send /help."))


async def stale_button(query: CallbackQuery) -> None:
    await query.answer(_("This button no longer works. Send /start to continue."), show_alert=True)


def create_guard_router(known: frozenset[str]) -> Router:
    """First in order: commands no handler knows get the unknown-command reply."""
    router = Router(name=__name__ + ".guard")
    router.message.register(unknown_command, F.chat.type == "private", UnknownCommand(known))
    return router


def create_router() -> Router:
    """This feature's handlers on a new router (one per Dispatcher)."""
    router = Router(name=__name__)
    router.message.register(unknown_command, F.chat.type == "private", F.text.startswith("/"))
    router.message.register(anything_else, F.chat.type == "private")
    router.callback_query.register(stale_button)
    return router
