"""Everything the scheduler must do later, held in the database so restarts lose nothing."""

from __future__ import annotations

from datetime import datetime
from enum import StrEnum

from sqlalchemy import ForeignKey, Index, Integer, String
from sqlalchemy.orm import Mapped, mapped_column

from models.base import Base, UTCDateTime


class ReminderKind(StrEnum):
    DEADLINE = "deadline"  # a reminder point before the stage's deadline
    ACKNOWLEDGE = "acknowledge"  # a notice not yet acknowledged
    FINAL_REVIEW = "final_review"  # the final stage's review cadence
    DIRECTORY = "directory"  # someone missing from the directory is still missing
    REFERRAL = "referral"  # the next stage needs a person's referral
    CHECK_IN = "check_in"  # the urgent route's regular joint problem-solving
    DUTY = "duty"  # a duty with its own timescale: due soon (1), then overdue (2)


class ReminderStatus(StrEnum):
    PENDING = "pending"
    SENT = "sent"
    CANCELLED = "cancelled"


class Reminder(Base):
    """One reminder due at one instant, tied to the stage it belongs to."""

    __tablename__ = "reminders"
    # Due reminders by time for the sweep; a dispute's pending ones to cancel when it moves on.
    __table_args__ = (
        Index("ix_reminders_due", "status", "due_at"),
        Index("ix_reminders_dispute", "dispute_id", "status"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    dispute_id: Mapped[int] = mapped_column(ForeignKey("disputes.id"))
    transition_id: Mapped[int] = mapped_column(ForeignKey("stage_transitions.id"), index=True)
    kind: Mapped[str] = mapped_column(String(20))
    label: Mapped[str] = mapped_column(String(120))
    sequence: Mapped[int] = mapped_column(Integer, default=1)
    due_at: Mapped[datetime] = mapped_column(UTCDateTime)
    status: Mapped[str] = mapped_column(String(10), default=ReminderStatus.PENDING)
    sent_at: Mapped[datetime | None] = mapped_column(UTCDateTime)


class DigestRun(Base):
    """A digest period that has been sent; the unique key makes it happen once across replicas."""

    __tablename__ = "digest_runs"

    id: Mapped[int] = mapped_column(primary_key=True)
    period: Mapped[str] = mapped_column(String(40), unique=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime)
