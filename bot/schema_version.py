"""Whether the database schema is at the newest migration, answered without Alembic.

Alembic (with Mako and Pygments under it) holds about 11 MB once imported, and a process that
has run it keeps more. A long-running server only needs to know whether to migrate: it reads
the revision ids from the migration files and the rows of `alembic_version`, and leaves the
migrating itself to a short-lived process (see `bot.commands.run`).
"""

from __future__ import annotations

import ast
from pathlib import Path

from sqlalchemy import Connection, inspect, text

VERSIONS = Path(__file__).parent / "migrations" / "versions"
VERSION_TABLE = "alembic_version"  # Alembic's default, which bot/migrations/env.py keeps


def _assigned(path: Path) -> dict[str, object]:
    """The module-level `revision` and `down_revision` of one migration file."""
    found: dict[str, object] = {}
    for node in ast.parse(path.read_text(encoding="utf-8")).body:
        if isinstance(node, ast.AnnAssign) and node.value is not None:
            target, value = node.target, node.value
        elif isinstance(node, ast.Assign) and len(node.targets) == 1:
            target, value = node.targets[0], node.value
        else:
            continue
        if isinstance(target, ast.Name) and target.id in ("revision", "down_revision"):
            found[target.id] = ast.literal_eval(value)
    return found


def newest_revisions(folder: Path = VERSIONS) -> set[str]:
    """The heads of the migration history: revisions no other migration builds on."""
    revisions: set[str] = set()
    built_on: set[str] = set()
    for path in folder.glob("*.py"):
        assigned = _assigned(path)
        if "revision" not in assigned:
            continue
        revisions.add(str(assigned["revision"]))
        down = assigned.get("down_revision")
        if isinstance(down, str):
            built_on.add(down)
        elif isinstance(down, tuple | list):
            built_on.update(str(d) for d in down)
    return revisions - built_on


def applied_revisions(connection: Connection) -> set[str]:
    """The revisions the database says it is at; none for a database never migrated."""
    if not inspect(connection).has_table(VERSION_TABLE):
        return set()
    return set(connection.scalars(text(f"SELECT version_num FROM {VERSION_TABLE}")))
