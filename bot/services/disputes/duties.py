"""Ticking a duty done, or unticking one ticked by mistake; each change is audited.

Ticks are not final: a box ticked in error must be correctable by the side it belongs to. The
tick is then removed from the record, and the audit trail keeps both the tick and the untick.
Setting a box to the state it already has changes nothing, so a double click or a retried
request is never audited twice.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import select
from sqlalchemy.orm import Session

from bot.services.disputes.access import AccessService
from bot.services.duty_list import BoundDuty, current_duties, side_label, side_of, ticks
from bot.services.errors import DomainError
from models.directory import Person
from models.dispute import Dispute
from models.duties import DutyCompletion


@dataclass(frozen=True)
class DutyTick:
    """A duty as it stands after a tick or untick, and the side the person acted for."""

    item: BoundDuty
    side: str
    changed: bool


class DutyService(AccessService):
    """Records who did which of the current stage's duties, and when."""

    def _bound_duty(self, dispute: Dispute, key: str) -> BoundDuty:
        for item in current_duties(dispute, self.calendar):
            if item.key == key:
                return item
        raise DomainError(
            f"That duty is not part of the current stage of {dispute.reference} any more, so it "
            "cannot be ticked now. `/dispute status` lists this stage's duties."
        )

    def set_duty_done(
        self, *, session: Session, dispute: Dispute, actor: Person, key: str, done: bool
    ) -> DutyTick:
        """Ticks (or unticks) `key` for the side `actor` acts for; others are refused."""
        self.require_acting(session, dispute, actor, "tick duties on")
        item = self._bound_duty(dispute, key)
        side = side_of(dispute, actor)
        if side is None or side not in item.sides:
            bound = " and ".join(side_label(dispute, s) for s in item.sides)
            raise DomainError(
                f"Only people acting for {bound} at this stage can tick that duty, so nothing "
                "was changed."
            )
        row = session.scalar(
            select(DutyCompletion).where(
                DutyCompletion.dispute_id == dispute.id,
                DutyCompletion.duty_key == key,
                DutyCompletion.side == side,
            )
        )
        if (row is not None) == done:
            return DutyTick(item, side, changed=False)
        kind = "duty_done" if done else "duty_undone"
        with self.changing(session, kind, dispute=dispute, actor=actor) as change:
            if done:
                session.add(
                    DutyCompletion(
                        dispute_id=dispute.id,
                        transition_id=dispute.current_transition.id,
                        duty_key=key,
                        side=side,
                        done_by=actor,
                        done_at=change.at,
                    )
                )
            else:
                session.delete(row)
            session.flush()
            change.note(duty=key, side=side, text=item.duty.text)
            self._replan(session, dispute, item, change.at)
        return DutyTick(item, side, changed=True)

    def _replan(self, session: Session, dispute: Dispute, item: BoundDuty, now: datetime) -> None:
        """Reminders stop once every side bound has ticked; an untick brings them back."""
        self.planner.cancel_duty(session, dispute, item.key)
        done = ticks(session, dispute)
        if any((item.key, side) not in done for side in item.sides):
            protocol = dispute.protocol_snapshot
            self.planner.plan_duty(session, protocol, dispute.current_transition, item, now)
