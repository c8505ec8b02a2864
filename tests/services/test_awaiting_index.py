"""What awaits a person's acknowledgement is read from an index of the notices still awaiting
someone, never from every notice they were ever sent."""

from __future__ import annotations

from sqlalchemy import Engine, select

from models.dispute import StageNotice

INDEX = "ix_stage_notices_awaiting"


def test_the_awaiting_notices_are_read_from_their_own_index(engine: Engine) -> None:
    """As `awaiting_acknowledgement` asks: the person's notices, unacknowledged, not superseded.
    On PostgreSQL table scans are ruled out, as for a busy person's thousands of notices the
    planner rules them out itself: an index is then used only where its condition holds."""
    waiting = select(StageNotice.dispute_id).where(
        StageNotice.person_id == 1,
        StageNotice.acknowledged_at.is_(None),
        ~StageNotice.superseded,
    )
    sql = str(waiting.compile(engine, compile_kwargs={"literal_binds": True}))
    with engine.connect() as connection:
        if engine.dialect.name == "postgresql":
            connection.exec_driver_sql("SET LOCAL enable_seqscan = off")
            plan = [row[0] for row in connection.exec_driver_sql(f"EXPLAIN {sql}")]
        else:
            plan = [row[-1] for row in connection.exec_driver_sql(f"EXPLAIN QUERY PLAN {sql}")]
        connection.rollback()
    assert any(INDEX in line for line in plan), plan
