"""The `resolve` command group: a database, protocol file or data key that cannot be used is one
line naming the problem and exit code 2, whichever command met it, never a traceback."""

from __future__ import annotations

from typing import Any

import click
from sqlalchemy.exc import InterfaceError, OperationalError, StatementError

from bot.commands.common import fail, protocol_problem
from bot.protocols import ProtocolError
from models.encrypted import DataKeyError


def database_problem(error: OperationalError | InterfaceError) -> str:
    """The driver's own first line (it names the host, database or file, never the password)."""
    lines = str(error.orig or error).strip().splitlines()
    reason = lines[0] if lines else type(error).__name__
    return (
        f"DATABASE_URL: the database cannot be used ({reason}). Check that the database server "
        "is running and the database exists, or, for SQLite, that the file's folder exists and "
        "can be written to."
    )


class ResolveGroup(click.Group):
    """Catches what only shows once a command runs: the database, the protocol files, the keys."""

    def invoke(self, ctx: click.Context) -> Any:
        try:
            return super().invoke(ctx)
        except (OperationalError, InterfaceError) as error:
            fail(database_problem(error), code=2)
        except StatementError as error:  # after its subclasses above: a key a value needs
            if not isinstance(error.orig, DataKeyError):
                raise
            fail(f"RESOLVE_DATA_KEYS: {error.orig}", code=2)
        except DataKeyError as error:
            fail(f"RESOLVE_DATA_KEYS: {error}", code=2)
        except ProtocolError as error:
            fail(protocol_problem(error), code=2)
