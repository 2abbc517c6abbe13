"""/members, /member, /approve, member-card buttons and /stats."""

from __future__ import annotations

from aiogram import Bot, Router, html
from aiogram.filters import Command, CommandObject
from aiogram.types import CallbackQuery, InlineKeyboardMarkup, Message
from aiogram.utils.i18n import I18n, get_i18n, ngettext
from aiogram.utils.i18n import gettext as _
from aiogram.utils.keyboard import InlineKeyboardBuilder
from babel.numbers import format_decimal, format_percent

from bot import keyboards, notify
from bot.callbacks import (
    MemberAction,
    MemberActionCallback,
    MemberCardCallback,
    MembersPageCallback,
)
from bot.config import Settings
from bot.findings import service as findings
from bot.findings import views as finding_views
from bot.i18n import language_with_code
from bot.meetings import service as meetings
from bot.meetings import views as meeting_views
from bot.numbers import parse_id
from bot.retention import service as retention
from bot.retention import views as retention_views
from bot.services import audit, members, regions, staff
from bot.services.members import MembershipError
from bot.services.roles import Actor, NotAllowed
from bot.texts import status_label
from bot.volunteers import service as volunteers
from bot.volunteers import views as volunteer_views
from db.base import utcnow
from db.engine import AsyncSession
from db.models import MemberStatus, Region
from handlers.admin.common import Reply, bar, member_card, member_label, number, send


async def _parse_scope(
    session: AsyncSession, args: str | None
) -> tuple[int | None, str | None] | None:
    region_id: int | None = None
    status: str | None = None
    for word in (args or "").split():
        if word in set(MemberStatus):
            status = word
            continue
        region = await regions.by_code(session, word)
        if region is None:
            return None
        region_id = region.id
    return region_id, status


def _page_keyboard(
    rows: list, region_id: int | None, status: str | None, page: int, total: int
) -> InlineKeyboardMarkup:  # type: ignore[type-arg]
    builder = InlineKeyboardBuilder()
    for member in rows:
        builder.button(
            text=member_label(member), callback_data=MemberCardCallback(member_id=member.id)
        )
    nav = []
    if page > 0:
        nav.append(("‹", page - 1))
    if (page + 1) * staff.PAGE_SIZE < total:
        nav.append(("›", page + 1))
    for text, target in nav:
        builder.button(
            text=text,
            callback_data=MembersPageCallback(
                region_id=region_id or 0, status=status or None, page=target
            ),
        )
    builder.adjust(*([1] * len(rows)), max(len(nav), 1))
    return builder.as_markup()


async def _page(
    session: AsyncSession,
    who: Actor,
    region_id: int | None,
    status: str | None,
    page: int,
    locale: str,
) -> Reply:
    rows, total = await staff.list_members(session, who, region_id, status, page)
    pages = max(1, -(-total // staff.PAGE_SIZE))
    text = _("Members: {total} · page {page} of {pages}").format(
        total=number(total, locale), page=page + 1, pages=pages
    )
    return Reply(text, _page_keyboard(rows, region_id, status, page, total))


async def members_screen(
    session: AsyncSession, actor: Actor, args: str | None, locale: str
) -> list[Reply]:
    """/members [region code] [status]: counts per status, then the first page of members."""
    scope = await _parse_scope(session, args)
    if scope is None:
        return [Reply(_("Usage: /members [region code] [status]. Region codes: see /regions."))]
    region_id, status = scope
    try:
        counts = await staff.status_counts(session, actor, region_id)
    except NotAllowed:
        return [Reply(_("You can only see the members of your own regions."))]
    total = sum(counts.values())
    lines = [_("Members: {total}").format(total=number(total, locale))]
    for name in MemberStatus:
        if counts.get(name):
            lines.append(
                f"{bar(counts[name], total)} {number(counts[name], locale)} {status_label(name)}"
            )
    return [Reply("\n".join(lines)), await _page(session, actor, region_id, status, 0, locale)]


async def members_command(
    message: Message, command: CommandObject, session: AsyncSession, actor: Actor, i18n: I18n
) -> None:
    await send(message, await members_screen(session, actor, command.args, i18n.current_locale))


async def members_page(
    query: CallbackQuery,
    callback_data: MembersPageCallback,
    session: AsyncSession,
    actor: Actor,
    i18n: I18n,
) -> None:
    try:
        if isinstance(query.message, Message):
            shown = await _page(
                session, actor, callback_data.region_id or None, callback_data.status or None,
                callback_data.page, i18n.current_locale,
            )  # fmt: skip
            await query.message.edit_text(shown.text, reply_markup=shown.markup)
    except NotAllowed:
        await query.answer(
            _("This button no longer works. Send /start to continue."), show_alert=True
        )
        return
    await query.answer()


def _card_keyboard(member_id: int, status: str) -> InlineKeyboardMarkup:
    builder = InlineKeyboardBuilder()
    actions: list[tuple[str, MemberAction]] = []
    if status == MemberStatus.PENDING:
        actions += [
            ("✅ " + _("Approve"), MemberAction.APPROVE),
            (_("Decline"), MemberAction.DECLINE),
        ]
    if status == MemberStatus.ACTIVE:
        # Translators: button on a member card: no surveys or news to this member for a while (not 'cancel')
        actions.append((_("Pause"), MemberAction.PAUSE))
    if status != MemberStatus.LEFT:
        actions.append((_("Remove from pool"), MemberAction.REMOVE))
    for text, action in actions:
        builder.button(
            text=text, callback_data=MemberActionCallback(member_id=member_id, action=action)
        )
    builder.adjust(2)
    return builder.as_markup()


async def _show_card(
    target: Message, session: AsyncSession, actor: Actor, member_id: int, locale: str,
    settings: Settings,
) -> None:  # fmt: skip
    member = await staff.view_member(session, actor, member_id)
    region = await session.get(Region, member.region_id) if member.region_id else None
    profile = await staff.profile(session, member)
    await target.answer(
        member_card(member, region, profile, locale, settings.tz),
        reply_markup=_card_keyboard(member.id, member.status),
    )


def _member_id(args: str | None) -> int | None:
    return parse_id((args or "").strip().lstrip("#"))


async def member_command(
    message: Message, command: CommandObject, session: AsyncSession, actor: Actor, i18n: I18n,
    settings: Settings,
) -> None:  # fmt: skip
    member_id = _member_id(command.args)
    if member_id is None:
        await message.answer(_("Usage: /member NUMBER, for example /member 12."))
        return
    try:
        await _show_card(message, session, actor, member_id, i18n.current_locale, settings)
    except NotAllowed:
        await message.answer(_("No member with that number in your regions."))


async def member_card_button(
    query: CallbackQuery,
    callback_data: MemberCardCallback,
    session: AsyncSession,
    actor: Actor,
    i18n: I18n,
    settings: Settings,
) -> None:
    try:
        if isinstance(query.message, Message):
            await _show_card(
                query.message, session, actor, callback_data.member_id, i18n.current_locale,
                settings,
            )  # fmt: skip
    except NotAllowed:
        await query.answer(
            _("This button no longer works. Send /start to continue."), show_alert=True
        )
        return
    await query.answer()


async def approve_command(
    message: Message,
    command: CommandObject,
    bot: Bot,
    session: AsyncSession,
    actor: Actor,
    settings: Settings,
    i18n: I18n,
) -> None:
    member_id = _member_id(command.args)
    if member_id is None:
        await message.answer(_("Usage: /approve NUMBER, for example /approve 12."))
        return
    try:
        await members.decide_pending(session, actor, member_id, True)
    except NotAllowed:
        await message.answer(_("No member with that number in your regions."))
        return
    except MembershipError:
        await message.answer(_("This member is not waiting for approval."))
        return
    reached = await notify.tell_member_decision(bot, settings, i18n, session, member_id)
    await message.answer(
        _("Approved.") if reached else _("Approved, but the member could not be reached.")
    )


async def member_action(
    query: CallbackQuery,
    callback_data: MemberActionCallback,
    bot: Bot,
    session: AsyncSession,
    actor: Actor,
    settings: Settings,
    i18n: I18n,
) -> None:
    action = callback_data.action
    try:
        if action in (MemberAction.APPROVE, MemberAction.DECLINE):
            await members.decide_pending(
                session, actor, callback_data.member_id, action == MemberAction.APPROVE
            )
            await notify.tell_member_decision(bot, settings, i18n, session, callback_data.member_id)
        else:
            change = audit.PAUSE if action == MemberAction.PAUSE else audit.REMOVE
            await staff.set_status(session, actor, callback_data.member_id, change)
    except NotAllowed:
        await query.answer(
            _("This button no longer works. Send /start to continue."), show_alert=True
        )
        return
    except (MembershipError, ValueError):
        await query.answer(_("This request was already handled."), show_alert=True)
        await keyboards.drop_buttons(query)
        return
    await query.answer(_("Done."))
    await keyboards.drop_buttons(query)


def _stats_text(
    entries: list[staff.RegionStats],
    locale: str,
    helpers: dict[int, list[volunteers.LanguageStats]],
) -> str:
    blocks = []
    for entry in entries:
        total = sum(entry.by_status.values())
        lines = [
            f"<b>{html.quote(entry.region.name)}</b> · "
            + ngettext("{count} member", "{count} members", total).format(
                count=number(total, locale)
            )
        ]
        for name in MemberStatus:
            if entry.by_status.get(name):
                lines.append(
                    f"{bar(entry.by_status[name], total)} {number(entry.by_status[name], locale)} {status_label(name)}"
                )
        members_total = sum(entry.by_language.values())
        if members_total:
            languages = ", ".join(
                f"{language_with_code(code)} {number(n, locale)}"
                for code, n in entry.by_language.most_common()
            )
            lines.append(_("Languages: {list}").format(list=languages))
        lines.append(
            _("Joined in the last 30 days: {count}").format(count=number(entry.joined_30d, locale))
        )
        lines.append(
            _("Active in the last 30 days: {count}").format(count=number(entry.active_30d, locale))
        )
        q = entry.questions
        if q.get("asked"):
            lines.append(
                _(
                    "Questions: {asked} · new: {new} · answered, waiting for the member: "
                    "{answered} · closed: {closed}"
                ).format(
                    asked=number(q["asked"], locale),
                    new=number(q["new"], locale),
                    answered=number(q["answered"], locale),
                    closed=number(q["closed"], locale),
                )
            )
        if entry.median_first_answer is not None:
            hours = entry.median_first_answer.total_seconds() / 3600
            lines.append(
                _("Median time to first answer: {hours} h").format(
                    hours=format_decimal(round(hours, 1), locale=locale)
                )
            )
        if entry.survey_response_rate is not None:
            lines.append(
                _("Survey response rate (last 3 runs): {share}").format(
                    share=format_percent(entry.survey_response_rate, locale=locale)
                )
            )
        if entry.satisfaction is not None:
            lines.append(
                _("Helpful answers: {share}").format(
                    share=format_percent(entry.satisfaction, locale=locale)
                )
            )
        if entry.template_uses:
            lines.append(
                _("Answers sent from templates: {count}").format(
                    count=number(entry.template_uses, locale)
                )
            )
        lines += _faq_lines(entry, locale)
        lines += volunteer_views.stats_lines(helpers.get(entry.region.id, []), locale)
        blocks.append("\n".join(lines))
    return "\n\n".join(blocks) or _("No regions to show.")


def _faq_lines(entry: staff.RegionStats, locale: str) -> list[str]:
    def listed(items: list[tuple[int, str, int]]) -> str:
        return "; ".join(
            f"#{number} {html.quote(title[:60])} ({number_of(count)})"
            for number, title, count in items
        )

    def number_of(count: int) -> str:
        return number(count, locale)

    lines = []
    if entry.faq_answered:
        lines.append(
            _("Questions answered by the FAQ (not sent): {count}").format(
                count=number(entry.faq_answered, locale)
            )
        )
    if entry.faq_most_viewed:
        lines.append(_("FAQ read most: {list}").format(list=listed(entry.faq_most_viewed)))
    if entry.faq_thumbs_down:
        lines.append(_("FAQ with 👎: {list}").format(list=listed(entry.faq_thumbs_down)))
    return lines


async def stats_screen(
    session: AsyncSession, actor: Actor, args: str | None, locale: str, settings: Settings
) -> list[Reply]:
    """/stats [region code]: members, languages, questions and surveys per region; with
    `settings`, also when retention runs next."""
    region_id = None
    if args:
        region = await regions.by_code(session, args)
        if region is None:
            return [Reply(_("Unknown region code. See /regions."))]
        region_id = region.id
    try:
        entries = await staff.stats(session, actor, region_id, settings.staff_language)
    except NotAllowed:
        return [Reply(_("You can only see the members of your own regions."))]
    helpers = await volunteers.stats(session, settings, [e.region.id for e in entries])
    text = _stats_text(entries, locale, helpers)
    held = await meetings.attendance(session, actor, [e.region.id for e in entries], utcnow())
    if block := meeting_views.attendance_text(get_i18n(), held, locale, settings.tz):
        text += "\n\n" + block
    said = await findings.reactions(session, actor, [e.region.id for e in entries])
    if block := finding_views.stats_lines(
        said, {e.region.id: e.region.name for e in entries}, locale
    ):
        text += "\n\n" + "\n".join(block)
    upcoming = retention.next_run(settings, utcnow())
    text += "\n\n" + retention_views.next_run_line(get_i18n(), upcoming, settings, locale)
    return [Reply(text)]


async def stats_command(
    message: Message,
    command: CommandObject,
    session: AsyncSession,
    actor: Actor,
    settings: Settings,
    i18n: I18n,
) -> None:
    await send(
        message, await stats_screen(session, actor, command.args, i18n.current_locale, settings)
    )


def create_router() -> Router:
    """This feature's handlers on a new router (one per Dispatcher)."""
    router = Router(name=__name__)
    router.message.register(members_command, Command("members"))
    router.callback_query.register(members_page, MembersPageCallback.filter())
    router.message.register(member_command, Command("member"))
    router.callback_query.register(member_card_button, MemberCardCallback.filter())
    router.message.register(approve_command, Command("approve"))
    router.callback_query.register(member_action, MemberActionCallback.filter())
    router.message.register(stats_command, Command("stats"))
    return router
