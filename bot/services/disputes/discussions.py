"""Discussions: logged by one side as the protocol asks, approved or corrected by the other."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy.orm import Session

from bot.parsing import WhenError, parse_when
from bot.services.disputes.access import AccessService
from bot.services.disputes.base import required
from bot.services.duty_list import record_side, side_label
from bot.services.errors import DomainError
from models.directory import Person
from models.dispute import DiscussionCorrection, DiscussionEntry, Dispute


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
        """The other side confirms the latest version is accurate; it becomes the agreed one."""
        entry = self.awaiting_record(session, dispute, entry_id, actor, "approve")
        with self.changing(
            session,
            "discussion_approved",
            dispute=dispute,
            actor=actor,
            entry=entry.id,
            version=len(entry.versions),
        ) as change:
            entry.approved_by = actor
            entry.approved_at = change.at
        return entry

    def correct_discussion(
        self,
        *,
        session: Session,
        dispute: Dispute,
        entry_id: int,
        actor: Person,
        participants: str,
        discussion: str,
        agreed: str | None = None,
    ) -> DiscussionCorrection:
        """The other side proposes its own wording. Both versions are kept; the correction
        goes back to the first side to approve or correct in turn."""
        entry = self.awaiting_record(session, dispute, entry_id, actor, "correct")
        for name, where, typed in (
            ("participants", "who took part", participants),
            ("discussion", "what was said", discussion),
            ("agreed", "what was agreed", agreed),
        ):
            self.child_refs.refuse(typed, field=name, where=where, known=dispute.child_ref)
        wording = (
            required(participants, "who took part", "participants", 1000),
            required(discussion, "what was said", "discussion"),
            (agreed or "").strip() or None,
        )
        current = entry.current
        if wording == (current.participants, current.discussion, current.agreed):
            raise DomainError(
                "Your correction is the same as the record as it stands. Change the wording "
                "that is wrong, or close this form and approve the record instead.",
                field="discussion",
            )
        with self.changing(
            session, "discussion_corrected", dispute=dispute, actor=actor, entry=entry.id
        ) as change:
            correction = DiscussionCorrection(
                entry=entry,
                proposed_by=actor,
                proposed_at=change.at,
                participants=wording[0],
                discussion=wording[1],
                agreed=wording[2],
            )
            session.add(correction)
            session.flush()
            change.note(version=len(entry.versions))
        return correction

    def awaiting_record(
        self, session: Session, dispute: Dispute, entry_id: int, actor: Person, doing: str
    ) -> DiscussionEntry:
        """The record, if it still awaits the actor's side: only the side that did not
        propose the latest version may approve or correct it."""
        self._require_member(session, dispute, actor)
        entry = session.get(DiscussionEntry, entry_id)
        if entry is None or entry.dispute_id != dispute.id:
            raise DomainError(f"{dispute.reference} has no discussion record {entry_id}.")
        if entry.approved_at is not None:
            approver = entry.approved_by.name if entry.approved_by else "someone"
            raise DomainError(
                f"This record was already approved by {approver} on "
                f"{self.calendar.describe(entry.approved_at)}, so it cannot be changed now. "
                "Nothing has changed."
            )
        proposer = entry.current.proposed_by
        if proposer.id == actor.id:
            raise DomainError(
                f"You proposed this version, so the other side must {doing} it. Nothing has "
                "changed; they have been asked."
            )
        mine, theirs = record_side(dispute, actor), record_side(dispute, proposer)
        if mine is None or mine == theirs:
            other = f" of {side_label(dispute, theirs)}" if theirs else ""
            raise DomainError(
                f"{proposer.name}{other} wrote this version of the record on "
                f"{dispute.reference}, so only the other side can {doing} it. Nothing has "
                "changed."
            )
        return entry
