"""Who a Slack user is in the agency directory."""

from __future__ import annotations

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from bot.services.errors import DomainError
from models.directory import Person

NOT_IN_DIRECTORY = (
    "You are not in the partnership's agency directory yet, so Resolve cannot act for you. "
    "Ask your partnership's business unit to add you (with your work email), then try again."
)


def person_for_slack_user(
    session: Session, *, slack_user_id: str, email: str | None = None
) -> Person:
    """The directory entry for a Slack user; links it by work email the first time."""
    person = session.scalar(select(Person).where(Person.slack_user_id == slack_user_id))
    if person is not None:
        return person
    if email:
        person = session.scalar(
            select(Person).where(
                func.lower(Person.email) == email.lower(), Person.slack_user_id.is_(None)
            )
        )
        if person is not None:
            person.slack_user_id = slack_user_id
            return person
    raise DomainError(NOT_IN_DIRECTORY)
