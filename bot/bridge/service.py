"""Translate texts through the cache: the same text is never sent to a provider twice.

These functions take the caller's session, read and write the `translations` table in its
transaction and never commit; a caller that rolls back loses only the cache rows (the text is
translated again next time). A provider call can take up to TRANSLATION_TIMEOUT: call them
before writing anything else in the same transaction, or from a session of their own, so no
database lock is held while waiting for a provider.

Every text gets a result: a `Translation`, or `Untranslated(reason)` and the caller shows
the original (and may ask again later when `retry_later`).
"""

from __future__ import annotations

import hashlib
from collections.abc import Sequence
from datetime import datetime

from sqlalchemy import delete, select, update
from sqlalchemy.dialects.postgresql import insert as postgresql_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlalchemy.ext.asyncio import AsyncSession

from bot.bridge.bridge import Bridge, Delivered
from bot.bridge.results import MAX_CHARS, Reason, Result, Translation, Untranslated
from db.base import utcnow
from db.models import CachedTranslation

_IN_CHUNK = 500


def text_hash(text: str) -> str:
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


async def translate(
    session: AsyncSession,
    bridge: Bridge | None,
    text: str,
    source: str,
    target: str,
    *,
    member_id: int | None = None,
) -> Result:
    """`text` from `source` into `target` (project codes). `member_id`: whose text this is
    (or to whom an answer goes), so /mydata lists the translation and /delete erases it."""
    results = await translate_many(session, bridge, [text], source, target, member_id=member_id)
    return results[0]


async def translate_many(
    session: AsyncSession,
    bridge: Bridge | None,
    texts: Sequence[str],
    source: str,
    target: str,
    *,
    member_id: int | None = None,
) -> list[Result]:
    """One result per text, in order; what is not cached goes to the provider in one batch."""
    results: list[Result | None] = [None] * len(texts)
    todo: dict[str, list[int]] = {}  # text -> its positions
    for index, text in enumerate(texts):
        if source == target:
            results[index] = Untranslated(Reason.SAME_LANGUAGE)
        elif not text.strip():
            results[index] = Untranslated(Reason.EMPTY)
        elif bridge is None or not bridge.configured:
            results[index] = Untranslated(Reason.NOT_CONFIGURED)
        elif len(text) > MAX_CHARS:
            results[index] = Untranslated(Reason.TOO_LONG)
        else:
            todo.setdefault(text, []).append(index)
    if not todo or bridge is None:
        return [r for r in results if r is not None]

    hashes = {text: text_hash(text) for text in todo}
    cached = await _cached(session, list(hashes.values()), source, target)
    unclaimed: list[int] = []
    for text, positions in list(todo.items()):
        row = cached.get(hashes[text])
        if row is None:
            continue
        for index in positions:
            results[index] = Translation(row.translated, source, target, row.provider, cached=True)
        if member_id is not None and row.member_id is None:
            unclaimed.append(row.id)
        del todo[text]
    if unclaimed:
        await session.execute(
            update(CachedTranslation)
            .where(CachedTranslation.id.in_(unclaimed), CachedTranslation.member_id.is_(None))
            .values(member_id=member_id)
        )

    if todo:
        outcomes = await bridge.machine_translate(list(todo), source, target)
        rows = []
        for text, outcome in zip(todo, outcomes, strict=True):
            if isinstance(outcome, Delivered):
                result: Result = Translation(outcome.text, source, target, outcome.provider)
                rows.append(
                    {
                        "text_hash": hashes[text],
                        "source": source,
                        "target": target,
                        "provider": outcome.provider,
                        "translated": outcome.text,
                        "member_id": member_id,
                        "created_at": utcnow(),
                    }
                )
            else:
                result = outcome
            for index in todo[text]:
                results[index] = result
        await _store(session, rows)
    return [r for r in results if r is not None]


async def cached(
    session: AsyncSession, texts: Sequence[str], source: str, target: str
) -> dict[str, Translation]:
    """The translations of `texts` already in the cache (no provider is asked), by text."""
    hashes = {text_hash(text): text for text in texts}
    rows = await _cached(session, list(hashes), source, target)
    return {
        hashes[h]: Translation(row.translated, source, target, row.provider, cached=True)
        for h, row in rows.items()
    }


async def _cached(
    session: AsyncSession, hashes: list[str], source: str, target: str
) -> dict[str, CachedTranslation]:
    found: dict[str, CachedTranslation] = {}
    for start in range(0, len(hashes), _IN_CHUNK):
        rows = await session.scalars(
            select(CachedTranslation).where(
                CachedTranslation.text_hash.in_(hashes[start : start + _IN_CHUNK]),
                CachedTranslation.source == source,
                CachedTranslation.target == target,
            )
        )
        found.update({row.text_hash: row for row in rows})
    return found


async def _store(session: AsyncSession, rows: list[dict[str, object]]) -> None:
    """Insert, leaving alone a row another worker stored for the same text meanwhile."""
    if not rows:
        return
    dialect = session.get_bind().dialect.name
    insert = postgresql_insert if dialect == "postgresql" else sqlite_insert
    statement = insert(CachedTranslation).on_conflict_do_nothing(
        index_elements=["text_hash", "source", "target"]
    )
    await session.execute(statement, rows)


async def purge_translations(session: AsyncSession, older_than: datetime) -> int:
    """Delete cached translations made before `older_than` (retention); returns how many."""
    result = await session.execute(
        delete(CachedTranslation).where(CachedTranslation.created_at < older_than)
    )
    return int(getattr(result, "rowcount", 0) or 0)


__all__ = ["cached", "purge_translations", "text_hash", "translate", "translate_many"]
