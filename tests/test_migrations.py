from __future__ import annotations

from sqlalchemy import inspect, select
from sqlalchemy.ext.asyncio import AsyncEngine

from db import migrate
from db.base import Base
from db.engine import create_engine, create_session_factory
from db.models import Municipality, Region
from db.seed import match_key, seed_regions


async def _tables(engine: AsyncEngine) -> set[str]:
    async with engine.connect() as conn:
        names = await conn.run_sync(lambda c: inspect(c).get_table_names())
    return set(names) - {"alembic_version"}


async def test_stairway_upgrade_downgrade_upgrade(empty_database_url: str) -> None:
    engine = create_engine(empty_database_url)
    try:
        await migrate.upgrade(engine)
        assert await migrate.current_revision(engine) == migrate.head_revision()
        assert await _tables(engine) == set(Base.metadata.tables)
        await migrate.downgrade(engine, "base")
        assert await migrate.current_revision(engine) is None
        assert await _tables(engine) == set()
        await migrate.upgrade(engine)
        assert await _tables(engine) == set(Base.metadata.tables)
    finally:
        await engine.dispose()


async def test_every_revision_downgrades_one_step(empty_database_url: str) -> None:
    from alembic.script import ScriptDirectory

    revisions = list(ScriptDirectory.from_config(migrate.alembic_config()).walk_revisions())
    engine = create_engine(empty_database_url)
    try:
        for revision in reversed(revisions):
            await migrate.upgrade(engine, revision.revision)
            await migrate.downgrade(engine, "-1")
            await migrate.upgrade(engine, revision.revision)
    finally:
        await engine.dispose()


async def test_models_match_migrations(empty_database_url: str) -> None:
    """Autogenerate finds nothing to do: the migrations build exactly the models' schema."""
    from alembic.autogenerate import compare_metadata
    from alembic.runtime.migration import MigrationContext

    engine = create_engine(empty_database_url)
    try:
        await migrate.upgrade(engine)
        async with engine.connect() as conn:
            diff = await conn.run_sync(
                lambda c: compare_metadata(
                    MigrationContext.configure(c, opts={"compare_type": False}), Base.metadata
                )
            )
        assert diff == []
    finally:
        await engine.dispose()


async def test_seed_adds_five_regions_once(engine: AsyncEngine) -> None:
    factory = create_session_factory(engine)
    async with factory() as session:
        assert await seed_regions(session) == 0  # the fixture already seeded
        codes = set(await session.scalars(select(Region.code)))
        assert codes == {"alkmaar", "rotterdam", "twente", "zwolle", "friesland"}
        enschede = await session.scalar(
            select(Municipality).where(Municipality.match_key == match_key("ENSCHEDE"))
        )
        assert enschede is not None
        region = await session.get(Region, enschede.region_id)
        assert region is not None and region.code == "twente"


def test_match_key_folds_accents_case_and_punctuation() -> None:
    assert match_key("Súdwest-Fryslân") == match_key("sudwest fryslan")
    assert match_key("  Capelle aan den IJssel ") == "capelle aan den ijssel"
