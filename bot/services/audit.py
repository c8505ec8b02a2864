"""Appends audit events; the only way the rest of the code writes to the audit log."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import select, text
from sqlalchemy.orm import Session

from models.audit import AuditEvent
from models.audit_chain import detail_digest, event_hash
from models.directory import Person
from models.dispute import Dispute

# Namespace of the PostgreSQL advisory locks that serialise writers of one dispute's chain.
CHAIN_LOCK = 0x4155


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
    dispute_id = dispute.id if dispute is not None else None
    actor_id = actor.id if actor is not None else None
    digest = detail_digest(detail)
    previous = last_hash(session, dispute_id)
    event = AuditEvent(
        dispute_id=dispute_id,
        actor_id=actor_id,
        kind=kind,
        detail=detail,
        created_at=at,
        detail_digest=digest,
        prev_hash=previous,
        chain_hash=event_hash(
            dispute_id=dispute_id,
            actor_id=actor_id,
            kind=kind,
            created_at=at,
            digest=digest,
            prev_hash=previous,
        ),
    )
    session.add(event)
    return event


def last_hash(session: Session, dispute_id: int | None) -> str | None:
    """The newest hash in the dispute's chain, read under a lock so two writers cannot fork it
    (SQLite already serialises writers; PostgreSQL takes a per-dispute transaction lock)."""
    if session.get_bind().dialect.name == "postgresql":
        session.execute(
            text("SELECT pg_advisory_xact_lock(:space, :chain)"),
            {"space": CHAIN_LOCK, "chain": dispute_id or 0},
        )
    return session.scalar(
        select(AuditEvent.chain_hash)
        .where(
            AuditEvent.dispute_id.is_(None)
            if dispute_id is None
            else AuditEvent.dispute_id == dispute_id
        )
        .order_by(AuditEvent.id.desc())
        .limit(1)
    )
