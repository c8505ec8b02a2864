"""A due reminder, by kind: who is told, and when the next one of its kind falls due."""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime

from sqlalchemy.orm import Session

from bot.flows.context import FlowContext
from bot.services.duty_list import current_duties
from bot.services.reminder_spacing import RemindLater
from bot.services.reminders import ONE_WORKING_DAY
from models.dispute import Dispute
from models.schedule import Reminder, ReminderKind

Send = Callable[[FlowContext, Session, Dispute, Reminder, datetime], bool]


def _deadline(
    ctx: FlowContext, session: Session, dispute: Dispute, reminder: Reminder, now: datetime
) -> bool:
    ctx.notifier.remind_deadline(session, dispute, reminder.label)
    return True


def _acknowledge(
    ctx: FlowContext, session: Session, dispute: Dispute, reminder: Reminder, now: datetime
) -> bool:
    """Nudges whoever has not acknowledged; past the protocol's limit, tells the leads instead."""
    transition = dispute.current_transition
    waiting = [n.person for n in transition.acting_notices if n.acknowledged_at is None]
    if not waiting:
        return False
    protocol = dispute.protocol_snapshot
    limit = protocol.acknowledgement_reminders
    if reminder.sequence > limit:
        ctx.notifier.not_acknowledged(session, dispute, waiting, limit)
        return True
    ctx.notifier.remind_acknowledge(session, dispute, waiting, reminder.sequence)
    ctx.service.repeat_reminder(
        session, dispute, reminder, now, protocol.acknowledgement, working_hours=True
    )
    return True


def _on_review_cadence(notify: Callable[[Session, Dispute], None]) -> Send:
    """A reminder repeated on the protocol's final-review beat until the dispute moves on."""

    def send(
        ctx: FlowContext, session: Session, dispute: Dispute, reminder: Reminder, now: datetime
    ) -> bool:
        notify(session, dispute)
        every = dispute.protocol_snapshot.final_review_every
        ctx.service.repeat_reminder(session, dispute, reminder, now, every)
        return True

    return send


def _check_in(
    ctx: FlowContext, session: Session, dispute: Dispute, reminder: Reminder, now: datetime
) -> bool:
    """Repeats on the urgency's beat while the dispute stays on the urgent route."""
    urgency = dispute.protocol_snapshot.urgency(dispute.urgency)
    if urgency is None or urgency.check_in_every is None:
        return False
    ctx.notifier.check_in(session, dispute, str(urgency.check_in_every))
    ctx.service.repeat_reminder(
        session, dispute, reminder, now, urgency.check_in_every, at_opening=True
    )
    return True


def _directory(
    ctx: FlowContext, session: Session, dispute: Dispute, reminder: Reminder, now: datetime
) -> bool:
    """Looks again for whoever the directory lacked; the admins hear daily until it is fixed."""
    added, missing = ctx.service.fill_directory_gaps(session=session, dispute=dispute)
    if added:
        ctx.notifier.joined_late(session, dispute, added)
    if not missing:
        return bool(added)
    ctx.notifier.directory_still_missing(session, dispute, missing)
    ctx.service.repeat_reminder(session, dispute, reminder, now, ONE_WORKING_DAY)
    return True


def _duty(
    ctx: FlowContext, session: Session, dispute: Dispute, reminder: Reminder, now: datetime
) -> bool:
    """A duty with its own timescale: due soon (1), then overdue (2), to the sides yet to tick."""
    item = next((i for i in current_duties(dispute, ctx.calendar) if i.key == reminder.label), None)
    if item is None:
        return False
    if reminder.sequence == 1:
        return ctx.notifier.remind_duty(session, dispute, item)
    return ctx.notifier.duty_overdue(session, dispute, item)


def _senders(ctx: FlowContext) -> dict[ReminderKind, Send]:
    return {
        ReminderKind.DEADLINE: _deadline,
        ReminderKind.ACKNOWLEDGE: _acknowledge,
        ReminderKind.FINAL_REVIEW: _on_review_cadence(ctx.notifier.final_review),
        ReminderKind.REFERRAL: _on_review_cadence(ctx.notifier.referral_due),
        ReminderKind.DIRECTORY: _directory,
        ReminderKind.CHECK_IN: _check_in,
        ReminderKind.DUTY: _duty,
    }


def send_reminder(
    ctx: FlowContext, session: Session, dispute: Dispute, reminder: Reminder, now: datetime
) -> bool | None:
    """Sends one reminder and plans the next of its kind; False if it no longer applies, None
    when it would reach someone a second time this half day: then nothing of it is written and
    it falls due again at the next half day, to be written afresh."""
    try:
        with session.begin_nested():
            return _senders(ctx)[ReminderKind(reminder.kind)](ctx, session, dispute, reminder, now)
    except RemindLater as later:
        reminder.due_at = later.until
        return None
