"""Who ticked which duty of a dispute, for which side, and when."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import ForeignKey, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from models.base import Base, UTCDateTime
from models.directory import Person


class DutyCompletion(Base):
    """One side's duty, ticked as done by someone acting for that side.

    A duty is named by its key (the stage's key, or '*' for the whole protocol, and a hash of
    its text), so it keeps its identity whatever order a protocol lists its duties in. Each
    stage is entered at most once, so the key is unique within a dispute. Unticking deletes the
    row; the audit trail keeps both the tick and the untick.
    """

    __tablename__ = "duty_completions"
    __table_args__ = (UniqueConstraint("dispute_id", "duty_key", "side"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    dispute_id: Mapped[int] = mapped_column(ForeignKey("disputes.id"), index=True)
    transition_id: Mapped[int] = mapped_column(ForeignKey("stage_transitions.id"), index=True)
    duty_key: Mapped[str] = mapped_column(String(80))
    side: Mapped[str] = mapped_column(String(16))
    done_by_id: Mapped[int] = mapped_column(ForeignKey("people.id"))
    done_at: Mapped[datetime] = mapped_column(UTCDateTime)

    done_by: Mapped[Person] = relationship()
