"""Messages waiting to reach Slack: written with the change that caused them, sent by a job."""

from __future__ import annotations

from datetime import datetime
from enum import StrEnum
from typing import Any

from sqlalchemy import Boolean, ForeignKey, Index, Integer, String, Text, false
from sqlalchemy.orm import Mapped, mapped_column, relationship

from models.base import Base, JSONDocument, UTCDateTime
from models.encrypted import EncryptedJSON


class OutboxStatus(StrEnum):
    PENDING = "pending"
    SENT = "sent"
    DEAD = "dead"


class OutboxKind(StrEnum):
    """What delivering the row does in Slack."""

    DIRECT = "direct"  # a direct message to one person
    REMINDER = "reminder"  # a direct message that reminds: one a person a half day
    CHANNEL = "channel"  # a message in a named channel
    CONVERSATION = "conversation"  # a message in the dispute's own private conversation
    SYNC_MEMBERS = "sync_members"  # make the dispute's conversation hold exactly its members
    UPDATE_NOTICE = "update_notice"  # redraw a stage notice in place (who acknowledged, when)
    FILE = "file"  # an uploaded file (the weekly digest chart)
    RETIRE = "retire"  # redraw a superseded message in place: what happened, and no buttons
    # a stage entered on a lapse: its messages drawn and queued when this is sent
    STAGE_ENTERED = "stage_entered"


class OutboxMessage(Base):
    __tablename__ = "outbox_messages"
    __table_args__ = (
        Index("ix_outbox_due", "status", "not_before"),
        # Whether someone was already reminded this half day (bot.services.reminder_spacing).
        Index("ix_outbox_person_kind_due", "person_id", "kind", "not_before"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    kind: Mapped[str] = mapped_column(String(20))
    dispute_id: Mapped[int | None] = mapped_column(ForeignKey("disputes.id"), index=True)
    person_id: Mapped[int | None] = mapped_column(ForeignKey("people.id"))
    notice_id: Mapped[int | None] = mapped_column(ForeignKey("stage_notices.id"), index=True)
    channel: Mapped[str | None] = mapped_column(String(80))
    payload: Mapped[dict[str, Any]] = mapped_column(EncryptedJSON)
    dedupe_key: Mapped[str | None] = mapped_column(String(200), unique=True)
    status: Mapped[str] = mapped_column(String(10), default=OutboxStatus.PENDING)
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    not_before: Mapped[datetime] = mapped_column(UTCDateTime)
    lease_until: Mapped[datetime | None] = mapped_column(UTCDateTime)
    last_error: Mapped[str | None] = mapped_column(Text)
    result: Mapped[dict[str, Any] | None] = mapped_column(JSONDocument)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime)
    sent_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    # The row that must be delivered first (a conversation post waits for its channel set-up,
    # a retirement for the message it redraws); a post is dead-lettered with its set-up and
    # requeued after it.
    depends_on_id: Mapped[int | None] = mapped_column(ForeignKey("outbox_messages.id"), index=True)
    depends_on: Mapped[OutboxMessage | None] = relationship(remote_side=[id])
    # A posted message whose buttons act on the stage it was sent at, still live: cleared once
    # the dispute moves on or closes and a RETIRE row (depending on this one) takes them away.
    stage_bound: Mapped[bool] = mapped_column(Boolean, default=False, server_default=false())
