"""Requests from Slack already dispatched, so a replay or a retry is answered without acting."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import Integer, String
from sqlalchemy.orm import Mapped, mapped_column

from models.base import Base, JSONDocument, UTCDateTime
from models.encrypted import EncryptedText


class SeenRequest(Base):
    """One dispatched request: claimed by inserting its key, then the answer Slack was given."""

    __tablename__ = "seen_requests"

    key: Mapped[str] = mapped_column(String(80), primary_key=True)
    seen_at: Mapped[datetime] = mapped_column(UTCDateTime, index=True)
    status: Mapped[int | None] = mapped_column(Integer)
    body: Mapped[str | None] = mapped_column(EncryptedText)  # an answer may quote typed text
    headers: Mapped[dict[str, Any] | None] = mapped_column(JSONDocument)
