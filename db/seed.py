"""Seed a fresh database with the existing regional pools."""

from __future__ import annotations

import unicodedata
from pathlib import Path
from typing import Any

import yaml
from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession

from db.models import Municipality, Region

SEED_FILE = Path(__file__).with_name("seed_regions.yaml")


def match_key(name: str) -> str:
    """Fold case, accents and punctuation so 'Súdwest Fryslan' matches 'Súdwest-Fryslân'."""
    decomposed = unicodedata.normalize("NFKD", name.casefold())
    letters = "".join(c for c in decomposed if not unicodedata.combining(c))
    return " ".join("".join(c if c.isalnum() else " " for c in letters).split())


def load_seed(path: Path = SEED_FILE) -> list[dict[str, Any]]:
    with path.open(encoding="utf-8") as fh:
        data = yaml.safe_load(fh)
    if not isinstance(data, list):
        raise ValueError(f"{path}: expected a list of regions")
    return data


async def seed_regions(session: AsyncSession) -> int:
    """Insert the seed regions when the database has none; return how many were added."""
    if await session.scalar(select(func.count()).select_from(Region)):
        return 0
    regions = load_seed()
    for entry in regions:
        region = Region(code=entry["code"], name=entry["name"])
        region.municipalities = [
            Municipality(name=name, match_key=match_key(name)) for name in entry["municipalities"]
        ]
        session.add(region)
    await session.flush()
    return len(regions)
