"""Reply template services against a real database (SQLite and PostgreSQL): names, texts,
who sees and changes what, the variables filled and escaped."""

from __future__ import annotations

import pytest
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from bot.services.roles import Actor, NotAllowed
from bot.templates import service
from bot.templates.sending import fill
from bot.templates.service import TemplateError
from db.models import Region


async def _region_ids(session: AsyncSession) -> tuple[int, int]:
    rows = {r.code: r.id for r in await session.scalars(select(Region))}
    return rows["twente"], rows["zwolle"]


def test_variables_are_filled_and_escaped() -> None:
    values = {"name": "<b>Amina</b>", "region": "Twente", "question_number": "7"}
    text = "Hoi {name} & welkom in {region} ({question_number}); {onbekend} blijft {"
    assert fill(text, values, escape=True) == (
        "Hoi &lt;b&gt;Amina&lt;/b&gt; &amp; welkom in Twente (7); {onbekend} blijft {"
    )
    assert fill(text, values, escape=False).startswith("Hoi <b>Amina</b> & welkom")


@pytest.mark.parametrize("name", ["", "two words", "x" * 33, "ünï", "-start", "a/b"])
def test_bad_names(name: str) -> None:
    with pytest.raises(TemplateError):
        service.normal_name(name)


def test_names_are_lower_case() -> None:
    assert service.normal_name(" HuisArts_2 ") == "huisarts_2"


async def test_regions_keep_their_templates(session: AsyncSession) -> None:
    twente, zwolle = await _region_ids(session)
    a = Actor(1, False, frozenset({twente}))
    b = Actor(2, False, frozenset({zwolle}))
    admin = Actor(3, True, frozenset())
    mine = await service.create(
        session, a, region_id=twente, name="werk", topic="work", text="Kijk op werk.nl",
        staff_language="nl",
    )  # fmt: skip
    shared = await service.create(
        session, admin, region_id=None, name="werk", topic="work", text="Gedeeld",
        staff_language="nl",
    )  # fmt: skip
    with pytest.raises(TemplateError) as taken:
        await service.create(
            session, a, region_id=twente, name="WERK", topic="work", text="Nog een",
            staff_language="nl",
        )  # fmt: skip
    assert taken.value.reason == "taken"
    with pytest.raises(NotAllowed):  # only admins share
        await service.create(
            session, a, region_id=None, name="x", topic="work", text="x", staff_language="nl"
        )
    with pytest.raises(NotAllowed):  # not in another region
        await service.create(
            session, b, region_id=twente, name="x", topic="work", text="x", staff_language="nl"
        )
    with pytest.raises(TemplateError) as long:
        await service.create(
            session, a, region_id=twente, name="lang", topic="work",
            text="x" * (service.TEXT_LIMIT + 1), staff_language="nl",
        )  # fmt: skip
    assert long.value.reason == "too_long"

    assert [t.id for t in await service.listing(session, a)] == [mine.id, shared.id]
    assert [t.id for t in await service.listing(session, b)] == [shared.id]
    assert await service.by_name(session, a, twente, "werk") is mine  # the region's own first
    assert await service.by_name(session, b, zwolle, "werk") is shared
    with pytest.raises(NotAllowed):
        await service.get(session, b, mine.id)
    with pytest.raises(NotAllowed):
        await service.delete(session, b, mine.id)
    with pytest.raises(NotAllowed):
        await service.editable(session, a, shared.id)  # seen, not changed
    assert service.may_edit(admin, mine) and service.may_edit(admin, shared)

    edited = await service.set_text(
        session, a, mine.id, "ar", "انظروا werk.nl", staff_language="nl"
    )
    row = service.text_in(edited, "ar")
    assert row is not None and row.reviewed and row.provider is None
    assert await service.delete(session, a, mine.id) == "werk"
    assert [t.id for t in await service.listing(session, a)] == [shared.id]
