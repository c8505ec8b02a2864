"""Copies every table's rows out of the test database and lays them down again, so a costly
starting state is built once through the service and then given to each test that wants it in
a fraction of the time, on SQLite and PostgreSQL alike."""

from __future__ import annotations

from typing import Any

from sqlalchemy import Table, select, text
from sqlalchemy.orm import Session, sessionmaker

from bot.database import transaction
from models.all import Base

Rows = list[tuple[Table, list[dict[str, Any]]]]


def copy_rows(factory: sessionmaker[Session]) -> Rows:
    """Every row of every table, each table in primary-key order."""
    with factory() as session:
        return [
            (
                table,
                [
                    dict(row._mapping)
                    for row in session.execute(select(table).order_by(*table.primary_key))
                ],
            )
            for table in Base.metadata.sorted_tables
        ]


def restore_rows(factory: sessionmaker[Session], rows: Rows) -> None:
    """Inserts copied rows into emptied tables, parents first, ids as they were; on PostgreSQL
    each id sequence then carries on after the highest id, as it would have."""
    with transaction(factory) as session:
        for table, table_rows in rows:
            if table_rows:
                session.execute(table.insert(), table_rows)
        if session.get_bind().dialect.name != "postgresql":
            return
        for table, _ in rows:
            column = table.autoincrement_column
            if column is not None:
                session.execute(
                    text(
                        f"SELECT setval(pg_get_serial_sequence('{table.name}', '{column.name}'),"
                        f" max({column.name})) FROM {table.name} HAVING count(*) > 0"
                    )
                )
