"""A person's lists find their disputes from the membership index alone."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

from alembic import command
from sqlalchemy import inspect
from sqlalchemy.dialects import sqlite

from bot.database import alembic_config, make_engine
from bot.services.queries import _member_of
from models.directory import Person

NEW, OLD = "ix_dispute_members_person_dispute", "ix_dispute_members_person_id"


def test_a_persons_disputes_are_read_from_the_index_without_the_membership_rows(
    sqlite_copy: Callable[[str], Path],
) -> None:
    engine = make_engine(f"sqlite:///{sqlite_copy('lists.sqlite3')}")
    members = _member_of(Person(id=1)).compile(
        dialect=sqlite.dialect(), compile_kwargs={"literal_binds": True}
    )
    try:
        with engine.connect() as connection:
            plan = connection.exec_driver_sql(f"EXPLAIN QUERY PLAN {members}").all()
    finally:
        engine.dispose()
    assert [row[-1] for row in plan] == [
        f"SEARCH dispute_members USING COVERING INDEX {NEW} (person_id=?)"
    ]


def test_the_index_by_person_alone_comes_back_on_downgrade(
    sqlite_copy: Callable[[str], Path],
) -> None:
    url = f"sqlite:///{sqlite_copy('members.sqlite3')}"
    config = alembic_config(url)
    engine = make_engine(url)

    def indexes() -> dict[str, list[str | None]]:
        found = inspect(engine).get_indexes("dispute_members")
        return {i["name"]: i["column_names"] for i in found if i["name"] in (NEW, OLD)}

    try:
        assert indexes() == {NEW: ["person_id", "dispute_id"]}
        command.downgrade(config, "0021")
        assert indexes() == {OLD: ["person_id"]}
        command.upgrade(config, "head")
        assert indexes() == {NEW: ["person_id", "dispute_id"]}
    finally:
        engine.dispose()
