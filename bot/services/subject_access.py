"""A subject access request from a professional: everything Resolve holds about them.

The export holds their directory entry and their part in each dispute (references, roles,
dates, what they logged, approved, acknowledged and resolved, their decisions on learning, and
the audit events naming them). It never holds a child reference or any case text: those are
the child's and the other professionals' data, released case by case under the partnership's
own disclosure process (a member of an open dispute can still fetch its full record with
`/dispute record`).
"""

from __future__ import annotations

from datetime import date, datetime
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from bot.services.errors import NotFound
from models.audit import AuditEvent
from models.directory import Person
from models.dispute import (
    DiscussionCorrection,
    DiscussionEntry,
    Dispute,
    DisputeMember,
    Resolution,
    StageNotice,
    StageTransition,
)
from models.duties import DutyCompletion
from models.learning import LearningItem
from models.procedures import ReflectiveRequest


def _when(value: datetime | date | None) -> str | None:
    return value.isoformat() if value is not None else None


def _stage(dispute: Dispute, index: int) -> str:
    return dispute.protocol_snapshot.stage(index).title


def export_person(session: Session, *, email: str) -> dict[str, Any]:
    person = session.scalar(select(Person).where(func.lower(Person.email) == email.strip().lower()))
    if person is None:
        raise NotFound(f"No one with the email {email.strip()} is in the directory.")
    references = {
        d.id: d.reference
        for d in session.scalars(
            select(Dispute).join(DisputeMember).where(DisputeMember.person_id == person.id)
        )
    }
    return {
        "directory_entry": _directory_entry(person),
        "disputes": _disputes(session, person),
        "discussions_logged": _discussions_logged(session, person),
        "discussions_approved": _discussions_approved(session, person),
        "discussion_corrections_proposed": _corrections_proposed(session, person),
        "reflective_meetings_requested": _reflective_requested(session, person),
        "stage_notices": _stage_notices(session, person),
        "escalations_made": _escalations_made(session, person),
        "duties_ticked": _duties_ticked(session, person),
        "resolutions_recorded": [
            {"dispute": r.dispute.reference, "outcome": r.outcome, "at": _when(r.resolved_at)}
            for r in session.scalars(
                select(Resolution).where(Resolution.resolved_by_id == person.id)
            )
        ],
        "learning_decided": _learning_decided(session, person),
        "audit_events": _audit_events(session, person, references),
    }


def _directory_entry(person: Person) -> dict[str, Any]:
    return {
        "name": person.name,
        "email": person.email,
        "slack_user_id": person.slack_user_id,
        "agency": person.agency.name,
        "role": person.role,
        "job_title": person.job_title,
        "line_manager": person.line_manager.described if person.line_manager else None,
        "deputy": person.deputy.described if person.deputy else None,
        "absent_until": _when(person.absent_until),
    }


def _discussions_logged(session: Session, person: Person) -> list[dict[str, Any]]:
    return [
        {
            "dispute": e.dispute.reference,
            "stage": _stage(e.dispute, e.stage_index),
            "occurred_at": _when(e.occurred_at),
            "logged_at": _when(e.logged_at),
            "approved_by": e.approved_by.described if e.approved_by else None,
            "approved_at": _when(e.approved_at),
        }
        for e in session.scalars(
            select(DiscussionEntry)
            .where(DiscussionEntry.logged_by_id == person.id)
            .order_by(DiscussionEntry.id)
        )
    ]


def _reflective_requested(session: Session, person: Person) -> list[dict[str, Any]]:
    """When and where they asked; what they wanted to reflect on is about the case, not them."""
    return [
        {
            "dispute": r.dispute.reference,
            "stage": _stage(r.dispute, r.stage_index),
            "requested_at": _when(r.requested_at),
        }
        for r in session.scalars(
            select(ReflectiveRequest)
            .where(ReflectiveRequest.requested_by_id == person.id)
            .order_by(ReflectiveRequest.id)
        )
    ]


def _discussions_approved(session: Session, person: Person) -> list[dict[str, Any]]:
    return [
        {
            "dispute": e.dispute.reference,
            "logged_by": e.logged_by.described,
            "approved_at": _when(e.approved_at),
        }
        for e in session.scalars(
            select(DiscussionEntry)
            .where(DiscussionEntry.approved_by_id == person.id)
            .order_by(DiscussionEntry.id)
        )
    ]


def _corrections_proposed(session: Session, person: Person) -> list[dict[str, Any]]:
    """When they proposed a correction, and to whose record; the wording is about the case."""
    return [
        {
            "dispute": c.entry.dispute.reference,
            "record_logged_by": c.entry.logged_by.described,
            "proposed_at": _when(c.proposed_at),
        }
        for c in session.scalars(
            select(DiscussionCorrection)
            .where(DiscussionCorrection.proposed_by_id == person.id)
            .order_by(DiscussionCorrection.id)
        )
    ]


def _stage_notices(session: Session, person: Person) -> list[dict[str, Any]]:
    return [
        {
            "dispute": n.transition.dispute.reference,
            "stage": _stage(n.transition.dispute, n.transition.to_stage),
            "side": n.side,
            "why_you": n.explanation,
            "notified_at": _when(n.transition.created_at),
            "acknowledged_at": _when(n.acknowledged_at),
        }
        for n in session.scalars(
            select(StageNotice).where(StageNotice.person_id == person.id).order_by(StageNotice.id)
        )
    ]


def _escalations_made(session: Session, person: Person) -> list[dict[str, Any]]:
    return [
        {
            "dispute": t.dispute.reference,
            "to_stage": _stage(t.dispute, t.to_stage),
            "at": _when(t.created_at),
        }
        for t in session.scalars(
            select(StageTransition)
            .where(StageTransition.actor_id == person.id)
            .order_by(StageTransition.id)
        )
    ]


def _duties_ticked(session: Session, person: Person) -> list[dict[str, Any]]:
    rows = session.execute(
        select(DutyCompletion, Dispute.reference)
        .join(Dispute, Dispute.id == DutyCompletion.dispute_id)
        .where(DutyCompletion.done_by_id == person.id)
        .order_by(DutyCompletion.id)
    )
    return [
        {"dispute": reference, "duty": row.duty_key, "side": row.side, "at": _when(row.done_at)}
        for row, reference in rows
    ]


def _learning_decided(session: Session, person: Person) -> list[dict[str, Any]]:
    """Their decisions in the practice committee's queue; the learning itself is case text."""
    return [
        {"dispute": item.dispute.reference, "decision": item.state, "at": _when(item.decided_at)}
        for item in session.scalars(
            select(LearningItem)
            .where(LearningItem.decided_by_id == person.id)
            .order_by(LearningItem.id)
        )
    ]


def _disputes(session: Session, person: Person) -> list[dict[str, Any]]:
    rows = session.execute(
        select(Dispute, DisputeMember)
        .join(DisputeMember, DisputeMember.dispute_id == Dispute.id)
        .where(DisputeMember.person_id == person.id)
        .order_by(Dispute.id)
    )
    found = []
    for dispute, member in rows:
        roles = [member.reason]
        if dispute.raiser_id == person.id and "raised the dispute" not in roles:
            roles.insert(0, "raised the dispute")
        found.append(
            {
                "reference": dispute.reference,
                "roles": roles,
                "part_of_it_since": _when(member.added_at),
                "protocol": dispute.protocol_key,
                "category": dispute.category,
                "status": dispute.status,
                "opened_at": _when(dispute.opened_at),
                "closed_at": _when(dispute.closed_at),
            }
        )
    return found


def _audit_events(
    session: Session, person: Person, references: dict[int, str]
) -> list[dict[str, Any]]:
    """Events they did, and events that notified them (named in the event's detail)."""
    events = []
    for event in session.scalars(select(AuditEvent).order_by(AuditEvent.id)):
        notified = person.id in ((event.detail or {}).get("notified") or [])
        if event.actor_id != person.id and not notified:
            continue
        reference = references.get(event.dispute_id) if event.dispute_id else None
        if reference is None and event.dispute_id is not None:
            reference = session.scalar(
                select(Dispute.reference).where(Dispute.id == event.dispute_id)
            )
        events.append(
            {
                "at": _when(event.created_at),
                "dispute": reference,
                "event": event.kind,
                "you": "acted" if event.actor_id == person.id else "were notified",
            }
        )
    return events
