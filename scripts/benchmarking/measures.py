"""What the benchmark measures: idle sweeps, claim query plans, escalation, database size."""

from __future__ import annotations

import gc
import statistics
import time
import tracemalloc
from dataclasses import dataclass
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

import sqlalchemy
from sqlalchemy import Column, Engine, Table, event, func, select, text

from benchmarking.seeding import Seeder
from bot.clock import FrozenClock
from bot.flows.sweep import Sweeper, SweepReport
from bot.runtime import Runtime, settle_heap
from models.dispute import Dispute, DisputeStatus
from models.outbox import OutboxMessage
from models.schedule import Reminder

IDLE_RUNS = 20


def due_index(column: Column[Any]) -> tuple[str, str]:
    """The table and the index the sweep should claim its due rows through."""
    table = column.table
    assert isinstance(table, Table)
    return table.name, next(
        str(i.name) for i in table.indexes if [c.name for c in i.columns] == ["status", column.name]
    )


INDEXES = dict(due_index(c) for c in (Dispute.__table__.c.deadline_at, Reminder.__table__.c.due_at))


@dataclass
class Escalation:
    seconds: float
    escalated: int
    awaiting_referral: int
    still_due: int
    outbox_rows: int


def idle_ms(sweeper: Sweeper) -> float:
    """The median of IDLE_RUNS sweeps that find nothing to do, in milliseconds."""
    sweeper.run_once()
    samples = []
    for _ in range(IDLE_RUNS):
        started = time.perf_counter()
        report = sweeper.run_once()
        samples.append(time.perf_counter() - started)
        if report != SweepReport():
            raise RuntimeError(f"the idle sweep found work to do: {report}")
    return statistics.median(samples) * 1000


def claim_plans(engine: Engine, sweeper: Sweeper) -> list[tuple[str, list[str]]]:
    """The plan of each SELECT an idle sweep runs, explained with its own parameters."""
    captured: list[tuple[str, Any]] = []

    def capture(_conn: Any, _cursor: Any, statement: str, parameters: Any, *_: Any) -> None:
        if statement.lstrip().upper().startswith("SELECT"):
            captured.append((statement, parameters))

    event.listen(engine, "before_cursor_execute", capture)
    try:
        sweeper.run_once()
    finally:
        event.remove(engine, "before_cursor_execute", capture)
    sqlite = engine.dialect.name == "sqlite"
    plans = []
    with engine.connect() as connection:
        for statement, parameters in captured:
            prefix = "EXPLAIN QUERY PLAN " if sqlite else "EXPLAIN "
            rows = connection.exec_driver_sql(prefix + statement, parameters).all()
            table = next((t for t in INDEXES if f"FROM {t}" in statement), "?")
            plans.append((table, [str(row[-1] if sqlite else row[0]) for row in rows]))
    return plans


def analyse(engine: Engine) -> None:
    """Fresh planner statistics and visibility map, as autovacuum leaves them some time after a
    bulk load (PostgreSQL): without the map, no scan can be answered from an index alone."""
    if engine.dialect.name == "postgresql":
        with engine.connect().execution_options(isolation_level="AUTOCOMMIT") as connection:
            connection.execute(text("VACUUM ANALYZE"))


def escalate(
    rt: Runtime, sweeper: Sweeper, seeder: Seeder, count: int, lapse_at: datetime, traced: bool
) -> tuple[Escalation, float]:
    """Seeds `count` stages lapsing at `lapse_at`, moves the clock past it, and sweeps once.

    Returns the figures and, when `traced`, tracemalloc's peak during the sweep in MB.
    """
    clock = sweeper.clock
    assert isinstance(clock, FrozenClock)
    clock.set(lapse_at - timedelta(minutes=1))
    seeder.seed(count, "lapsing", lapse_at)
    with rt.factory() as session:
        queued_before = session.scalar(select(func.count(OutboxMessage.id))) or 0
    clock.set(lapse_at + timedelta(minutes=1))
    gc.collect()
    if traced:
        tracemalloc.start()
    started = time.perf_counter()
    report = sweeper.run_once()
    seconds = time.perf_counter() - started
    peak = tracemalloc.get_traced_memory()[1] / 2**20 if traced else 0.0
    tracemalloc.stop()
    with rt.factory() as session:
        queued = session.scalar(select(func.count(OutboxMessage.id))) or 0
        still_due = session.scalar(
            select(func.count(Dispute.id)).where(
                Dispute.status == DisputeStatus.OPEN, Dispute.deadline_at <= clock.now()
            )
        )
    figures = Escalation(
        seconds=seconds,
        escalated=report.escalated,
        awaiting_referral=report.awaiting_referral,
        still_due=still_due or 0,
        outbox_rows=queued - queued_before,
    )
    return figures, peak


def database_size_mb(engine: Engine, url: str) -> float:
    if engine.dialect.name == "postgresql":
        with engine.connect() as connection:
            size = connection.scalar(text("SELECT pg_database_size(current_database())"))
        return (size or 0) / 2**20
    path = Path(sqlalchemy.make_url(url).database or "")
    return sum(p.stat().st_size for p in path.parent.glob(path.name + "*")) / 2**20


def _full_collection_ms() -> float:
    started = time.perf_counter()
    gc.collect()
    return (time.perf_counter() - started) * 1000


def settled(rt: Runtime) -> tuple[float, float]:
    """Settles the heap as `resolve run` does once built; returns what a full collection took
    before and after, in ms (the start-up garbage freed first, so both only scan)."""
    gc.collect()
    before = _full_collection_ms()
    settle_heap()
    return before, _full_collection_ms()
