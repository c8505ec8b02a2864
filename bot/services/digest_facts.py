"""The digest's figures as SQL aggregates, and its lists capped in SQL with their full counts.

However many disputes are stored, the digest reads a fixed number of queries, each returning
either counts or at most `LIST_LIMIT` rows; only the disputes shown are loaded as objects, with
their protocol snapshots. Labels come from one snapshot per protocol: the one its newest dispute
in the tally kept.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import (
    ColumnElement,
    Select,
    and_,
    case,
    func,
    or_,
    select,
    union,
    union_all,
)
from sqlalchemy.orm import Session, aliased, joinedload, selectinload, undefer

from bot.messages.digests import LIST_LIMIT
from models.audit import AuditEvent
from models.directory import Agency, Person
from models.dispute import (
    Dispute,
    DisputeStatus,
    Resolution,
    StageNotice,
    StageTransition,
    Trigger,
)
from models.protocol import Protocol
from models.snapshots import protocol_from_snapshot

_SHOWN = (
    joinedload(Dispute.raiser_agency),
    joinedload(Dispute.counterpart_agency),
    undefer(Dispute.protocol),
)


@dataclass(frozen=True)
class ListHead:
    """The first rows of a list, in reading order, and how many the whole list holds."""

    rows: list[Any]
    total: int


@dataclass(frozen=True)
class Tallies:
    """Counts over the disputes in view, by stage, theme and agency; labels still to resolve."""

    stages: Counter[tuple[str, int]]
    themes: Counter[tuple[str, str]]
    agencies: Counter[int]
    newest: dict[str, int]  # protocol key -> newest dispute id, whose snapshot labels the rows

    def add(
        self,
        key: str,
        stage: int,
        category: str,
        raiser: int,
        counterpart: int,
        count: int,
        last: int,
    ) -> None:
        """Counts `count` disputes alike; each agency counts a dispute once, even when both
        parties belong to it."""
        self.stages[key, stage] += count
        self.themes[key, category] += count
        self.agencies[raiser] += count
        if counterpart != raiser:
            self.agencies[counterpart] += count
        self.newest[key] = max(self.newest.get(key, last), last)


def current_transition_id(dispute_id: ColumnElement[int]) -> Any:
    """The id of the dispute's latest stage transition, found through the dispute_id index."""
    later = aliased(StageTransition)
    return select(func.max(later.id)).where(later.dispute_id == dispute_id).scalar_subquery()


def open_ids() -> Select[tuple[int]]:
    """Open disputes' ids, answered from the (status, deadline_at) index alone."""
    return select(Dispute.id).where(Dispute.status == DisputeStatus.OPEN)


def capped_ids(session: Session, statement: Select[Any], *order: Any) -> ListHead:
    """The first LIST_LIMIT rows of `statement` in `order`, and how many rows it has in all."""
    counted = statement.add_columns(func.count().over().label("total")).order_by(*order)
    rows = session.execute(counted.limit(LIST_LIMIT)).all()
    return ListHead([tuple(row[:-1]) for row in rows], rows[0].total if rows else 0)


def disputes_by_id(session: Session, ids: Sequence[int]) -> dict[int, Dispute]:
    """The disputes a list shows, with their agencies and protocol snapshot."""
    found = session.scalars(select(Dispute).where(Dispute.id.in_(ids)).options(*_SHOWN))
    return {d.id: d for d in found}


def open_count(session: Session) -> int:
    return session.scalar(select(func.count()).select_from(open_ids().subquery())) or 0


def escalated(session: Session, since: datetime, until: datetime) -> ListHead:
    """Each dispute escalated in the period once: its latest move and how many it made.

    Disputes are listed in the order of their first move in the period.
    """
    moves = (
        select(
            func.min(StageTransition.id).label("first"),
            func.max(StageTransition.id).label("latest"),
            func.count().label("moves"),
        )
        .where(
            StageTransition.from_stage.is_not(None),
            StageTransition.trigger != Trigger.REOPENED,  # a reopening is not an escalation
            StageTransition.created_at >= since,
            StageTransition.created_at < until,
        )
        .group_by(StageTransition.dispute_id)
        .subquery()
    )
    ids = capped_ids(session, select(moves.c.latest, moves.c.moves), moves.c.first)
    latest = {
        t.id: t
        for t in session.scalars(
            select(StageTransition)
            .where(StageTransition.id.in_([row[0] for row in ids.rows]))
            .options(joinedload(StageTransition.dispute).options(*_SHOWN))
        )
    }
    return ListHead([(latest[move], count) for move, count in ids.rows], ids.total)


def resolved(session: Session, since: datetime, until: datetime) -> ListHead:
    """Resolutions in the period, in the order they were made."""
    ids = capped_ids(
        session,
        select(Resolution.id).where(
            Resolution.resolved_at >= since, Resolution.resolved_at < until
        ),
        Resolution.id,
    )
    found = {
        r.id: r
        for r in session.scalars(
            select(Resolution)
            .where(Resolution.id.in_([row[0] for row in ids.rows]))
            .options(joinedload(Resolution.dispute).options(*_SHOWN))
        )
    }
    return ListHead([found[row[0]] for row in ids.rows], ids.total)


def _waiting_on_current_stage() -> ColumnElement[bool]:
    return and_(
        StageNotice.acknowledged_at.is_(None),
        StageNotice.transition_id == current_transition_id(StageNotice.dispute_id),
        StageNotice.dispute_id.in_(open_ids()),
    )


def awaiting(session: Session) -> ListHead:
    """Open disputes whose current stage some agency has not acknowledged, by dispute, with the
    agencies still to acknowledge, alphabetically."""
    ids = capped_ids(
        session,
        select(StageNotice.dispute_id)
        .where(_waiting_on_current_stage())
        .group_by(StageNotice.dispute_id),
        StageNotice.dispute_id,
    )
    shown = [row[0] for row in ids.rows]
    waiting: dict[int, set[str]] = {}
    for dispute_id, agency in session.execute(
        select(StageNotice.dispute_id, Agency.name)
        .join(Person, Person.id == StageNotice.person_id)
        .join(Agency, Agency.id == Person.agency_id)
        .where(_waiting_on_current_stage(), StageNotice.dispute_id.in_(shown))
    ):
        waiting.setdefault(dispute_id, set()).add(agency)
    loaded = {
        d.id: d
        for d in session.scalars(
            select(Dispute)
            .where(Dispute.id.in_(shown))
            .options(*_SHOWN, selectinload(Dispute.transitions))
        )
    }
    return ListHead([(loaded[i], sorted(waiting[i])) for i in shown], ids.total)


def overdue(session: Session, now: datetime) -> ListHead:
    """Open disputes whose current stage's deadline has passed, longest overdue first.

    An open dispute's deadline is its current stage's, except when a lapse left it awaiting a
    referral: the dispute's own deadline is then cleared and the transition keeps the stage's.
    So the first are found through the (status, deadline_at) index by their own deadline, and
    only those without one are looked up by their current transition.
    """
    passed = select(Dispute.id.label("id"), Dispute.deadline_at.label("deadline")).where(
        Dispute.status == DisputeStatus.OPEN, Dispute.deadline_at <= now
    )
    referral = (
        select(Dispute.id.label("id"), StageTransition.deadline_at.label("deadline"))
        .join(StageTransition, StageTransition.id == current_transition_id(Dispute.id))
        .where(
            Dispute.status == DisputeStatus.OPEN,
            Dispute.deadline_at.is_(None),
            StageTransition.deadline_at <= now,
        )
    )
    late = union_all(passed, referral).subquery()
    ids = capped_ids(session, select(late.c.id, late.c.deadline), late.c.deadline, late.c.id)
    loaded = disputes_by_id(session, [row[0] for row in ids.rows])
    return ListHead([(loaded[i], deadline) for i, deadline in ids.rows], ids.total)


def activity(session: Session, since: datetime, until: datetime) -> dict[str, int]:
    """How many acknowledgements and discussions the period saw."""
    return {
        kind: count
        for kind, count in session.execute(
            select(AuditEvent.kind, func.count())
            .where(
                AuditEvent.kind.in_(["acknowledged", "discussion_logged"]),
                AuditEvent.created_at >= since,
                AuditEvent.created_at < until,
            )
            .group_by(AuditEvent.kind)
        )
    }


def snapshots(session: Session, newest: dict[str, int]) -> dict[str, Protocol]:
    """Each protocol key's snapshot as its newest dispute kept it, parsed once per process."""
    return {
        key: protocol_from_snapshot(document)
        for key, document in session.execute(
            select(Dispute.protocol_key, Dispute.protocol).where(Dispute.id.in_(newest.values()))
        )
    }


def agency_names(session: Session, ids: Sequence[int]) -> dict[int, str]:
    return dict(session.execute(select(Agency.id, Agency.name).where(Agency.id.in_(ids))).all())


@dataclass(frozen=True)
class Group:
    """Disputes alike in everything a digest counts, and the span of their ids."""

    key: str
    stage: int
    category: str
    raiser: int
    counterpart: int
    open: bool
    bucket: int  # i: opened in [bounds[i - 1], bounds[i]); 0 before the first bound
    count: int
    first: int
    last: int


@dataclass(frozen=True)
class Stored:
    """Every open dispute, and every one opened since the earliest bound, in one grouped scan.

    The bounds are the digest periods' and the chart weeks' edges, so any period or week made
    of them is a union of buckets.
    """

    bounds: list[datetime]
    groups: list[Group]

    @classmethod
    def read(cls, session: Session, bounds: Sequence[datetime]) -> Stored:
        edges = sorted(set(bounds))
        bucket = case(
            *((Dispute.opened_at < edge, n) for n, edge in enumerate(edges)),
            else_=len(edges),
        )
        is_open = Dispute.status == DisputeStatus.OPEN
        columns = (
            Dispute.protocol_key,
            Dispute.stage_index,
            Dispute.category,
            Dispute.raiser_agency_id,
            Dispute.counterpart_agency_id,
            is_open,
            bucket,
        )
        rows = session.execute(
            select(*columns, func.count(), func.min(Dispute.id), func.max(Dispute.id))
            .where(or_(is_open, Dispute.opened_at >= edges[0]))
            .group_by(*columns)
        )
        return cls(edges, [Group(*row) for row in rows])

    def opened(self, group: Group, since: datetime, until: datetime) -> bool:
        """Whether the group's disputes were opened in [since, until), both of them bounds."""
        i = group.bucket
        return 0 < i < len(self.bounds) and since <= self.bounds[i - 1] and self.bounds[i] <= until

    def new_count(self, since: datetime, until: datetime) -> tuple[int, int | None]:
        """How many disputes were opened in the period, and the lowest id among them."""
        found = [g for g in self.groups if self.opened(g, since, until)]
        return sum(g.count for g in found), min((g.first for g in found), default=None)

    def tallies(self, since: datetime | None = None, until: datetime | None = None) -> Tallies:
        """Counts over open disputes, and (given a period) those opened in it."""
        tally = Tallies(Counter(), Counter(), Counter(), {})
        for g in self.groups:
            if g.open or (since and until and self.opened(g, since, until)):
                tally.add(g.key, g.stage, g.category, g.raiser, g.counterpart, g.count, g.last)
        return tally


def new_first(
    session: Session, since: datetime, until: datetime, first: int | None
) -> list[Dispute]:
    """The first LIST_LIMIT disputes opened in the period, from the lowest id among them on."""
    if first is None:
        return []
    ids = session.scalars(
        select(Dispute.id)
        .where(Dispute.id >= first, Dispute.opened_at >= since, Dispute.opened_at < until)
        .order_by(Dispute.id)
        .limit(LIST_LIMIT)
    ).all()
    loaded = disputes_by_id(session, ids)
    return [loaded[i] for i in ids]


def settled_or_moved(session: Session, since: datetime, until: datetime, tally: Tallies) -> None:
    """Adds to `tally` the disputes no longer open that were escalated or resolved in the
    period but not opened in it (those are counted already)."""
    moved = select(StageTransition.dispute_id).where(
        StageTransition.from_stage.is_not(None),
        StageTransition.created_at >= since,
        StageTransition.created_at < until,
        StageTransition.dispute_id.not_in(open_ids()),
    )
    settled = select(Resolution.dispute_id).where(
        Resolution.resolved_at >= since,
        Resolution.resolved_at < until,
        Resolution.dispute_id.not_in(open_ids()),
    )
    columns = (
        Dispute.protocol_key,
        Dispute.stage_index,
        Dispute.category,
        Dispute.raiser_agency_id,
        Dispute.counterpart_agency_id,
    )
    for row in session.execute(
        select(*columns, func.count(), func.max(Dispute.id))
        .where(
            Dispute.id.in_(union(moved, settled)),
            Dispute.status != DisputeStatus.OPEN,
            or_(Dispute.opened_at < since, Dispute.opened_at >= until),
        )
        .group_by(*columns)
    ):
        tally.add(*row)
