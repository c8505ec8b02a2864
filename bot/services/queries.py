"""Read-only views of the disputes one person is part of, for the Home tab and `/dispute list`.

Each query filters in SQL, caps each list in SQL with its full count alongside, and loads the
parties and protocol snapshot of the rows it returns, so a page costs a fixed number of round
trips and a bounded number of rows however many disputes the person has.
"""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any, TypeVar

from sqlalchemy import Select, Subquery, case, func, select
from sqlalchemy.orm import Session, contains_eager, joinedload, undefer

from models.directory import Person
from models.dispute import Dispute, DisputeMember, DisputeStatus, StageNotice, StageTransition
from models.my_disputes import Capped, MyDisputes

T = TypeVar("T")


def _soonest_first(statement: Select[tuple[T]]) -> Select[tuple[T]]:
    """Soonest deadline first; disputes with no deadline (final stage, awaiting referral) last."""
    return statement.order_by(Dispute.deadline_at.is_(None), Dispute.deadline_at, Dispute.id)


_SHOWN = (
    joinedload(Dispute.raiser).joinedload(Person.agency),
    joinedload(Dispute.counterpart).joinedload(Person.agency),
    undefer(Dispute.protocol),
)


def _member_of(person: Person) -> Subquery:
    """The disputes `person` is a member of, each once: the membership index drives the query."""
    return (
        select(DisputeMember.dispute_id)
        .where(DisputeMember.person_id == person.id)
        .distinct()
        .subquery("member_of")
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
    ranked = (
        select(
            StageNotice.id.label("id"),
            func.row_number().over(order_by=_soonest_window()).label("place"),
            func.count().over().label("total"),
        )
        .join(StageNotice.transition)
        .join(StageTransition.dispute)
        .where(
            StageNotice.person_id == person.id,
            StageNotice.acknowledged_at.is_(None),
            StageNotice.transition_id == current,
            Dispute.status == DisputeStatus.OPEN,
        )
        .subquery()
    )
    dispute = contains_eager(StageNotice.transition).contains_eager(StageTransition.dispute)
    statement = (
        select(StageNotice, ranked.c.total)
        .join(ranked, ranked.c.id == StageNotice.id)
        .join(StageNotice.transition)
        .join(StageTransition.dispute)
        .options(
            dispute.joinedload(Dispute.raiser).joinedload(Person.agency),
            dispute.joinedload(Dispute.counterpart).joinedload(Person.agency),
            dispute.undefer(Dispute.protocol),
        )
    )
    if limit is not None:
        statement = statement.where(ranked.c.place <= limit)
    rows = session.execute(statement.order_by(ranked.c.place)).unique().all()
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
        .select_from(_member_of(person))
        .join(Dispute, Dispute.id == _member_of(person).c.dispute_id)
        .where(Dispute.status == DisputeStatus.OPEN)
        .subquery()
    )
    statement = (
        select(Dispute, mine.c.part, mine.c.total)
        .join(mine, mine.c.id == Dispute.id)
        .options(*_SHOWN)
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
    member = _member_of(person)
    ranked = (
        select(
            Dispute.id.label("id"),
            func.row_number().over(order_by=_soonest_window()).label("place"),
            func.count().over().label("total"),
        )
        .select_from(member)
        .join(Dispute, Dispute.id == member.c.dispute_id)
        .where(
            Dispute.status == DisputeStatus.OPEN,
            Dispute.deadline_at >= now,
            Dispute.deadline_at <= now + within,
        )
        .subquery()
    )
    statement = (
        select(Dispute, ranked.c.total).join(ranked, ranked.c.id == Dispute.id).options(*_SHOWN)
    )
    if limit is not None:
        statement = statement.where(ranked.c.place <= limit)
    rows = session.execute(statement.order_by(ranked.c.place)).unique().all()
    return Capped([row[0] for row in rows], rows[0][1] if rows else 0)
