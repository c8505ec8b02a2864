"""Each stage records when it ended: at the dispute's next move, by hand or on a lapse, alone or
in a sweep's batch, and at its closure; a reopening starts a stage of its own. The stage's
notices are superseded with it. The report reads those ends for its timescale compliance, the
lists of what awaits people read the notices', and existing histories are filled in by
migration."""

from __future__ import annotations

import os
from collections.abc import Iterator
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from uuid import uuid4

import pytest
from alembic import command
from alembic.config import Config
from sqlalchemy import DateTime, Engine, column, insert, inspect, select, table, text
from sqlalchemy.engine import make_url

from bot.database import alembic_config, make_engine
from bot.services.report import ReportService
from models.dispute import Dispute
from tests.conftest import _own_database, london
from tests.services.test_disputes import open_dispute


def ends(dispute: Dispute) -> list[tuple[str, datetime | None]]:
    return [(t.trigger, t.ended_at) for t in dispute.transitions]


def superseded(dispute: Dispute) -> list[list[bool]]:
    """Whether each stage's notices are superseded, stage by stage."""
    return [[n.superseded for n in t.notices] for t in dispute.transitions]


def test_escalating_by_hand_ends_the_stage_it_leaves(service, session, people, clock):
    dispute = open_dispute(service, session, people).transition.dispute
    clock.advance(timedelta(hours=3))
    service.escalate(session=session, dispute=dispute, actor=people["pol_dc"], reason="Stuck")
    session.expire_all()
    assert ends(dispute) == [("opened", clock.now()), ("manual", None)]
    assert superseded(dispute) == [[True], [False, False]]


def test_a_lapse_ends_the_stage_alone_or_in_a_sweep_batch(service, session, people, clock):
    one = open_dispute(service, session, people).transition.dispute
    two = open_dispute(service, session, people).transition.dispute
    assert one.deadline_at is not None and one.deadline_at == two.deadline_at
    clock.set(one.deadline_at + timedelta(minutes=1))
    assert service.escalate_lapsed(session=session, dispute=one) is not None
    clock.advance(timedelta(minutes=5))
    (entry,) = service.escalate_lapsed_many(session=session, disputes=[two])
    assert entry is not None
    session.expire_all()
    assert ends(one) == [
        ("opened", one.transitions[1].created_at),
        ("timescale lapsed", None),
    ]
    assert ends(two) == [("opened", clock.now()), ("timescale lapsed", None)]
    assert superseded(one) == superseded(two) == [[True], [False, False]]
    assert one.transitions[1].created_at == clock.now() - timedelta(minutes=5)


def test_closing_ends_the_stage_and_reopening_starts_one(service, session, people, clock):
    dispute = open_dispute(service, session, people).transition.dispute
    clock.advance(timedelta(days=1))
    closed_at = clock.now()
    service.resolve(
        session=session,
        dispute=dispute,
        actor=people["csc_sw"],
        outcome="resolved",
        summary="Agreed to re-screen.",
    )
    clock.advance(timedelta(days=2))
    service.reopen(session=session, dispute=dispute, actor=people["pol_dc"], reason="No change.")
    session.expire_all()
    assert ends(dispute) == [("opened", closed_at), ("reopened", None)]
    assert superseded(dispute) == [[True], [False]]


def test_a_stage_closed_in_time_counts_in_time_though_reopened_after_its_deadline(
    service, session, people, clock, calendar
):
    clock.set(london(2026, 3, 2, 10, 0))
    dispute = open_dispute(service, session, people).transition.dispute
    deadline = dispute.deadline_at
    assert deadline is not None
    clock.advance(timedelta(hours=2))
    service.resolve(
        session=session,
        dispute=dispute,
        actor=people["csc_sw"],
        outcome="resolved",
        summary="Agreed to re-screen.",
    )
    clock.set(deadline + timedelta(days=1))
    service.reopen(session=session, dispute=dispute, actor=people["pol_dc"], reason="No change.")
    session.flush()
    figures = ReportService(calendar).figures(session, date(2026, 3, 1), date(2026, 3, 31))
    # Entered twice: left in time by the closure, then still open past the new deadline.
    first = figures.compliance[0]
    assert dispute.transitions[1].deadline_at < london(2026, 4, 1, 0, 0)
    assert (first.entered, first.timed, first.in_time, first.overran) == (2, 2, 1, 1)


INSTANT = DateTime(timezone=True)
TRANSITIONS = table(
    "stage_transitions",
    *(column(name) for name in ("id", "dispute_id", "from_stage", "to_stage", "trigger")),
    column("created_at", INSTANT),
    column("missing"),
)
RESOLUTIONS = table(
    "resolutions",
    *(column(name) for name in ("id", "dispute_id", "outcome", "stage_index", "summary")),
    *(column(name) for name in ("refer_to_partnership", "resolved_by_id")),
    column("resolved_at", INSTANT),
    column("reopened_at", INSTANT),
)


@pytest.fixture
def empty_url(tmp_path: Path) -> Iterator[str]:
    """A database with nothing in it: SQLite, or PostgreSQL beside TEST_DATABASE_URL, named
    afresh for each test (the one before is dropped in the background)."""
    url = os.environ.get("TEST_DATABASE_URL")
    if url and make_url(url).get_backend_name() == "postgresql":
        name = f"{make_url(url).database}_stage_ends_{uuid4().hex[:8]}"
        with _own_database(url, name) as own:
            yield own
    else:
        yield f"sqlite:///{tmp_path / 'old.sqlite3'}"


def at(day: int, hour: int = 10) -> datetime:
    return datetime(2025, 1, day, hour, tzinfo=UTC)


def _stored_before(engine: Engine) -> None:
    """Three disputes as stored before stages kept their ends: one escalated twice and open;
    one closed; one closed, reopened, escalated and closed again."""
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
        hashed = "0" * 64
        connection.execute(
            text("INSERT INTO protocol_snapshots (hash, document) VALUES (:h, '{}')"),
            {"h": hashed},
        )
        for n, status in ((1, "open"), (2, "closed"), (3, "closed")):
            connection.execute(
                text(
                    "INSERT INTO disputes (id, reference, protocol_key, protocol_hash, category, "
                    "urgency, raiser_id, counterpart_id, raiser_agency_id, counterpart_agency_id, "
                    "child_ref, summary, stage_index, stage_started_at, status, opened_at) VALUES "
                    f"({n}, 'RPD-2025-000{n}', 'suffolk', :h, 'other', 'standard', 1, 2, 1, 1, "
                    f"'x', 'y', 0, :opened, '{status}', :opened)"
                ),
                {"h": hashed, "opened": "2025-01-01 10:00:00"},
            )
        moves = [
            (1, 0, "opened", at(1)),
            (1, 1, "timescale lapsed", at(3)),
            (1, 2, "manual", at(6)),
            (2, 0, "opened", at(1)),
            (3, 0, "opened", at(1)),
            (3, 0, "reopened", at(9)),
            (3, 1, "manual", at(10)),
        ]
        connection.execute(
            insert(TRANSITIONS),
            [
                {
                    "id": k,
                    "dispute_id": dispute,
                    "from_stage": None,
                    "to_stage": stage,
                    "trigger": trigger,
                    "created_at": when,
                    "missing": "[]",
                }
                for k, (dispute, stage, trigger, when) in enumerate(moves, start=1)
            ],
        )
        closures = [(2, at(4), None), (3, at(2), at(9)), (3, at(12), None)]
        connection.execute(
            insert(RESOLUTIONS),
            [
                {
                    "id": k,
                    "dispute_id": dispute,
                    "outcome": "resolved",
                    "stage_index": 0,
                    "summary": "z",
                    "refer_to_partnership": False,
                    "resolved_by_id": 1,
                    "resolved_at": resolved,
                    "reopened_at": reopened,
                }
                for k, (dispute, resolved, reopened) in enumerate(closures, start=1)
            ],
        )


def _ended(engine: Engine) -> list[datetime | None]:
    ended = table("stage_transitions", column("id"), column("ended_at", INSTANT))
    with engine.connect() as connection:
        found = connection.execute(select(ended.c.ended_at).order_by(ended.c.id)).scalars()
        return [e.replace(tzinfo=UTC) if e and e.tzinfo is None else e for e in found]


@pytest.fixture
def stored_before(empty_url: str) -> Iterator[tuple[Config, Engine]]:
    """The three disputes of `_stored_before` in a database at revision 0018."""
    config = alembic_config(empty_url)
    command.upgrade(config, "0018")
    engine = make_engine(empty_url)
    _stored_before(engine)
    yield config, engine
    engine.dispose()


def test_existing_stages_get_their_ends_and_lose_them_on_downgrade(
    stored_before: tuple[Config, Engine],
) -> None:
    config, engine = stored_before
    command.upgrade(config, "0019")
    assert _ended(engine) == [at(3), at(6), None, at(4), at(2), at(10), at(12)]
    indexes = {
        i["name"]: i["column_names"] for i in inspect(engine).get_indexes("stage_transitions")
    }
    assert indexes["ix_stage_transitions_history"][-1] == "ended_at"

    command.downgrade(config, "0018")
    columns = [c["name"] for c in inspect(engine).get_columns("stage_transitions")]
    assert "ended_at" not in columns
    with engine.connect() as connection:
        assert connection.execute(text("SELECT count(*) FROM stage_transitions")).scalar() == 7


def test_existing_disputes_get_their_stage_reached_and_escalations(
    stored_before: tuple[Config, Engine],
) -> None:
    config, engine = stored_before
    command.upgrade(config, "0021")
    kept = text(
        "SELECT stage_reached, lapsed_escalations, manual_escalations FROM disputes ORDER BY id"
    )
    with engine.connect() as connection:
        assert [tuple(row) for row in connection.execute(kept)] == [(2, 1, 1), (0, 0, 0), (1, 0, 1)]

    command.downgrade(config, "0020")
    columns = {c["name"] for c in inspect(engine).get_columns("disputes")}
    assert not columns & {"stage_reached", "lapsed_escalations", "manual_escalations"}


def test_existing_notices_are_superseded_where_their_stage_ended(
    stored_before: tuple[Config, Engine],
) -> None:
    config, engine = stored_before
    command.upgrade(config, "0022")
    with engine.begin() as connection:
        connection.execute(
            text(
                "INSERT INTO stage_notices (transition_id, dispute_id, person_id, side, "
                "explanation, kind) SELECT id, dispute_id, 2, 'counterpart', 'x', 'acting' "
                "FROM stage_transitions ORDER BY id"
            )
        )
    command.upgrade(config, "0023")
    flags = text("SELECT superseded FROM stage_notices ORDER BY transition_id")
    with engine.connect() as connection:
        # only the open dispute's current stage (transition 3) has not ended
        assert [bool(f) for f in connection.execute(flags).scalars()] == [
            True,
            True,
            False,
            True,
            True,
            True,
            True,
        ]
    indexes = {i["name"] for i in inspect(engine).get_indexes("stage_notices")}
    assert "ix_stage_notices_awaiting" in indexes

    command.downgrade(config, "0022")
    columns = {c["name"] for c in inspect(engine).get_columns("stage_notices")}
    assert "superseded" not in columns
    indexes = {i["name"] for i in inspect(engine).get_indexes("stage_notices")}
    assert "ix_stage_notices_awaiting" not in indexes
