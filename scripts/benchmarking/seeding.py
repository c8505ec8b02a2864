"""Bulk-inserts the disputes the sweep is timed against, with the history each one has."""

from __future__ import annotations

import random
import time
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import datetime, timedelta
from itertools import count as count_from
from typing import Any

from sqlalchemy import Insert, func, insert, select, text

from benchmarking.world import HORIZON, NOW, PROTOCOL, seed_directory
from bot.database import transaction
from bot.runtime import Runtime
from bot.services.reminders import ONE_WORKING_DAY
from models.audit import AuditEvent
from models.base import Base
from models.dispute import (
    Dispute,
    DisputeMember,
    DisputeStatus,
    StageNotice,
    StageTransition,
    Trigger,
)
from models.schedule import Reminder, ReminderKind, ReminderStatus
from models.snapshots import keep_snapshot
from models.timescale import parse_timescale

CHUNK = 2000


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


def bulk(model: type[Base]) -> Insert:
    """An ORM bulk insert that sends NULLs, so every row shares one statement and one batch."""
    return insert(model).execution_options(render_nulls=True)


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
        with transaction(rt.factory) as session:
            self.snapshot = keep_snapshot(session, protocol.model_dump(mode="json"))
        self.categories = [c.key for c in protocol.categories]
        self.rng = random.Random(2026)
        self.number = 0
        self.rows = 0
        self.seconds = 0.0
        self.future = [
            rt.calendar.due(NOW, parse_timescale(f"{n} working days")) for n in range(1, 90)
        ]
        self._before: dict[datetime, datetime] = {}
        self.agency_of, self.pairs, self.acting = seed_directory(rt, protocol, self.categories[0])

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
                "protocol_hash": self.snapshot,
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
                "stage_reached": stage,
                "lapsed_escalations": stage,  # every stage after the first entered by lapse
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
        following = plan.entered[j + 1 : j + 2]  # a closed dispute here has no resolution to end
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
            "ended_at": following[0] if following else None,
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
                        "superseded": j < current,  # as its stage's end is kept
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
