"""Reminders as the sweep meets them: kept to working hours, and repeated on the protocol's beat."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy.orm import Session

from bot.services.disputes.access import AccessService
from models.dispute import Dispute
from models.schedule import Reminder, ReminderKind
from models.timescale import Timescale


class ReminderSteps(AccessService):
    """The reminder rows of the current stage, after the one that is due has been handled."""

    def in_hours(self, dispute: Dispute, due: datetime) -> datetime:
        """`due`, or the next working moment when the dispute's urgency keeps to working hours."""
        return self.planner.in_hours(dispute.protocol_snapshot, dispute, due)

    def repeat_reminder(
        self,
        session: Session,
        dispute: Dispute,
        reminder: Reminder,
        now: datetime,
        every: Timescale,
        *,
        working_hours: bool = False,
        at_opening: bool = False,
    ) -> None:
        """Plans the next reminder of the same kind, `every` after `now`; `at_opening` puts it
        at the start of that working day rather than at its close."""
        due = (
            self.calendar.opening_after(now, every) if at_opening else self.calendar.due(now, every)
        )
        if working_hours:
            due = self.in_hours(dispute, due)
        self.planner.add(
            session,
            dispute.current_transition,
            ReminderKind(reminder.kind),
            due,
            reminder.label,
            reminder.sequence + 1,
        )
