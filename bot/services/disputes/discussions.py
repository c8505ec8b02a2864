"""Discussions: logged by one party as the protocol asks, approved by another who took part."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy.orm import Session

from bot.parsing import WhenError, parse_when
from bot.services.disputes.access import AccessService
from bot.services.disputes.base import required
from bot.services.errors import DomainError
from models.directory import Person
from models.dispute import DiscussionEntry, Dispute


class DiscussionService(AccessService):
    """The discussion log of a dispute."""

    def _occurred(self, occurred: str | datetime, now: datetime) -> datetime:
        if isinstance(occurred, datetime):
            when = occurred
        else:
            try:
                when = parse_when(occurred, now=now, zone=self.calendar.zone, prefer="past")
            except WhenError as exc:
                raise DomainError(str(exc), field="occurred") from None
        if when > now:
            raise DomainError(
                "A discussion can only be logged once it has happened; that time is in the future.",
                field="occurred",
            )
        return when

    def log_discussion(
        self,
        *,
        session: Session,
        dispute: Dispute,
        actor: Person,
        occurred: str | datetime,
        participants: str,
        discussion: str,
        agreed: str | None = None,
    ) -> DiscussionEntry:
        """Records a discussion as the protocol asks: when, who, what was said and agreed."""
        self.require_acting(session, dispute, actor, "log a discussion on")
        for name, where, typed in (
            ("participants", "who took part", participants),
            ("discussion", "what was said", discussion),
            ("agreed", "what was agreed", agreed),
        ):
            self.child_refs.refuse(typed, field=name, where=where, known=dispute.child_ref)
        with self.changing(session, "discussion_logged", dispute=dispute, actor=actor) as change:
            entry = DiscussionEntry(
                dispute=dispute,
                stage_index=dispute.stage_index,
                occurred_at=self._occurred(occurred, change.at),
                logged_at=change.at,
                logged_by=actor,
                participants=required(participants, "who took part", "participants", 1000),
                discussion=required(discussion, "what was said", "discussion"),
                agreed=(agreed or "").strip() or None,
            )
            session.add(entry)
            session.flush()
            change.note(entry=entry.id)
        return entry

    def approve_discussion(
        self, *, session: Session, dispute: Dispute, entry_id: int, actor: Person
    ) -> DiscussionEntry:
        """The other party confirms the record is accurate."""
        self._require_member(session, dispute, actor)
        entry = session.get(DiscussionEntry, entry_id)
        if entry is None or entry.dispute_id != dispute.id:
            raise DomainError(f"{dispute.reference} has no discussion record {entry_id}.")
        if entry.logged_by_id == actor.id:
            raise DomainError("Someone else who took part must approve your record.")
        if entry.approved_at is not None:
            approver = entry.approved_by.name if entry.approved_by else "someone"
            raise DomainError(
                f"This record was already approved by {approver} on "
                f"{self.calendar.describe(entry.approved_at)}."
            )
        with self.changing(
            session, "discussion_approved", dispute=dispute, actor=actor, entry=entry.id
        ) as change:
            entry.approved_by = actor
            entry.approved_at = change.at
        return entry
