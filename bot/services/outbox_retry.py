"""Puts dead-lettered messages back in the outbox once what stopped them is fixed.

A requeued message gets a full set of attempts again. A conversation set-up always has a lower
id than the posts waiting for it, and delivery goes in id order, so the set-up is tried first.
"""

from __future__ import annotations

from collections.abc import Collection, Sequence
from datetime import datetime

from sqlalchemy import or_, select
from sqlalchemy.orm import Session

from models.dispute import Dispute
from models.outbox import OutboxKind, OutboxMessage, OutboxStatus


def _requeue(rows: Sequence[OutboxMessage], now: datetime) -> list[OutboxMessage]:
    for row in rows:
        row.status = OutboxStatus.PENDING
        row.attempts = 0
        row.not_before = now
        row.lease_until = None
    return list(rows)


def requeue_dead(
    session: Session, *, now: datetime, dispute: Dispute | None = None
) -> list[OutboxMessage]:
    """Every dead-lettered message (of one dispute, if given), oldest first."""
    query = select(OutboxMessage).where(OutboxMessage.status == OutboxStatus.DEAD)
    if dispute is not None:
        query = query.where(OutboxMessage.dispute_id == dispute.id)
    return _requeue(session.scalars(query.order_by(OutboxMessage.id)).all(), now)


def requeue_conversation_setups(
    session: Session, *, dispute_ids: Collection[int], now: datetime
) -> list[OutboxMessage]:
    """The disputes' dead conversation set-ups and the posts that were waiting for them, in one
    query for any number of disputes."""
    if not dispute_ids:
        return []
    setups = select(OutboxMessage.id).where(
        OutboxMessage.dispute_id.in_(dispute_ids),
        OutboxMessage.kind == OutboxKind.SYNC_MEMBERS,
        OutboxMessage.status == OutboxStatus.DEAD,
    )
    rows = session.scalars(
        select(OutboxMessage)
        .where(
            OutboxMessage.dispute_id.in_(dispute_ids),
            OutboxMessage.status == OutboxStatus.DEAD,
            or_(OutboxMessage.id.in_(setups), OutboxMessage.depends_on_id.in_(setups)),
        )
        .order_by(OutboxMessage.id)
    ).all()
    return _requeue(rows, now)
