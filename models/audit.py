"""The append-only audit log: every change to a dispute leaves one event, never edited.

Each dispute's events form a hash chain: an event's `chain_hash` covers its own fields, the digest
of its detail and the previous event's hash, so editing or removing an event shows as a break
(`resolve audit verify`). The detail is hashed through its digest, so retention can erase the
detail of an expired dispute and keep the digest without breaking the chain.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import ForeignKey, String, event
from sqlalchemy.orm import Mapped, Session, mapped_column

from models.base import Base, UTCDateTime
from models.encrypted import EncryptedJSON


class AuditEvent(Base):
    __tablename__ = "audit_events"

    id: Mapped[int] = mapped_column(primary_key=True)
    dispute_id: Mapped[int | None] = mapped_column(ForeignKey("disputes.id"), index=True)
    actor_id: Mapped[int | None] = mapped_column(ForeignKey("people.id"))
    kind: Mapped[str] = mapped_column(String(40))
    detail: Mapped[dict[str, Any] | None] = mapped_column(EncryptedJSON)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime)
    detail_digest: Mapped[str | None] = mapped_column(String(64))
    prev_hash: Mapped[str | None] = mapped_column(String(64))
    chain_hash: Mapped[str | None] = mapped_column(String(64))


class AuditTamperingError(Exception):
    """Raised when code tries to change or remove an audit event."""


@event.listens_for(Session, "before_flush")
def _before_flush(session: Session, flush_context: object, instances: object) -> None:
    refuse_audit_changes(session)


def refuse_audit_changes(session: Session) -> None:
    """Before anything the session changed is written, by the flush or by a sweep batch."""
    for obj in (*session.dirty, *session.deleted):
        if isinstance(obj, AuditEvent):
            raise AuditTamperingError("audit events are append-only")
