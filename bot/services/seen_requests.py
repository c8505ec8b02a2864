"""Remembers the requests already dispatched and what Slack was answered, for an hour.

Slack rejects a request older than five minutes, so an hour outlasts any replay or retry the
bot will still accept; older rows are purged whenever a new request is claimed.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import delete, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session, sessionmaker

from bot.database import transaction
from models.seen_request import SeenRequest

RETENTION = timedelta(hours=1)


@dataclass(frozen=True)
class Answer:
    """What Slack was told the first time, given again word for word to a replay."""

    status: int
    body: str
    headers: dict[str, Any]


def claim(factory: sessionmaker[Session], key: str, *, now: datetime) -> bool:
    """True for the first request with this key; False for a replay. Atomic across processes:
    the key is the primary key, so of two identical requests exactly one insert commits."""
    try:
        with transaction(factory) as session:
            session.execute(delete(SeenRequest).where(SeenRequest.seen_at < now - RETENTION))
            session.add(SeenRequest(key=key, seen_at=now))
    except IntegrityError:
        return False
    return True


def record(factory: sessionmaker[Session], key: str, answer: Answer) -> None:
    with transaction(factory) as session:
        seen = session.get(SeenRequest, key)
        if seen is not None:
            seen.status, seen.body, seen.headers = answer.status, answer.body, answer.headers


def answer_for(factory: sessionmaker[Session], key: str) -> Answer | None:
    """The recorded answer, or None while the first request has not been answered yet."""
    with factory() as session:
        seen = session.scalar(select(SeenRequest).where(SeenRequest.key == key))
    if seen is None or seen.status is None:
        return None
    return Answer(seen.status, seen.body or "", seen.headers or {})
