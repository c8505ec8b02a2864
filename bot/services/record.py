"""The record of a dispute that goes on the child's file: its audit trail read in one query, the
document drawn by `bot.messages.record`."""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.orm import Session

from bot.messages.record import AuditLine, record_document
from bot.services.duty_list import ticks
from bot.working_days import WorkingCalendar
from models.audit import AuditEvent
from models.directory import Person
from models.dispute import Dispute


def audit_trail(session: Session, dispute: Dispute) -> list[AuditLine]:
    """Every audit event of the dispute in order, with the name of whoever acted."""
    rows = session.execute(
        select(AuditEvent, Person.name)
        .outerjoin(Person, Person.id == AuditEvent.actor_id)
        .where(AuditEvent.dispute_id == dispute.id)
        .order_by(AuditEvent.id)
    ).all()
    return [(event, name) for event, name in rows]


def render_record(session: Session, *, dispute: Dispute, calendar: WorkingCalendar) -> str:
    """The whole record as one document; times in the partnership's own zone."""
    return record_document(
        dispute, audit_trail(session, dispute), calendar, ticks(session, dispute)
    )
