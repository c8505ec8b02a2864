"""Appends audit events; the only way the rest of the code writes to the audit log."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import event, func, select, text
from sqlalchemy.orm import Session

from bot.services import sweep_batch
from models.audit import AuditEvent
from models.audit_chain import detail_digest, event_hash
from models.directory import Person
from models.dispute import Dispute

# Namespace of the PostgreSQL advisory locks that serialise writers of one dispute's chain.
CHAIN_LOCK = 0x4155
# Where a transaction keeps the heads of the chains it holds: read once under the lock (or in
# advance, see hold_chains) and carried forward by each event it appends.
HEADS = "audit_chain_heads"


@event.listens_for(Session, "after_commit")
@event.listens_for(Session, "after_soft_rollback")
def _let_go(session: Session, *_: object) -> None:
    """Heads held no longer hold once the transaction ends (another writer may append) or a
    savepoint is rolled back (taking events whose hashes were carried forward)."""
    session.info.pop(HEADS, None)


def record(
    session: Session,
    *,
    kind: str,
    at: datetime,
    dispute: Dispute | None = None,
    actor: Person | None = None,
    **detail: Any,
) -> AuditEvent | sweep_batch.Pending:
    """Adds one event in the caller's transaction, so it lands or fails with the change (in a
    sweep batch, with the batch's other events at its end). The chain's head is read once a
    transaction: a dispute the transaction made has none, and no other writer sees it yet."""
    heads: dict[int | None, str | None] = session.info.setdefault(HEADS, {})
    if dispute is not None and dispute.id is None:
        session.flush()
        heads[dispute.id] = None
    dispute_id = dispute.id if dispute is not None else None
    actor_id = actor.id if actor is not None else None
    digest = detail_digest(detail)
    previous = heads[dispute_id] if dispute_id in heads else last_hash(session, dispute_id)
    chain_hash = event_hash(
        dispute_id=dispute_id,
        actor_id=actor_id,
        kind=kind,
        created_at=at,
        digest=digest,
        prev_hash=previous,
    )
    event = sweep_batch.add(
        session,
        AuditEvent,
        {
            "dispute_id": dispute_id,
            "actor_id": actor_id,
            "kind": kind,
            "detail": detail,
            "created_at": at,
            "detail_digest": digest,
            "prev_hash": previous,
            "chain_hash": chain_hash,
        },
    )
    heads[dispute_id] = chain_hash
    return event


def hold_chains(session: Session, dispute_ids: list[int]) -> None:
    """Locks and reads the heads of many disputes' chains at once, so a batch appending to all
    of them asks once rather than once per event; `record` carries each head forward.

    On PostgreSQL the locks are taken in the order of the ids, so two writers never wait on
    each other."""
    ids = sorted(dispute_ids)
    if not ids:
        return
    if session.get_bind().dialect.name == "postgresql":
        session.execute(
            text(
                "SELECT pg_advisory_xact_lock(:space, chain) "
                "FROM unnest(CAST(:ids AS integer[])) AS chain ORDER BY chain"
            ),
            {"space": CHAIN_LOCK, "ids": ids},
        )
    newest = (
        select(func.max(AuditEvent.id))
        .where(AuditEvent.dispute_id.in_(ids))
        .group_by(AuditEvent.dispute_id)
    )
    heads: dict[int | None, str | None] = dict.fromkeys(ids)
    rows = session.execute(
        select(AuditEvent.dispute_id, AuditEvent.chain_hash).where(AuditEvent.id.in_(newest))
    )
    for dispute_id, head in rows:
        heads[dispute_id] = head
    session.info[HEADS] = heads


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
