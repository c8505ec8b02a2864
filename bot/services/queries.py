"""Read-only views of the disputes one person is part of, for the Home tab and `/dispute list`.

Each query filters in SQL and loads the parties with it, so rendering a list costs a fixed
number of round trips however many disputes the person has.
"""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import TypeVar

from sqlalchemy import Select, func, select
from sqlalchemy.orm import Session, contains_eager, joinedload

from models.directory import Person
from models.dispute import Dispute, DisputeMember, DisputeStatus, StageNotice, StageTransition
from models.my_disputes import MyDisputes

T = TypeVar("T")


def _soonest_first(statement: Select[tuple[T]]) -> Select[tuple[T]]:
    """Soonest deadline first; disputes with no deadline (final stage, awaiting referral) last."""
    return statement.order_by(Dispute.deadline_at.is_(None), Dispute.deadline_at, Dispute.id)


def _open_disputes_of(person: Person) -> Select[tuple[Dispute]]:
    """Open disputes `person` is a member of, with both parties and their agencies loaded."""
    return (
        select(Dispute)
        .join(DisputeMember, DisputeMember.dispute_id == Dispute.id)
        .where(DisputeMember.person_id == person.id, Dispute.status == DisputeStatus.OPEN)
        .options(
            joinedload(Dispute.raiser).joinedload(Person.agency),
            joinedload(Dispute.counterpart).joinedload(Person.agency),
        )
    )


def awaiting_acknowledgement(session: Session, person: Person) -> list[StageNotice]:
    """Notices on the current stage of open disputes that `person` has not acknowledged.

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
        select(StageNotice)
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
        )
    )
    return list(session.scalars(_soonest_first(statement)).unique())


def my_disputes(session: Session, person: Person) -> MyDisputes:
    """Every open dispute `person` is a member of, sorted by their part in it."""
    disputes = session.scalars(_soonest_first(_open_disputes_of(person))).unique()
    mine = MyDisputes(awaiting=awaiting_acknowledgement(session, person))
    for dispute in disputes:
        if dispute.raiser_id == person.id:
            mine.raised.append(dispute)
        elif dispute.counterpart_id == person.id:
            mine.counterpart.append(dispute)
        else:
            mine.involved.append(dispute)
    return mine


def upcoming_deadlines(
    session: Session, person: Person, *, now: datetime, within: timedelta
) -> list[Dispute]:
    """`person`'s open disputes whose stage ends between `now` and `now + within`, soonest first."""
    statement = _open_disputes_of(person).where(
        Dispute.deadline_at >= now, Dispute.deadline_at <= now + within
    )
    return list(session.scalars(_soonest_first(statement)).unique())
