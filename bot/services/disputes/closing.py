"""Closing a dispute: its outcome, the actions agreed with owners and dates, and the learning."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from sqlalchemy.orm import Session

from bot.services.disputes.access import AccessService
from bot.services.disputes.base import required
from bot.services.errors import DomainError
from bot.services.reminders import cancel_pending
from models.directory import Person
from models.dispute import Dispute, DisputeStatus, Outcome, Resolution, ResolutionAction


@dataclass(frozen=True)
class ActionInput:
    """An action agreed at resolution."""

    description: str
    owner: str
    due_on: date


class ClosingService(AccessService):
    """Resolution: the last change a dispute takes."""

    def resolve(
        self,
        *,
        session: Session,
        dispute: Dispute,
        actor: Person,
        outcome: str,
        summary: str,
        actions: list[ActionInput] | None = None,
        learning: str | None = None,
        refer_to_partnership: bool = False,
    ) -> Resolution:
        """Closes the dispute with its outcome, agreed actions and learning."""
        self.require_acting(session, dispute, actor, "resolve")
        try:
            chosen = Outcome(outcome)
        except ValueError:
            raise DomainError(
                "The outcome must be one of: " + ", ".join(o.value for o in Outcome) + ".",
                field="outcome",
            ) from None
        for name, where, typed in (
            ("summary", "the summary", summary),
            ("learning", "the learning", learning),
            *(("actions", "the actions", a.description) for a in actions or []),
        ):
            self.child_refs.refuse(typed, field=name, where=where, known=dispute.child_ref)
        with self.changing(
            session,
            "resolved",
            dispute=dispute,
            actor=actor,
            outcome=chosen.value,
            refer_to_partnership=refer_to_partnership,
        ) as change:
            today = self.calendar.local(change.at).date()
            checked = [self._checked_action(action, today) for action in actions or []]
            resolution = Resolution(
                dispute=dispute,
                outcome=chosen.value,
                stage_index=dispute.stage_index,
                summary=required(summary, "a summary of the outcome", "summary"),
                learning=(learning or "").strip() or None,
                refer_to_partnership=refer_to_partnership,
                resolved_by=actor,
                resolved_at=change.at,
                actions=checked,
            )
            session.add(resolution)
            dispute.status = DisputeStatus.CLOSED
            dispute.closed_at = change.at
            dispute.deadline_at = None
            cancel_pending(session, dispute)
            change.note(actions=len(resolution.actions))
        return resolution

    @staticmethod
    def _checked_action(action: ActionInput, today: date) -> ResolutionAction:
        if action.due_on < today:
            raise DomainError(
                f"The action '{action.description}' is due on {action.due_on:%d/%m/%Y}, "
                "which has passed; give a date from today on.",
                field="actions",
            )
        return ResolutionAction(
            description=required(action.description, "what the action is", "actions", 1000),
            owner=required(action.owner, "who owns the action", "actions", 200),
            due_on=action.due_on,
        )
