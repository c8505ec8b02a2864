"""Who may see a dispute and what they may do to it: members only, open disputes only."""

from __future__ import annotations

import re

from sqlalchemy import select
from sqlalchemy.orm import Session

from bot.services.counterparts import Party
from bot.services.disputes.base import ServiceBase
from bot.services.errors import DomainError, NotFound
from models.audit import AuditEvent
from models.directory import Person
from models.dispute import Dispute, DisputeMember, NoticeKind, StageNotice
from models.protocol import Protocol

REFERENCE = re.compile(r"^RPD-\d{4}-\d{4,}$")


class AccessService(ServiceBase):
    """Visibility: a dispute a person is not part of answers exactly as a missing one does."""

    @staticmethod
    def protocol_of(dispute: Dispute) -> Protocol:
        """The protocol as it was when the dispute opened, whatever the file says now."""
        return dispute.protocol_snapshot

    @staticmethod
    def is_member(session: Session, dispute: Dispute, person: Person) -> bool:
        found = session.scalar(
            select(DisputeMember.id).where(
                DisputeMember.dispute_id == dispute.id, DisputeMember.person_id == person.id
            )
        )
        return found is not None

    def get_visible(self, session: Session, *, reference: str, viewer: Person) -> Dispute:
        """The dispute if `viewer` is part of it; otherwise the same answer as for no dispute."""
        cleaned = (reference or "").strip().upper()
        if not REFERENCE.match(cleaned):
            raise DomainError(
                f"'{reference}' is not a dispute reference. They look like RPD-2026-0042."
            )
        dispute = session.scalar(select(Dispute).where(Dispute.reference == cleaned))
        if dispute is None or not self.is_member(session, dispute, viewer):
            raise NotFound(f"There is no dispute {cleaned} that you are part of.")
        return dispute

    @staticmethod
    def history(session: Session, *, dispute: Dispute) -> list[AuditEvent]:
        return list(
            session.scalars(
                select(AuditEvent)
                .where(AuditEvent.dispute_id == dispute.id)
                .order_by(AuditEvent.id)
            )
        )

    @staticmethod
    def parties(dispute: Dispute) -> list[Party]:
        return [
            Party("raiser", dispute.raiser, dispute.raiser_agency),
            Party("counterpart", dispute.counterpart, dispute.counterpart_agency),
        ]

    def require_open(self, dispute: Dispute, doing: str) -> None:
        if not dispute.is_open:
            raise DomainError(f"{dispute.reference} is closed, so you cannot {doing} it.")

    def _require_member(self, session: Session, dispute: Dispute, person: Person) -> None:
        if not self.is_member(session, dispute, person):
            raise NotFound(f"There is no dispute {dispute.reference} that you are part of.")

    def require_acting(
        self, session: Session, dispute: Dispute, person: Person, doing: str
    ) -> None:
        """A member who acts, on an open dispute: the check before every everyday step.
        Oversight bodies that are only informed may read the dispute but not change it."""
        self._require_member(session, dispute, person)
        self.require_open(dispute, doing)
        if self._only_informed(session, dispute, person):
            ref = dispute.reference
            raise DomainError(
                f"You are kept informed of {ref} but do not act on it, so you cannot {doing} it. "
                f"Nothing has changed. Read it any time with `/dispute status {ref}` or "
                f"`/dispute record {ref}`."
            )

    @staticmethod
    def _only_informed(session: Session, dispute: Dispute, person: Person) -> bool:
        if person.id in (dispute.raiser_id, dispute.counterpart_id):
            return False
        kinds = set(
            session.scalars(
                select(StageNotice.kind).where(
                    StageNotice.dispute_id == dispute.id, StageNotice.person_id == person.id
                )
            )
        )
        return kinds == {NoticeKind.INFORMED.value}
