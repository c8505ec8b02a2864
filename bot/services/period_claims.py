"""Claiming a period once across runs and replicas: the row in `digest_runs` is the claim."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import select
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.orm import Session

from models.schedule import DigestRun


def period_claimed(session: Session, key: str) -> bool:
    return session.scalar(select(DigestRun.id).where(DigestRun.period == key)) is not None


def claim_period(session: Session, key: str, at: datetime) -> bool:
    """Inserts the period's row; False when another run or replica already holds it.

    On PostgreSQL a concurrent claimer waits on the unique index for the first to commit,
    then inserts nothing; the transaction stays usable either way.
    """
    if period_claimed(session, key):
        return False
    dialect = session.get_bind().dialect.name
    insert = postgresql.insert if dialect == "postgresql" else sqlite.insert
    claimed = session.execute(
        insert(DigestRun)
        .values(period=key, created_at=at)
        .on_conflict_do_nothing(index_elements=["period"])
        .returning(DigestRun.id)
    ).scalar_one_or_none()
    return claimed is not None
