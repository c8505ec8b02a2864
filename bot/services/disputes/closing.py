"""Closing a dispute: its outcome, the actions agreed with owners and dates, the learning, and
the record fields the protocol asks for at that moment."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date

from sqlalchemy import delete
from sqlalchemy.orm import Session

from bot.services.disputes.access import AccessService
from bot.services.disputes.base import required
from bot.services.disputes.learning import LearningService
from bot.services.disputes.stages import end_current_stages
from bot.services.errors import DomainError
from bot.services.reminders import cancel_pending
from bot.working_days import long_date
from models.directory import Person
from models.dispute import Dispute, DisputeStatus, Outcome, Resolution, ResolutionAction
from models.procedures import RecordAnswer

MAX_RECORD_ANSWER = 3000


@dataclass(frozen=True)
class ActionInput:
    """An action agreed at resolution."""

    description: str
    owner: str
    due_on: date


class ClosingService(AccessService, LearningService):
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
        record_answers: Mapping[str, str | None] | None = None,
    ) -> Resolution:
        """Closes the dispute with its outcome, agreed actions and learning, and keeps the
        answers to the record fields asked for at resolution (each optional, by field key).
        Learning, or a referral to the partnership, goes to the practice committee's queue."""
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
        answers = self._record_answers(dispute, record_answers or {})
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
            end_current_stages(session, [dispute], change.at)
            cancel_pending(session, dispute)
            self._replace_record_answers(session, dispute)
            session.add_all(
                RecordAnswer(dispute=dispute, key=k, value=v) for k, v in answers.items()
            )
            queued = self.queue_learning(session, resolution)
            change.note(
                actions=len(resolution.actions),
                record_fields=list(answers),
                learning_queued=queued is not None,
            )
        return resolution

    @staticmethod
    def _replace_record_answers(session: Session, dispute: Dispute) -> None:
        """A dispute closed again after reopening answers the record fields afresh."""
        asked = [f.key for f in dispute.protocol_snapshot.asked_at_resolution]
        session.execute(
            delete(RecordAnswer).where(
                RecordAnswer.dispute_id == dispute.id, RecordAnswer.key.in_(asked)
            )
        )

    def _record_answers(self, dispute: Dispute, given: Mapping[str, str | None]) -> dict[str, str]:
        """The record fields answered, checked like any other free text; blank ones are left
        out, and the record shows them as not given."""
        answers: dict[str, str] = {}
        for record_field in dispute.protocol_snapshot.asked_at_resolution:
            text = (given.get(record_field.key) or "").strip()
            if not text:
                continue
            what = "the answer to '" + record_field.label + "'"
            if len(text) > MAX_RECORD_ANSWER:
                raise DomainError(
                    f"Keep {what} to {MAX_RECORD_ANSWER} characters or fewer.",
                    field=record_field.field,
                )
            self.child_refs.refuse(
                text, field=record_field.field, where=what, known=dispute.child_ref
            )
            answers[record_field.key] = text
        return answers

    @staticmethod
    def _checked_action(action: ActionInput, today: date) -> ResolutionAction:
        if action.due_on < today:
            raise DomainError(
                f"The action '{action.description}' is due on {long_date(action.due_on)}, "
                "which has passed; give a date from today on.",
                field="actions",
            )
        return ResolutionAction(
            description=required(action.description, "what the action is", "actions", 1000),
            owner=required(action.owner, "who owns the action", "actions", 200),
            due_on=action.due_on,
        )
