"""Many rows of one table written in one go: new rows by COPY on PostgreSQL and one prepared
INSERT elsewhere; changed rows by one prepared UPDATE.

A sweep batch writes thousands of rows nothing reads back. PostgreSQL takes new ones about twice
as fast through COPY as through INSERT ... VALUES, and psycopg streams the rows instead of
binding tens of thousands of parameters. Every row gets every column, what it leaves out set as
an INSERT of it alone would set it (so all share one statement), and each value goes through
its column's own type, so a sealed column is sealed and a JSON document encoded as ever. The
values are handed to the driver ready, in one executemany: building each row's parameters
through SQLAlchemy's statement compiler cost more than the database took to store them.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from functools import cache, lru_cache
from typing import Any

from sqlalchemy import Connection, Table
from sqlalchemy.orm import Session

ID = "_id"  # the key under which `update_rows` finds each row's id


@cache
def _defaults(table: Table) -> dict[str, Any]:
    """Each column's value when a row sets none: its scalar default, else NULL; a column the
    database fills itself is left to it."""
    return {
        column.name: column.default.arg
        if column.default is not None and column.default.is_scalar
        else None
        for column in table.columns
        if column.default is not None or column.server_default is None
    }


def insert_rows(session: Session, table: Table, rows: Sequence[dict[str, Any]]) -> None:
    """Inserts `rows` (at least one, by column name) in the session's transaction."""
    defaults = _defaults(table)
    names = [c.name for c in table.columns if c.name in defaults or any(c.name in r for r in rows)]
    connection = session.connection()
    values = _bound(
        connection, table, names, [[r.get(n, defaults.get(n)) for n in names] for r in rows]
    )
    quote = connection.dialect.identifier_preparer.quote
    listed = ", ".join(quote(name) for name in names)
    if connection.dialect.name != "postgresql":
        marks = ", ".join("?" * len(names))
        connection.exec_driver_sql(
            f"INSERT INTO {quote(table.name)} ({listed}) VALUES ({marks})", values
        )
        return
    driver = connection.connection.driver_connection
    assert driver is not None
    with driver.cursor() as cursor, cursor.copy(f"COPY {table.name} ({listed}) FROM STDIN") as copy:
        for row in values:
            copy.write_row(row)


def update_rows(
    session: Session, table: Table, columns: Sequence[str], rows: Sequence[dict[str, Any]]
) -> None:
    """Sets `columns` of each of `rows` (by column name, the row's id under `ID`)."""
    connection = session.connection()
    quote = connection.dialect.identifier_preparer.quote
    mark = "%s" if connection.dialect.name == "postgresql" else "?"
    names = [*columns, "id"]
    values = _bound(connection, table, names, [[*(r[c] for c in columns), r[ID]] for r in rows])
    setting = ", ".join(f"{quote(c)} = {mark}" for c in columns)
    connection.exec_driver_sql(
        f"UPDATE {quote(table.name)} SET {setting} WHERE id = {mark}", values
    )


def _bound(
    connection: Connection, table: Table, names: Sequence[str], rows: list[list[Any]]
) -> list[tuple[Any, ...]]:
    """Each value as its column's type hands it to the driver."""
    processors = _processors(connection.dialect, table, tuple(names))
    return [
        tuple(
            value if process is None else process(value)
            for process, value in zip(processors, row, strict=True)
        )
        for row in rows
    ]


@lru_cache(maxsize=256)
def _processors(
    dialect: Any, table: Table, names: tuple[str, ...]
) -> list[Callable[[Any], Any] | None]:
    return [table.c[name].type.dialect_impl(dialect).bind_processor(dialect) for name in names]
