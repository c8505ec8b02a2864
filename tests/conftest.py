"""Shared fixtures: a migrated database (SQLite, or PostgreSQL via TEST_DATABASE_URL), a clock
the tests move, and the dispute service wired to them."""

from __future__ import annotations

import os
from collections.abc import Iterator
from datetime import datetime
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest
from sqlalchemy import Engine, text
from sqlalchemy.orm import Session, sessionmaker

from bot.clock import FrozenClock
from bot.database import make_engine, make_session_factory, upgrade
from bot.protocols import ProtocolCatalog
from bot.services.disputes import DisputeService
from bot.working_days import WorkingCalendar
from models.all import Base
from models.encrypted import KeyRing, use_keys

LONDON = ZoneInfo("Europe/London")


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
def database_url(tmp_path_factory: pytest.TempPathFactory) -> str:
    url = os.environ.get("TEST_DATABASE_URL")
    if url:
        return url
    return f"sqlite:///{tmp_path_factory.mktemp('db') / 'resolve.sqlite3'}"


@pytest.fixture(scope="session")
def engine(database_url: str) -> Iterator[Engine]:
    upgrade(database_url)
    engine = make_engine(database_url)
    yield engine
    engine.dispose()


def wipe(engine: Engine) -> None:
    """Empties every table so each test starts from nothing."""
    tables = [t.name for t in reversed(Base.metadata.sorted_tables)]
    with engine.begin() as connection:
        if engine.dialect.name == "postgresql":
            connection.execute(text(f"TRUNCATE {', '.join(tables)} RESTART IDENTITY CASCADE"))
        else:
            for table in tables:
                connection.execute(text(f"DELETE FROM {table}"))


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
