"""Appends audit events; the only way the rest of the code writes to the audit log."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy.orm import Session

from models.audit import AuditEvent
from models.directory import Person
from models.dispute import Dispute


def record(
    session: Session,
    *,
    kind: str,
    at: datetime,
    dispute: Dispute | None = None,
    actor: Person | None = None,
    **detail: Any,
) -> AuditEvent:
    """Adds one event in the caller's transaction, so it lands or fails with the change."""
    if dispute is not None and dispute.id is None:
        session.flush()
    event = AuditEvent(
        dispute_id=dispute.id if dispute is not None else None,
        actor_id=actor.id if actor is not None else None,
        kind=kind,
        detail=detail,
        created_at=at,
    )
    session.add(event)
    return event
