"""Reopening: a party may bring a closed dispute back within a set period after it closed,
for a stated reason, to the stage it closed at."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy.orm import Session

from bot.services.disputes.base import required
from bot.services.disputes.stages import StageEntry, StageService
from bot.services.errors import DomainError
from models.directory import Person
from models.dispute import Dispute, DisputeStatus, Resolution, Trigger


class ReopeningService(StageService):
    """The one way back from a closure; the earlier closure stays on the record."""

    def reopen_until(self, resolution: Resolution) -> datetime:
        """The last moment a party may reopen: the configured period after the closure."""
        return self.calendar.due(resolution.resolved_at, self.reopen_within)

    @staticmethod
    def took_part(dispute: Dispute, person: Person) -> bool:
        """The raiser, the counterpart, and anyone who was asked to act, moved it or closed it."""
        if person.id in (dispute.raiser_id, dispute.counterpart_id):
            return True
        for transition in dispute.transitions:
            if transition.actor_id == person.id:
                return True
            if any(n.person_id == person.id for n in transition.acting_notices):
                return True
        return any(r.resolved_by_id == person.id for r in dispute.resolutions)

    def reopen(
        self, *, session: Session, dispute: Dispute, actor: Person, reason: str
    ) -> StageEntry:
        """Back to the stage it closed at with a fresh deadline; the reason is sealed and
        audited, and the closure is kept, marked reopened."""
        self._require_member(session, dispute, actor)
        resolution = dispute.resolution
        if dispute.is_open or resolution is None:
            raise DomainError(
                f"{dispute.reference} is still open, so there is nothing to reopen. "
                f"See where it stands with `/dispute status {dispute.reference}`."
            )
        if not self.took_part(dispute, actor):
            raise DomainError(
                f"Only the people who took part in {dispute.reference} can reopen it. Nothing "
                "has changed. If you have a concern about it, speak to one of them."
            )
        until = self.reopen_until(resolution)
        if self.clock.now() > until:
            raise DomainError(
                f"{dispute.reference} closed on {self.calendar.describe(resolution.resolved_at)} "
                f"and could be reopened until {self.calendar.describe(until)}. That time has "
                "passed, so nothing has changed. If the disagreement continues, open a new "
                f"dispute with `/dispute open` and mention {dispute.reference} in its summary."
            )
        why = required(reason, "why you are reopening it", "reason")
        self.child_refs.refuse(why, field="reason", where="the reason", known=dispute.child_ref)
        with self.changing(
            session,
            "reopened",
            dispute=dispute,
            actor=actor,
            closed_at=resolution.resolved_at.isoformat(),
        ) as change:
            resolution.reopened_at = change.at
            dispute.status = DisputeStatus.OPEN
            dispute.closed_at = None
        protocol = dispute.protocol_snapshot
        return self._enter_stage(
            session,
            dispute,
            protocol,
            resolution.stage_index,
            Trigger.REOPENED,
            actor,
            why,
            None,
        )
