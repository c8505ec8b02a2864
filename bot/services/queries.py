"""Read-only views of the disputes one person is part of, for the Home tab and `/dispute list`.

Each list is counted and capped in SQL: a count, then the first rows soonest deadline first,
so a page costs a fixed number of round trips and a bounded number of rows however many
disputes the person has. Counting and choosing read `ix_dispute_members_person_dispute` and
`ix_disputes_listed` alone, never the memberships' or the disputes' rows. A capped "first
rows" query also lets SQLite keep only that many while sorting, where ranking every row with
window functions sorts them all. Each listed dispute's protocol comes from its snapshot's hash,
parsed once per process.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import ColumnElement, Select, case, func, select
from sqlalchemy.orm import Load, Session, aliased, contains_eager

from models.directory import Person
from models.dispute import Dispute, DisputeMember, DisputeStatus, StageNotice, StageTransition
from models.my_disputes import Capped, MyDisputes
from models.protocol import Protocol
from models.snapshots import stored_snapshot

# The disputes a list counts and chooses from; the rows it shows are loaded apart.
_Listed = aliased(Dispute, name="listed")
# What a line on either page shows; the wide and encrypted columns stay unread.
_LINE = (Dispute.reference, Dispute.stage_index, Dispute.deadline_at, Dispute.status)
_SNAPSHOT = Dispute.protocol_hash.label("snapshot")

Conditions = tuple[ColumnElement[bool], ...]


def _soonest(dispute: Any) -> tuple[Any, ...]:
    """Soonest deadline first; disputes with no deadline (final stage, awaiting referral) last."""
    return (dispute.deadline_at.is_(None), dispute.deadline_at, dispute.id)


def _open_among(ids: Select[tuple[int]]) -> Conditions:
    """Open disputes among `ids`, in the shape `ix_disputes_listed` answers: status, then id."""
    return (_Listed.status == DisputeStatus.OPEN, _Listed.id.in_(ids))


def _member_of(person: Person) -> Select[tuple[int]]:
    """The disputes `person` is a member of (one membership per person and dispute)."""
    return select(DisputeMember.dispute_id).where(DisputeMember.person_id == person.id)


def _first(conditions: Conditions, limit: int | None, offset: int = 0) -> Select[tuple[int]]:
    """The ids of `limit` listed disputes meeting `conditions`, soonest first, after skipping
    the first `offset` (a later page of a long list)."""
    chosen = select(_Listed.id).where(*conditions).order_by(*_soonest(_Listed)).offset(offset)
    return chosen if limit is None else chosen.limit(limit)


def _count(session: Session, conditions: Conditions) -> int:
    return session.scalar(select(func.count()).select_from(_Listed).where(*conditions)) or 0


def _protocols(session: Session, rows: Iterable[tuple[int, str]]) -> dict[int, Protocol]:
    """Each dispute's protocol snapshot by dispute id, from the snapshots' hashes."""
    return {dispute_id: stored_snapshot(session, digest) for dispute_id, digest in rows}


def _disputes(session: Session, chosen: Select[tuple[int]], total: int) -> Capped[Dispute]:
    """The chosen disputes, soonest first, with what their lines show and their protocols."""
    rows = session.execute(
        select(Dispute, _SNAPSHOT)
        .where(Dispute.id.in_(chosen))
        .options(Load(Dispute).load_only(*_LINE))
        .order_by(*_soonest(Dispute))
    ).all()
    protocols = _protocols(session, [(dispute.id, digest) for dispute, digest in rows])
    return Capped([dispute for dispute, _ in rows], total, protocols)


def awaiting_acknowledgement(
    session: Session,
    person: Person,
    *,
    limit: int | None = None,
    offset: int = 0,
    with_parties: bool = True,
) -> Capped[StageNotice]:
    """Notices on the current stage of open disputes that `person` has not acknowledged, soonest
    deadline first: `limit` of them after the first `offset`, and how many there are in all.

    A notice from a stage the dispute has since left is superseded: it no longer asks anything of
    anyone, and `ix_stage_notices_awaiting` holds only the others. A person has at most one
    notice per stage, so choosing the disputes chooses the notices. The parties
    and their agencies come too unless `with_parties` is False: a list of lines names nobody.
    """
    waiting = (
        StageNotice.person_id == person.id,
        StageNotice.acknowledged_at.is_(None),
        ~StageNotice.superseded,
    )
    among = _open_among(select(StageNotice.dispute_id).where(*waiting))
    total = _count(session, among)
    if not total:
        return Capped()
    dispute = contains_eager(StageNotice.transition).contains_eager(StageTransition.dispute)
    loads = [dispute.load_only(*_LINE, Dispute.raiser_id, Dispute.counterpart_id)]
    if with_parties:
        loads += [
            dispute.joinedload(Dispute.raiser).joinedload(Person.agency),
            dispute.joinedload(Dispute.counterpart).joinedload(Person.agency),
        ]
    # The disputes are chosen first, and their notices then looked up by dispute: chosen in the
    # same statement, PostgreSQL (its statistics not yet counting a person's newest notices)
    # joined each of the person's notices to its stage and parties before keeping a page's.
    chosen = list(session.scalars(_first(among, limit, offset)))
    rows = session.execute(
        select(StageNotice, _SNAPSHOT)
        .join(StageNotice.transition)
        .join(StageTransition.dispute)
        .where(*waiting, StageNotice.dispute_id.in_(chosen))
        .options(*loads)
        .order_by(*_soonest(Dispute))
    ).all()
    protocols = _protocols(session, [(notice.dispute_id, digest) for notice, digest in rows])
    return Capped([notice for notice, _ in rows], total, protocols)


def _part(person: Person) -> ColumnElement[str]:
    """How `person` is part of a listed dispute: the group it is listed under."""
    return case(
        (_Listed.raiser_id == person.id, "raised"),
        (_Listed.counterpart_id == person.id, "counterpart"),
        else_="involved",
    )


def my_disputes(
    session: Session, person: Person, *, limit: int | None = None, with_parties: bool = True
) -> MyDisputes:
    """`person`'s open disputes by their part in each, soonest deadline first: how many each
    group holds, in one query, and the first `limit` of each (the notices awaiting them with
    their disputes' parties unless `with_parties` is False)."""
    part = _part(person)
    among = _open_among(_member_of(person))
    totals = dict(session.execute(select(part, func.count()).where(*among).group_by(part)).all())
    groups = {
        name: _disputes(session, _first((*among, part == name), limit), totals[name])
        if totals.get(name)
        else Capped()
        for name in ("raised", "counterpart", "involved")
    }
    return MyDisputes(
        raised=groups["raised"],
        counterpart=groups["counterpart"],
        involved=groups["involved"],
        awaiting=awaiting_acknowledgement(session, person, limit=limit, with_parties=with_parties),
    )


def my_group(
    session: Session, person: Person, group: str, *, limit: int, offset: int
) -> Capped[Dispute]:
    """One group of `person`'s open disputes ("raised", "counterpart" or "involved"): `limit`
    of them after the first `offset`, soonest deadline first, and how many it holds."""
    among = (*_open_among(_member_of(person)), _part(person) == group)
    total = _count(session, among)
    return _disputes(session, _first(among, limit, offset), total) if total else Capped()


def upcoming_deadlines(
    session: Session, person: Person, *, now: datetime, within: timedelta, limit: int | None = None
) -> Capped[Dispute]:
    """`person`'s open disputes whose stage ends between `now` and `now + within`, soonest first:
    the first `limit` of them, and how many there are in all."""
    due = (
        *_open_among(_member_of(person)),
        _Listed.deadline_at >= now,
        _Listed.deadline_at <= now + within,
    )
    total = _count(session, due)
    return _disputes(session, _first(due, limit), total) if total else Capped()
