"""What every listener shares: who the user is, one transaction, and replies people can act on."""

from __future__ import annotations

import logging
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

from slack_sdk import WebClient
from slack_sdk.errors import SlackApiError
from sqlalchemy import select
from sqlalchemy.orm import Session

from bot.database import transaction
from bot.messages.blocks import section
from bot.runtime import Runtime
from bot.services.identity import person_for_slack_user
from models.directory import Person

log = logging.getLogger("resolve.handlers")


def ephemeral(text: str, blocks: list[dict[str, Any]] | None = None) -> dict[str, Any]:
    return {
        "response_type": "ephemeral",
        "text": text,
        "blocks": blocks if blocks is not None else [section(text)],
    }


def unexpected(error: Exception) -> str:
    """Logs the error type only (payloads may hold case details) and gives the user an id."""
    incident = uuid.uuid4().hex[:8]
    log.error("unexpected %s in a listener (incident %s)", type(error).__name__, incident)
    return (
        "Something went wrong on our side and nothing was changed. Please try again; if it "
        f"keeps happening, tell your partnership's business unit (incident {incident})."
    )


@contextmanager
def unit_of_work(rt: Runtime) -> Iterator[Session]:
    """One transaction per request; the delivery job sends what it wrote."""
    with transaction(rt.factory) as session:
        yield session


def directory_person(session: Session, client: WebClient, user_id: str) -> Person:
    """The directory entry for a Slack user (linked by work email the first time); raises
    DomainError if they are not listed. Slack is asked for the email only when needed."""
    known = session.scalar(select(Person).where(Person.slack_user_id == user_id))
    if known is not None:
        return known
    try:
        email = client.users_info(user=user_id)["user"].get("profile", {}).get("email")
    except SlackApiError:
        email = None
    return person_for_slack_user(session, slack_user_id=user_id, email=email)
