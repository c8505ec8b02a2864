"""Moving protocol snapshots out of the disputes' rows keeps every dispute's protocol as it
opened under, stores each distinct snapshot once, and can be undone."""

from __future__ import annotations

import os
from collections.abc import Iterator
from pathlib import Path

import pytest
from alembic import command
from sqlalchemy import JSON, Engine, column, insert, inspect, select, table, text
from sqlalchemy.dialects.postgresql import JSONB
from sqlalchemy.engine import make_url

from bot.database import alembic_config, make_engine, make_session_factory
from bot.protocols import ProtocolCatalog
from models.dispute import Dispute
from models.snapshots import snapshot_hash
from tests.conftest import _own_database

DOCUMENT = JSON().with_variant(JSONB(), "postgresql")
OLD_DISPUTES = table(
    "disputes",
    *(column(name) for name in ("id", "reference", "protocol_key", "category", "urgency")),
    *(column(name) for name in ("raiser_id", "counterpart_id", "raiser_agency_id")),
    *(column(name) for name in ("counterpart_agency_id", "child_ref", "summary", "stage_index")),
    *(column(name) for name in ("stage_started_at", "status", "opened_at")),
    column("protocol", DOCUMENT),
)


@pytest.fixture
def empty_url(tmp_path: Path) -> Iterator[str]:
    """A database with nothing in it: SQLite, or PostgreSQL beside TEST_DATABASE_URL."""
    url = os.environ.get("TEST_DATABASE_URL")
    if url and make_url(url).get_backend_name() == "postgresql":
        with _own_database(url, f"{make_url(url).database}_snapshots") as own:
            yield own
    else:
        yield f"sqlite:///{tmp_path / 'old.sqlite3'}"


def _documents(catalog: ProtocolCatalog) -> list[dict[str, object]]:
    """Three disputes' snapshots as stored before: two alike but for key order, one amended."""
    suffolk = catalog.get("suffolk").model_dump(mode="json")
    return [
        suffolk,
        dict(reversed(list(suffolk.items()))),
        {**suffolk, "name": "Suffolk (as amended)"},
    ]


def _stored_before(engine: Engine, documents: list[dict[str, object]]) -> None:
    with engine.begin() as connection:
        connection.execute(
            text("INSERT INTO agencies (id, key, name, kind) VALUES (1, 'csc', 'CSC', 'csc')")
        )
        connection.execute(
            text(
                "INSERT INTO people (id, email, name, agency_id, role, job_title) VALUES "
                "(1, 'a@x.org', 'A', 1, 'practitioner', 'SW'), "
                "(2, 'b@x.org', 'B', 1, 'practitioner', 'SW')"
            )
        )
        opened = "2025-01-06 10:00:00+00:00"
        connection.execute(
            insert(OLD_DISPUTES),
            [
                {
                    "id": n,
                    "reference": f"RPD-2025-{n:04d}",
                    "protocol_key": "suffolk",
                    "protocol": document,
                    "category": "other",
                    "urgency": "standard",
                    "raiser_id": 1,
                    "counterpart_id": 2,
                    "raiser_agency_id": 1,
                    "counterpart_agency_id": 1,
                    "child_ref": "CS-555001",
                    "summary": "A summary",
                    "stage_index": 0,
                    "stage_started_at": opened,
                    "status": "open",
                    "opened_at": opened,
                }
                for n, document in enumerate(documents, start=1)
            ],
        )


def test_each_dispute_keeps_its_snapshot_through_the_move_and_back(
    empty_url: str, catalog: ProtocolCatalog
) -> None:
    config = alembic_config(empty_url)
    command.upgrade(config, "0017")
    engine = make_engine(empty_url)
    documents = _documents(catalog)
    _stored_before(engine, documents)

    command.upgrade(config, "0018")
    with engine.connect() as connection:
        stored = connection.execute(text("SELECT hash FROM protocol_snapshots")).scalars().all()
        hashes = dict(connection.execute(text("SELECT id, protocol_hash FROM disputes")).all())
    assert sorted(stored) == sorted({snapshot_hash(documents[0]), snapshot_hash(documents[2])})
    assert hashes == {n: snapshot_hash(d) for n, d in enumerate(documents, start=1)}
    command.upgrade(config, "head")  # the models describe the newest schema
    with make_session_factory(engine)() as session:
        names = [session.get(Dispute, n).protocol_snapshot.name for n in (1, 2, 3)]
    assert names == [catalog.get("suffolk").name] * 2 + ["Suffolk (as amended)"]

    command.downgrade(config, "0017")
    with engine.connect() as connection:
        restored = connection.execute(
            select(OLD_DISPUTES.c.protocol).order_by(OLD_DISPUTES.c.id)
        ).scalars()
        assert list(restored) == documents
    assert not inspect(engine).has_table("protocol_snapshots")
    engine.dispose()
