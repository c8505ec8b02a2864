"""Plans a stage's reminders when it begins, so the database holds everything that is due."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import update
from sqlalchemy.orm import Session

from bot.services import sweep_batch
from bot.services.duty_list import BoundDuty, current_duties, ticks
from bot.working_days import WorkingCalendar
from models.dispute import Dispute, StageTransition
from models.protocol import Protocol, ReminderPoint
from models.schedule import Reminder, ReminderKind, ReminderStatus
from models.timescale import Timescale

ONE_WORKING_DAY = Timescale.model_validate("1 working day")


def cancel_pending(session: Session, dispute: Dispute) -> None:
    """Reminders for a stage the dispute has left (or a closed dispute) make no sense now."""
    cancel_pending_of(session, [dispute.id])


def cancel_pending_of(session: Session, dispute_ids: list[int]) -> None:
    """`cancel_pending` for many disputes in one statement, as a sweep batch moves them all.

    No session synchronisation: callers never hold the reminders they cancel, and checking every
    object in a large sweep batch would cost more than the update.
    """
    if not dispute_ids:
        return
    session.execute(
        update(Reminder)
        .where(Reminder.dispute_id.in_(dispute_ids), Reminder.status == ReminderStatus.PENDING)
        .values(status=ReminderStatus.CANCELLED)
        .execution_options(synchronize_session=False)
    )


class ReminderPlanner:
    """Turns a protocol's reminder points into rows with exact due times."""

    def __init__(self, calendar: WorkingCalendar) -> None:
        self.calendar = calendar

    def in_hours(self, protocol: Protocol, dispute: Dispute, due: datetime) -> datetime:
        """Working hours only, unless the dispute's urgency says any hour."""
        urgency = protocol.urgency(dispute.urgency)
        if urgency is not None and urgency.any_hour:
            return due
        return self.calendar.next_working_moment(due)

    def _point(
        self, point: ReminderPoint, start: datetime, deadline: datetime, *, any_hour: bool
    ) -> datetime:
        """A share of the stage is a share of its working time, so "halfway" means half the
        hours people can act in; on a route that runs at any hour, every hour counts."""
        if point.fraction is not None:
            if any_hour:
                return start + (deadline - start) * point.fraction
            return self.calendar.working_share(start, deadline, point.fraction)
        assert point.before is not None
        return self.calendar.before(deadline, point.before)

    def add(
        self,
        session: Session,
        transition: StageTransition,
        kind: ReminderKind,
        due: datetime,
        label: str,
        sequence: int = 1,
    ) -> None:
        sweep_batch.add(
            session,
            Reminder,
            {
                "dispute_id": transition.dispute_id,
                "transition_id": transition.id,
                "kind": kind.value,
                "label": label,
                "sequence": sequence,
                "due_at": due,
            },
        )

    def plan_stage(
        self, session: Session, protocol: Protocol, transition: StageTransition, now: datetime
    ) -> None:
        cancel_pending(session, transition.dispute)
        self.plan_new_stage(session, protocol, transition, now)

    def plan_new_stage(
        self, session: Session, protocol: Protocol, transition: StageTransition, now: datetime
    ) -> None:
        """The stage's reminders, once the ones of the stage it left are cancelled."""
        dispute = transition.dispute
        stage = protocol.stage(transition.to_stage)
        deadline = transition.deadline_at
        urgency = protocol.urgency(dispute.urgency)
        any_hour = urgency is not None and urgency.any_hour
        if deadline is not None:
            for point in stage.reminders:
                at = self._point(point, now, deadline, any_hour=any_hour)
                due = self.in_hours(protocol, dispute, at)
                if now < due < deadline:
                    self.add(session, transition, ReminderKind.DEADLINE, due, point.text)
        if transition.acting_notices:
            due = self.in_hours(protocol, dispute, self.calendar.due(now, protocol.acknowledgement))
            self.add(session, transition, ReminderKind.ACKNOWLEDGE, due, "acknowledgement")
        if urgency is not None and urgency.check_in_every is not None:
            due = self.calendar.opening_after(now, urgency.check_in_every)
            self.add(
                session,
                transition,
                ReminderKind.CHECK_IN,
                due,
                f"check-in every {urgency.check_in_every}",
            )
        if transition.to_stage == protocol.final_index:
            due = self.calendar.due(now, protocol.final_review_every)
            self.add(session, transition, ReminderKind.FINAL_REVIEW, due, "final stage review")
        if transition.missing:
            due = self.calendar.due(now, ONE_WORKING_DAY)
            self.add(session, transition, ReminderKind.DIRECTORY, due, "directory gap")
        done = ticks(session, dispute)
        for item in current_duties(dispute, self.calendar):
            if any((item.key, side) not in done for side in item.sides):
                self.plan_duty(session, protocol, transition, item, now)

    def plan_duty(
        self,
        session: Session,
        protocol: Protocol,
        transition: StageTransition,
        item: BoundDuty,
        now: datetime,
    ) -> None:
        """A duty with its own timescale: a reminder a working day before it falls due (halfway
        through the working hours left when that is already past), then a report once it is
        overdue."""
        due = item.due_at
        if due is None or due <= now:
            return
        dispute = transition.dispute
        before = self.calendar.before(due, ONE_WORKING_DAY)
        if before <= now:
            before = self.calendar.working_share(now, due, 0.5)
        before = self.in_hours(protocol, dispute, before)
        if now < before < due:
            self.add(session, transition, ReminderKind.DUTY, before, item.key, 1)
        self.add(session, transition, ReminderKind.DUTY, due, item.key, 2)

    @staticmethod
    def cancel_duty(session: Session, dispute: Dispute, key: str) -> None:
        """A duty done by every side it binds needs no more reminding."""
        session.execute(
            update(Reminder)
            .where(
                Reminder.dispute_id == dispute.id,
                Reminder.kind == ReminderKind.DUTY.value,
                Reminder.label == key,
                Reminder.status == ReminderStatus.PENDING,
            )
            .values(status=ReminderStatus.CANCELLED)
            .execution_options(synchronize_session=False)
        )
