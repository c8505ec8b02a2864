"""The server tells whether to migrate without Alembic; its answer must match Alembic's."""

from __future__ import annotations

from pathlib import Path

from alembic.script import ScriptDirectory
from sqlalchemy import Engine

from bot.database import MIGRATIONS, make_engine, schema_is_current
from bot.schema_version import applied_revisions, newest_revisions


def test_the_newest_revisions_are_the_ones_alembic_would_migrate_to() -> None:
    assert newest_revisions() == set(ScriptDirectory(str(MIGRATIONS)).get_heads())


def test_a_migrated_database_is_current_and_a_new_one_is_not(
    engine: Engine, database_url: str, tmp_path: Path
) -> None:
    with engine.connect() as connection:
        assert applied_revisions(connection) == newest_revisions()
    assert schema_is_current(database_url)
    fresh = f"sqlite:///{tmp_path / 'fresh.sqlite3'}"
    never_migrated = make_engine(fresh)
    with never_migrated.connect() as connection:
        assert applied_revisions(connection) == set()
    never_migrated.dispose()
    assert not schema_is_current(fresh)
