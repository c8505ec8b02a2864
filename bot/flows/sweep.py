"""The deadline sweep: escalates lapsed stages and sends due reminders, each exactly once.

Due rows are claimed with FOR UPDATE SKIP LOCKED on PostgreSQL (SQLite serialises writers), and
a claimed row stops being due in the same transaction, so replicas and restarts never repeat one.
Both queries use indexes on the due time: the cost follows what is due, not what is stored.
Lapsed stages are escalated a batch at a time: the batch's disputes, their history and the
directory are read once, the rows they gain written together, and each batch commits on its
own, so SQLite's write lock is never held for long. The sealed texts (child reference, summary,
stage reasons) are left unread: a lapse needs none of them, and opening each costs more than
reading the rest of its row.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import select
from sqlalchemy.orm import Session, defer, selectinload, sessionmaker

from bot.clock import Clock
from bot.collection_pause import collection_paused
from bot.database import transaction
from bot.flows.context import FlowContext
from bot.flows.disputes import lapse_many
from bot.flows.reminders import send_reminder
from bot.services import audit
from bot.services.disputes import DisputeService
from bot.services.notifications import Notifier
from bot.services.sweep_batch import preload, write
from models.dispute import Dispute, DisputeStatus, StageTransition
from models.schedule import Reminder, ReminderStatus

# What escalating a lapse reads of a dispute: its row without the sealed texts, and its stages.
_LAPSE_READS = (
    defer(Dispute.child_ref),
    defer(Dispute.summary),
    selectinload(Dispute.transitions).defer(StageTransition.reason),
)


@dataclass
class SweepReport:
    escalated: int = 0
    awaiting_referral: int = 0
    reminders_sent: int = 0
    reminders_dropped: int = 0
    deferred: int = 0


class Sweeper:
    def __init__(
        self,
        *,
        factory: sessionmaker[Session],
        service: DisputeService,
        notifier: Notifier,
        clock: Clock,
        batch: int = 200,
    ) -> None:
        self.factory = factory
        self.ctx = FlowContext(service=service, notifier=notifier)
        self.clock = clock
        self.batch = batch

    def run_once(self) -> SweepReport:
        """Everything due now: lapsed stages first (they cancel stale reminders), then reminders."""
        report = SweepReport()
        now = self.clock.now()
        while self._escalate_batch(now, report):
            pass
        while self._remind_batch(now, report):
            pass
        return report

    def _escalate_batch(self, now: datetime, report: SweepReport) -> bool:
        # The batch's objects are all let go of before the collector resumes: resumed while
        # they were still referenced here, it kept every one of them for a costlier collection
        # of older objects to find and free later.
        with collection_paused():
            return self._escalate(now, report)

    def _escalate(self, now: datetime, report: SweepReport) -> bool:
        with transaction(self.factory) as session:
            due = session.scalars(
                select(Dispute)
                .where(Dispute.status == DisputeStatus.OPEN, Dispute.deadline_at <= now)
                .options(*_LAPSE_READS)
                .order_by(Dispute.deadline_at, Dispute.id)
                .limit(self.batch)
                .with_for_update(skip_locked=True, of=Dispute)
            ).all()
            if not due:
                return False
            preload(session, due)
            audit.hold_chains(session, [d.id for d in due])
            entries = lapse_many(self.ctx, session, disputes=due)
            write(session)
            escalated = sum(entry is not None for entry in entries)
            report.escalated += escalated
            report.awaiting_referral += len(due) - escalated
            return len(due) == self.batch

    def _remind_batch(self, now: datetime, report: SweepReport) -> bool:
        with transaction(self.factory) as session:
            # The reminder's dispute is locked with it: a dispute another replica is escalating
            # is skipped, rather than waited on while that replica waits on its reminders.
            due = session.scalars(
                select(Reminder)
                .join(Dispute, Dispute.id == Reminder.dispute_id)
                .where(Reminder.status == ReminderStatus.PENDING, Reminder.due_at <= now)
                .order_by(Reminder.due_at, Reminder.id)
                .limit(self.batch)
                .with_for_update(skip_locked=True, of=[Reminder, Dispute])
            ).all()
            for reminder in due:
                self._handle(session, reminder, now, report)
            return len(due) == self.batch

    def _handle(
        self, session: Session, reminder: Reminder, now: datetime, report: SweepReport
    ) -> None:
        dispute = session.get(Dispute, reminder.dispute_id)
        assert dispute is not None
        if not dispute.is_open or dispute.current_transition.id != reminder.transition_id:
            reminder.status = ReminderStatus.CANCELLED
            report.reminders_dropped += 1
            return
        in_hours = self.ctx.service.in_hours(dispute, now)
        if in_hours > now:
            reminder.due_at = in_hours  # fell due out of hours while the bot was down
            report.deferred += 1
            return
        sent = send_reminder(self.ctx, session, dispute, reminder, now)
        if sent is None:  # would remind someone twice in a half day: due again at the next
            report.deferred += 1
            return
        reminder.status = ReminderStatus.SENT if sent else ReminderStatus.CANCELLED
        reminder.sent_at = now if sent else None
        if sent:
            report.reminders_sent += 1
        else:
            report.reminders_dropped += 1
