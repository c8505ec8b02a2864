"""Two replicas sweeping one database at the same moment escalate each lapsed stage exactly once.

On PostgreSQL (TEST_DATABASE_URL) they share the work: SKIP LOCKED hands each batch to one of
them. SQLite lets one writer in at a time, so there one replica may take every batch."""

from __future__ import annotations

import threading
from collections import Counter
from datetime import timedelta

from sqlalchemy import Engine, func, select
from sqlalchemy.orm import Session, sessionmaker

from bot.clock import FrozenClock
from bot.database import make_engine, make_session_factory
from bot.flows.sweep import Sweeper, SweepReport
from bot.services.audit_verify import verify_chain
from models.audit import AuditEvent
from models.dispute import StageNotice, StageTransition
from models.outbox import OutboxKind, OutboxMessage
from tests.conftest import london, wipe
from tests.flows.test_sweep_batch import context, open_disputes

COPIES = 8  # each protocol between each pair of agencies it covers, this many times
BATCH = 10


def sweep_as_replica(
    url: str, start: FrozenClock, ready: threading.Barrier, reports: list[SweepReport]
) -> None:
    """One replica: its own connections and clock, sweeping once when both are ready."""
    engine = make_engine(url)
    try:
        clock = FrozenClock(start.now())
        ctx = context(clock)
        sweeper = Sweeper(
            factory=make_session_factory(engine),
            service=ctx.service,
            notifier=ctx.notifier,
            clock=clock,
            batch=BATCH,
        )
        ready.wait()
        reports.append(sweeper.run_once())
    finally:
        engine.dispose()


def test_two_replicas_escalate_each_lapsed_stage_exactly_once(
    database_url: str, engine: Engine, factory: sessionmaker[Session]
) -> None:
    wipe(engine)
    clock = FrozenClock(london(2026, 11, 23, 10, 0))
    opened = open_disputes(factory, context(clock), copies=COPIES)
    with factory() as session:
        queued_at_opening = session.scalar(select(func.count(OutboxMessage.id))) or 0
    clock.advance(timedelta(days=30))
    ready = threading.Barrier(2)
    reports: list[SweepReport] = []
    replicas = [
        threading.Thread(target=sweep_as_replica, args=(database_url, clock, ready, reports))
        for _ in range(2)
    ]
    for replica in replicas:
        replica.start()
    for replica in replicas:
        replica.join(timeout=300)
    assert len(reports) == 2, "a replica failed: see its traceback above"
    assert sum(r.escalated for r in reports) == opened
    if engine.dialect.name == "postgresql":  # SQLite's lock may go to one replica throughout
        assert all(r.escalated > 0 for r in reports), f"one replica did all the work: {reports}"
    with factory() as session:
        lapsed = Counter(
            session.scalars(
                select(StageTransition.dispute_id).where(StageTransition.trigger != "opened")
            )
        )
        assert len(lapsed) == opened and set(lapsed.values()) == {1}
        entered = Counter(
            session.scalars(select(AuditEvent.dispute_id).where(AuditEvent.kind == "stage_entered"))
        )
        assert set(entered.values()) == {2}  # the opening stage and the one lapse
        notices = session.execute(select(StageNotice.transition_id, StageNotice.person_id)).all()
        assert len(notices) == len(set(notices))
        # each stage entered is announced once: its messages are drawn as that is delivered
        announced = Counter(
            row.payload["transition"]
            for row in session.scalars(
                select(OutboxMessage).where(
                    OutboxMessage.id > queued_at_opening,
                    OutboxMessage.kind == OutboxKind.STAGE_ENTERED,
                )
            )
        )
        moved = session.scalars(
            select(StageTransition.id).where(StageTransition.trigger != "opened")
        )
        assert set(announced) == set(moved) and set(announced.values()) == {1}
        assert verify_chain(session).first_break is None
