"""Times the deadline sweep against a large database, on SQLite and on PostgreSQL.

1. `Sweeper.run_once()` when nothing is due, with 1%, 10% and all of --disputes stored, and the
   plans of its claim queries: the cost should follow what is due, not what is stored.
2. --lapsing disputes whose stages lapse at the same moment: one `run_once()` escalates them all
   and queues their outbox messages.
3. Peak memory: the process's maximum resident set after step 2, and tracemalloc's peak while
   a second sweep escalates --traced more lapsed stages. That sweep is separate because
   tracemalloc slows Python about threefold; the sweep commits every 200 disputes, so its peak
   follows the batch rather than the total (--traced 10000 shows it).

Rows go in with bulk inserts rather than through the dispute service, so seeding stays quick.
Each database runs in a fresh process, so each memory figure is its own. It prints figures and
asserts nothing about timing.

    .venv/bin/python scripts/benchmark.py --database sqlite
    .venv/bin/python scripts/benchmark.py --database postgres --postgres-url postgresql://...
    scripts/benchmark.sh    # both, on a throwaway PostgreSQL database
"""

from __future__ import annotations

import argparse
import gc
import os
import platform
import random
import resource
import shlex
import sqlite3
import statistics
import sys
import tempfile
import time
import tracemalloc
from collections.abc import Iterator, Sequence
from concurrent.futures import ProcessPoolExecutor
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from itertools import count as count_from
from multiprocessing import get_context
from pathlib import Path
from typing import Any

import sqlalchemy
from sqlalchemy import Column, Engine, Insert, Table, event, func, insert, select, text
from sqlalchemy.orm import Session

from bot.clock import FrozenClock
from bot.database import transaction
from bot.runtime import Runtime, build_runtime
from bot.services.counterparts import Party, find_stage_people
from bot.services.reminders import ONE_WORKING_DAY
from bot.services.sweep import Sweeper, SweepReport
from bot.settings import load_settings
from models.audit import AuditEvent
from models.base import Base
from models.directory import Agency, Person
from models.dispute import (
    Dispute,
    DisputeMember,
    DisputeStatus,
    StageNotice,
    StageTransition,
    Trigger,
)
from models.encrypted import KeyRing
from models.outbox import OutboxMessage
from models.schedule import Reminder, ReminderKind, ReminderStatus
from models.timescale import parse_timescale

PROTOCOL = "suffolk"
NOW = datetime(2026, 11, 24, 16, 55, tzinfo=UTC)  # a Tuesday, just before close of business
HORIZON = NOW + timedelta(hours=1)  # every clock position stays before this
IDLE_RUNS = 20
CHUNK = 2000


def due_index(column: Column[Any]) -> tuple[str, str]:
    """The table and the index the sweep should claim its due rows through."""
    table = column.table
    assert isinstance(table, Table)
    return table.name, next(str(i.name) for i in table.indexes if column.name in i.columns)


INDEXES = dict(due_index(c) for c in (Dispute.__table__.c.deadline_at, Reminder.__table__.c.due_at))

AGENCIES = {
    "csc": ("Northshire Children's Social Care", "childrens_social_care"),
    "police": ("Northshire Police", "police"),
    "health": ("Northshire Community Health", "health"),
    "icb": ("Northshire Integrated Care Board", "health"),
    "school": ("Northshire Academy Trust", "education"),
    "nscp": ("Northshire Safeguarding Partnership", "partnership"),
}
# key, name, agency, role, job title, line manager key
PEOPLE = [
    ("csc_hos", "Priya Shah", "csc", "head_of_service", "Head of Service", None),
    ("csc_sm", "Tom Reid", "csc", "senior_manager", "Service Manager", "csc_hos"),
    ("csc_tm", "Amy Clarke", "csc", "line_manager", "Team Manager", "csc_sm"),
    ("csc_sw1", "Ben Okafor", "csc", "practitioner", "Social Worker", "csc_tm"),
    ("csc_sw2", "Hana Novak", "csc", "practitioner", "Social Worker", "csc_tm"),
    ("pol_hos", "Dan Hughes", "police", "head_of_service", "Detective Superintendent", None),
    ("pol_di", "Sara Jones", "police", "senior_manager", "Detective Inspector", "pol_hos"),
    ("pol_ds", "Omar Khan", "police", "line_manager", "Detective Sergeant", "pol_di"),
    ("pol_dc1", "Lucy Moss", "police", "practitioner", "Detective Constable", "pol_ds"),
    ("pol_dc2", "Ravi Gill", "police", "practitioner", "Detective Constable", "pol_ds"),
    ("hlt_hos", "Grace Bell", "health", "head_of_service", "Head of Children's Health", None),
    ("hlt_sm", "Ian Ford", "health", "senior_manager", "Service Lead", "hlt_hos"),
    ("hlt_tl", "Kate Lowe", "health", "line_manager", "Health Visiting Team Leader", "hlt_sm"),
    ("hlt_hv", "Nia Evans", "health", "practitioner", "Health Visitor", "hlt_tl"),
    (
        "icb_dn",
        "Maya Ross",
        "icb",
        "designated_safeguarding_professional",
        "Designated Nurse for Safeguarding Children",
        None,
    ),
    ("sch_hos", "Paul Grant", "school", "head_of_service", "Director of Inclusion", None),
    ("sch_sm", "Eve Turner", "school", "senior_manager", "Headteacher", "sch_hos"),
    ("sch_dsl", "Leo Price", "school", "line_manager", "Deputy Headteacher", "sch_sm"),
    ("sch_t", "Zoe Hart", "school", "practitioner", "Class Teacher", "sch_dsl"),
    ("chair", "Ruth Mercer", "nscp", "partnership_chair", "Independent Chair", None),
    ("admin", "Joe Park", "nscp", "partnership_admin", "Business Manager", None),
]


@dataclass(frozen=True)
class Acting:
    """Someone the directory names for a stage, as the bot would have noticed them."""

    person_id: int
    side: str
    explanation: str


@dataclass
class Plan:
    """One dispute to seed: its row, and enough of its history to write the rest."""

    row: dict[str, Any]
    pair: int
    entered: list[datetime]
    deadlines: list[datetime | None]
    live: bool
    acknowledged: bool
    detailed: bool


@dataclass
class Escalation:
    seconds: float
    escalated: int
    awaiting_referral: int
    still_due: int
    outbox_rows: int


@dataclass
class Result:
    """Everything one database produced, handed back to the parent process."""

    database: str
    version: str
    idle_ms: dict[int, float]
    plans: list[tuple[str, list[str]]]
    rows: int
    seeding_seconds: float
    size_mb: float
    escalation: Escalation
    traced_seconds: float
    tracemalloc_peak_mb: float
    max_rss_mb: float


def bulk(model: type[Base]) -> Insert:
    """An ORM bulk insert that sends NULLs, so every row shares one statement and one batch."""
    return insert(model).execution_options(render_nulls=True)


def say(database: str, line: str) -> None:
    print(f"[{database}] {line}", flush=True)


class Seeder:
    """Bulk-inserts disputes with their stage transitions and reminders.

    Lapsing disputes also get what escalating them reads: the notices of every stage so far,
    the members those made, and their audit trail.
    """

    def __init__(self, rt: Runtime) -> None:
        self.rt = rt
        protocol = rt.catalog.get(PROTOCOL)
        assert protocol is not None
        self.protocol = protocol
        self.snapshot = protocol.model_dump(mode="json")
        self.categories = [c.key for c in protocol.categories]
        self.rng = random.Random(2026)
        self.number = 0
        self.rows = 0
        self.seconds = 0.0
        self.future = [
            rt.calendar.due(NOW, parse_timescale(f"{n} working days")) for n in range(1, 90)
        ]
        self._before: dict[datetime, datetime] = {}
        self.agency_of, self.pairs, self.acting = self._directory()

    def _directory(self) -> tuple[dict[int, int], list[tuple[int, int]], list[list[list[Acting]]]]:
        """The directory, every cross-agency pair of practitioners, and who acts at each stage."""
        with transaction(self.rt.factory) as session:
            agencies = {key: Agency(key=key, name=n, kind=k) for key, (n, k) in AGENCIES.items()}
            session.add_all(agencies.values())
            made: dict[str, Person] = {}
            for key, name, agency, role, title, manager in PEOPLE:
                made[key] = Person(
                    email=f"{key}@northshire.example",
                    name=name,
                    slack_user_id=f"U{key.upper().replace('_', '')}",
                    agency=agencies[agency],
                    role=role,
                    job_title=title,
                    line_manager=made[manager] if manager else None,
                )
            session.add_all(made.values())
            session.flush()
            practitioners = [p for p in made.values() if p.role == "practitioner"]
            pairs = [(a, b) for a in practitioners for b in practitioners if a.agency != b.agency]
            acting = [self._ladder(session, a, b) for a, b in pairs]
            return (
                {p.id: p.agency_id for p in made.values()},
                [(a.id, b.id) for a, b in pairs],
                acting,
            )

    def _ladder(self, session: Session, raiser: Person, counterpart: Person) -> list[list[Acting]]:
        parties = [
            Party("raiser", raiser, raiser.agency),
            Party("counterpart", counterpart, counterpart.agency),
        ]
        on = self.rt.calendar.local(NOW).date()
        ladder = []
        for stage in self.protocol.stages:
            found = find_stage_people(
                session, parties=parties, stage=stage, category=self.categories[0], on=on
            )
            assert not found.missing, found.missing
            ladder.append([Acting(a.person.id, a.side, a.explanation) for a in found.people])
        return ladder

    def _plan(self, state: str, lapse_at: datetime) -> Plan:
        """A dispute that is 'open' (deadline ahead), 'closed', or 'lapsing' at `lapse_at`."""
        self.number += 1
        number, rng, final = self.number, self.rng, self.protocol.final_index
        pair = number % len(self.pairs)
        raiser, counterpart = self.pairs[pair]
        stage = number % final if state == "lapsing" else number % (final + 1)
        week = timedelta(days=7)
        if state == "lapsing":
            current, deadline = lapse_at - week, lapse_at
        elif state == "open":
            current = NOW - timedelta(days=rng.uniform(1, 6))
            deadline = None if stage == final else rng.choice(self.future)
        else:
            current = NOW - timedelta(days=rng.uniform(30, 700))
            deadline = None
        entered = [current - week * (stage - j) for j in range(stage + 1)]
        deadlines: list[datetime | None] = [*entered[1:], deadline]
        if state == "closed" and stage != final:
            deadlines[-1] = current + week
        live = state != "closed"
        return Plan(
            row={
                "reference": f"RPD-{entered[0].year}-{number:06d}",
                "protocol_key": PROTOCOL,
                "protocol": self.snapshot,
                "category": self.categories[number % len(self.categories)],
                "urgency": "standard",
                "raiser_id": raiser,
                "counterpart_id": counterpart,
                "raiser_agency_id": self.agency_of[raiser],
                "counterpart_agency_id": self.agency_of[counterpart],
                "child_ref": f"CS-{100000 + number}",
                "summary": "Disagreement about whether the referral meets the threshold for a "
                "child and family assessment; the receiving service asked for more information.",
                "stage_index": stage,
                "stage_started_at": current,
                "deadline_at": deadline,
                "stated_timescale": None,
                "status": DisputeStatus.OPEN if live else DisputeStatus.CLOSED,
                "opened_at": entered[0],
                "closed_at": None if live else current + timedelta(days=3),
                "conversation_id": f"C{number:09d}",
            },
            pair=pair,
            entered=entered,
            deadlines=deadlines,
            live=live,
            acknowledged=rng.random() < 0.5,
            detailed=state == "lapsing",
        )

    def seed(self, count: int, state: str, lapse_at: datetime = NOW) -> None:
        """Adds `count` disputes (states 'stored', half open and half closed, or 'lapsing').

        Disputes and transitions get their ids here, so children can point at them without a
        RETURNING round trip; PostgreSQL's sequences are then moved past them.
        """
        started = time.perf_counter()
        with self.rt.factory() as session:
            ids = {
                model: count_from((session.scalar(select(func.max(model.id))) or 0) + 1)
                for model in (Dispute, StageTransition)
            }
        done = 0
        while done < count:
            size = min(CHUNK, count - done)
            states = ["lapsing"] * size if state == "lapsing" else ["open", "closed"] * size
            self._chunk([self._plan(s, lapse_at) for s in states[:size]], ids)
            done += size
        if self.rt.engine.dialect.name == "postgresql":
            with self.rt.engine.begin() as connection:
                for model in (Dispute, StageTransition):
                    table = model.__tablename__
                    connection.execute(
                        text(
                            f"SELECT setval(pg_get_serial_sequence('{table}', 'id'), "
                            f"(SELECT max(id) FROM {table}))"
                        )
                    )
        self.seconds += time.perf_counter() - started

    def _chunk(self, plans: list[Plan], ids: dict[type[Base], Iterator[int]]) -> None:
        with transaction(self.rt.factory) as session:
            disputes = [{"id": next(ids[Dispute]), **p.row} for p in plans]
            session.execute(bulk(Dispute), disputes)
            dispute_ids = [d["id"] for d in disputes]
            transitions = [
                {"id": next(ids[StageTransition]), **self._transition(dispute_id, plan, j)}
                for dispute_id, plan in zip(dispute_ids, plans, strict=True)
                for j in range(len(plan.entered))
            ]
            session.execute(bulk(StageTransition), transitions)
            transition_ids = iter(t["id"] for t in transitions)
            rows: dict[type[Base], list[dict[str, Any]]] = {
                Reminder: [],
                StageNotice: [],
                DisputeMember: [],
                AuditEvent: [],
            }
            for dispute_id, plan in zip(dispute_ids, plans, strict=True):
                stages = [next(transition_ids) for _ in plan.entered]
                for j, transition_id in enumerate(stages):
                    rows[Reminder] += self._reminders(dispute_id, plan, j, transition_id)
                if plan.detailed:
                    self._people_and_audit(dispute_id, plan, stages, rows)
            for model, batch in rows.items():
                if batch:
                    session.execute(bulk(model), batch)
            self.rows += len(plans) + len(transitions) + sum(len(b) for b in rows.values())

    @staticmethod
    def _transition(dispute_id: int, plan: Plan, j: int) -> dict[str, Any]:
        return {
            "dispute_id": dispute_id,
            "from_stage": j - 1 if j else None,
            "to_stage": j,
            "trigger": Trigger.LAPSED.value if j else Trigger.OPENED.value,
            "reason": Trigger.LAPSED.value if j else None,
            "stated_timescale": None,
            "deadline_at": plan.deadlines[j],
            "actor_id": None if j else plan.row["raiser_id"],
            "created_at": plan.entered[j],
            "missing": [],
        }

    def _reminders(
        self, dispute_id: int, plan: Plan, j: int, transition_id: int
    ) -> list[dict[str, Any]]:
        """A stage's reminders: pending while ahead, else sent (or cancelled by the close)."""
        entered, deadline = plan.entered[j], plan.deadlines[j]
        live = plan.live and j == len(plan.entered) - 1
        due: list[tuple[ReminderKind, str, datetime]] = []
        if deadline is not None:
            for label, at in (
                ("50%", entered + (deadline - entered) / 2),
                ("1 working day before", self._working_day_before(deadline)),
            ):
                if entered < at < deadline:
                    due.append((ReminderKind.DEADLINE, label, at))
        if live and not plan.acknowledged:
            due.append((ReminderKind.ACKNOWLEDGE, "acknowledgement", self.future[0]))
        if live and j == self.protocol.final_index:
            due.append((ReminderKind.FINAL_REVIEW, "final stage review", self.future[4]))
        end = plan.row["closed_at"] or NOW
        rows = []
        for kind, label, at in due:
            if live and at > HORIZON:
                status = ReminderStatus.PENDING
            else:
                status = ReminderStatus.SENT if at <= end else ReminderStatus.CANCELLED
            rows.append(
                {
                    "dispute_id": dispute_id,
                    "transition_id": transition_id,
                    "kind": kind.value,
                    "label": label,
                    "sequence": 1,
                    "due_at": at,
                    "status": status,
                    "sent_at": at if status == ReminderStatus.SENT else None,
                }
            )
        return rows

    def _people_and_audit(
        self,
        dispute_id: int,
        plan: Plan,
        transitions: list[int],
        rows: dict[type[Base], list[dict[str, Any]]],
    ) -> None:
        """Notices for every stage so far, the members they made, and the audit trail."""
        raiser, counterpart = plan.row["raiser_id"], plan.row["counterpart_id"]
        current = len(transitions) - 1
        joined = {raiser: "raised the dispute", counterpart: "counterpart"}
        rows[AuditEvent].append(self._event(dispute_id, raiser, "opened", plan.entered[0]))
        for j, (transition_id, entered) in enumerate(zip(transitions, plan.entered, strict=True)):
            title = self.protocol.stage(j).title
            waiting = j == current and not plan.acknowledged
            for acting in self.acting[plan.pair][j]:
                joined.setdefault(acting.person_id, f"acts at {title}")
                if j == 0 and acting.person_id == raiser:
                    continue  # the raiser opened it: nobody acknowledges their own step
                rows[StageNotice].append(
                    {
                        "transition_id": transition_id,
                        "dispute_id": dispute_id,
                        "person_id": acting.person_id,
                        "side": acting.side,
                        "explanation": acting.explanation,
                        "acknowledged_at": None if waiting else entered + timedelta(hours=2),
                        "message_channel": f"D{acting.person_id:08d}",
                        "message_ts": f"{entered.timestamp():.6f}",
                    }
                )
            rows[AuditEvent].append(
                self._event(dispute_id, None, "stage_entered", entered, stage=j)
            )
        rows[DisputeMember] += [
            {"dispute_id": dispute_id, "person_id": person, "reason": why, "added_at": NOW}
            for person, why in joined.items()
        ]

    def _working_day_before(self, deadline: datetime) -> datetime:
        if deadline not in self._before:
            self._before[deadline] = self.rt.calendar.before(deadline, ONE_WORKING_DAY)
        return self._before[deadline]

    @staticmethod
    def _event(
        dispute_id: int, actor: int | None, kind: str, at: datetime, **detail: Any
    ) -> dict[str, Any]:
        return {
            "dispute_id": dispute_id,
            "actor_id": actor,
            "kind": kind,
            "detail": detail,
            "created_at": at,
        }


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
    """Fresh planner statistics, as autovacuum would gather after a bulk load (PostgreSQL)."""
    if engine.dialect.name == "postgresql":
        with engine.begin() as connection:
            connection.execute(text("ANALYZE"))


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


def run_database(database: str, url: str, disputes: int, lapsing: int, traced: int) -> Result:
    """The whole benchmark on one database; runs in its own process."""
    clock = FrozenClock(NOW)
    settings = load_settings(
        database_url=url,
        protocol=PROTOCOL,
        admins_channel=None,
        data_keys=KeyRing.generate("bench"),
    )
    rt = build_runtime(settings, clock=clock, migrate=True)
    sweeper = Sweeper(factory=rt.factory, service=rt.service, notifier=rt.notifier, clock=clock)
    if rt.engine.dialect.name == "sqlite":
        version = f"SQLite {sqlite3.sqlite_version}"
    else:
        with rt.engine.connect() as connection:
            version = f"PostgreSQL {connection.scalar(text('SHOW server_version'))}".split(" (")[0]
    seeder = Seeder(rt)
    idle: dict[int, float] = {}
    for size in (disputes // 100, disputes // 10, disputes):
        seeder.seed(size - seeder.number, "stored")
        analyse(rt.engine)
        idle[size] = idle_ms(sweeper)
        say(
            database,
            f"{size:,} disputes stored ({seeder.rows:,} rows, seeded in "
            f"{seeder.seconds:.1f} s): idle sweep {idle[size]:.2f} ms",
        )
    plans = claim_plans(rt.engine, sweeper)
    rows, seeding_seconds = seeder.rows, seeder.seconds
    size_mb = database_size_mb(rt.engine, url)
    lapse_at = NOW + timedelta(minutes=5)
    escalation, _ = escalate(rt, sweeper, seeder, lapsing, lapse_at, traced=False)
    say(database, f"{escalation.escalated:,} lapsed stages escalated in {escalation.seconds:.1f} s")
    max_rss_mb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    again, peak = escalate(
        rt, sweeper, seeder, traced, lapse_at + timedelta(minutes=5), traced=True
    )
    say(
        database,
        f"{again.escalated:,} more escalated under tracemalloc in "
        f"{again.seconds:.1f} s: peak {peak:.1f} MB",
    )
    rt.engine.dispose()
    return Result(
        database=database,
        version=version,
        idle_ms=idle,
        plans=plans,
        rows=rows,
        seeding_seconds=seeding_seconds,
        size_mb=size_mb,
        escalation=escalation,
        traced_seconds=again.seconds,
        tracemalloc_peak_mb=peak,
        max_rss_mb=max_rss_mb,
    )


def report(results: list[Result], disputes: int, lapsing: int, traced: int) -> None:
    """The figures side by side, one column per database."""
    names = [r.database for r in results]
    width = max(12, *(len(r.version) + 2 for r in results))

    def table(title: str, rows: list[tuple[str, list[str]]], header: Sequence[str]) -> None:
        print(f"\n{title}")
        label = max(len(r[0]) for r in rows) + 2
        print(" " * label + "".join(h.rjust(width) for h in header))
        for name, cells in rows:
            print(name.ljust(label) + "".join(c.rjust(width) for c in cells))

    sizes = [disputes // 100, disputes // 10, disputes]
    table(
        f"Idle sweep, nothing due: Sweeper.run_once() median of {IDLE_RUNS} runs (ms)",
        [(r.version, [f"{r.idle_ms[s]:.2f}" for s in sizes]) for r in results],
        [f"{s:,} stored" for s in sizes],
    )
    table(
        "Stored data",
        [
            ("rows seeded (all tables)", [f"{r.rows:,}" for r in results]),
            ("seeding time (s)", [f"{r.seeding_seconds:.1f}" for r in results]),
            ("database size (MB)", [f"{r.size_mb:,.0f}" for r in results]),
        ],
        names,
    )
    for r in results:
        print(f"\nClaim query plans on {r.version} ({disputes:,} disputes stored)")
        for table_name, lines in r.plans:
            index = INDEXES.get(table_name, "")
            used = "yes" if any(index and index in line for line in lines) else "NO"
            print(f"  {table_name}: uses {index}: {used}")
            for line in lines:
                print(f"    {line}")
    escalations = [r.escalation for r in results]
    table(
        f"{lapsing:,} stages lapsing at once: one Sweeper.run_once()",
        [
            ("total (s)", [f"{e.seconds:.1f}" for e in escalations]),
            ("escalations per second", [f"{e.escalated / e.seconds:,.0f}" for e in escalations]),
            ("escalated", [f"{e.escalated:,}" for e in escalations]),
            ("awaiting referral", [f"{e.awaiting_referral:,}" for e in escalations]),
            ("still due afterwards", [f"{e.still_due:,}" for e in escalations]),
            ("outbox rows queued", [f"{e.outbox_rows:,}" for e in escalations]),
        ],
        names,
    )
    table(
        "Memory",
        [
            (
                f"tracemalloc peak escalating {traced:,} (MB)",
                [f"{r.tracemalloc_peak_mb:.1f}" for r in results],
            ),
            ("  that traced sweep took (s)", [f"{r.traced_seconds:.1f}" for r in results]),
            ("process peak RSS, ru_maxrss (MB)", [f"{r.max_rss_mb:.0f}" for r in results]),
        ],
        names,
    )


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--database", choices=["sqlite", "postgres", "both"], default="sqlite")
    parser.add_argument("--disputes", type=int, default=100_000, help="disputes stored (max)")
    parser.add_argument("--lapsing", type=int, default=10_000, help="stages lapsing at once")
    parser.add_argument(
        "--traced",
        type=int,
        default=1_000,
        help="stages escalated under tracemalloc, which slows Python about threefold",
    )
    parser.add_argument("--postgres-url", help="an empty PostgreSQL database to fill")
    args = parser.parse_args(argv)
    if args.database != "sqlite" and not args.postgres_url:
        parser.error("--postgres-url is needed for PostgreSQL (scripts/benchmark.sh makes one)")
    if args.disputes < 100 or args.lapsing < 1 or args.traced < 1:
        parser.error("use at least 100 disputes, 1 lapsing and 1 traced stage")
    print("$ " + shlex.join([os.path.relpath(sys.executable), *sys.argv]))
    print(
        f"Python {platform.python_version()}, SQLAlchemy {sqlalchemy.__version__}, "
        f"{os.cpu_count()} cores"
    )
    results = []
    with tempfile.TemporaryDirectory() as folder:
        targets = {
            "sqlite": f"sqlite:///{Path(folder) / 'benchmark.sqlite3'}",
            "postgres": args.postgres_url,
        }
        chosen = ["sqlite", "postgres"] if args.database == "both" else [args.database]
        for database in chosen:
            with ProcessPoolExecutor(1, mp_context=get_context("spawn")) as pool:
                job = pool.submit(
                    run_database,
                    database,
                    targets[database],
                    args.disputes,
                    args.lapsing,
                    args.traced,
                )
                results.append(job.result())
    report(results, args.disputes, args.lapsing, args.traced)
    return 0


if __name__ == "__main__":
    sys.exit(main())
