"""What is kept of a dispute once its retention period has passed: no person, no child, no text."""

from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import Boolean, Date, Integer, String
from sqlalchemy.orm import Mapped, mapped_column

from models.base import Base, UTCDateTime


class DisputeStatistic(Base):
    """One erased dispute as the partnership's statistics need it; dates to the month only."""

    __tablename__ = "dispute_statistics"

    id: Mapped[int] = mapped_column(primary_key=True)
    protocol_key: Mapped[str] = mapped_column(String(64))
    category: Mapped[str] = mapped_column(String(64))
    urgency: Mapped[str] = mapped_column(String(64))
    raiser_agency: Mapped[str] = mapped_column(String(64))
    counterpart_agency: Mapped[str] = mapped_column(String(64))
    stage_reached: Mapped[str] = mapped_column(String(64))
    escalations: Mapped[int] = mapped_column(Integer)
    outcome: Mapped[str | None] = mapped_column(String(32))
    referred_to_partnership: Mapped[bool] = mapped_column(Boolean, default=False)
    opened_month: Mapped[date] = mapped_column(Date)
    closed_month: Mapped[date | None] = mapped_column(Date)
    days_to_resolution: Mapped[int | None] = mapped_column(Integer)
    erased_at: Mapped[datetime] = mapped_column(UTCDateTime)
