"""At most one reminder a person a half day, so a busy professional is not nagged in bursts.

What a paging tool such as PagerDuty does, and what this does instead: PagerDuty groups an alert
that arrives while its incident is open into that incident instead of paging again, and holds
low-urgency notifications for support hours while high-urgency ones page at once. A reminder here
carries its own deadline and buttons, so folding it into an earlier message would hide them;
instead it is deferred whole, like a held low-urgency notification, to the person's next half
day, and written afresh then, so it says what is true when it arrives (and is not sent at all
if the dispute has moved on). Reminders on an urgent route (one that runs at any hour) are the
high-urgency case: sent at once, never held.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import select
from sqlalchemy.orm import Session

from bot.working_days import WorkingCalendar
from models.directory import Person
from models.outbox import OutboxKind, OutboxMessage, OutboxStatus


class RemindLater(Exception):
    """A reminder would reach someone a second time this half day: send none of it until
    `until`, the start of the next half day."""

    def __init__(self, until: datetime) -> None:
        super().__init__(f"reminder held until {until.isoformat()}")
        self.until = until


def one_a_half_day(
    session: Session, calendar: WorkingCalendar, person: Person, now: datetime
) -> None:
    """Raises RemindLater when `person` has had, or is about to get, a reminder in the half
    working day `now` falls in (morning: opening to midway; afternoon: midway to close)."""
    start, end = calendar.half_day(now)
    taken = session.scalar(
        select(OutboxMessage.id)
        .where(
            OutboxMessage.status.in_((OutboxStatus.PENDING, OutboxStatus.SENT)),
            OutboxMessage.not_before >= start,
            OutboxMessage.not_before < end,
            OutboxMessage.kind == OutboxKind.REMINDER,
            OutboxMessage.person_id == person.id,
        )
        .limit(1)
    )
    if taken is not None:
        raise RemindLater(end)
