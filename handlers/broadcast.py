"""/broadcast and /broadcasts: coordinators announce to their pools through the broadcaster.

Rights are re-checked on every step (in the services); people without any broadcast
scope never match here, so their /broadcast gets the usual "unknown command" answer.
"""

from __future__ import annotations

from datetime import datetime
from functools import partial
from html import escape as html_escape
from typing import Any

from aiogram import Bot, F, Router
from aiogram.dispatcher.event.bases import SkipHandler
from aiogram.exceptions import TelegramBadRequest
from aiogram.filters import Command, StateFilter
from aiogram.fsm.context import FSMContext
from aiogram.types import CallbackQuery, Message
from aiogram.utils.i18n import I18n, ngettext
from aiogram.utils.i18n import gettext as _

from bot.bridge import provider_name
from bot.broadcast import content as contents
from bot.broadcast import draft, machine, service, texts
from bot.broadcast import keyboards as kb
from bot.broadcast import telegram as broadcast_telegram
from bot.broadcast.audience import Scope
from bot.broadcast.callbacks import BroadcastAction as Action
from bot.broadcast.callbacks import BroadcastCallback as CB
from bot.broadcast.draft import Draft, MayBroadcast
from bot.broadcast.engine import Broadcaster
from bot.broadcast.service import ProgressMessage
from bot.config import SUPPORTED_LOCALES, Settings
from bot.messenger import Messenger
from bot.numbers import parse_id
from bot.questions.translation import Translator
from bot.services.roles import NotAllowed
from bot.texts import draft_problem, unreviewed
from db.base import utcnow
from db.engine import AsyncSession


def _prompt() -> str:
    return _("Now send the announcement: a text, a photo, a document or a voice message.")


async def _refuse(query: CallbackQuery) -> None:
    # The answer of any dead button: nothing about other regions, nothing about counts.
    await query.answer(_("This button no longer works. Send /start to continue."), show_alert=True)


def _message(query: CallbackQuery) -> Message:
    assert isinstance(query.message, Message)
    return query.message


def _now(broadcaster: Broadcaster | None) -> datetime:
    return broadcaster.now() if broadcaster is not None else utcnow()


async def start(message: Message, state: FSMContext, session: AsyncSession, scope: Scope) -> None:
    await state.set_state(Draft.regions)
    await state.set_data(dict(draft.EMPTY))
    await message.answer(
        _("Who should get this announcement? Choose one or more pools, then press Next."),
        reply_markup=await draft.regions_keyboard(session, scope, draft.EMPTY),
    )


async def toggle_region(
    query: CallbackQuery, callback_data: CB, state: FSMContext, session: AsyncSession, scope: Scope
) -> None:
    data = await state.get_data()
    if callback_data.action == "all":
        if not scope.admin:
            return await _refuse(query)
        data.update(regions=[], all=not data["all"])
    else:
        region_id = parse_id(callback_data.value) or 0
        if not scope.covers([region_id]):
            return await _refuse(query)
        data.update(regions=sorted(set(data["regions"]) ^ {region_id}), all=False)
    await state.set_data(data)
    await query.answer()
    markup = await draft.regions_keyboard(session, scope, data)
    await _message(query).edit_reply_markup(reply_markup=markup)


async def regions_chosen(
    query: CallbackQuery, state: FSMContext, session: AsyncSession, scope: Scope
) -> None:
    data = await state.get_data()
    if not data["all"] and not data["regions"]:
        await query.answer(_("Choose at least one pool."), show_alert=True)
        return
    chosen = draft.audience(data).region_ids
    if not scope.covers(chosen):
        return await _refuse(query)
    await state.set_state(Draft.content)
    names = await service.region_names(session, chosen)
    await query.answer()
    await _message(query).edit_text(
        texts.pools(names) + "\n\n" + _prompt(), reply_markup=kb.cancel_only()
    )


async def receive_content(
    message: Message, state: FSMContext, i18n: I18n, session: AsyncSession, settings: Settings,
    broadcaster: Broadcaster | None = None, translator: Translator | None = None,
) -> None:  # fmt: skip
    found = broadcast_telegram.from_message(message)
    if found is None:
        await message.answer(_("Please send a text, a photo, a document or a voice message."))
        return
    limit = contents.max_length(found, i18n)
    if found.length > limit:
        await message.answer(
            ngettext(
                "This is too long: at most {limit} character.",
                "This is too long: at most {limit} characters.",
                limit,
            ).format(limit=limit)
        )
        return
    data = await state.get_data()
    if code := data.get("replacing"):
        # The coordinator's own text instead of a machine draft: no longer a draft.
        data.update(
            versions={**data["versions"], code: found.to_dict()}, replacing=None,
            machine={c: m for c, m in data.get("machine", {}).items() if c != code},
        )  # fmt: skip
        await state.set_state(Draft.preview)
        assert message.from_user is not None
        try:
            text, markup = await draft.preview(
                session, settings, message.from_user.id, data, _now(broadcaster), translator
            )
        except NotAllowed:
            await state.clear()
            await message.answer(_("Cancelled. Nothing was sent."))
            return
        sent = await message.answer(text, reply_markup=markup)
        await state.set_data({**data, "preview_id": sent.message_id})
        return
    data = await state.update_data(pending=found.to_dict())
    await state.set_state(Draft.language)
    await message.answer(
        _("Which language is this version in?"), reply_markup=kb.languages(list(data["versions"]))
    )


async def choose_language(
    query: CallbackQuery, callback_data: CB, state: FSMContext, session: AsyncSession,
    settings: Settings, broadcaster: Broadcaster | None = None,
    translator: Translator | None = None,
) -> None:  # fmt: skip
    data = await state.get_data()
    code, given = callback_data.value, dict(data["versions"])
    allowed = code in SUPPORTED_LOCALES or (code == contents.EVERYONE and not given)
    if not allowed or code in given or not data.get("pending"):
        return await _refuse(query)
    given[code] = data["pending"]
    data.update(versions=given, pending=None)
    await state.set_data(data)
    await state.set_state(Draft.preview)
    await _show_preview(query, state, data, session, settings, broadcaster, translator)


async def _show_preview(
    query: CallbackQuery, state: FSMContext, data: dict[str, Any], session: AsyncSession,
    settings: Settings, broadcaster: Broadcaster | None, translator: Translator | None,
) -> None:  # fmt: skip
    try:
        text, markup = await draft.preview(
            session, settings, query.from_user.id, data, _now(broadcaster), translator
        )
    except NotAllowed:
        return await _refuse(query)
    await query.answer()
    await _message(query).edit_text(text, reply_markup=markup)
    await state.update_data(preview_id=_message(query).message_id)


async def adjust(
    query: CallbackQuery, callback_data: CB, state: FSMContext, session: AsyncSession,
    settings: Settings, broadcaster: Broadcaster | None = None,
    translator: Translator | None = None,
) -> None:  # fmt: skip
    data = await state.get_data()
    if callback_data.action in (Action.URGENT, Action.BACK):
        if callback_data.action == Action.URGENT:
            data["urgent"] = not data["urgent"]
            await state.set_data(data)
        return await _show_preview(query, state, data, session, settings, broadcaster, translator)
    if not draft.may_add_language(data):
        return await _refuse(query)
    await state.set_state(Draft.content)
    await query.answer()
    await _message(query).edit_text(_prompt(), reply_markup=kb.cancel_only())


async def send(
    query: CallbackQuery, callback_data: CB, state: FSMContext, session: AsyncSession,
    messenger: Messenger, settings: Settings, i18n: I18n, broadcaster: Broadcaster | None = None,
) -> None:  # fmt: skip
    data = await state.get_data()
    message, now = _message(query), _now(broadcaster)
    try:
        await service.confirm(
            session, settings, messenger, actor=query.from_user.id, audience=draft.audience(data),
            versions=draft.versions(data), now=now, locale=i18n.current_locale,
            urgent=data["urgent"], progress=ProgressMessage(message.chat.id, message.message_id),
            progress_text=partial(draft.progress_text, settings, now),
            wake=broadcaster.wake if broadcaster is not None else None,
            unreviewed=draft.unreviewed(data),
            send_unreviewed=callback_data.action == Action.SEND_ANYWAY,
        )  # fmt: skip
    except NotAllowed:
        return await _refuse(query)
    except service.UnreviewedDrafts as exc:
        await query.answer()
        text = unreviewed(exc.languages) + "\n" + _("Send anyway?")
        await message.edit_text(text, reply_markup=kb.send_anyway())
        return
    await state.clear()
    await query.answer()


async def machine_drafts(
    query: CallbackQuery, state: FSMContext, session: AsyncSession, settings: Settings,
    i18n: I18n, broadcaster: Broadcaster | None = None, translator: Translator | None = None,
) -> None:  # fmt: skip
    """Machine drafts for the audience's languages without a version, each shown labelled
    with Accept / Write my own / Drop; then a new preview below them."""
    data = await state.get_data()
    if translator is None or not translator.active or not draft.may_add_language(data):
        return await _refuse(query)
    try:
        made = await machine.make(
            session, settings, translator, i18n, actor=query.from_user.id,
            audience=draft.audience(data), versions=draft.versions(data),
        )  # fmt: skip
    except NotAllowed:
        return await _refuse(query)
    await query.answer()
    data = await state.get_data()  # the draft as it is now (the provider took a while)
    versions, marks = dict(data["versions"]), dict(data.get("machine", {}))
    message = _message(query)
    for found in made.made:
        if found.language in versions:
            continue  # the coordinator added this language meanwhile
        versions[found.language] = found.content.to_dict()
        marks[found.language] = {"provider": found.provider, "reviewed": False}
        await message.answer(
            _draft_card(found.language, found.provider, "new", found.content.html),
            reply_markup=kb.machine_draft(found.language),
        )
    if made.failed:
        await message.answer("\n".join(draft_problem(f.language, f.reason) for f in made.failed))
    data.update(versions=versions, machine=marks)
    text, markup = await draft.preview(
        session, settings, query.from_user.id, data, _now(broadcaster), translator
    )
    sent = await message.answer(text, reply_markup=markup)
    await state.set_data({**data, "preview_id": sent.message_id})


def _draft_card(code: str, provider: str, status: str, body: str) -> str:
    head = texts.draft_card(code, provider_name(provider, _), status)
    if status == "dropped":
        return head
    full = f"{head}\n\n{body}"
    if len(full) <= contents.TEXT_LIMIT:
        return full
    room = contents.TEXT_LIMIT - len(head) - 3
    return f"{head}\n\n" + html_escape(machine.plain_text(body)[: room // 2])  # entities grow


async def draft_action(
    query: CallbackQuery, callback_data: CB, state: FSMContext, session: AsyncSession,
    settings: Settings, bot: Bot, broadcaster: Broadcaster | None = None,
    translator: Translator | None = None,
) -> None:  # fmt: skip
    """Accept, replace or drop one machine draft."""
    data = await state.get_data()
    code, marks = callback_data.value, dict(data.get("machine", {}))
    if code not in marks or code not in data["versions"]:
        return await _refuse(query)
    provider, body = marks[code]["provider"], data["versions"][code]["html"]
    message = _message(query)
    if callback_data.action == Action.DRAFT_EDIT:
        await state.update_data(replacing=code)
        await state.set_state(Draft.content)
        await query.answer()
        await message.edit_text(_draft_card(code, provider, "new", body), reply_markup=None)
        await message.answer(
            _("Send your own text in {language}.").format(language=texts.language(code)),
            reply_markup=kb.cancel_only(),
        )
        return
    if callback_data.action == Action.DRAFT_OK:
        marks[code] = {**marks[code], "reviewed": True}
        status, versions = "accepted", data["versions"]
    else:
        marks.pop(code)
        status = "dropped"
        versions = {c: v for c, v in data["versions"].items() if c != code}
    data.update(machine=marks, versions=versions)
    await state.set_data(data)
    await query.answer()
    await message.edit_text(_draft_card(code, provider, status, body), reply_markup=None)
    if not data.get("preview_id"):
        return
    try:
        text, markup = await draft.preview(
            session, settings, query.from_user.id, data, _now(broadcaster), translator
        )
        await bot.edit_message_text(
            text, chat_id=message.chat.id, message_id=data["preview_id"], reply_markup=markup
        )
    except (NotAllowed, TelegramBadRequest):
        pass  # no longer theirs (Send refuses then), or gone or unchanged


async def cancel_draft(query: CallbackQuery, state: FSMContext) -> None:
    await state.clear()
    await query.answer()
    await _message(query).edit_text(_("Cancelled. Nothing was sent."))


async def cancel_draft_command(message: Message, state: FSMContext) -> None:
    await state.clear()
    await message.answer(_("Cancelled. Nothing was sent."))


async def leave_draft(message: Message, state: FSMContext) -> None:
    """Another feature's command while composing: the draft ends (said so), then the command
    runs. /cancel, /broadcast and /broadcasts keep to the draft; unknown commands never get
    here."""
    await state.clear()
    await message.answer(_("Cancelled. Nothing was sent."))
    raise SkipHandler


async def recent(message: Message, session: AsyncSession, settings: Settings) -> None:
    assert message.from_user is not None
    text, markup = await draft.recent_list(session, settings, message.from_user.id)
    await message.answer(text, reply_markup=markup)


async def stop(
    query: CallbackQuery, callback_data: CB, session: AsyncSession, settings: Settings,
    broadcaster: Broadcaster | None = None,
) -> None:  # fmt: skip
    broadcast_id = parse_id(callback_data.value) or 0
    try:
        await service.stop(
            session, settings, query.from_user.id, broadcast_id,
            wake=broadcaster.wake if broadcaster is not None else None,
        )  # fmt: skip
    except NotAllowed:
        return await _refuse(query)
    except service.AlreadyFinished:
        await query.answer(_("This broadcast has already finished."), show_alert=True)
        return
    await query.answer(_("Broadcast #{number} is cancelled.").format(number=broadcast_id))
    text, markup = await draft.recent_list(session, settings, query.from_user.id)
    await _message(query).edit_text(text, reply_markup=markup)


def create_guard_router() -> Router:
    """Consulted right after the unknown-command guard: a known command typed while a
    coordinator composes an announcement is never its content, and leaves the draft."""
    router = Router(name=__name__ + ".guard")
    router.message.register(
        leave_draft,
        F.chat.type == "private",
        StateFilter(Draft),
        F.text.startswith("/"),
        ~Command("cancel", "broadcast", "broadcasts"),
    )
    return router


def create_router() -> Router:
    """This feature's handlers on a new router (one per Dispatcher)."""
    router = Router(name=__name__)
    router.message.filter(F.chat.type == "private")
    router.message.register(start, Command("broadcast"), MayBroadcast())
    router.callback_query.register(
        toggle_region,
        Draft.regions,
        CB.filter(F.action.in_({Action.REGION, Action.ALL})),
        MayBroadcast(),
    )
    router.callback_query.register(
        regions_chosen,
        Draft.regions,
        CB.filter(F.action == Action.NEXT),
        MayBroadcast(),
    )
    router.message.register(
        receive_content,
        Draft.content,
        MayBroadcast(),
        ~F.text.startswith("/"),
    )
    router.callback_query.register(
        choose_language,
        Draft.language,
        CB.filter(F.action == Action.LANG),
        MayBroadcast(),
    )
    router.callback_query.register(
        adjust,
        Draft.preview,
        CB.filter(F.action.in_({Action.MORE, Action.URGENT, Action.BACK})),
        MayBroadcast(),
    )
    router.callback_query.register(
        send,
        Draft.preview,
        CB.filter(F.action.in_({Action.SEND, Action.SEND_ANYWAY})),
        MayBroadcast(),
    )
    router.callback_query.register(
        machine_drafts,
        Draft.preview,
        CB.filter(F.action == Action.DRAFTS),
        MayBroadcast(),
    )
    router.callback_query.register(
        draft_action,
        Draft.preview,
        CB.filter(F.action.in_({Action.DRAFT_OK, Action.DRAFT_EDIT, Action.DRAFT_DROP})),
        MayBroadcast(),
    )
    router.callback_query.register(
        cancel_draft,
        StateFilter(Draft),
        CB.filter(F.action == Action.CANCEL),
    )
    router.message.register(cancel_draft_command, StateFilter(Draft), Command("cancel"))
    router.message.register(recent, Command("broadcasts"), MayBroadcast())
    router.callback_query.register(stop, CB.filter(F.action == Action.STOP), MayBroadcast())
    return router
