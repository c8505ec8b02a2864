"""Records of the protocol-specific procedures: reflective meetings asked for, category details,
and the record fields asked for at resolution."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import ForeignKey, Integer, String
from sqlalchemy.orm import Mapped, backref, mapped_column, relationship

from models.base import Base, UTCDateTime
from models.directory import Person
from models.dispute import Dispute
from models.encrypted import EncryptedText


class ReflectiveRequest(Base):
    """Who asked, when, at which stage, and what they want to reflect on (sealed at rest)."""

    __tablename__ = "reflective_requests"

    id: Mapped[int] = mapped_column(primary_key=True)
    dispute_id: Mapped[int] = mapped_column(ForeignKey("disputes.id"), index=True)
    stage_index: Mapped[int] = mapped_column(Integer)
    requested_by_id: Mapped[int] = mapped_column(ForeignKey("people.id"))
    requested_at: Mapped[datetime] = mapped_column(UTCDateTime)
    topic: Mapped[str] = mapped_column(EncryptedText)

    # Declared here so disputes under protocols without the step need no change to their model.
    dispute: Mapped[Dispute] = relationship(
        backref=backref("reflective_requests", order_by="ReflectiveRequest.id")
    )
    requested_by: Mapped[Person] = relationship()


class CategoryAnswer(Base):
    """One detail a category asks for when a dispute opens (Oxfordshire 6.2: who dissented at a
    child protection conference, and why); the answer is sealed at rest like a summary."""

    __tablename__ = "category_answers"

    id: Mapped[int] = mapped_column(primary_key=True)
    dispute_id: Mapped[int] = mapped_column(ForeignKey("disputes.id"), index=True)
    key: Mapped[str] = mapped_column(String(64))
    value: Mapped[str] = mapped_column(EncryptedText)

    dispute: Mapped[Dispute] = relationship(
        backref=backref("category_answers", order_by="CategoryAnswer.id")
    )


class RecordAnswer(Base):
    """A record field the protocol asks for when the dispute is resolved (Sussex: the evidence
    for the concern), as the resolver gave it; sealed at rest like a summary."""

    __tablename__ = "record_answers"

    id: Mapped[int] = mapped_column(primary_key=True)
    dispute_id: Mapped[int] = mapped_column(ForeignKey("disputes.id"), index=True)
    key: Mapped[str] = mapped_column(String(64))
    value: Mapped[str] = mapped_column(EncryptedText)

    dispute: Mapped[Dispute] = relationship(
        backref=backref("record_answers", order_by="RecordAnswer.id")
    )
