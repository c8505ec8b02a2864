"""Dispute references like RPD-2026-0042: unique per year even when disputes open together."""

from __future__ import annotations

from sqlalchemy import update
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.orm import Session

from models.dispute import ReferenceCounter

PREFIX = "RPD"


def next_reference(session: Session, *, year: int) -> str:
    """Bumps the year's counter in one statement; the row lock serialises concurrent openers."""
    dialect = session.get_bind().dialect.name
    insert = postgresql.insert if dialect == "postgresql" else sqlite.insert
    session.execute(
        insert(ReferenceCounter)
        .values(year=year, last=0)
        .on_conflict_do_nothing(index_elements=["year"])
    )
    number = session.execute(
        update(ReferenceCounter)
        .where(ReferenceCounter.year == year)
        .values(last=ReferenceCounter.last + 1)
        .returning(ReferenceCounter.last)
    ).scalar_one()
    return f"{PREFIX}-{year}-{number:04d}"
