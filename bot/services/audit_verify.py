"""Checks every dispute's audit chain and reports the first event that does not fit."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import select
from sqlalchemy.orm import Session

from models.audit import AuditEvent
from models.audit_chain import detail_digest, event_hash
from models.dispute import Dispute


@dataclass(frozen=True)
class ChainBreak:
    event_id: int
    reference: str | None
    at: datetime
    why: str


@dataclass(frozen=True)
class ChainReport:
    checked: int
    first_break: ChainBreak | None


def verify_chain(session: Session) -> ChainReport:
    """Walks the events in the order they were written, each dispute's chain on its own.

    An edited field, an edited or swapped detail, a removed or reordered event all show as a
    break. A detail may be missing only where retention erased the dispute (its digest stays).
    """
    last: dict[int | None, str | None] = {}
    checked = 0
    rows = session.execute(
        select(AuditEvent, Dispute.reference, Dispute.erased_at)
        .outerjoin(Dispute, Dispute.id == AuditEvent.dispute_id)
        .order_by(AuditEvent.id)
        .execution_options(yield_per=500)
    )
    for event, reference, erased_at in rows:
        checked += 1
        why = _problem(event, erased=erased_at is not None, previous=last.get(event.dispute_id))
        if why is not None:
            return ChainReport(checked, ChainBreak(event.id, reference, event.created_at, why))
        last[event.dispute_id] = event.chain_hash
    return ChainReport(checked, None)


def _problem(event: AuditEvent, *, erased: bool, previous: str | None) -> str | None:
    """Why the event does not fit its chain, or None when it does."""
    if event.detail is None:
        if not erased or event.detail_digest is None:
            return "its detail is missing"
        digest = event.detail_digest
    else:
        digest = detail_digest(event.detail)
        if digest != event.detail_digest:
            return "its detail was changed"
    if event.prev_hash != previous:
        return "the event before it was changed or removed"
    expected = event_hash(
        dispute_id=event.dispute_id,
        actor_id=event.actor_id,
        kind=event.kind,
        created_at=event.created_at,
        digest=digest,
        prev_hash=previous,
    )
    return None if expected == event.chain_hash else "its fields were changed"
