"""Retention: once a dispute has been closed for the partnership's retention period, its personal
data is erased; an anonymised statistical row and a tombstone in the audit trail remain."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime

from dateutil.relativedelta import relativedelta
from sqlalchemy import delete, select, update
from sqlalchemy.orm import Session

from bot.services import audit
from bot.working_days import WorkingCalendar
from models.audit import AuditEvent
from models.dispute import (
    DiscussionCorrection,
    DiscussionEntry,
    Dispute,
    DisputeMember,
    DisputeStatus,
    Resolution,
    ResolutionAction,
    StageNotice,
    StageTransition,
)
from models.duties import DutyCompletion
from models.learning import LearningItem
from models.outbox import OutboxMessage
from models.procedures import CategoryAnswer, RecordAnswer, ReflectiveRequest
from models.schedule import Reminder
from models.statistics import DisputeStatistic


@dataclass(frozen=True)
class RetentionReport:
    cutoff: datetime
    references: list[str]


def expired(session: Session, *, cutoff: datetime) -> list[Dispute]:
    """Disputes closed on or before `cutoff` and not yet erased, oldest first."""
    return list(
        session.scalars(
            select(Dispute)
            .where(
                Dispute.status == DisputeStatus.CLOSED,
                Dispute.closed_at <= cutoff,
                Dispute.erased_at.is_(None),
            )
            .order_by(Dispute.closed_at, Dispute.id)
        )
    )


def apply_retention(
    session: Session,
    *,
    now: datetime,
    period: relativedelta,
    period_text: str,
    calendar: WorkingCalendar,
    dry_run: bool = False,
) -> RetentionReport:
    """Erases every dispute past its retention period (or only lists them, on a dry run)."""
    cutoff = now - period
    disputes = expired(session, cutoff=cutoff)
    if not dry_run:
        for dispute in disputes:
            erase(session, dispute, now=now, period_text=period_text, calendar=calendar)
    return RetentionReport(cutoff, [d.reference for d in disputes])


def _month(calendar: WorkingCalendar, instant: datetime | None) -> date | None:
    return None if instant is None else calendar.local(instant).date().replace(day=1)


def statistic(dispute: Dispute, *, now: datetime, calendar: WorkingCalendar) -> DisputeStatistic:
    """What the partnership may keep: no reference, person, child or text; months, not days."""
    stages = dispute.protocol_snapshot.stages
    resolution = dispute.resolution
    opened = _month(calendar, dispute.opened_at)
    assert opened is not None
    return DisputeStatistic(
        protocol_key=dispute.protocol_key,
        category=dispute.category,
        urgency=dispute.urgency,
        raiser_agency=dispute.raiser_agency.key,
        counterpart_agency=dispute.counterpart_agency.key,
        stage_reached=stages[dispute.stage_index].key,
        escalations=max(len(dispute.transitions) - 1, 0),
        outcome=resolution.outcome if resolution else None,
        referred_to_partnership=bool(resolution and resolution.refer_to_partnership),
        opened_month=opened,
        closed_month=_month(calendar, dispute.closed_at),
        days_to_resolution=(dispute.closed_at - dispute.opened_at).days
        if dispute.closed_at
        else None,
        erased_at=now,
    )


def erase(
    session: Session,
    dispute: Dispute,
    *,
    now: datetime,
    period_text: str,
    calendar: WorkingCalendar,
) -> None:
    """Removes the dispute's child data, texts and links to people; keeps its reference, so the
    audit trail still says what happened to it, and its statistical row."""
    session.add(statistic(dispute, now=now, calendar=calendar))
    resolution_ids = select(Resolution.id).where(Resolution.dispute_id == dispute.id)
    transition_ids = select(StageTransition.id).where(StageTransition.dispute_id == dispute.id)
    entry_ids = select(DiscussionEntry.id).where(DiscussionEntry.dispute_id == dispute.id)
    session.flush()
    for statement in (
        delete(OutboxMessage).where(OutboxMessage.dispute_id == dispute.id),
        delete(Reminder).where(Reminder.dispute_id == dispute.id),
        delete(StageNotice).where(StageNotice.transition_id.in_(transition_ids)),
        delete(DutyCompletion).where(DutyCompletion.dispute_id == dispute.id),
        delete(LearningItem).where(LearningItem.dispute_id == dispute.id),
        delete(ResolutionAction).where(ResolutionAction.resolution_id.in_(resolution_ids)),
        delete(Resolution).where(Resolution.dispute_id == dispute.id),
        delete(DiscussionCorrection).where(DiscussionCorrection.entry_id.in_(entry_ids)),
        delete(DiscussionEntry).where(DiscussionEntry.dispute_id == dispute.id),
        delete(ReflectiveRequest).where(ReflectiveRequest.dispute_id == dispute.id),
        delete(CategoryAnswer).where(CategoryAnswer.dispute_id == dispute.id),
        delete(RecordAnswer).where(RecordAnswer.dispute_id == dispute.id),
        delete(StageTransition).where(StageTransition.dispute_id == dispute.id),
        delete(DisputeMember).where(DisputeMember.dispute_id == dispute.id),
        # The one change ever made to audit events: their details go, their digests stay, so
        # the chain still verifies.
        update(AuditEvent).where(AuditEvent.dispute_id == dispute.id).values(detail=None),
    ):
        session.execute(statement.execution_options(synchronize_session=False))
    session.expire(dispute)
    dispute.child_ref = ""
    dispute.summary = ""
    dispute.stated_timescale = None
    dispute.conversation_id = None
    dispute.erased_at = now
    audit.record(session, kind="erased", at=now, dispute=dispute, retention=period_text)
