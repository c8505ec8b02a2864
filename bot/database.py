"""Engine, sessions and schema upgrades for SQLite and PostgreSQL."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import TYPE_CHECKING, Any

from sqlalchemy import Engine, create_engine, event, inspect
from sqlalchemy.engine import make_url
from sqlalchemy.orm import Session, sessionmaker

from bot.schema_version import applied_revisions, newest_revisions

if TYPE_CHECKING:
    from alembic.config import Config

MIGRATIONS = Path(__file__).parent / "migrations"
READ_ONLY = "resolve_read_only"  # a connection option: begin without taking SQLite's write lock


def normalise_url(url: str) -> str:
    """Lets people write postgresql:// and still get psycopg 3."""
    parsed = make_url(url)
    if parsed.drivername in ("postgresql", "postgres"):
        parsed = parsed.set(drivername="postgresql+psycopg")
    return parsed.render_as_string(hide_password=False)


def is_sqlite(engine: Engine) -> bool:
    return engine.dialect.name == "sqlite"


def make_engine(
    url: str, *, pool_size: int | None = None, max_overflow: int | None = None, **kwargs: Any
) -> Engine:
    """An engine tuned per database: SQLite takes the write lock up front to serialise writers;
    PostgreSQL's pool is sized by the caller (SQLAlchemy's own 5 + 10 when not given), and its
    JIT compiler is off."""
    url = normalise_url(url)
    if make_url(url).drivername.startswith("sqlite"):
        engine = create_engine(url, connect_args={"timeout": 60}, **kwargs)

        @event.listens_for(engine, "connect")
        def _sqlite_pragmas(dbapi_connection: Any, _record: Any) -> None:
            dbapi_connection.isolation_level = None
            cursor = dbapi_connection.cursor()
            cursor.execute("PRAGMA foreign_keys=ON")
            cursor.execute("PRAGMA busy_timeout=60000")
            cursor.execute("PRAGMA secure_delete=ON")  # erased or re-sealed data leaves no trace
            if make_url(url).database not in (None, "", ":memory:"):
                cursor.execute("PRAGMA journal_mode=WAL")
            cursor.close()

        @event.listens_for(engine, "begin")
        def _begin_immediate(connection: Any) -> None:
            reading = connection.get_execution_options().get(READ_ONLY, False)
            connection.exec_driver_sql("BEGIN" if reading else "BEGIN IMMEDIATE")

        return engine
    sizes = {"pool_size": pool_size, "max_overflow": max_overflow}
    kwargs.update({key: value for key, value in sizes.items() if value is not None})
    engine = create_engine(url, pool_pre_ping=True, **kwargs)

    @event.listens_for(engine, "connect", insert=True)
    def _without_jit(dbapi_connection: Any, _record: Any) -> None:
        # PostgreSQL compiles a query to machine code once its estimated cost is high enough.
        # The report's subqueries for disputes that moved after the period are costed as if run
        # for every dispute, so it spent about 1.3 s of both cores compiling a query that runs
        # in 0.3 s, while requests waited; every query here is short, so it never pays.
        autocommit = dbapi_connection.autocommit
        dbapi_connection.autocommit = True
        cursor = dbapi_connection.cursor()
        cursor.execute("SET jit = off")
        cursor.close()
        dbapi_connection.autocommit = autocommit

    return engine


def fold_wal(engine: Engine) -> None:
    """Copies SQLite's write-ahead log into the file and empties it, so pages that held data
    before it was erased or re-sealed are gone from the WAL too. Nothing to do elsewhere."""
    if not is_sqlite(engine):
        return
    connection = engine.raw_connection()
    try:
        connection.cursor().execute("PRAGMA wal_checkpoint(TRUNCATE)")
    finally:
        connection.close()


def make_session_factory(engine: Engine) -> sessionmaker[Session]:
    return sessionmaker(engine, expire_on_commit=False)


@contextmanager
def transaction(factory: sessionmaker[Session]) -> Iterator[Session]:
    """One unit of work: commits on success, rolls back on any error."""
    with factory() as session, session.begin():
        yield session


@contextmanager
def read_only(factory: sessionmaker[Session]) -> Iterator[Session]:
    """A transaction that only reads, then rolls back: one consistent snapshot of the data.

    On SQLite it begins without the write lock, so writers carry on while it reads; on
    PostgreSQL it is a read-only repeatable-read transaction.
    """
    with factory() as session:
        options: dict[str, Any] = {READ_ONLY: True}
        if session.get_bind().dialect.name == "postgresql":
            options.update(isolation_level="REPEATABLE READ", postgresql_readonly=True)
        session.connection(execution_options=options)
        try:
            yield session
        finally:
            session.rollback()


# (class, primary key, the column values set): what a read-only session learned
Changes = list[tuple[type[Any], tuple[Any, ...], dict[str, Any]]]


def changed_columns(session: Session) -> Changes:
    """The column values set on the session's loaded objects, by class and primary key: what a
    read-only session learned, to be written by another transaction after it rolls back."""
    changes = []
    for obj in session.dirty:
        state = inspect(obj)
        values = {
            column.key: added[0]
            for column in state.mapper.column_attrs
            if (added := state.attrs[column.key].history.added)
        }
        if values and state.identity is not None:
            changes.append((type(obj), state.identity, values))
    return changes


def alembic_config(url: str) -> Config:
    from alembic.config import Config  # only where migrating: see bot.schema_version

    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS))
    config.set_main_option("sqlalchemy.url", normalise_url(url).replace("%", "%%"))
    return config


def upgrade(url: str) -> None:
    """Brings the schema to the newest migration; safe to run on every start."""
    from alembic import command  # only where migrating: see bot.schema_version

    command.upgrade(alembic_config(url), "head")


def schema_is_current(url: str) -> bool:
    """Whether the database is at the newest migration, asked without Alembic."""
    engine = make_engine(url)
    try:
        with engine.connect() as connection:
            return applied_revisions(connection) == newest_revisions()
    finally:
        engine.dispose()
