"""Disputes and their history: members, stage transitions, notices, discussions, resolution."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime
from enum import StrEnum

from sqlalchemy import (
    Boolean,
    Date,
    ForeignKey,
    Index,
    Integer,
    String,
    Text,
    UniqueConstraint,
    false,
    text,
)
from sqlalchemy.orm import Mapped, mapped_column, object_session, relationship

from models.base import Base, JSONDocument, UTCDateTime
from models.directory import Agency, Person
from models.encrypted import EncryptedText
from models.protocol import Protocol
from models.snapshots import stored_snapshot


class DisputeStatus(StrEnum):
    OPEN = "open"
    CLOSED = "closed"


class Outcome(StrEnum):
    RESOLVED = "resolved"
    PARTIALLY_RESOLVED = "partially_resolved"
    NOT_RESOLVED = "not_resolved"

    @property
    def label(self) -> str:
        return self.value.replace("_", " ").capitalize()


class Trigger(StrEnum):
    """Why a dispute entered a stage."""

    OPENED = "opened"
    MANUAL = "manual"
    LAPSED = "timescale lapsed"
    REOPENED = "reopened"


class ReferenceCounter(Base):
    """The last reference number issued in a year; bumped atomically."""

    __tablename__ = "reference_counters"

    year: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=False)
    last: Mapped[int] = mapped_column(Integer)


class Dispute(Base):
    __tablename__ = "disputes"
    # The sweep asks for open disputes due by now: equality then range, so its cost follows what
    # is due, not how many disputes are stored. The digests and the partnership report read the
    # disputes opened or open in a period from ix_disputes_opened alone, a fifth of the rows'
    # size: they never need the encrypted child reference and summary that fill most of a row.
    # The Home tab and `/dispute list` rank one person's open disputes (status, then their ids)
    # by deadline and party from the listing index alone.
    __table_args__ = (
        Index("ix_disputes_due", "status", "deadline_at"),
        Index("ix_disputes_listed", "status", "id", "deadline_at", "raiser_id", "counterpart_id"),
        Index(
            "ix_disputes_opened",
            "opened_at",
            "protocol_key",
            "category",
            "raiser_agency_id",
            "counterpart_agency_id",
            "closed_at",
            "stage_index",
            "urgency",
            "reference",
        ),
        # The report's stage reached and escalations, as at a period's end, for each dispute.
        Index(
            "ix_disputes_reached",
            "opened_at",
            "protocol_key",
            "category",
            "stage_started_at",
            "stage_reached",
            "lapsed_escalations",
            "manual_escalations",
            "id",  # for PostgreSQL to join each resolution from the index alone
        ),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    reference: Mapped[str] = mapped_column(String(20), unique=True)
    protocol_key: Mapped[str] = mapped_column(String(64))
    # The protocol as it was when the dispute opened, stored once in protocol_snapshots for every
    # dispute that shares it: the row holds only its hash, so it stays narrow.
    protocol_hash: Mapped[str] = mapped_column(ForeignKey("protocol_snapshots.hash"))
    category: Mapped[str] = mapped_column(String(64))
    urgency: Mapped[str] = mapped_column(String(64))
    raiser_id: Mapped[int] = mapped_column(ForeignKey("people.id"))
    counterpart_id: Mapped[int] = mapped_column(ForeignKey("people.id"))
    raiser_agency_id: Mapped[int] = mapped_column(ForeignKey("agencies.id"))
    counterpart_agency_id: Mapped[int] = mapped_column(ForeignKey("agencies.id"))
    child_ref: Mapped[str] = mapped_column(EncryptedText)
    summary: Mapped[str] = mapped_column(EncryptedText)
    stage_index: Mapped[int] = mapped_column(Integer)
    stage_started_at: Mapped[datetime] = mapped_column(UTCDateTime)
    # The furthest stage reached and the escalations so far, kept as each transition is added,
    # so the partnership report reads them from the row for every dispute that has not moved
    # since the period it covers, instead of counting them again from the whole history.
    stage_reached: Mapped[int] = mapped_column(Integer, default=0, server_default="0")
    lapsed_escalations: Mapped[int] = mapped_column(Integer, default=0, server_default="0")
    manual_escalations: Mapped[int] = mapped_column(Integer, default=0, server_default="0")
    deadline_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    stated_timescale: Mapped[str | None] = mapped_column(String(100))
    status: Mapped[str] = mapped_column(String(16), default=DisputeStatus.OPEN)
    opened_at: Mapped[datetime] = mapped_column(UTCDateTime)
    closed_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    erased_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    conversation_id: Mapped[str | None] = mapped_column(String(32))

    raiser: Mapped[Person] = relationship(foreign_keys=[raiser_id])
    counterpart: Mapped[Person] = relationship(foreign_keys=[counterpart_id])
    raiser_agency: Mapped[Agency] = relationship(foreign_keys=[raiser_agency_id])
    counterpart_agency: Mapped[Agency] = relationship(foreign_keys=[counterpart_agency_id])
    members: Mapped[list[DisputeMember]] = relationship(
        back_populates="dispute", order_by="DisputeMember.id"
    )
    transitions: Mapped[list[StageTransition]] = relationship(
        back_populates="dispute", order_by="StageTransition.id"
    )
    discussions: Mapped[list[DiscussionEntry]] = relationship(
        back_populates="dispute", order_by="DiscussionEntry.id"
    )
    resolutions: Mapped[list[Resolution]] = relationship(
        back_populates="dispute", order_by="Resolution.id"
    )

    @property
    def resolution(self) -> Resolution | None:
        """How it ended, unless a party has since reopened it."""
        latest = self.resolutions[-1] if self.resolutions else None
        return latest if latest is not None and latest.reopened_at is None else None

    @property
    def reopened_closures(self) -> list[Resolution]:
        """Earlier closures a party reopened; kept so the record shows them."""
        return [r for r in self.resolutions if r.reopened_at is not None]

    @property
    def protocol_snapshot(self) -> Protocol:
        """The protocol as it was when the dispute opened, whatever the file says now.

        Parsed once per process by its hash: after the first time, reading it costs no query.
        """
        return stored_snapshot(object_session(self), self.protocol_hash)

    @property
    def is_open(self) -> bool:
        return self.status == DisputeStatus.OPEN

    @property
    def current_transition(self) -> StageTransition:
        return self.transitions[-1]


class DisputeMember(Base):
    """Someone entitled to see the dispute: the parties and everyone it has been escalated to."""

    __tablename__ = "dispute_members"
    __table_args__ = (
        UniqueConstraint("dispute_id", "person_id"),
        # A person's lists start here: the dispute ids are read from the index alone.
        Index("ix_dispute_members_person_dispute", "person_id", "dispute_id"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    dispute_id: Mapped[int] = mapped_column(ForeignKey("disputes.id"), index=True)
    person_id: Mapped[int] = mapped_column(ForeignKey("people.id"))
    reason: Mapped[str] = mapped_column(String(120))
    added_at: Mapped[datetime] = mapped_column(UTCDateTime)

    dispute: Mapped[Dispute] = relationship(back_populates="members")
    person: Mapped[Person] = relationship()


class StageTransition(Base):
    """The dispute entering a stage: when, why, by whom, and the deadline it was given."""

    __tablename__ = "stage_transitions"
    # A dispute's stage, deadline and moves as at any instant, newest first, and how long each
    # stage took (the report), from the history index alone; the moves in a period (digests)
    # from the moves index alone.
    __table_args__ = (
        Index(
            "ix_stage_transitions_history",
            "dispute_id",
            "id",
            "created_at",
            "to_stage",
            "deadline_at",
            "trigger",
            "ended_at",
        ),
        Index("ix_stage_transitions_moves", "created_at", "dispute_id", "from_stage", "trigger"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    dispute_id: Mapped[int] = mapped_column(ForeignKey("disputes.id"))
    from_stage: Mapped[int | None] = mapped_column(Integer)
    to_stage: Mapped[int] = mapped_column(Integer)
    trigger: Mapped[str] = mapped_column(String(32))
    reason: Mapped[str | None] = mapped_column(EncryptedText)
    stated_timescale: Mapped[str | None] = mapped_column(String(100))
    deadline_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    actor_id: Mapped[int | None] = mapped_column(ForeignKey("people.id"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime)
    # When the stage ended: the dispute's next move, or its closure; None while it is current.
    ended_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    missing: Mapped[list[str]] = mapped_column(JSONDocument, default=list)

    dispute: Mapped[Dispute] = relationship(back_populates="transitions")
    actor: Mapped[Person | None] = relationship()
    notices: Mapped[list[StageNotice]] = relationship(
        back_populates="transition", order_by="StageNotice.id"
    )

    @property
    def acting_notices(self) -> list[StageNotice]:
        """Those asked to act (and acknowledge); oversight bodies are only informed."""
        return [n for n in self.notices if n.kind != NoticeKind.INFORMED]

    @property
    def informed_notices(self) -> list[StageNotice]:
        return [n for n in self.notices if n.kind == NoticeKind.INFORMED]


class NoticeKind(StrEnum):
    ACTING = "acting"  # asked to act at the stage and to acknowledge
    INFORMED = "informed"  # an oversight body the protocol says is told; reads, does not act


class StageNotice(Base):
    """One person told of a stage, and whether (and when) they acknowledged it."""

    __tablename__ = "stage_notices"
    __table_args__ = (
        UniqueConstraint("transition_id", "person_id"),
        # What awaits a person's acknowledgement (`/dispute list`, the App Home): their notices
        # neither acknowledged nor superseded, a handful however many they were ever sent.
        Index(
            "ix_stage_notices_awaiting",
            "person_id",
            "dispute_id",
            # as each dialect writes `~StageNotice.superseded`, so that the planner sees it
            sqlite_where=text("acknowledged_at IS NULL AND superseded = 0"),
            postgresql_where=text("acknowledged_at IS NULL AND NOT superseded"),
        ),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    transition_id: Mapped[int] = mapped_column(ForeignKey("stage_transitions.id"), index=True)
    dispute_id: Mapped[int] = mapped_column(ForeignKey("disputes.id"), index=True)
    person_id: Mapped[int] = mapped_column(ForeignKey("people.id"), index=True)
    side: Mapped[str] = mapped_column(String(16))
    explanation: Mapped[str] = mapped_column(Text)
    kind: Mapped[str] = mapped_column(
        String(16), default=NoticeKind.ACTING.value, server_default=NoticeKind.ACTING.value
    )
    acknowledged_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    # True once the stage it was sent at has ended (the dispute moved on or closed): it asks
    # nothing of anyone any more. Set with the transition's `ended_at`.
    superseded: Mapped[bool] = mapped_column(Boolean, default=False, server_default=false())
    message_channel: Mapped[str | None] = mapped_column(String(32))
    message_ts: Mapped[str | None] = mapped_column(String(32))

    transition: Mapped[StageTransition] = relationship(back_populates="notices")
    person: Mapped[Person] = relationship()


class DiscussionEntry(Base):
    """A discussion as the protocol asks it recorded: when, who, what was said and agreed."""

    __tablename__ = "discussion_entries"

    id: Mapped[int] = mapped_column(primary_key=True)
    dispute_id: Mapped[int] = mapped_column(ForeignKey("disputes.id"), index=True)
    stage_index: Mapped[int] = mapped_column(Integer)
    occurred_at: Mapped[datetime] = mapped_column(UTCDateTime)
    logged_at: Mapped[datetime] = mapped_column(UTCDateTime)
    logged_by_id: Mapped[int] = mapped_column(ForeignKey("people.id"))
    participants: Mapped[str] = mapped_column(EncryptedText)
    discussion: Mapped[str] = mapped_column(EncryptedText)
    agreed: Mapped[str | None] = mapped_column(EncryptedText)
    approved_by_id: Mapped[int | None] = mapped_column(ForeignKey("people.id"))
    approved_at: Mapped[datetime | None] = mapped_column(UTCDateTime)

    dispute: Mapped[Dispute] = relationship(back_populates="discussions")
    logged_by: Mapped[Person] = relationship(foreign_keys=[logged_by_id])
    approved_by: Mapped[Person | None] = relationship(foreign_keys=[approved_by_id])
    corrections: Mapped[list[DiscussionCorrection]] = relationship(
        back_populates="entry", order_by="DiscussionCorrection.id"
    )

    @property
    def versions(self) -> list[DiscussionVersion]:
        """Every version in order: as logged, then each correction proposed."""
        logged = DiscussionVersion(
            self.logged_by, self.logged_at, self.participants, self.discussion, self.agreed
        )
        return [logged, *(c.version for c in self.corrections)]

    @property
    def current(self) -> DiscussionVersion:
        """The version awaiting approval, or the one approved: always the latest."""
        return self.versions[-1]


@dataclass(frozen=True)
class DiscussionVersion:
    """One wording of a discussion record and who proposed it, when."""

    proposed_by: Person
    proposed_at: datetime
    participants: str
    discussion: str
    agreed: str | None


class DiscussionCorrection(Base):
    """A correction the other side proposed to a discussion record. Every version is kept, so
    the record shows what each side said and which wording was agreed."""

    __tablename__ = "discussion_corrections"

    id: Mapped[int] = mapped_column(primary_key=True)
    entry_id: Mapped[int] = mapped_column(ForeignKey("discussion_entries.id"), index=True)
    proposed_by_id: Mapped[int] = mapped_column(ForeignKey("people.id"))
    proposed_at: Mapped[datetime] = mapped_column(UTCDateTime)
    participants: Mapped[str] = mapped_column(EncryptedText)
    discussion: Mapped[str] = mapped_column(EncryptedText)
    agreed: Mapped[str | None] = mapped_column(EncryptedText)

    entry: Mapped[DiscussionEntry] = relationship(back_populates="corrections")
    proposed_by: Mapped[Person] = relationship()

    @property
    def version(self) -> DiscussionVersion:
        return DiscussionVersion(
            self.proposed_by, self.proposed_at, self.participants, self.discussion, self.agreed
        )


class Resolution(Base):
    """How the dispute ended, what will be done, and what the partnership should learn."""

    __tablename__ = "resolutions"

    id: Mapped[int] = mapped_column(primary_key=True)
    dispute_id: Mapped[int] = mapped_column(ForeignKey("disputes.id"), index=True)
    outcome: Mapped[str] = mapped_column(String(32))
    stage_index: Mapped[int] = mapped_column(Integer)
    summary: Mapped[str] = mapped_column(EncryptedText)
    learning: Mapped[str | None] = mapped_column(EncryptedText)
    refer_to_partnership: Mapped[bool] = mapped_column(Boolean, default=False)
    resolved_by_id: Mapped[int] = mapped_column(ForeignKey("people.id"))
    resolved_at: Mapped[datetime] = mapped_column(UTCDateTime)
    reopened_at: Mapped[datetime | None] = mapped_column(UTCDateTime)

    dispute: Mapped[Dispute] = relationship(back_populates="resolutions")
    resolved_by: Mapped[Person] = relationship()
    actions: Mapped[list[ResolutionAction]] = relationship(
        back_populates="resolution", order_by="ResolutionAction.id"
    )


class ResolutionAction(Base):
    __tablename__ = "resolution_actions"

    id: Mapped[int] = mapped_column(primary_key=True)
    resolution_id: Mapped[int] = mapped_column(ForeignKey("resolutions.id"), index=True)
    description: Mapped[str] = mapped_column(EncryptedText)
    owner: Mapped[str] = mapped_column(String(200))
    due_on: Mapped[date] = mapped_column(Date)

    resolution: Mapped[Resolution] = relationship(back_populates="actions")
