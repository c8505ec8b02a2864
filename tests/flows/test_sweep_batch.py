"""A sweep that escalates lapsed stages a batch at a time leaves exactly what escalating them one
at a time leaves: the same stages, people, notices, reminders, messages and audit trail."""

from __future__ import annotations

import json
from collections.abc import Callable
from datetime import timedelta
from typing import Any

import pytest
from sqlalchemy import Engine, event, func, select
from sqlalchemy.orm import Session, sessionmaker

from bot.clock import FrozenClock
from bot.database import transaction
from bot.flows import disputes as flows
from bot.flows.context import FlowContext
from bot.flows.sweep import Sweeper, SweepReport
from bot.protocols import ProtocolCatalog
from bot.runtime import build_runtime
from bot.services.audit_verify import verify_chain
from bot.services.disputes import DisputeService
from bot.services.errors import DomainError
from bot.services.notifications import Notifier
from bot.services.sweep_batch import batch_reads, preload, write
from bot.settings import load_settings
from bot.working_days import WorkingCalendar
from models.audit import AuditEvent, AuditTamperingError
from models.directory import Agency, Person
from models.dispute import (
    Dispute,
    DisputeMember,
    DisputeStatus,
    StageNotice,
    StageTransition,
    Trigger,
)
from models.outbox import OutboxMessage
from models.schedule import Reminder
from schedules.scheduler import build_scheduler
from tests.conftest import LONDON, london, wipe
from tests.services.conftest import add_person

PROTOCOLS = ["oxfordshire", "portsmouth", "specialist-childrens-services", "suffolk", "sussex"]
PAIRS = [("pol_dc", "csc_sw"), ("csc_sw", "hv"), ("hv", "pol_dc")]
ROUNDS = 6  # enough lapses to climb every ladder to its top, or to a referral-only stage
TABLES: list[type[Any]] = [
    Dispute,
    StageTransition,
    StageNotice,
    DisputeMember,
    Reminder,
    AuditEvent,
    OutboxMessage,
]


def directory(session: Session) -> dict[str, Person]:
    """Three agencies and the partnership; some posts missing, so the admins hear of gaps."""
    csc = Agency(key="csc", name="Northshire Children's Social Care", kind="childrens_social_care")
    police = Agency(key="police", name="Northshire Police", kind="police")
    health = Agency(key="health", name="Northshire Community Health", kind="health")
    nscp = Agency(key="nscp", name="Northshire Safeguarding Partnership", kind="partnership")
    p: dict[str, Person] = {}
    p["csc_hos"] = add_person(session, csc, "csc_hos", "head_of_service", "Head of Service")
    p["csc_tm"] = add_person(session, csc, "csc_tm", "line_manager", "Team Manager", p["csc_hos"])
    p["csc_sw"] = add_person(session, csc, "csc_sw", "practitioner", "Social Worker", p["csc_tm"])
    p["pol_sm"] = add_person(session, police, "pol_sm", "senior_manager", "Detective Inspector")
    p["pol_ls"] = add_person(
        session, police, "pol_ls", "line_manager", "Detective Sergeant", p["pol_sm"]
    )
    p["pol_dc"] = add_person(
        session, police, "pol_dc", "practitioner", "Detective Constable", p["pol_ls"]
    )
    p["hv_mgr"] = add_person(session, health, "hv_mgr", "line_manager", "Health Visiting Lead")
    p["hv"] = add_person(session, health, "hv", "practitioner", "Health Visitor", p["hv_mgr"])
    p["dn"] = add_person(
        session, health, "dn", "designated_safeguarding_professional", "Designated Nurse"
    )
    p["chair"] = add_person(session, nscp, "chair", "partnership_chair", "Independent Chair")
    p["admin"] = add_person(session, nscp, "admin", "partnership_admin", "Business Manager")
    session.flush()
    return p


def context(clock: FrozenClock) -> FlowContext:
    """Admins heard directly (no channel), so their messages name people."""
    calendar = WorkingCalendar(zone=LONDON)
    service = DisputeService(clock=clock, calendar=calendar, catalog=ProtocolCatalog())
    settings = load_settings(leads_channel="C0LEADS", admins_channel=None)
    return FlowContext(service, Notifier(clock=clock, calendar=calendar, settings=settings))


def open_disputes(factory: sessionmaker[Session], ctx: FlowContext, copies: int = 1) -> int:
    """Every protocol, between every pair of agencies it covers, `copies` times over; returns
    how many opened."""
    opened = 0
    with transaction(factory) as session:
        people = directory(session)
        for n, (protocol_key, (raiser, counterpart)) in enumerate(
            (p, pair) for _ in range(copies) for p in PROTOCOLS for pair in PAIRS
        ):
            protocol = ctx.service.catalog.get(protocol_key)
            assert protocol is not None
            try:
                with session.begin_nested():
                    flows.open_dispute(
                        ctx,
                        session,
                        raiser=people[raiser],
                        counterpart=people[counterpart],
                        protocol_key=protocol_key,
                        category=protocol.categories[n % len(protocol.categories)].key,
                        child_ref=f"CS-{n:05d}",
                        summary="The referral was refused as below threshold.",
                    )
                opened += 1
            except DomainError:
                continue  # a protocol that does not cover these two agencies
    return opened


def one_at_a_time(factory: sessionmaker[Session], ctx: FlowContext, clock: FrozenClock) -> None:
    """Each lapsed dispute escalated on its own, in its own transaction; then the sweep, which
    finds only the reminders due."""
    now = ctx.service.clock.now()
    with factory() as session:
        due = session.scalars(
            select(Dispute.id)
            .where(Dispute.status == DisputeStatus.OPEN, Dispute.deadline_at <= now)
            .order_by(Dispute.deadline_at, Dispute.id)
        ).all()
    for dispute_id in due:
        with transaction(factory) as session:
            dispute = session.get(Dispute, dispute_id)
            assert dispute is not None
            flows.lapse(ctx, session, dispute=dispute)
    report = in_batches(factory, ctx, clock)
    assert report.escalated == report.awaiting_referral == 0


def in_batches(factory: sessionmaker[Session], ctx: FlowContext, clock: FrozenClock) -> SweepReport:
    return Sweeper(
        factory=factory, service=ctx.service, notifier=ctx.notifier, clock=clock, batch=4
    ).run_once()


def everything(factory: sessionmaker[Session]) -> dict[str, list[dict[str, Any]]]:
    """Every row of the tables escalation writes, as plain values, in the order written; the
    outbox as a set (see `_outbox_as_set`)."""
    with factory() as session:
        assert verify_chain(session).first_break is None
        rows = {
            model.__tablename__: [
                {c.key: getattr(row, c.key) for c in model.__mapper__.column_attrs}
                for row in session.scalars(select(model).order_by(model.id))
            ]
            for model in TABLES
        }
    rows["outbox_messages"] = _outbox_as_set(rows["outbox_messages"])
    return rows


def _outbox_as_set(rows: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """The outbox without its ids: retiring a superseded message is one INSERT ... SELECT run
    at once, while a batch inserts its new messages at its end, so the ids interleave
    differently. Each retirement names the message it retires by that message's content."""

    def content(row: dict[str, Any]) -> str:
        return json.dumps(
            {k: v for k, v in row.items() if k not in ("id", "depends_on_id")},
            sort_keys=True,
            default=str,
        )

    by_id = {row["id"]: row for row in rows}
    shaped = [
        {
            **{k: v for k, v in row.items() if k not in ("id", "depends_on_id")},
            "depends_on": content(by_id[row["depends_on_id"]]) if row["depends_on_id"] else None,
        }
        for row in rows
    ]
    return sorted(shaped, key=lambda row: json.dumps(row, sort_keys=True, default=str))


def run(
    engine: Engine,
    factory: sessionmaker[Session],
    sweep: Callable[[sessionmaker[Session], FlowContext, FrozenClock], object],
) -> dict[str, list[dict[str, Any]]]:
    wipe(engine)
    clock = FrozenClock(london(2026, 11, 23, 10, 0))
    ctx = context(clock)
    assert open_disputes(factory, ctx) >= 12
    for _ in range(ROUNDS):
        clock.advance(timedelta(days=30))
        sweep(factory, ctx, clock)
    return everything(factory)


def test_a_batched_sweep_escalates_exactly_as_one_at_a_time(
    engine: Engine, factory: sessionmaker[Session]
) -> None:
    single = run(engine, factory, one_at_a_time)
    batched = run(engine, factory, in_batches)
    transitions = single["stage_transitions"]
    assert {t["trigger"] for t in transitions} == {"opened", "timescale lapsed"}
    kinds = {e["kind"] for e in single["audit_events"]}
    assert {"stage_entered", "awaiting_referral"} <= kinds
    assert any(t["missing"] for t in transitions), "some stage should lack someone"
    assert any(r["depends_on"] for r in single["outbox_messages"])
    # a notice is superseded exactly when its stage has ended
    ended = {t["id"]: t["ended_at"] is not None for t in transitions}
    flags = [(n["superseded"], ended[n["transition_id"]]) for n in single["stage_notices"]]
    assert {flag for flag, _ in flags} == {True, False}
    assert all(flag == stage_ended for flag, stage_ended in flags)
    for table, rows in single.items():
        assert len(batched[table]) == len(rows), table
        for mine, theirs in zip(batched[table], rows, strict=True):
            assert mine == theirs, table


def sweep_statements(engine: Engine, factory: sessionmaker[Session], copies: int) -> int:
    """SQL statements one sweep runs to escalate every stage of `copies` times the disputes,
    all lapsing at once, in one batch."""
    wipe(engine)
    clock = FrozenClock(london(2026, 11, 23, 10, 0))
    ctx = context(clock)
    opened = open_disputes(factory, ctx, copies)
    clock.advance(timedelta(days=30))
    sweeper = Sweeper(
        factory=factory, service=ctx.service, notifier=ctx.notifier, clock=clock, batch=200
    )
    statements: list[str] = []

    def count(*args: Any) -> None:
        statements.append(args[2])

    event.listen(engine, "before_cursor_execute", count)
    try:
        report = sweeper.run_once()
    finally:
        event.remove(engine, "before_cursor_execute", count)
    assert report.escalated + report.awaiting_referral == opened
    return len(statements)


def test_a_sweep_batch_runs_as_many_statements_for_many_disputes_as_for_few(
    engine: Engine, factory: sessionmaker[Session]
) -> None:
    # A statement a dispute (ending its stage with an UPDATE of its own, say) makes a batch of
    # thousands crawl; the batch reads and writes each table once, whatever its size.
    assert sweep_statements(engine, factory, 3) == sweep_statements(engine, factory, 1)


def test_the_scheduled_sweep_escalates_as_many_stages_a_transaction_as_set(
    engine: Engine, factory: sessionmaker[Session]
) -> None:
    """RESOLVE_SWEEP_BATCH: each of the scheduler's sweep transactions escalates at most that
    many lapsed stages, and together they escalate every one."""
    clock = FrozenClock(london(2026, 11, 23, 10, 0))
    opened = open_disputes(factory, context(clock))
    clock.advance(timedelta(days=30))
    settings = load_settings(
        database_url=engine.url.render_as_string(hide_password=False),
        sweep_batch=2,
        leads_channel="C0LEADS",
        admins_channel=None,
    )
    rt = build_runtime(settings, clock=clock, migrate=False)
    lapses = select(func.count()).where(StageTransition.trigger == Trigger.LAPSED)
    escalated: list[int] = [0]

    def count_after(_session: Session) -> None:
        with rt.engine.connect() as connection:
            escalated.append(connection.scalar(lapses) or 0)

    event.listen(Session, "after_commit", count_after)
    try:
        job = build_scheduler(rt).get_job("deadline-sweep")
        assert job is not None
        job.func(*job.args)
    finally:
        event.remove(Session, "after_commit", count_after)
        rt.engine.dispose()
    steps = [b - a for a, b in zip(escalated, escalated[1:], strict=False)]
    assert max(steps) == 2
    with factory() as session:
        left = session.scalar(
            select(func.count()).where(
                Dispute.status == DisputeStatus.OPEN, Dispute.deadline_at <= clock.now()
            )
        )
    assert left == 0 and escalated[-1] >= opened // 2


def test_a_sweep_batch_writes_its_changes_itself_leaving_the_flush_nothing(
    engine: Engine, factory: sessionmaker[Session]
) -> None:
    # The flush checks every attribute of every object it holds: at thousands of disputes, more
    # work than the escalations. A batch writes its stages, notices and changed disputes itself
    # (the equivalence test above shows it writes them exactly as the flush did).
    clock = FrozenClock(london(2026, 11, 23, 10, 0))
    ctx = context(clock)
    open_disputes(factory, ctx)
    clock.advance(timedelta(days=30))
    sweeper = Sweeper(factory=factory, service=ctx.service, notifier=ctx.notifier, clock=clock)
    left: list[int] = []

    def note(session: Session, *_: Any) -> None:
        if batch_reads(session) is not None:
            left.append(len(session.new) + len(session.dirty))

    event.listen(Session, "before_flush", note)
    try:
        report = sweeper.run_once()
    finally:
        event.remove(Session, "before_flush", note)
    assert report.escalated > 0
    assert not any(left)  # a flush with anything to write would have noted it


def test_a_sweep_batch_still_refuses_to_change_an_audit_event(
    engine: Engine, factory: sessionmaker[Session]
) -> None:
    clock = FrozenClock(london(2026, 11, 23, 10, 0))
    open_disputes(factory, context(clock))
    with factory() as session:
        disputes = list(session.scalars(select(Dispute).limit(3)))
        preload(session, disputes)
        first = session.scalars(select(AuditEvent).order_by(AuditEvent.id)).first()
        assert first is not None
        first.kind = "nothing_happened"
        with pytest.raises(AuditTamperingError):
            write(session)
    with factory() as session:
        assert session.get(AuditEvent, first.id).kind != "nothing_happened"  # type: ignore[union-attr]
