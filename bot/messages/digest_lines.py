"""One line of a digest per dispute: its reference, the agencies it sits between, and a note.

The digest service decides which disputes belong in which list; these say how each reads.
"""

from __future__ import annotations

from datetime import datetime, timedelta

from bot.messages.digests import Line, plural
from bot.messages.disputes import category_label, stage_label
from bot.working_days import WorkingCalendar
from models.dispute import Dispute, Outcome, Resolution, StageTransition, Trigger


def overdue_by(deadline: datetime, now: datetime, calendar: WorkingCalendar) -> str:
    """'overdue by 5 hours' within a day or over a weekend, else counted in working days."""
    elapsed = now - deadline
    hours = int(elapsed.total_seconds() // 3600)
    if hours < 1:
        return "overdue by under an hour"
    day, today = calendar.local(deadline).date(), calendar.local(now).date()
    working = 0
    while day < today:
        day += timedelta(days=1)
        working += calendar.is_working_day(day)
    if elapsed < timedelta(days=1) or working == 0:
        return f"overdue by {plural(hours, 'hour')}"
    return f"overdue by {plural(working, 'working day')}"


def agencies(dispute: Dispute) -> tuple[str, ...]:
    """The agencies a dispute sits between; one name when it is within a single agency."""
    raiser, counterpart = dispute.raiser_agency.name, dispute.counterpart_agency.name
    return (raiser,) if raiser == counterpart else (raiser, counterpart)


def new_line(dispute: Dispute) -> Line:
    protocol = dispute.protocol_snapshot
    note = category_label(dispute, protocol)
    urgency = protocol.urgency(dispute.urgency)
    if urgency is not None and urgency.key != "standard":
        note += f" · {urgency.label}"
    return Line(dispute.reference, agencies(dispute), note)


def escalated_line(move: StageTransition, count: int) -> Line:
    dispute = move.dispute
    how = "timescale lapsed" if move.trigger == Trigger.LAPSED else "escalated by hand"
    times = f", {count} escalations" if count > 1 else ""
    note = (
        f"reached {stage_label(dispute, dispute.protocol_snapshot, move.to_stage)} ({how}{times})"
    )
    return Line(dispute.reference, agencies(dispute), note)


def awaiting_line(
    dispute: Dispute, waiting: list[str], stage: StageTransition, calendar: WorkingCalendar
) -> Line:
    """A stage notice some agencies had not acknowledged at the cut-off, since `stage` began."""
    since = calendar.describe(stage.created_at)
    note = (
        f"{stage_label(dispute, dispute.protocol_snapshot, stage.to_stage)} · awaiting "
        f"{', '.join(waiting)} since {since}"
    )
    return Line(dispute.reference, agencies(dispute), note)


def overdue_line(
    dispute: Dispute, deadline: datetime, stage: int, cutoff: datetime, calendar: WorkingCalendar
) -> Line:
    """A dispute past its deadline at the cut-off, at the stage it was then at."""
    protocol = dispute.protocol_snapshot
    note = f"{stage_label(dispute, protocol, stage)} · {overdue_by(deadline, cutoff, calendar)}"
    unmoved = dispute.is_open and stage == dispute.stage_index
    awaiting_referral = unmoved and dispute.deadline_at is None
    if awaiting_referral and stage < protocol.final_index:
        note += f", awaiting referral to {protocol.stage(stage + 1).title}"
    return Line(dispute.reference, agencies(dispute), note)


def resolved_line(resolution: Resolution) -> Line:
    dispute = resolution.dispute
    stage = stage_label(dispute, dispute.protocol_snapshot, resolution.stage_index)
    note = f"{Outcome(resolution.outcome).label} at {stage}"
    return Line(dispute.reference, agencies(dispute), note)
