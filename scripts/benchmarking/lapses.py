"""Stages lapsing at once: the sweep escalating them, beside the floor of the same database work.

The floor takes the very rows the sweep wrote and writes them again set-based, on the bare
driver connection, batch by batch as the sweep commits: one UPDATE of the disputes, one of their
reminders, and one COPY a table on PostgreSQL (a multi-row INSERT on SQLite). Nothing is read or
built in Python while it is timed, so it is what the database itself needs; it runs in a
transaction that is rolled back (the sweep's rows are taken out first, untimed, so the same keys
go in again).

On PostgreSQL the sweep runs in several replica processes at once, as `resolve run` replicas do.
"""

from __future__ import annotations

import json
import time
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from multiprocessing import get_context
from multiprocessing.queues import Queue
from multiprocessing.synchronize import Barrier
from typing import Any

from sqlalchemy import Connection, Engine, func, select

from bot.clock import FrozenClock
from bot.flows.sweep import Sweeper, SweepReport
from bot.runtime import Runtime, build_runtime, settle_heap
from bot.services.delivery import DeliveryReport
from bot.settings import Settings
from models.audit import AuditEvent
from models.dispute import Dispute, DisputeMember, DisputeStatus, StageNotice, StageTransition
from models.outbox import OutboxKind, OutboxMessage
from models.schedule import Reminder, ReminderStatus

# What escalating writes, parents before children.
WRITTEN = [StageTransition, StageNotice, DisputeMember, Reminder, AuditEvent, OutboxMessage]
MOVED = ["stage_index", "stage_started_at", "stated_timescale", "deadline_at"]


@dataclass
class Lapses:
    seconds: float
    floor_seconds: float
    replicas: int
    escalated: int
    awaiting_referral: int
    by_replica: list[int]
    still_due: int
    outbox_rows: int
    announced_seconds: float  # the delivery job drawing and queueing the lapses' messages
    messages: int  # the messages those announcements queued


def highest_ids(engine: Engine) -> dict[str, int]:
    with engine.connect() as connection:
        return {
            m.__tablename__: connection.scalar(select(func.max(m.id))) or 0  # type: ignore[attr-defined]
            for m in [Dispute, *WRITTEN]
        }


def _replica(
    settings: Settings, at: datetime, batch: int, ready: Barrier, reports: Queue[SweepReport]
) -> None:
    """One replica process: its own runtime and connections, sweeping once all are ready."""
    clock = FrozenClock(at)
    rt = build_runtime(settings, clock=clock, migrate=False)
    settle_heap()  # as `resolve run` does once built
    sweeper = Sweeper(
        factory=rt.factory, service=rt.service, notifier=rt.notifier, clock=clock, batch=batch
    )
    ready.wait()
    try:
        reports.put(sweeper.run_once())
    finally:
        rt.engine.dispose()


def sweep(rt: Runtime, sweeper: Sweeper, replicas: int) -> tuple[float, list[SweepReport]]:
    """One sweep in this process, or `replicas` sweeps at once in processes of their own,
    timed from the moment all of them are ready until the last is done."""
    if replicas == 1:
        started = time.perf_counter()
        report = sweeper.run_once()
        return time.perf_counter() - started, [report]
    context = get_context("spawn")
    ready = context.Barrier(replicas + 1)
    queue: Queue[SweepReport] = context.Queue()
    args = (rt.settings, rt.clock.now(), sweeper.batch, ready, queue)
    processes = [context.Process(target=_replica, args=args) for _ in range(replicas)]
    for process in processes:
        process.start()
    ready.wait(timeout=120)
    started = time.perf_counter()
    reports = [queue.get(timeout=600) for _ in processes]
    seconds = time.perf_counter() - started
    for process in processes:
        process.join()
    return seconds, reports


def floor_seconds(engine: Engine, before: dict[str, int], batch: int) -> float:
    """The sweep's writes replayed set-based, batch by batch, in a rolled-back transaction."""
    with engine.connect() as connection:
        transaction = connection.begin()
        try:
            return _replay(connection, before, batch)
        finally:
            transaction.rollback()


def _rows(connection: Connection, sql: str) -> tuple[list[str], list[tuple[Any, ...]]]:
    result = connection.exec_driver_sql(sql)
    return list(result.keys()), [tuple(row) for row in result]


def _replay(connection: Connection, before: dict[str, int], batch: int) -> float:
    postgres = connection.dialect.name == "postgresql"
    mark = "%s" if postgres else "?"
    written: dict[str, tuple[list[str], list[tuple[Any, ...]]]] = {}
    for model in WRITTEN:
        table = model.__tablename__
        columns, rows = _rows(
            connection, f"SELECT * FROM {table} WHERE id > {before[table]} ORDER BY id"
        )
        if postgres:  # JSON documents go back as text, as they would be sent
            documents = set(
                connection.exec_driver_sql(
                    "SELECT column_name FROM information_schema.columns WHERE table_name = "
                    f"'{table}' AND data_type IN ('json', 'jsonb')"
                ).scalars()
            )
            rows = [
                tuple(
                    json.dumps(v) if v is not None and c in documents else v
                    for c, v in zip(columns, r, strict=True)
                )
                for r in rows
            ]
        written[table] = (columns, rows)
    transitions = written[StageTransition.__tablename__]
    at = transitions[0].index("dispute_id")
    swept = sorted({row[at] for row in transitions[1]})
    if not swept:
        return 0.0
    listed = ", ".join(map(str, swept))
    _, moved = _rows(
        connection, f"SELECT {', '.join(MOVED)}, id FROM disputes WHERE id IN ({listed})"
    )
    reminders = Reminder.__tablename__
    _, cancelled = _rows(
        connection,
        f"SELECT id FROM {reminders} WHERE id <= {before[reminders]} AND dispute_id IN "
        f"({listed}) AND status = '{ReminderStatus.CANCELLED.value}'",
    )
    if postgres:  # untimed, and no foreign key to check: these rows go back in a moment
        connection.exec_driver_sql("SET LOCAL session_replication_role = replica")
    for model in reversed(WRITTEN):  # untimed: take the sweep's rows out again
        table = model.__tablename__
        connection.exec_driver_sql(f"DELETE FROM {table} WHERE id > {before[table]}")
    if postgres:
        connection.exec_driver_sql("SET LOCAL session_replication_role = origin")
    if cancelled:
        ids = ", ".join(str(r[0]) for r in cancelled)
        connection.exec_driver_sql(
            f"UPDATE {reminders} SET status = '{ReminderStatus.PENDING.value}' WHERE id IN ({ids})"
        )
    started = time.perf_counter()
    for start in range(0, len(swept), batch):
        _write_batch(connection, set(swept[start : start + batch]), moved, written, mark)
    return time.perf_counter() - started


def _write_batch(
    connection: Connection,
    disputes: set[int],
    moved: Sequence[tuple[Any, ...]],
    written: dict[str, tuple[list[str], list[tuple[Any, ...]]]],
    mark: str,
) -> None:
    """One batch's writes: the disputes moved, their reminders cancelled, their rows added."""
    listed = ", ".join(map(str, sorted(disputes)))
    mine = [row for row in moved if row[-1] in disputes]
    values = ", ".join([f"({', '.join([mark] * (len(MOVED) + 1))})"] * len(mine))
    assignments = ", ".join(f"{c} = moved.{c}" for c in MOVED)
    connection.exec_driver_sql(
        f"WITH moved ({', '.join(MOVED)}, id) AS (VALUES {values}) "
        f"UPDATE disputes SET {assignments} FROM moved WHERE disputes.id = moved.id",
        tuple(value for row in mine for value in row),
    )
    connection.exec_driver_sql(
        f"UPDATE reminders SET status = '{ReminderStatus.CANCELLED.value}' "
        f"WHERE dispute_id IN ({listed}) AND status = '{ReminderStatus.PENDING.value}'"
    )
    for table, (columns, rows) in written.items():
        at = columns.index("dispute_id")
        mine = [row for row in rows if row[at] in disputes]
        if not mine:
            continue
        if connection.dialect.name == "postgresql":
            driver = connection.connection.driver_connection
            copying = f"COPY {table} ({', '.join(columns)}) FROM STDIN"
            with driver.cursor() as cursor, cursor.copy(copying) as copy:  # type: ignore[union-attr]
                for row in mine:
                    copy.write_row(row)
            continue
        values = ", ".join([f"({', '.join([mark] * len(columns))})"] * len(mine))
        connection.exec_driver_sql(
            f"INSERT INTO {table} ({', '.join(columns)}) VALUES {values}",
            tuple(value for row in mine for value in row),
        )


def lapse_figures(
    rt: Runtime, sweeper: Sweeper, seed: Any, count: int, lapse_at: datetime, replicas: int
) -> Lapses:
    """Seeds `count` stages lapsing at `lapse_at`, sweeps once just after, and replays the floor."""
    clock = sweeper.clock
    assert isinstance(clock, FrozenClock)
    clock.set(lapse_at - timedelta(minutes=1))
    seed(count, "lapsing", lapse_at)
    before = highest_ids(rt.engine)
    clock.set(lapse_at + timedelta(minutes=1))
    seconds, reports = sweep(rt, sweeper, replicas)
    with rt.factory() as session:
        outbox_rows = session.scalar(
            select(func.count(OutboxMessage.id)).where(
                OutboxMessage.id > before[OutboxMessage.__tablename__]
            )
        )
        still_due = session.scalar(
            select(func.count(Dispute.id)).where(
                Dispute.status == DisputeStatus.OPEN, Dispute.deadline_at <= clock.now()
            )
        )
    floor = floor_seconds(rt.engine, before, sweeper.batch)
    announced_seconds, messages = announce(rt, before[OutboxMessage.__tablename__])
    return Lapses(
        seconds=seconds,
        floor_seconds=floor,
        replicas=replicas,
        escalated=sum(r.escalated for r in reports),
        awaiting_referral=sum(r.awaiting_referral for r in reports),
        by_replica=[r.escalated for r in reports],
        still_due=still_due or 0,
        outbox_rows=outbox_rows or 0,
        announced_seconds=announced_seconds,
        messages=messages,
    )


def announce(rt: Runtime, after: int) -> tuple[float, int]:
    """What the delivery job does before sending the lapses' messages, timed without Slack:
    each announcement drawn into its messages, in a transaction of its own. Returns the time
    and how many messages they queued."""
    with rt.factory() as session:
        rows = list(
            session.scalars(
                select(OutboxMessage.id).where(
                    OutboxMessage.id > after, OutboxMessage.kind == OutboxKind.STAGE_ENTERED
                )
            )
        )
        last = session.scalar(select(func.max(OutboxMessage.id))) or 0
    report = DeliveryReport()
    started = time.perf_counter()
    for row_id in rows:
        rt.delivery.announce(row_id, report)
    seconds = time.perf_counter() - started
    with rt.factory() as session:
        queued = session.scalar(select(func.count(OutboxMessage.id)).where(OutboxMessage.id > last))
    return seconds, queued or 0
