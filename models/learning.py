"""Learning items: a resolution's learning, or its referral to the partnership, waiting in the
partnership's practice committee queue until a lead or admin records what became of it."""

from __future__ import annotations

from datetime import datetime
from enum import StrEnum

from sqlalchemy import ForeignKey, Index, String
from sqlalchemy.orm import Mapped, backref, mapped_column, relationship

from models.base import Base, UTCDateTime
from models.directory import Person
from models.dispute import Dispute, Resolution


class LearningState(StrEnum):
    OPEN = "open"
    REVIEWED = "reviewed"
    NEEDS_DISCUSSION = "needs_discussion"

    @property
    def decided(self) -> str:
        """How a decision reads after the word 'Learning': 'reviewed by Joe Park on ...'."""
        return _DECIDED.get(self, "waiting for review")


_DECIDED = {
    LearningState.REVIEWED: "reviewed",
    LearningState.NEEDS_DISCUSSION: "marked as needing discussion",
}


class LearningItem(Base):
    """One resolution's learning in the committee queue, and who decided on it and when."""

    __tablename__ = "learning_items"
    # `/dispute learning` lists the open items, oldest first.
    __table_args__ = (Index("ix_learning_items_state", "state", "created_at"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    dispute_id: Mapped[int] = mapped_column(ForeignKey("disputes.id"), index=True)
    resolution_id: Mapped[int] = mapped_column(ForeignKey("resolutions.id"), unique=True)
    state: Mapped[str] = mapped_column(String(20), default=LearningState.OPEN.value)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime)
    decided_by_id: Mapped[int | None] = mapped_column(ForeignKey("people.id"))
    decided_at: Mapped[datetime | None] = mapped_column(UTCDateTime)

    dispute: Mapped[Dispute] = relationship()
    resolution: Mapped[Resolution] = relationship(backref=backref("learning_item", uselist=False))
    decided_by: Mapped[Person | None] = relationship()

    @property
    def is_open(self) -> bool:
        return self.state == LearningState.OPEN
