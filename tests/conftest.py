"""Shared fixtures: a migrated database (SQLite, or PostgreSQL via TEST_DATABASE_URL), a clock
the tests move, and the dispute service wired to them.

Every log line the whole suite produces, through the handler the bot itself uses, is kept and
scanned at the end: a child reference any test stored, or one shaped like the suite's, fails
the run. Run in parallel (`-n 2`), each worker scans its own lines and hands what it found to
the main process, which fails the run; on PostgreSQL each worker gets a database of its own."""

from __future__ import annotations

import io
import logging
import os
import re
import shutil
import subprocess
import sys
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from datetime import datetime
from functools import cache
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest
from sqlalchemy import Engine, create_engine, event, text
from sqlalchemy.engine import make_url
from sqlalchemy.orm import Session, sessionmaker

from bot.clock import FrozenClock
from bot.database import make_engine, make_session_factory, normalise_url, upgrade
from bot.logging_setup import make_handler, quiet_libraries
from bot.protocols import ProtocolCatalog
from bot.services.disputes import DisputeService
from bot.working_days import WorkingCalendar
from models.all import Base
from models.dispute import Dispute
from models.encrypted import KeyRing, use_keys

LONDON = ZoneInfo("Europe/London")

# The suite's child references look like CS-104233, NS-2026-4471 or CS-1.
SUITE_CHILD_REFERENCE = re.compile(r"\b(?:CS|NS)-[0-9][0-9-]*\b")
_LOG_LINES = io.StringIO()
_SUITE_LOG = make_handler(_LOG_LINES, "plain")
_STORED_CHILD_REFERENCES: set[str] = set()
_LEAKED_IN_WORKERS: list[str] = []


def pytest_sessionstart(session: pytest.Session) -> None:
    root = logging.getLogger()
    root.addHandler(_SUITE_LOG)
    root.setLevel(logging.DEBUG)
    quiet_libraries(logging.DEBUG)

    @event.listens_for(Dispute, "before_insert")
    def _remember(_mapper: object, _connection: object, dispute: Dispute) -> None:
        _STORED_CHILD_REFERENCES.add(dispute.child_ref)


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    """Tests marked `long_running` go first, so that in a parallel run they overlap the many
    short tests instead of leaving one worker busy at the end."""
    items.sort(key=lambda item: item.get_closest_marker("long_running") is None)


_WORD = re.compile(r"[A-Za-z0-9][A-Za-z0-9/_.-]*")


@pytest.fixture(autouse=True)
def _log_at_debug() -> None:
    """Each test starts logging at DEBUG into the suite's log, whatever a command run before it
    configured: the handler a `resolve` command installs writes to whatever stderr is, which
    for a later command run in-process is that command's captured output."""
    root = logging.getLogger()
    for handler in root.handlers[:]:
        if handler is not _SUITE_LOG and isinstance(handler, type(_SUITE_LOG)):
            root.removeHandler(handler)
    root.setLevel(logging.DEBUG)
    quiet_libraries(logging.DEBUG)


def leaked_lines(lines: list[str], references: set[str]) -> list[str]:
    """Log lines that carry a stored child reference or one shaped like the suite's.

    References shorter than six characters are matched by shape only: as plain words they
    would turn up inside timestamps and ids."""
    wanted = {ref for ref in references if len(ref) >= 6}
    leaked = []
    for line in lines:
        words = {word.rstrip("./_-") for word in _WORD.findall(line)}
        if SUITE_CHILD_REFERENCE.search(line) or words & wanted:
            leaked.append(line)
    return leaked


def pytest_sessionfinish(session: pytest.Session, exitstatus: int) -> None:
    leaked = leaked_lines(_LOG_LINES.getvalue().splitlines(), _STORED_CHILD_REFERENCES)
    leaked += _LEAKED_IN_WORKERS
    worker_output = getattr(session.config, "workeroutput", None)
    if worker_output is not None:  # a parallel worker: the main process reports and fails
        worker_output["leaked_log_lines"] = leaked
        return
    if leaked:
        reporter = session.config.pluginmanager.get_plugin("terminalreporter")
        if reporter is not None:
            reporter.write_sep("=", f"{len(leaked)} log line(s) carry a child reference", red=True)
            for line in leaked[:20]:
                reporter.write_line(f"  {line[:300]}")
        session.exitstatus = pytest.ExitCode.TESTS_FAILED


@pytest.hookimpl(optionalhook=True)
def pytest_testnodedown(node: object, error: object) -> None:
    """A parallel worker finished: keep the leaked lines it found, for the main process."""
    _LEAKED_IN_WORKERS.extend(getattr(node, "workeroutput", {}).get("leaked_log_lines", []))


def london(*args: int) -> datetime:
    """A wall-clock time in London, as the partnership would say it."""
    return datetime(*args, tzinfo=LONDON)  # type: ignore[misc]


@pytest.fixture(scope="session", autouse=True)
def data_keys() -> Iterator[str]:
    """A data key for this test run, in this process and in every bot process a test starts."""
    spec = KeyRing.generate("test")
    os.environ["RESOLVE_DATA_KEYS"] = spec
    use_keys(KeyRing.parse(spec))
    yield spec
    os.environ.pop("RESOLVE_DATA_KEYS", None)
    use_keys(None)


@pytest.fixture(scope="session")
def migrated_sqlite(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A SQLite file at the newest schema, migrated once a run: tests that want a database of
    their own copy it (`sqlite_copy`) rather than each paying for Alembic, and never write to
    it, so nothing passes from one test to the next."""
    path = tmp_path_factory.mktemp("template") / "migrated.sqlite3"
    upgrade(f"sqlite:///{path}")
    return path


@pytest.fixture
def sqlite_copy(migrated_sqlite: Path, tmp_path: Path) -> Callable[[str], Path]:
    """Lays a copy of the migrated SQLite file down in this test's folder under the given name."""

    def copy(name: str) -> Path:
        return Path(shutil.copyfile(migrated_sqlite, tmp_path / name))

    return copy


@pytest.fixture(scope="session")
def database_url(request: pytest.FixtureRequest) -> Iterator[str]:
    url = os.environ.get("TEST_DATABASE_URL")
    worker = os.environ.get("PYTEST_XDIST_WORKER")
    if url and worker and make_url(url).get_backend_name() == "postgresql":
        with _own_database(url, f"{make_url(url).database}_{worker}") as own:
            yield own
    elif url:
        yield url
    else:
        template: Path = request.getfixturevalue("migrated_sqlite")
        path = template.parent.parent / "resolve.sqlite3"
        yield f"sqlite:///{shutil.copyfile(template, path)}"


@contextmanager
def _own_database(url: str, name: str) -> Iterator[str]:
    """A PostgreSQL database beside `url` for one parallel worker, dropped when it is done.

    Its commits do not wait for the disk (synchronous_commit off): what one connection commits
    is seen by the others exactly as before, and only a crash of the server itself could lose
    the last of a throwaway database's writes."""
    server_url = make_url(normalise_url(url)).set(database="postgres")
    server = create_engine(server_url, isolation_level="AUTOCOMMIT")
    try:
        with server.connect() as connection:
            connection.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
            connection.execute(text(f'CREATE DATABASE "{name}"'))
            connection.execute(text(f'ALTER DATABASE "{name}" SET synchronous_commit = off'))
        try:
            yield make_url(url).set(database=name).render_as_string(hide_password=False)
        finally:
            _drop_later(server_url.render_as_string(hide_password=False), name)
    finally:
        server.dispose()


_DROP = """
import sys
from sqlalchemy import create_engine, text
with create_engine(sys.argv[1], isolation_level="AUTOCOMMIT").connect() as connection:
    connection.execute(text(f'DROP DATABASE IF EXISTS "{sys.argv[2]}" WITH (FORCE)'))
"""


def _drop_later(server_url: str, name: str) -> None:
    """Drops the database from a process of its own that the run does not wait for: PostgreSQL
    makes DROP DATABASE wait for a checkpoint of the whole server, which on a busy machine
    takes tens of seconds."""
    subprocess.Popen(
        [sys.executable, "-c", _DROP, server_url, name],
        stdin=subprocess.DEVNULL,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
        start_new_session=True,
    )


@pytest.fixture(scope="session")
def engine(database_url: str) -> Iterator[Engine]:
    upgrade(database_url)
    engine = make_engine(database_url)
    yield engine
    engine.dispose()


def wipe(engine: Engine) -> None:
    """Empties every table, children first, so each test starts from nothing, its ids from 1.

    On PostgreSQL the rows are deleted and the id sequences set back rather than the tables
    truncated: TRUNCATE gives each table new files, about 60 ms a test against about 2 ms."""
    tables = [t.name for t in reversed(Base.metadata.sorted_tables)]
    with engine.begin() as connection:
        if engine.dialect.name == "postgresql":
            connection.exec_driver_sql("; ".join(f"DELETE FROM {table}" for table in tables))
            connection.exec_driver_sql(_restart_sequences(engine))
        else:
            for table in tables:
                connection.execute(text(f"DELETE FROM {table}"))


@cache
def _restart_sequences(engine: Engine) -> str:
    """One statement that sets every id sequence back to 1, as TRUNCATE ... RESTART IDENTITY."""
    with engine.connect() as connection:
        sequences = connection.scalars(
            text(
                "SELECT pg_get_serial_sequence(quote_ident(table_name), column_name)"
                " FROM information_schema.columns"
                " WHERE table_schema = current_schema() AND column_default LIKE 'nextval%'"
            )
        ).all()
    return "SELECT " + ", ".join(f"setval('{name}', 1, false)" for name in sequences)


@pytest.fixture
def factory(engine: Engine) -> sessionmaker[Session]:
    wipe(engine)
    return make_session_factory(engine)


@pytest.fixture
def session(factory: sessionmaker[Session]) -> Iterator[Session]:
    with factory() as session:
        yield session


@pytest.fixture
def clock() -> FrozenClock:
    """Monday 23 November 2026, 10:00 in London."""
    return FrozenClock(london(2026, 11, 23, 10, 0))


@pytest.fixture
def calendar() -> WorkingCalendar:
    return WorkingCalendar(zone=LONDON)


@pytest.fixture(scope="session")
def catalog() -> ProtocolCatalog:
    return ProtocolCatalog()


@pytest.fixture
def service(
    clock: FrozenClock, calendar: WorkingCalendar, catalog: ProtocolCatalog
) -> DisputeService:
    return DisputeService(clock=clock, calendar=calendar, catalog=catalog)


@pytest.fixture
def repo_root() -> Path:
    return Path(__file__).resolve().parent.parent
