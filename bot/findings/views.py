"""Findings' texts, keyboards and callback data (staff card and preview; members' 👍/👎 and
/results). Member-facing texts are rendered per reader language with `t(i18n, msgid, code)`."""

from __future__ import annotations

import html
from collections import Counter
from collections.abc import Sequence

from aiogram.filters.callback_data import CallbackData
from aiogram.types import InlineKeyboardButton, InlineKeyboardMarkup
from aiogram.utils.i18n import I18n
from aiogram.utils.i18n import gettext as _
from babel.dates import format_date

from bot.bridge import provider_name
from bot.broadcast.content import MACHINE_LABEL
from bot.findings import rules
from bot.findings.rules import FINDINGS, RESPONSE, Text, Texts
from bot.i18n import language_name_in
from bot.marking import N_
from bot.surveys.definition import shown
from bot.surveys.report import answers, count, label, pack, share
from bot.surveys.results import QuestionResult
from bot.surveys.suppression import is_small

YOU_SAID = N_("You said:")
WE_DID = N_("We did:")
USEFUL = N_("Was this useful?")


class FindingCB(CallbackData, prefix="fnd"):
    """a: action; i: run id (staff) or findings id (preview, members); k: kind; v: a value.

    Staff: o open a run's card, w write (k), c next chart question, p preview (i: findings,
    v: language), a drafts checked (i: findings), s send (i: findings, v: audience).
    Members: u 👍/👎 (i: findings, v: up|down)."""

    a: str
    i: int
    k: str = ""
    v: str = ""


def t(i18n: I18n, msgid: str, locale: str) -> str:
    return i18n.gettext(msgid, locale=locale)


def reaction_markup(finding_id: int) -> str:
    """The 👍/👎 buttons under a member's message, as JSON for a broadcast version."""
    markup = InlineKeyboardMarkup(
        inline_keyboard=[[
            InlineKeyboardButton(text="👍", callback_data=FindingCB(a="u", i=finding_id, v=rules.UP).pack()),
            InlineKeyboardButton(text="👎", callback_data=FindingCB(a="u", i=finding_id, v=rules.DOWN).pack()),
        ]]
    )  # fmt: skip
    return markup.model_dump_json(exclude_none=True)


def labels(i18n: I18n, locale: str, *, useful: bool = True) -> rules.Labels:
    machine = t(i18n, MACHINE_LABEL, locale)

    def named(providers: str) -> str:
        names = [provider_name(p, lambda s: t(i18n, s, locale)) for p in providers.split(", ")]
        return machine.format(provider=", ".join(names))

    return rules.Labels(
        t(i18n, YOU_SAID, locale), t(i18n, WE_DID, locale), named,
        t(i18n, USEFUL, locale) if useful else None,
    )  # fmt: skip


# --- staff -----------------------------------------------------------------------------------


def kind_name(kind: str) -> str:
    return _("Findings") if kind == FINDINGS else _("Municipality response")


def state_text(texts: Texts, sent: bool) -> str:
    if sent:
        return _("sent")
    if not texts:
        return _("not written yet")
    if rules.unreviewed(texts):
        return _("machine drafts to check: {languages}").format(
            languages=", ".join(rules.unreviewed(texts))
        )
    return _("ready to send")


def run_title(title: str, number: int, region: str | None, when: object, locale: str) -> str:
    day = format_date(when, format="medium", locale=locale)  # type: ignore[arg-type]
    return _("Survey run #{number}: {title} · {region} · {date}").format(
        number=number, title=title, region=region or _("all regions"), date=day
    )


def runs_keyboard(rows: Sequence[tuple[int, str]]) -> InlineKeyboardMarkup:
    return InlineKeyboardMarkup(
        inline_keyboard=[
            [InlineKeyboardButton(text=text[:60], callback_data=FindingCB(a="o", i=run).pack())]
            for run, text in rows
        ]
    )


def card_keyboard(
    run_id: int, findings: dict[str, tuple[int, bool]], charts: bool
) -> InlineKeyboardMarkup:
    """`findings`: kind -> (findings id, sent)."""
    rows = []
    for kind in rules.KINDS:
        if kind == RESPONSE and FINDINGS not in findings:
            continue
        found = findings.get(kind)
        if found is None or not found[1]:
            rows.append([InlineKeyboardButton(
                text="✏️ " + kind_name(kind), callback_data=FindingCB(a="w", i=run_id, k=kind[0]).pack()
            )])  # fmt: skip
        if found is not None:
            rows.append([InlineKeyboardButton(
                text="👁 " + kind_name(kind), callback_data=FindingCB(a="p", i=found[0]).pack()
            )])  # fmt: skip
    if charts and FINDINGS in findings and not findings[FINDINGS][1]:
        rows.append([InlineKeyboardButton(
            text="📊 " + _("Another question for the chart"), callback_data=FindingCB(a="c", i=run_id).pack()
        )])  # fmt: skip
    return InlineKeyboardMarkup(inline_keyboard=rows)


def preview_keyboard(
    finding_id: int, texts: Texts, shown_code: str, locale: str, sent: bool
) -> InlineKeyboardMarkup:
    codes = [c for c in texts if c != shown_code]
    rows: list[list[InlineKeyboardButton]] = []
    for start in range(0, len(codes), 4):
        rows.append([
            InlineKeyboardButton(
                text=("🌐 " if texts[c].machine else "") + language_name_in(c, locale),
                callback_data=FindingCB(a="p", i=finding_id, v=c).pack(),
            )
            for c in codes[start : start + 4]
        ])  # fmt: skip
    if not sent and rules.unreviewed(texts):
        rows.append([InlineKeyboardButton(
            text="✅ " + _("Machine drafts checked"), callback_data=FindingCB(a="a", i=finding_id).pack()
        )])  # fmt: skip
    if not sent:
        rows.append([InlineKeyboardButton(
            text="📤 " + _("Send to those invited"),
            callback_data=FindingCB(a="s", i=finding_id, v=rules.INVITED).pack(),
        )])  # fmt: skip
        rows.append([InlineKeyboardButton(
            text="📤 " + _("Send to the whole region"),
            callback_data=FindingCB(a="s", i=finding_id, v=rules.REGION).pack(),
        )])  # fmt: skip
    return InlineKeyboardMarkup(inline_keyboard=rows)


def preview_head(code: str, text: Text, locale: str, chart: str | None) -> str:
    lines = [_("Preview in {language}.").format(language=language_name_in(code, locale))]
    if text.machine and not text.reviewed:
        lines.append(
            _("Machine draft ({provider}), not checked yet.").format(
                provider=provider_name(text.provider, _)
            )
        )
    if chart:
        lines.append(_("With the chart of: {question}").format(question=_escape(chart)))
    return "\n".join(lines)


def refusal(why: str) -> str:
    return {
        "no_findings": _("Please write the findings first."),
        "sent": _("This was sent already."),
        "unreviewed": _("Please check the machine drafts first."),
        "nobody": _("Nobody to send this to."),
    }[why]


def problem(why: str) -> str:
    return {
        "empty": _("Please write some text."),
        "long": _("That is too long. Please write it shorter."),
    }[why]


# --- members: /results -----------------------------------------------------------------------


def result_lines(result: QuestionResult | None, locale: str) -> list[str]:
    """The headline question's answers in the reader's language, "<5" for small groups."""
    if result is None:
        return []
    lines = [
        f"<i>{_escape(shown(result.question.text, locale))}</i> ({answers(result.answered, locale)})"
    ]
    if is_small(result.answered):
        return lines
    for value in result.question.answer_ids():
        got = result.counts.get(value, 0)
        percent = share(got, result.answered, locale)
        text = f"{percent} ({count(got, locale)})" if percent else count(got, locale)
        lines.append(f"• {_escape(label(result.question, value, locale))}: {text}")
    return lines


def _escape(text: str) -> str:
    return html.escape(text, quote=False)


def past_block(i18n: I18n, title: str, result: QuestionResult | None, said: Texts, did: Texts,
               locale: str) -> str:  # fmt: skip
    picked_said = rules.for_reader(said, locale)
    picked_did = rules.for_reader(did, locale) if did else None
    parts = [f"📊 <b>{_escape(title)}</b>", *result_lines(result, locale)]
    if picked_said is not None:
        parts.append(
            f"🗣 <b>{_escape(t(i18n, YOU_SAID, locale))}</b> {_escape(picked_said[1].text)}"
        )
    if picked_did is not None:
        parts.append(f"✅ <b>{_escape(t(i18n, WE_DID, locale))}</b> {_escape(picked_did[1].text)}")
    else:
        parts.append(_("The municipality's answer will follow."))
    return "\n".join(parts)


def stats_lines(counts: dict[int, Counter[str]], names: dict[int, str], locale: str) -> list[str]:
    """The /stats block: 👍/👎 on findings per region ("<5" for small counts)."""
    lines = [
        f"{html.escape(names.get(region, '–'), quote=False)}: 👍 {count(c[rules.UP], locale)} · "
        f"👎 {count(c[rules.DOWN], locale)}"
        for region, c in counts.items()
        if c
    ]
    if not lines:
        return []
    heading = _("You said, we did: was it useful?")
    return [f"<b>{_escape(heading)}</b>", *lines]


packed = pack  # blocks joined into as few messages as fit Telegram's 4096 characters
