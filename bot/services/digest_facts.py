"""The digest's figures as SQL aggregates, and its lists capped in SQL with their full counts.

Every figure is as at one cut-off instant, the moment the digest fell due: what is open,
awaited, overdue and at which stage is read from the history (when each dispute was opened and
closed, its stage transitions and acknowledgements), so nothing that happened after the cut-off
shows, however late the digest is sent.

However many disputes are stored, the digest reads a fixed number of queries, each returning
either counts or at most `LIST_LIMIT` rows; only the disputes shown are loaded as objects. Labels
come from one snapshot per protocol: the one its newest dispute in the tally kept.
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
from sqlalchemy.orm import Session, aliased, joinedload

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
from models.snapshots import stored_snapshot

_SHOWN = (joinedload(Dispute.raiser_agency), joinedload(Dispute.counterpart_agency))


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


def transition_at(dispute_id: ColumnElement[int], cutoff: datetime) -> Any:
    """The id of the dispute's latest stage transition before the cut-off: its stage then."""
    later = aliased(StageTransition)
    return (
        select(func.max(later.id))
        .where(later.dispute_id == dispute_id, later.created_at < cutoff)
        .scalar_subquery()
    )


def as_at(column: Any, dispute_id: ColumnElement[int], cutoff: datetime) -> Any:
    """`column` of the dispute's latest stage transition before the cut-off, read from the
    history index alone."""
    return (
        select(column)
        .where(StageTransition.dispute_id == dispute_id, StageTransition.created_at < cutoff)
        .order_by(StageTransition.id.desc())
        .limit(1)
        .scalar_subquery()
    )


def moved_since(cutoff: datetime) -> Select[tuple[int]]:
    """The disputes moved at or after the cut-off: only theirs is a stage the row no longer
    shows, read from the moves index."""
    return select(StageTransition.dispute_id).where(StageTransition.created_at >= cutoff)


def stage_at(cutoff: datetime) -> Any:
    """A dispute's stage index as at the cut-off.

    Moving a dispute sets its stage index and adds the transition to it in one step, so the
    index is its latest transition's stage: only a dispute moved at or after the cut-off needs
    its history read.
    """
    return case(
        (
            Dispute.id.in_(moved_since(cutoff)),
            func.coalesce(as_at(StageTransition.to_stage, Dispute.id, cutoff), Dispute.stage_index),
        ),
        else_=Dispute.stage_index,
    )


def open_at(cutoff: datetime) -> ColumnElement[bool]:
    """Opened before the cut-off and not closed by it."""
    return and_(
        Dispute.opened_at < cutoff,
        or_(Dispute.closed_at.is_(None), Dispute.closed_at >= cutoff),
    )


def capped_ids(session: Session, statement: Select[Any], *order: Any) -> ListHead:
    """The first LIST_LIMIT rows of `statement` in `order`, and how many rows it has in all."""
    counted = statement.add_columns(func.count().over().label("total")).order_by(*order)
    rows = session.execute(counted.limit(LIST_LIMIT)).all()
    return ListHead([tuple(row[:-1]) for row in rows], rows[0].total if rows else 0)


def disputes_by_id(session: Session, ids: Sequence[int]) -> dict[int, Dispute]:
    """The disputes a list shows, with their agencies and protocol snapshot."""
    found = session.scalars(select(Dispute).where(Dispute.id.in_(ids)).options(*_SHOWN))
    return {d.id: d for d in found}


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


def _unacknowledged_at(cutoff: datetime) -> ColumnElement[bool]:
    return or_(StageNotice.acknowledged_at.is_(None), StageNotice.acknowledged_at >= cutoff)


def _waiting_at(cutoff: datetime) -> ColumnElement[bool]:
    """Notices of the stage each dispute open at the cut-off was then at, unacknowledged then.

    Each notice looks its own dispute up, so the cost follows the notices still waiting rather
    than every dispute ever opened.
    """
    return and_(
        _unacknowledged_at(cutoff),
        StageNotice.transition_id == transition_at(StageNotice.dispute_id, cutoff),
        select(Dispute.id).where(Dispute.id == StageNotice.dispute_id, open_at(cutoff)).exists(),
    )


def awaiting(session: Session, cutoff: datetime) -> ListHead:
    """Disputes open at the cut-off whose stage then some agency had not acknowledged, by
    dispute: the dispute, the agencies still to acknowledge alphabetically, and that stage's
    transition."""
    ids = capped_ids(
        session,
        select(StageNotice.dispute_id, StageNotice.transition_id)
        .where(_waiting_at(cutoff))
        .group_by(StageNotice.dispute_id, StageNotice.transition_id),
        StageNotice.dispute_id,
    )
    shown, transitions = [row[0] for row in ids.rows], [row[1] for row in ids.rows]
    waiting: dict[int, set[str]] = {}
    for dispute_id, agency in session.execute(
        select(StageNotice.dispute_id, Agency.name)
        .join(Person, Person.id == StageNotice.person_id)
        .join(Agency, Agency.id == Person.agency_id)
        .where(_unacknowledged_at(cutoff), StageNotice.transition_id.in_(transitions))
    ):
        waiting.setdefault(dispute_id, set()).add(agency)
    loaded = disputes_by_id(session, shown)
    stages = {
        t.id: t
        for t in session.scalars(select(StageTransition).where(StageTransition.id.in_(transitions)))
    }
    return ListHead([(loaded[i], sorted(waiting[i]), stages[t]) for i, t in ids.rows], ids.total)


def overdue(session: Session, cutoff: datetime) -> ListHead:
    """Disputes open at the cut-off whose stage's deadline then had passed, longest overdue
    first: the dispute, the deadline, and the stage index then.

    Each stage's transition keeps its deadline, also when a lapse left the dispute awaiting a
    referral and cleared the dispute's own, so the transition current at the cut-off says.
    Entering a stage sets the dispute's deadline and its transition's together, and only closing
    or awaiting a referral clears the dispute's: so an open dispute with a deadline, not moved
    since the cut-off, shows its transition's deadline and stage on its own row, found through
    the due index. Only the rest (no deadline, closed or moved since) have their history read.
    """
    moved = moved_since(cutoff)
    on_row = and_(
        Dispute.status == DisputeStatus.OPEN,
        Dispute.closed_at.is_(None),
        Dispute.deadline_at.is_not(None),
        Dispute.id.not_in(moved),
    )
    current = select(
        Dispute.id.label("id"),
        Dispute.deadline_at.label("deadline"),
        Dispute.stage_index.label("stage"),
    ).where(on_row, Dispute.deadline_at <= cutoff, Dispute.opened_at < cutoff)
    unsure = union_all(
        select(Dispute.id).where(
            Dispute.status == DisputeStatus.OPEN, Dispute.deadline_at.is_(None)
        ),
        select(Dispute.id).where(Dispute.closed_at >= cutoff),
        moved,
    )
    deadline = as_at(StageTransition.deadline_at, Dispute.id, cutoff)
    from_history = select(
        Dispute.id, deadline, as_at(StageTransition.to_stage, Dispute.id, cutoff)
    ).where(Dispute.id.in_(unsure), open_at(cutoff), ~on_row, deadline <= cutoff)
    late = union_all(current, from_history).subquery()
    ids = capped_ids(
        session, select(late.c.id, late.c.deadline, late.c.stage), late.c.deadline, late.c.id
    )
    loaded = disputes_by_id(session, [row[0] for row in ids.rows])
    return ListHead([(loaded[i], deadline, stage) for i, deadline, stage in ids.rows], ids.total)


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
        key: stored_snapshot(session, digest)
        for key, digest in session.execute(
            select(Dispute.protocol_key, Dispute.protocol_hash).where(
                Dispute.id.in_(newest.values())
            )
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
    """Every dispute open at the cut-off, and every one opened since the earliest bound, each at
    its stage as at the cut-off.

    The bounds are the digest periods' and the chart weeks' edges, so any period or week made
    of them is a union of buckets.
    """

    bounds: list[datetime]
    groups: list[Group]

    @classmethod
    def read(
        cls, session: Session, bounds: Sequence[datetime], cutoffs: Sequence[datetime]
    ) -> dict[datetime, Stored]:
        """Each cut-off's disputes, from one grouped scan that reads every dispute once for all
        of them: its stage and whether it was open as at each cut-off are columns of its group.

        The cut-offs are bounds too, so a group's bucket says whether it opened before each.
        Each cut-off's groups may also hold disputes opened since the earliest bound of another
        cut-off's periods and closed by its own: neither open nor opened in any of its periods or
        weeks, they count nowhere.
        """
        edges = sorted({*bounds, *cutoffs})
        bucket = case(
            *((Dispute.opened_at < edge, n) for n, edge in enumerate(edges)),
            else_=len(edges),
        )
        columns = (
            Dispute.protocol_key,
            Dispute.category,
            Dispute.raiser_agency_id,
            Dispute.counterpart_agency_id,
            bucket,
            *(column for cutoff in cutoffs for column in (stage_at(cutoff), open_at(cutoff))),
        )
        rows = session.execute(
            select(*columns, func.count(), func.min(Dispute.id), func.max(Dispute.id))
            .where(
                Dispute.opened_at < max(cutoffs),
                or_(*(open_at(cutoff) for cutoff in cutoffs), Dispute.opened_at >= edges[0]),
            )
            .group_by(*columns)
        ).all()
        found: dict[datetime, Stored] = {}
        for n, cutoff in enumerate(cutoffs):
            groups = [
                Group(
                    key,
                    states[2 * n],
                    category,
                    raiser,
                    counterpart,
                    states[2 * n + 1],
                    i,
                    count,
                    first,
                    last,
                )
                for key, category, raiser, counterpart, i, *states, count, first, last in rows
                if edges[i] <= cutoff and (states[2 * n + 1] or i > 0)
            ]
            found[cutoff] = cls(edges, groups)
        return found

    def opened(self, group: Group, since: datetime, until: datetime) -> bool:
        """Whether the group's disputes were opened in [since, until), both of them bounds."""
        i = group.bucket
        return 0 < i < len(self.bounds) and since <= self.bounds[i - 1] and self.bounds[i] <= until

    def open_count(self) -> int:
        """How many disputes were open at the cut-off."""
        return sum(g.count for g in self.groups if g.open)

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
    """Adds to `tally` the disputes not open at the period's end that were escalated or
    resolved in the period but not opened in it (those are counted already)."""
    moved = select(StageTransition.dispute_id).where(
        StageTransition.from_stage.is_not(None),
        StageTransition.created_at >= since,
        StageTransition.created_at < until,
    )
    settled = select(Resolution.dispute_id).where(
        Resolution.resolved_at >= since, Resolution.resolved_at < until
    )
    columns = (
        Dispute.protocol_key,
        stage_at(until),
        Dispute.category,
        Dispute.raiser_agency_id,
        Dispute.counterpart_agency_id,
    )
    for row in session.execute(
        select(*columns, func.count(), func.max(Dispute.id))
        .where(
            Dispute.id.in_(union(moved, settled)),
            ~open_at(until),
            or_(Dispute.opened_at < since, Dispute.opened_at >= until),
        )
        .group_by(*columns)
    ):
        tally.add(*row)
