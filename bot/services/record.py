"""The record of a dispute that goes on the child's file: its audit trail read in one query, the
document drawn by `bot.messages.record`, as Markdown or as a printable PDF."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import select
from sqlalchemy.orm import Session

from bot.documents.pdf import markdown_to_html, render_pdf
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


def render_record_pdf(
    session: Session,
    *,
    dispute: Dispute,
    calendar: WorkingCalendar,
    generated_by: str,
    generated_at: datetime,
) -> bytes:
    """The same record as an A4 PDF headed with the protocol's name and version, saying when (in
    the partnership's zone) and for whom it was generated."""
    protocol = dispute.protocol_snapshot
    markdown = render_record(session, dispute=dispute, calendar=calendar)
    return render_pdf(
        title=protocol.name,
        subtitle=f"{protocol.version}; record of {dispute.reference}",
        body_html=markdown_to_html(markdown),
        generated_by=generated_by,
        generated_at=calendar.local(generated_at),
    )
