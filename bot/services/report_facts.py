"""The partnership report's figures as SQL aggregates over the disputes opened in a period.

Each dispute is seen as it stood at the period's end: only stage transitions, acknowledgements
and resolutions before then count. Counts are grouped in SQL; the only rows read one per dispute
are narrow tuples (two instants for time to resolution, one row for the CSV). Labels come from one
protocol snapshot per protocol key.
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from datetime import datetime
from itertools import groupby
from operator import itemgetter
from typing import Any

from sqlalchemy import Row, Select, and_, case, func, or_, select
from sqlalchemy.orm import Session, aliased

from models.directory import Agency
from models.dispute import Dispute, NoticeKind, Resolution, StageNotice, StageTransition, Trigger
from models.protocol import Protocol
from models.snapshots import stored_snapshot

PAIR_LIMIT = 12
BATCH = 1000  # CSV rows streamed at a time
# The CSV's order, by reference. An expression, so SQLite sorts the period's rows once rather
# than walking the reference index and looking each dispute up from it.
CSV_ORDER = Dispute.reference.concat("")
Acknowledged = tuple[datetime, datetime]  # a notice's stage entered, and when it was acknowledged


class Window:
    """Disputes opened in [since, until), with their history cut at `until`."""

    def __init__(self, since: datetime, until: datetime) -> None:
        self.since, self.until = since, until

    def opened(self) -> Any:
        return and_(Dispute.opened_at >= self.since, Dispute.opened_at < self.until)

    def resolution(self, dispute_id: Any = Dispute.id) -> Any:
        """Joins a dispute to the resolution that stood at the period's end: made before it, and
        not reopened by then (a reopened dispute has one resolution per closure)."""
        return and_(
            Resolution.dispute_id == dispute_id,
            Resolution.resolved_at < self.until,
            or_(Resolution.reopened_at.is_(None), Resolution.reopened_at >= self.until),
        )

    def reached(self) -> tuple[Any, Any, Any]:
        """Per dispute of the period, as at its end: the furthest stage reached, and how many
        escalations by lapse and by hand. A dispute that has not moved since the period ended
        holds these on its row, read from `ix_disputes_reached`; only one that
        moved later (few, unless the period is long past) has them counted from its
        transitions before the end, one seek of the history index each."""
        settled = Dispute.stage_started_at < self.until
        moved = StageTransition

        def counted(value: Any, *where: Any) -> Any:
            return (
                select(value)
                .where(moved.dispute_id == Dispute.id, moved.created_at < self.until, *where)
                .correlate(Dispute)
                .scalar_subquery()
            )

        lapsed = moved.trigger == Trigger.LAPSED.value
        by_hand = moved.trigger == Trigger.MANUAL.value
        return (
            case((settled, Dispute.stage_reached), else_=counted(func.max(moved.to_stage))),
            case((settled, Dispute.lapsed_escalations), else_=counted(func.count(), lapsed)),
            case((settled, Dispute.manual_escalations), else_=counted(func.count(), by_hand)),
        )


def labels(session: Session, window: Window) -> dict[str, Protocol]:
    """One protocol snapshot per protocol key in the period: its newest dispute's."""
    newest = (
        select(func.max(Dispute.id)).where(window.opened()).group_by(Dispute.protocol_key)
    ).subquery()
    hashes = session.execute(
        select(Dispute.protocol_key, Dispute.protocol_hash).where(Dispute.id.in_(select(newest)))
    )
    return {key: stored_snapshot(session, digest) for key, digest in hashes}


def grouped(session: Session, window: Window) -> list[tuple[Any, ...]]:
    """The period's disputes counted by protocol, category, stage reached, outcome, and whether
    learning was recorded and referred; each row those, then how many disputes, then the
    escalations by lapse among them and how many disputes made any, and the same by hand."""
    stage, lapsed, by_hand = window.reached()
    each = (
        select(
            Dispute.protocol_key,
            Dispute.category,
            stage.label("stage"),
            Resolution.outcome,
            Resolution.learning.is_not(None).label("learning"),
            Resolution.refer_to_partnership,
            lapsed.label("lapsed"),
            by_hand.label("by_hand"),
        )
        .select_from(Dispute)
        .outerjoin(Resolution, window.resolution())
        .where(window.opened())
        .subquery("each")
    )
    columns = (
        each.c.protocol_key,
        each.c.category,
        each.c.stage,
        each.c.outcome,
        each.c.learning,
        each.c.refer_to_partnership,
    )
    statement = select(
        *columns,
        func.count(),
        func.sum(each.c.lapsed),
        func.count(case((each.c.lapsed > 0, 1))),
        func.sum(each.c.by_hand),
        func.count(case((each.c.by_hand > 0, 1))),
    ).group_by(*columns)
    return [tuple(row) for row in session.execute(statement)]


def agency_pairs(session: Session, window: Window) -> tuple[list[tuple[str, str, int]], int]:
    """The PAIR_LIMIT commonest (raiser agency, counterpart agency) pairs, and how many pairs.

    The disputes are counted by agency id from the opening index alone, and only the few pairs
    that makes are joined to the agencies' names, not every dispute."""
    by_id = (
        select(
            Dispute.raiser_agency_id.label("raiser_id"),
            Dispute.counterpart_agency_id.label("counterpart_id"),
            func.count().label("disputes"),
        )
        .where(window.opened())
        .group_by(Dispute.raiser_agency_id, Dispute.counterpart_agency_id)
        .subquery("by_id")
    )
    raiser, counterpart = aliased(Agency), aliased(Agency)
    disputes = func.sum(by_id.c.disputes)
    counted = (
        select(raiser.name, counterpart.name, disputes, func.count().over().label("pairs"))
        .select_from(by_id)
        .join(raiser, raiser.id == by_id.c.raiser_id)
        .join(counterpart, counterpart.id == by_id.c.counterpart_id)
        .group_by(raiser.name, counterpart.name)
        .order_by(disputes.desc(), raiser.name, counterpart.name)
        .limit(PAIR_LIMIT)
    )
    rows = session.execute(counted).all()
    return [(r[0], r[1], int(r[2])) for r in rows], (rows[0].pairs if rows else 0)


def resolution_spans(session: Session, window: Window) -> list[tuple[datetime, datetime]]:
    """(opened, resolved) for each dispute of the period resolved before its end."""
    statement = (
        select(Dispute.opened_at, Resolution.resolved_at)
        .join(Resolution, window.resolution())
        .where(window.opened())
    )
    return [(opened, resolved) for opened, resolved in session.execute(statement)]


def acknowledgements(session: Session, window: Window) -> list[tuple[datetime, datetime | None]]:
    """(stage entered, acknowledged or None) for each acting notice of the period's disputes."""
    statement = (
        select(
            StageTransition.created_at,
            case(
                (StageNotice.acknowledged_at < window.until, StageNotice.acknowledged_at),
                else_=None,
            ),
        )
        .join(StageTransition, StageTransition.id == StageNotice.transition_id)
        .join(Dispute, Dispute.id == StageNotice.dispute_id)
        .where(
            window.opened(),
            StageNotice.kind == NoticeKind.ACTING.value,
            StageTransition.created_at < window.until,
        )
    )
    return [(entered, acknowledged) for entered, acknowledged in session.execute(statement)]


def stage_compliance(
    session: Session, window: Window, protocol_key: str
) -> list[tuple[int, int, int, int, int]]:
    """Per stage of the protocol's disputes in the period: entries, entries with a timescale,
    left in time, overran.

    A stage is left when the next transition or the closure ends it, before the period ends.
    It is kept in time when left by its deadline; overran when its deadline passed before the
    period's end without its being left by then; otherwise still running, counted in neither.

    Each transition holds when its stage ended, so this is one pass over the history index, the
    protocol's disputes picked by id (the opening index names their protocol), with no
    transition paired with the next and no dispute row read.
    """
    moved = StageTransition
    deadline, ended = moved.deadline_at, moved.ended_at
    in_time = and_(ended < window.until, ended <= deadline)
    # A deadline before the period's end has passed by then; not left by it, the stage overran.
    overran = and_(deadline < window.until, or_(ended.is_(None), ended > deadline))
    disputes = select(Dispute.id).where(window.opened(), Dispute.protocol_key == protocol_key)
    statement = (
        select(
            moved.to_stage,
            func.count(),
            func.count(deadline),
            func.count(case((in_time, 1))),
            func.count(case((overran, 1))),
        )
        .where(moved.created_at < window.until, moved.dispute_id.in_(disputes))
        .group_by(moved.to_stage)
        .order_by(moved.to_stage)
    )
    return [
        (stage, entered, timed, kept, late)
        for stage, entered, timed, kept, late in session.execute(statement)
    ]


def dispute_rows(session: Session, window: Window) -> Iterator[Sequence[Row[Any]]]:
    """One narrow row per dispute of the period, in reference order, streamed for the CSV a
    thousand at a time: plain rows from the connection, with no ORM loading to pay for."""
    raiser, counterpart = aliased(Agency), aliased(Agency)
    stage, lapsed, by_hand = window.reached()
    slowest = aliased(StageNotice)
    entered = aliased(StageTransition)
    unacknowledged = (
        select(func.count(slowest.id))
        .join(entered, entered.id == slowest.transition_id)
        .where(
            slowest.dispute_id == Dispute.id,
            slowest.kind == NoticeKind.ACTING.value,
            entered.created_at < window.until,
            func.coalesce(slowest.acknowledged_at >= window.until, True),
        )
        .scalar_subquery()
    )
    statement: Select[Any] = (
        select(
            Dispute.id,
            Dispute.reference,
            Dispute.protocol_key,
            Dispute.category,
            Dispute.urgency,
            raiser.name.label("raiser"),
            counterpart.name.label("counterpart"),
            Dispute.opened_at,
            stage.label("stage"),
            Resolution.outcome,
            Resolution.resolved_at,
            lapsed.label("lapsed"),
            by_hand.label("by_hand"),
            unacknowledged.label("unacknowledged"),
            Resolution.learning.is_not(None).label("learning"),
            Resolution.refer_to_partnership,
        )
        .join(raiser, raiser.id == Dispute.raiser_agency_id)
        .join(counterpart, counterpart.id == Dispute.counterpart_agency_id)
        .outerjoin(Resolution, window.resolution())
        .where(window.opened())
        .order_by(CSV_ORDER)
    )
    result = session.connection().execute(statement.execution_options(yield_per=BATCH))
    yield from result.partitions()


def acknowledged(session: Session, window: Window) -> Iterator[tuple[int, list[Acknowledged]]]:
    """Each dispute of the period with acknowledged acting notices, in the CSV's order, with
    their (stage entered, acknowledged): one query streamed beside `dispute_rows`, rather than
    one for each batch of rows naming a thousand disputes."""
    statement = (
        select(StageNotice.dispute_id, StageTransition.created_at, StageNotice.acknowledged_at)
        .join(StageTransition, StageTransition.id == StageNotice.transition_id)
        .join(Dispute, Dispute.id == StageNotice.dispute_id)
        .where(
            window.opened(),
            StageNotice.kind == NoticeKind.ACTING.value,
            StageNotice.acknowledged_at < window.until,
        )
        .order_by(CSV_ORDER)
    )
    result = session.connection().execute(statement.execution_options(yield_per=BATCH))
    for dispute_id, notices in groupby(result, key=itemgetter(0)):
        yield dispute_id, [(entered, at) for _, entered, at in notices]
