"""What `/ready` checks: the database answers and its schema is at the newest migration."""

from __future__ import annotations

from sqlalchemy import Engine
from sqlalchemy.exc import SQLAlchemyError

from bot.schema_version import applied_revisions, newest_revisions
from bot.slack_wsgi import ReadyCheck


def database_readiness(engine: Engine) -> ReadyCheck:
    """A check to call on each probe; it names the problem without the database's address."""
    heads = newest_revisions()

    def problem() -> str | None:
        try:
            with engine.connect() as connection:
                current = applied_revisions(connection)
        except SQLAlchemyError as error:
            return f"the database cannot be reached ({type(error).__name__})"
        if current != heads:
            return "the database schema is not up to date: run `resolve db upgrade`"
        return None

    return problem
