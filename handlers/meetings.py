"""Pool meetings in private chats: coordinators plan (/meeting_new: guided or one line), see
and manage them (/meetings, card buttons); members answer Yes · Maybe · No, give their needs
and see their meetings (/meetings). Every press is checked again in bot.meetings.service."""

from __future__ import annotations

import json
from datetime import timedelta

from aiogram import Bot, F, Router
from aiogram.filters import Command, CommandObject, StateFilter
from aiogram.fsm.context import FSMContext
from aiogram.fsm.state import State, StatesGroup
from aiogram.types import BufferedInputFile, CallbackQuery, Message
from aiogram.utils.i18n import I18n, ngettext
from aiogram.utils.i18n import gettext as _

from bot.bridge import Translation
from bot.broadcast.engine import Broadcaster
from bot.config import SUPPORTED_LOCALES, Settings
from bot.filters import Staff
from bot.inbox.effects import once
from bot.meetings import calendar, export, service, texts, views
from bot.meetings.rules import (
    CAPACITY_LIMIT,
    DESCRIPTION_LIMIT,
    NEEDS,
    NO,
    NOTE_LIMIT,
    PLACE_LIMIT,
    TITLE_LIMIT,
    Draft,
    FormError,
    check_future,
    check_text,
    local_moment,
    parse_line,
)
from bot.meetings.views import MeetingCB
from bot.numbers import parse_id
from bot.questions.translation import Translator
from bot.services import regions
from bot.services.roles import Actor, NotAllowed
from db.base import utcnow
from db.engine import AsyncSession
from db.models import Meeting, MeetingReply, Member


class NewMeeting(StatesGroup):
    moment = State()
    place = State()
    title = State()
    description = State()
    capacity = State()
    needs = State()
    deadline = State()
    preview = State()


class Typing(StatesGroup):
    note = State()  # data: {"meeting": id}
    change = State()  # data: {"meeting": id}


def usage() -> str:
    return _(
        "Plan a meeting step by step with /meeting_new, or in one line:\n"
        "/meeting_new REGION 2026-12-15 19:00 PLACE | TITLE"
    )


def form_problem(problem: str) -> str:
    return {
        "usage": usage(),
        "date": _("That date and time are not clear. Write them like 2026-12-15 19:00."),
        "past": _("That moment has passed. Choose a time in the future."),
        "place": _("Please write the place: an address or an online link."),
        "title": _("Please write a title."),
        "long": _("That is too long. Please write it shorter."),
    }[problem]


def _locale(i18n: I18n) -> str:
    return i18n.current_locale


def _staff_language(settings: Settings, translator: Translator | None) -> str:
    return translator.staff_language if translator is not None else settings.staff_language


# --- planning: the one-line form and the guided flow ----------------------------------------


async def _regions(session: AsyncSession, actor: Actor) -> list[tuple[int, str]]:
    return [
        (r.id, r.name)
        for r in await regions.all_regions(session)
        if r.active and actor.may_see_region(r.id)
    ]


async def meeting_new(
    message: Message, command: CommandObject, state: FSMContext, session: AsyncSession,
    actor: Actor, settings: Settings, i18n: I18n, translator: Translator | None = None,
) -> None:  # fmt: skip
    await state.clear()
    if command.args:
        try:
            line = parse_line(command.args, settings.tz, utcnow())
        except FormError as exc:
            await message.answer(form_problem(exc.problem))
            return
        region = await regions.by_code(session, line.region_code)
        if region is None:
            await message.answer(_("Unknown region code. See /regions."))
            return
        if not actor.may_see_region(region.id):
            await message.answer(_("You can plan meetings only for your own regions."))
            return
        draft = Draft(region.id, line.starts_at, line.place, line.title)
        await _preview(message, state, session, settings, i18n, translator, draft, new=True)
        return
    choices = await _regions(session, actor)
    if not choices:
        await message.answer(_("You can plan meetings only for your own regions."))
        return
    if len(choices) == 1:
        await _ask_moment(message, state, choices[0][0])
        return
    await message.answer(
        _("Which region is the meeting for?"), reply_markup=views.regions_keyboard(choices)
    )


async def _ask_moment(message: Message, state: FSMContext, region_id: int) -> None:
    await state.set_state(NewMeeting.moment)
    await state.set_data({"region": region_id})
    await message.answer(
        _("When is the meeting? Write the date and the time (Dutch time), like 2026-12-15 19:00.")
    )


async def region_chosen(
    query: CallbackQuery, callback_data: MeetingCB, state: FSMContext, session: AsyncSession,
    actor: Actor,
) -> None:  # fmt: skip
    region_id = parse_id(callback_data.v)
    if region_id is None or region_id not in dict(await _regions(session, actor)):
        await query.answer(_("You can plan meetings only for your own regions."), show_alert=True)
        return
    await query.answer()
    assert isinstance(query.message, Message)
    await query.message.edit_reply_markup(reply_markup=None)
    await _ask_moment(query.message, state, region_id)


async def typed_step(
    message: Message, state: FSMContext, session: AsyncSession, settings: Settings,
    i18n: I18n, translator: Translator | None = None,
) -> None:  # fmt: skip
    """A typed answer in the guided flow."""
    step, data, text = await state.get_state(), await state.get_data(), message.text or ""
    try:
        if step == NewMeeting.moment.state:
            words = text.split()
            if len(words) != 2:
                raise FormError("date")
            moment = check_future(local_moment(words[0], words[1], settings.tz), utcnow())
            data["starts_at"] = moment.isoformat()
            await state.set_state(NewMeeting.place)
            prompt = _("Where? Write the address, or a link for an online meeting.")
        elif step == NewMeeting.place.state:
            data["place"] = check_text(text, PLACE_LIMIT, "place")
            await state.set_state(NewMeeting.title)
            prompt = _("What is the title of the meeting?")
        elif step == NewMeeting.title.state:
            data["title"] = check_text(text, TITLE_LIMIT, "title")
            await state.set_state(NewMeeting.description)
            await state.set_data(data)
            await message.answer(
                _("Write a short description, or press “Skip”."),
                reply_markup=views.one_button(_("Skip"), "K"),
            )
            return
        elif step == NewMeeting.description.state:
            data["description"] = check_text(text, DESCRIPTION_LIMIT, "title")
            await _ask_capacity(message, state, data)
            return
        else:  # capacity
            number = parse_id(text.strip())
            if number is None or number > CAPACITY_LIMIT:
                await message.answer(_("Please write a number, or press “No limit”."))
                return
            data["capacity"] = number
            await _ask_needs(message, state, data, i18n)
            return
    except FormError as exc:
        await message.answer(form_problem(exc.problem))
        return
    await state.set_data(data)
    await message.answer(prompt)


async def _ask_capacity(message: Message, state: FSMContext, data: dict[str, object]) -> None:
    await state.set_state(NewMeeting.capacity)
    await state.set_data(data)
    await message.answer(
        _("How many places are there? Write a number, or press “No limit”."),
        reply_markup=views.one_button(_("No limit"), "U"),
    )


async def _ask_needs(
    message: Message, state: FSMContext, data: dict[str, object], i18n: I18n
) -> None:
    data.setdefault("needs", list(NEEDS))
    await state.set_state(NewMeeting.needs)
    await state.set_data(data)
    chosen = data["needs"]
    assert isinstance(chosen, list)
    await message.answer(
        _("Which needs shall we ask the members about?"),
        reply_markup=views.needs_choice(i18n, chosen, _locale(i18n)),
    )


def _not_text() -> str:
    return _("Please answer with text, or send /meeting_new to start again.")


async def flow_not_text(message: Message) -> None:
    await message.answer(_not_text())


async def flow_button(
    query: CallbackQuery, callback_data: MeetingCB, state: FSMContext, session: AsyncSession,
    settings: Settings, i18n: I18n, actor: Actor, broadcaster: Broadcaster | None = None,
    translator: Translator | None = None,
) -> None:  # fmt: skip
    """Buttons of the guided flow and of the preview (m=0)."""
    message = query.message
    assert isinstance(message, Message)
    step, data, action = await state.get_state(), await state.get_data(), callback_data.a
    expected = {
        "K": NewMeeting.description, "U": NewMeeting.capacity, "N": NewMeeting.needs,
        "P": NewMeeting.needs, "D": NewMeeting.deadline, "V": NewMeeting.preview,
        "Y": NewMeeting.preview, "W": NewMeeting.preview,
    }  # fmt: skip
    if step is None or action not in expected or expected[action].state != step:
        await query.answer(
            _("This button no longer works. Send /start to continue."), show_alert=True
        )
        return
    await query.answer()
    if action == "K":
        await message.edit_reply_markup(reply_markup=None)
        data["description"] = ""
        await _ask_capacity(message, state, data)
    elif action == "U":
        await message.edit_reply_markup(reply_markup=None)
        data["capacity"] = None
        await _ask_needs(message, state, data, i18n)
    elif action == "N" and callback_data.v in NEEDS:
        chosen = list(data.get("needs", NEEDS))
        need = callback_data.v
        chosen = [n for n in chosen if n != need] if need in chosen else [*chosen, need]
        data["needs"] = chosen
        await state.set_data(data)
        await message.edit_reply_markup(
            reply_markup=views.needs_choice(i18n, chosen, _locale(i18n))
        )
    elif action == "P":
        await message.edit_reply_markup(reply_markup=None)
        await state.set_state(NewMeeting.deadline)
        await message.answer(
            _("Until when can members answer?"),
            reply_markup=views.deadline_choice(i18n, _locale(i18n)),
        )
    elif action == "D" and callback_data.v.isdigit():
        await message.edit_reply_markup(reply_markup=None)
        draft = Draft.from_dict(
            {
                "region_id": data["region"], "starts_at": data["starts_at"],
                "place": data["place"], "title": data["title"],
                "description": data.get("description", ""), "capacity": data.get("capacity"),
                "needs": list(data.get("needs", NEEDS)), "deadline_hours": int(callback_data.v),
            }
        )  # fmt: skip
        await _preview(message, state, session, settings, i18n, translator, draft, new=True)
    elif action == "V" and callback_data.v in SUPPORTED_LOCALES:
        draft = Draft.from_dict(data["draft"])
        await _preview(
            message, state, session, settings, i18n, translator, draft, shown=callback_data.v
        )
    elif action == "W":
        await state.clear()
        await message.edit_reply_markup(reply_markup=None)
        await message.answer(_("Cancelled. Nothing was planned."))
    elif action == "Y":
        await _confirm(message, state, session, settings, i18n, actor, broadcaster, translator)


async def _drafts(
    translator: Translator | None, draft: Draft, source: str
) -> dict[str, dict[str, str]]:
    """The title and description in the other languages, where the bridge can make them."""
    if translator is None or not translator.active:
        return {}
    targets = [code for code in SUPPORTED_LOCALES if code != source]
    words = [draft.title, draft.description] if draft.description else [draft.title]
    found = await translator.translate_into(words, source, targets)
    drafts: dict[str, dict[str, str]] = {}
    for code, results in found.items():
        if all(isinstance(r, Translation) for r in results):
            done = [r for r in results if isinstance(r, Translation)]
            drafts[code] = {
                "title": done[0].text,
                "description": done[1].text if len(done) > 1 else "",
                "provider": done[0].provider,
            }
    return drafts


def _unsaved(draft: Draft, language: str, locale: str) -> Meeting:
    """The draft as a meeting not stored, to preview what members will read."""
    return Meeting(
        id=0, region_id=draft.region_id, starts_at=draft.starts_at, place=draft.place,
        title=draft.title, description=draft.description, language=language,
        texts=json.dumps(draft.texts), capacity=draft.capacity, needs=",".join(draft.needs),
        rsvp_until=draft.starts_at - timedelta(hours=draft.deadline_hours), status="planned",
        sequence=0, locale=locale, minutes=120,
    )  # fmt: skip


async def _preview(
    message: Message, state: FSMContext, session: AsyncSession, settings: Settings,
    i18n: I18n, translator: Translator | None, draft: Draft, *, new: bool = False,
    shown: str | None = None,
) -> None:  # fmt: skip
    locale = _locale(i18n)
    source = _staff_language(settings, translator)
    if new:
        draft.texts = await _drafts(translator, draft, source)
    shown = shown or locale
    await state.set_state(NewMeeting.preview)
    await state.set_data({"draft": draft.to_dict(), "language": source})
    count = await service.audience_size(session, settings, draft.region_id)
    region = await session.get(regions.Region, draft.region_id)
    head = ngettext(
        "Preview in {language}. {count} member of {region} will get the invitation.",
        "Preview in {language}. {count} members of {region} will get the invitation.",
        count,
    ).format(
        language=views.language_title(shown, locale), count=count,
        region=region.name if region else "",
    )  # fmt: skip
    body = texts.invitation_text(i18n, _unsaved(draft, source, locale), shown, settings.tz)
    text = f"{head}\n\n{body}"
    markup = views.preview_keyboard(i18n, shown, locale)
    if new:
        await message.answer(text, reply_markup=markup)
    else:
        await message.edit_text(text, reply_markup=markup)


async def _confirm(
    message: Message, state: FSMContext, session: AsyncSession, settings: Settings,
    i18n: I18n, actor: Actor, broadcaster: Broadcaster | None, translator: Translator | None,
) -> None:  # fmt: skip
    data = await state.get_data()
    await state.clear()
    await message.edit_reply_markup(reply_markup=None)
    if not await once(session, "meeting_new"):
        return
    draft = Draft.from_dict(data["draft"])
    now = broadcaster.now() if broadcaster is not None else utcnow()
    try:
        check_future(draft.starts_at, now)
        meeting = await service.create(
            session, settings, i18n, actor, draft, now=now, locale=_locale(i18n),
            language=str(data.get("language") or _staff_language(settings, translator)),
        )  # fmt: skip
    except FormError as exc:
        await message.answer(form_problem(exc.problem))
        return
    except NotAllowed:
        await message.answer(_("You can plan meetings only for your own regions."))
        return
    if broadcaster is not None:
        broadcaster.wake()
    await message.answer(
        _("Meeting #{number} is planned. The invitations are on their way. See /meetings.").format(
            number=meeting.id
        )
    )


# --- members --------------------------------------------------------------------------------


async def _send_calendar(
    bot: Bot, chat_id: int, meeting: Meeting, i18n: I18n, locale: str, settings: Settings
) -> None:
    ics = texts.ics_for(meeting, locale, settings.tz, utcnow())
    await bot.send_document(
        chat_id,
        BufferedInputFile(ics.encode("utf-8"), calendar.file_name(meeting.id)),
        caption=views.t(i18n, views.CALENDAR, locale),
    )


async def _closed(
    query: CallbackQuery, exc: service.Closed, i18n: I18n, settings: Settings
) -> None:
    await query.answer(
        views.closed_text(i18n, exc.why, exc.meeting, _locale(i18n), settings.tz), show_alert=True
    )


async def _gone(query: CallbackQuery) -> None:
    await query.answer(_("This button no longer works. Send /start to continue."), show_alert=True)


async def answer_pressed(
    query: CallbackQuery, callback_data: MeetingCB, bot: Bot, session: AsyncSession,
    settings: Settings, i18n: I18n, member: Member | None = None,
) -> None:  # fmt: skip
    try:
        result = await service.answer(session, member, callback_data.m, callback_data.v, utcnow())
    except service.Gone:
        await _gone(query)
        return
    except service.Closed as exc:
        await _closed(query, exc, i18n, settings)
        return
    await query.answer()
    locale, meeting, reply = _locale(i18n), result.meeting, result.reply
    if await once(session, "meeting_promoted"):
        for promoted in result.promoted:
            language = promoted.language or settings.default_locale
            text = (
                views.t(i18n, views.PROMOTED, language)
                + "\n\n"
                + texts.details(i18n, meeting, language, settings.tz)
            )
            await bot.send_message(promoted.telegram_id, text)
            await _send_calendar(bot, promoted.telegram_id, meeting, i18n, language, settings)
    assert isinstance(query.message, Message) and member is not None
    if not await once(session, "meeting_answer"):
        return
    if reply.answer != NO and meeting.needs:
        await query.message.answer(views.answered_text(i18n, reply, result.position, locale))
        await query.message.answer(
            views.needs_text(i18n, meeting, reply, locale),
            reply_markup=views.needs_keyboard(i18n, meeting, reply, locale),
        )
        return
    await _confirmation(query.message, bot, meeting, reply, result.position, i18n, settings)


async def _confirmation(
    message: Message, bot: Bot, meeting: Meeting, reply: MeetingReply, position: int | None,
    i18n: I18n, settings: Settings,
) -> None:  # fmt: skip
    locale = _locale(i18n)
    text = views.answered_text(i18n, reply, position, locale)
    if reply.answer == NO:
        await message.answer(text)
        return
    await message.answer(text + "\n\n" + texts.details(i18n, meeting, locale, settings.tz))
    if not reply.waitlisted:
        await _send_calendar(bot, message.chat.id, meeting, i18n, locale, settings)


async def need_pressed(
    query: CallbackQuery, callback_data: MeetingCB, bot: Bot, session: AsyncSession,
    settings: Settings, i18n: I18n, state: FSMContext, member: Member | None = None,
) -> None:  # fmt: skip
    """Needs buttons: n (toggle), k (children menu), c (children count), t (note), d (done),
    e (show the needs again, from /meetings)."""
    action, locale = callback_data.a, _locale(i18n)
    message = query.message
    assert isinstance(message, Message)
    try:
        if action in ("n", "c"):
            need = "childcare" if action == "c" else callback_data.v
            meeting, reply = await service.set_need(
                session, member, callback_data.m, need, callback_data.v, utcnow()
            )
        else:
            meeting, reply = await service.my_reply(session, member, callback_data.m)
            if action != "d" and reply.answer == NO:
                raise service.Gone
    except (service.Gone, ValueError):
        await _gone(query)
        return
    except service.Closed as exc:
        await _closed(query, exc, i18n, settings)
        return
    await query.answer()
    if action == "k":
        await message.edit_text(
            _("How many children need childcare?"), reply_markup=views.children_keyboard(meeting.id)
        )
    elif action == "t":
        await state.set_state(Typing.note)
        await state.set_data({"meeting": meeting.id})
        await message.answer(
            ngettext(
                "Write your note (at most {limit} character).",
                "Write your note (at most {limit} characters).",
                NOTE_LIMIT,
            ).format(limit=NOTE_LIMIT)
        )
    elif action == "d":
        await message.edit_reply_markup(reply_markup=None)
        await _confirmation(
            message, bot, meeting, reply, await service.position(session, reply), i18n, settings
        )
    elif action == "e":
        await message.answer(
            views.needs_text(i18n, meeting, reply, locale),
            reply_markup=views.needs_keyboard(i18n, meeting, reply, locale),
        )
    else:
        await message.edit_text(
            views.needs_text(i18n, meeting, reply, locale),
            reply_markup=views.needs_keyboard(i18n, meeting, reply, locale),
        )


async def note_typed(
    message: Message, state: FSMContext, session: AsyncSession, settings: Settings,
    i18n: I18n, member: Member | None = None,
) -> None:  # fmt: skip
    text = (message.text or "").strip()
    if not text:
        await message.answer(_("Please write your note as text."))
        return
    if len(text) > NOTE_LIMIT:
        await message.answer(
            ngettext(
                "That is too long. Please use at most {limit} character.",
                "That is too long. Please use at most {limit} characters.",
                NOTE_LIMIT,
            ).format(limit=NOTE_LIMIT)
        )
        return
    meeting_id = int((await state.get_data()).get("meeting", 0))
    await state.clear()
    try:
        meeting, reply = await service.set_need(session, member, meeting_id, "note", text, utcnow())
    except service.Gone:
        await message.answer(_("This meeting is no longer open for answers."))
        return
    except service.Closed as exc:
        await message.answer(
            views.closed_text(i18n, exc.why, exc.meeting, _locale(i18n), settings.tz)
        )
        return
    locale = _locale(i18n)
    await message.answer(
        _("Note saved.") + "\n\n" + views.needs_text(i18n, meeting, reply, locale),
        reply_markup=views.needs_keyboard(i18n, meeting, reply, locale),
    )


async def my_meetings(
    message: Message, session: AsyncSession, settings: Settings, i18n: I18n,
    member: Member | None = None,
) -> None:  # fmt: skip
    locale = _locale(i18n)
    found = await service.upcoming_for_member(session, member, utcnow()) if member else []
    if not found:
        await message.answer(_("There are no upcoming meetings of your pool."))
        return
    await message.answer(_("Meetings of your pool:"))
    for meeting, reply in found:
        position = await service.position(session, reply) if reply else None
        text = (
            texts.details(i18n, meeting, locale, settings.tz)
            + "\n\n"
            + views.my_answer(i18n, reply, position, locale)
        )
        with_needs = bool(reply and reply.answer != NO and meeting.needs)
        await message.answer(
            text, reply_markup=views.answer_keyboard(i18n, meeting.id, locale, with_needs)
        )


# --- coordinators ---------------------------------------------------------------------------


async def staff_meetings(
    message: Message, session: AsyncSession, actor: Actor, settings: Settings, i18n: I18n
) -> None:
    locale = _locale(i18n)
    found = await service.visible(session, actor, utcnow())
    if not found:
        await message.answer(_("No meetings in your regions yet. Plan one with /meeting_new."))
        return
    await message.answer(_("Meetings of your regions:"))
    for item in found:
        await message.answer(
            views.summary_text(i18n, item, locale, settings.tz),
            reply_markup=views.card_keyboard(i18n, item.meeting, locale),
        )


async def card_pressed(
    query: CallbackQuery, callback_data: MeetingCB, bot: Bot, state: FSMContext,
    session: AsyncSession, actor: Actor, settings: Settings, i18n: I18n,
    broadcaster: Broadcaster | None = None,
) -> None:  # fmt: skip
    """The card's buttons: L attendees, X CSV, I check-in, A attended, C change, Q cancel
    (Z: confirmed), S the card again."""
    action, number, locale = callback_data.a, callback_data.m, _locale(i18n)
    message = query.message
    assert isinstance(message, Message)
    now = broadcaster.now() if broadcaster is not None else utcnow()
    try:
        if action in ("L", "X", "I"):
            purpose = {"L": service.ATTENDEES, "X": service.EXPORT, "I": service.CHECK_IN}[action]
            meeting, rows = await service.attendees(session, actor, number, purpose=purpose)
        elif action == "A":
            member_id = parse_id(callback_data.v)
            if member_id is None:
                raise NotAllowed
            await service.check_in(session, actor, number, member_id)
            meeting, rows = await service.attendees(
                session, actor, number, purpose=service.CHECK_IN
            )
        elif action == "Z":
            if not await once(session, "meeting_cancel"):
                await query.answer()
                return
            meeting, told = await service.cancel(session, settings, i18n, actor, number, now=now)
            rows = []
        else:
            meeting = await service.staff_meeting(session, actor, number)
            rows = []
    except NotAllowed:
        await query.answer(_("There is no such meeting that you can see."), show_alert=True)
        return
    except service.Closed:
        await query.answer(_("This meeting is cancelled or over."), show_alert=True)
        return
    await query.answer()
    if action == "L":
        lines = [_("Answers for meeting #{number}:").format(number=meeting.id)]
        lines += [views.attendee_line(i18n, row, locale) for row in rows] or [_("No answers yet.")]
        await message.answer("\n".join(lines))
    elif action == "X":
        data = export.attendees_csv(
            rows, views.csv_headers(i18n, locale), views.answer_names(i18n, locale)
        )
        await message.answer_document(
            BufferedInputFile(data, f"meeting-{meeting.id}.csv"),
            caption=_("Answers to meeting #{number}. Opens in Excel (UTF-8).").format(
                number=meeting.id
            ),
        )
    elif action in ("I", "A"):
        text = _("Check-in for meeting #{number}: tap the people who are here.").format(
            number=meeting.id
        )
        markup = views.check_in_keyboard(meeting.id, rows)
        if action == "I":
            await message.answer(text, reply_markup=markup)
        else:
            await message.edit_reply_markup(reply_markup=markup)
    elif action == "C":
        if meeting.status == "cancelled" or meeting.starts_at <= now:
            await message.answer(_("This meeting is cancelled or over."))
            return
        await state.set_state(Typing.change)
        await state.set_data({"meeting": meeting.id})
        await message.answer(
            _(
                "Write the new date and time (like 2026-12-15 19:00), or a new place, "
                "or both: 2026-12-15 19:00 | new place"
            )
        )
    elif action == "Q":
        await message.answer(
            _("Cancel meeting #{number}? Everyone who said Yes or Maybe is told.").format(
                number=meeting.id
            ),
            reply_markup=views.cancel_confirm(i18n, meeting.id, locale),
        )
    elif action == "Z":
        await message.edit_reply_markup(reply_markup=None)
        if broadcaster is not None:
            broadcaster.wake()
        await message.answer(
            ngettext(
                "Meeting #{number} is cancelled. {count} member is told.",
                "Meeting #{number} is cancelled. {count} members are told.",
                told,
            ).format(number=meeting.id, count=told)
        )
    else:  # S: keep it, the card again
        await message.edit_reply_markup(reply_markup=None)
        await message.answer(
            views.summary_text(i18n, await service.summary(session, meeting), locale, settings.tz),
            reply_markup=views.card_keyboard(i18n, meeting, locale),
        )


async def change_typed(
    message: Message, state: FSMContext, session: AsyncSession, actor: Actor,
    settings: Settings, i18n: I18n, broadcaster: Broadcaster | None = None,
) -> None:  # fmt: skip
    text = message.text or ""
    number = int((await state.get_data()).get("meeting", 0))
    now = broadcaster.now() if broadcaster is not None else utcnow()
    when, _bar, rest = text.partition("|")
    starts_at = place = None
    words = when.split()
    try:
        if len(words) == 2 and words[0][:1].isdigit() and ":" in words[1]:
            starts_at = check_future(local_moment(words[0], words[1], settings.tz), now)
            place = check_text(rest, PLACE_LIMIT, "place") if rest.strip() else None
        else:
            place = check_text(text, PLACE_LIMIT, "place")
    except FormError as exc:
        await message.answer(form_problem(exc.problem))
        return
    await state.clear()
    if not await once(session, "meeting_change"):
        return
    try:
        meeting, told = await service.change(
            session, settings, i18n, actor, number, now=now, starts_at=starts_at, place=place
        )
    except NotAllowed:
        await message.answer(_("There is no such meeting that you can see."))
        return
    except service.Closed:
        await message.answer(_("This meeting is cancelled or over."))
        return
    if broadcaster is not None:
        broadcaster.wake()
    await message.answer(
        ngettext(
            "Meeting #{number} changed. {count} member who said Yes or Maybe gets the new details.",
            "Meeting #{number} changed. {count} members who said Yes or Maybe get the new details.",
            told,
        ).format(number=meeting.id, count=told)
    )


async def attended_command(
    message: Message, command: CommandObject, session: AsyncSession, actor: Actor
) -> None:
    """/attended NUMBER: the check-in list of a meeting, as its card's button shows it."""
    number = parse_id((command.args or "").strip().lstrip("#"))
    if number is None:
        await message.answer(
            _("Which meeting? For example: /attended 12 (the numbers are in /meetings).")
        )
        return
    try:
        meeting, rows = await service.attendees(session, actor, number, purpose=service.CHECK_IN)
    except NotAllowed:
        await message.answer(_("There is no such meeting that you can see."))
        return
    await message.answer(
        _("Check-in for meeting #{number}: tap the people who are here.").format(number=meeting.id),
        reply_markup=views.check_in_keyboard(meeting.id, rows),
    )


def create_router() -> Router:
    """This feature's handlers on a new router (one per Dispatcher)."""
    router = Router(name=__name__)
    router.message.filter(F.chat.type == "private")
    staff = Staff()
    router.message.register(meeting_new, Command("meeting_new"), staff)
    router.message.register(staff_meetings, Command("meetings"), staff)
    router.message.register(attended_command, Command("attended"), staff)
    router.message.register(my_meetings, Command("meetings"))
    flow_steps = StateFilter(
        NewMeeting.moment, NewMeeting.place, NewMeeting.title, NewMeeting.description,
        NewMeeting.capacity,
    )  # fmt: skip
    router.message.register(typed_step, flow_steps, staff, F.text, ~F.text.startswith("/"))
    router.message.register(flow_not_text, flow_steps, staff, ~F.text)
    router.message.register(
        change_typed, StateFilter(Typing.change), staff, F.text, ~F.text.startswith("/")
    )
    router.message.register(note_typed, StateFilter(Typing.note), ~F.text.startswith("/"))
    router.message.register(flow_not_text, StateFilter(Typing.change), staff, ~F.text)
    router.callback_query.register(region_chosen, MeetingCB.filter(F.a == "G"), staff)
    router.callback_query.register(
        flow_button, MeetingCB.filter(F.a.in_({"K", "U", "N", "P", "D", "V", "Y", "W"})), staff
    )
    router.callback_query.register(
        card_pressed, MeetingCB.filter(F.a.in_({"L", "X", "I", "A", "C", "Q", "Z", "S"})), staff
    )
    router.callback_query.register(answer_pressed, MeetingCB.filter(F.a == "r"))
    router.callback_query.register(
        need_pressed, MeetingCB.filter(F.a.in_({"n", "k", "c", "t", "d", "e"}))
    )
    return router
