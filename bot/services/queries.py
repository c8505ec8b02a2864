"""Read-only views of the disputes one person is part of, for the Home tab and `/dispute list`.

Each query filters in SQL, caps each list in SQL with its full count alongside, and loads the
parties and protocol snapshot of the rows it returns, so a page costs a fixed number of round
trips and a bounded number of rows however many disputes the person has.
"""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any, TypeVar

from sqlalchemy import Select, case, func, select
from sqlalchemy.orm import Session, contains_eager, joinedload, undefer

from models.directory import Person
from models.dispute import Dispute, DisputeMember, DisputeStatus, StageNotice, StageTransition
from models.my_disputes import Capped, MyDisputes

T = TypeVar("T")


def _soonest_first(statement: Select[tuple[T]]) -> Select[tuple[T]]:
    """Soonest deadline first; disputes with no deadline (final stage, awaiting referral) last."""
    return statement.order_by(Dispute.deadline_at.is_(None), Dispute.deadline_at, Dispute.id)


def _open_disputes_of(person: Person) -> Select[tuple[Dispute]]:
    """Open disputes `person` is a member of, with both parties, agencies and snapshot loaded."""
    member = select(DisputeMember.dispute_id).where(DisputeMember.person_id == person.id)
    return (
        select(Dispute)
        .where(Dispute.id.in_(member), Dispute.status == DisputeStatus.OPEN)
        .options(
            joinedload(Dispute.raiser).joinedload(Person.agency),
            joinedload(Dispute.counterpart).joinedload(Person.agency),
            undefer(Dispute.protocol),
        )
    )


def _soonest_window() -> tuple[Any, ...]:
    return (Dispute.deadline_at.is_(None), Dispute.deadline_at, Dispute.id)


def awaiting_acknowledgement(
    session: Session, person: Person, *, limit: int | None = None
) -> Capped[StageNotice]:
    """Notices on the current stage of open disputes that `person` has not acknowledged, soonest
    deadline first: the first `limit` of them, and how many there are in all.

    A notice from a stage the dispute has since left no longer asks anything of anyone.
    """
    current = (
        select(func.max(StageTransition.id))
        .where(StageTransition.dispute_id == StageNotice.dispute_id)
        .correlate(StageNotice)
        .scalar_subquery()
    )
    dispute = contains_eager(StageNotice.transition).contains_eager(StageTransition.dispute)
    statement = (
        select(StageNotice, func.count().over())
        .join(StageNotice.transition)
        .join(StageTransition.dispute)
        .where(
            StageNotice.person_id == person.id,
            StageNotice.acknowledged_at.is_(None),
            StageNotice.transition_id == current,
            Dispute.status == DisputeStatus.OPEN,
        )
        .options(
            dispute.joinedload(Dispute.raiser).joinedload(Person.agency),
            dispute.joinedload(Dispute.counterpart).joinedload(Person.agency),
            dispute.undefer(Dispute.protocol),
        )
    )
    rows = session.execute(_soonest_first(statement).limit(limit)).unique().all()
    return Capped([row[0] for row in rows], rows[0][1] if rows else 0)


def my_disputes(session: Session, person: Person, *, limit: int | None = None) -> MyDisputes:
    """`person`'s open disputes by their part in each, soonest deadline first: in one query,
    the first `limit` of each group and how many each group holds."""
    part = case(
        (Dispute.raiser_id == person.id, "raised"),
        (Dispute.counterpart_id == person.id, "counterpart"),
        else_="involved",
    )
    mine = (
        select(
            Dispute.id.label("id"),
            part.label("part"),
            func.row_number().over(partition_by=part, order_by=_soonest_window()).label("place"),
            func.count().over(partition_by=part).label("total"),
        )
        .where(
            Dispute.id.in_(
                select(DisputeMember.dispute_id).where(DisputeMember.person_id == person.id)
            ),
            Dispute.status == DisputeStatus.OPEN,
        )
        .subquery()
    )
    statement = (
        _open_disputes_of(person)
        .join(mine, mine.c.id == Dispute.id)
        .add_columns(mine.c.part, mine.c.total)
    )
    if limit is not None:
        statement = statement.where(mine.c.place <= limit)
    groups: dict[str, Capped[Dispute]] = {"raised": Capped(), "counterpart": Capped()}
    groups["involved"] = Capped()
    for dispute, group, total in session.execute(_soonest_first(statement)).unique():
        groups[group].append(dispute)
        groups[group].total = total
    return MyDisputes(
        raised=groups["raised"],
        counterpart=groups["counterpart"],
        involved=groups["involved"],
        awaiting=awaiting_acknowledgement(session, person, limit=limit),
    )


def upcoming_deadlines(
    session: Session, person: Person, *, now: datetime, within: timedelta, limit: int | None = None
) -> Capped[Dispute]:
    """`person`'s open disputes whose stage ends between `now` and `now + within`, soonest first:
    the first `limit` of them, and how many there are in all."""
    statement = (
        _open_disputes_of(person)
        .add_columns(func.count().over())
        .where(Dispute.deadline_at >= now, Dispute.deadline_at <= now + within)
    )
    rows = session.execute(_soonest_first(statement).limit(limit)).unique().all()
    return Capped([row[0] for row in rows], rows[0][1] if rows else 0)
