"""What `/ready` checks: the database answers and its schema is at the newest migration."""

from __future__ import annotations

from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory
from sqlalchemy import Engine
from sqlalchemy.exc import SQLAlchemyError

from bot.database import MIGRATIONS
from bot.slack_wsgi import ReadyCheck


def database_readiness(engine: Engine) -> ReadyCheck:
    """A check to call on each probe; it names the problem without the database's address."""
    heads = set(ScriptDirectory(str(MIGRATIONS)).get_heads())

    def problem() -> str | None:
        try:
            with engine.connect() as connection:
                current = set(MigrationContext.configure(connection).get_current_heads())
        except SQLAlchemyError as error:
            return f"the database cannot be reached ({type(error).__name__})"
        if current != heads:
            return "the database schema is not up to date: run `resolve db upgrade`"
        return None

    return problem
