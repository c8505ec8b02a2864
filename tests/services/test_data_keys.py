"""Data keys: rotation re-seals everything with the newest key, rows stored before encryption are
sealed by the same command, and the bot refuses to start without a key."""

from __future__ import annotations

import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest
from alembic import command
from click.testing import CliRunner
from sqlalchemy import Engine, select, text

from bot.cli import cli
from bot.commands.common import Context
from bot.database import alembic_config, make_engine, make_session_factory
from bot.services.audit_verify import verify_chain
from bot.services.data_keys import rotate
from models.all import Base
from models.dispute import Dispute
from models.encrypted import DataKeyError, KeyRing, use_keys
from tests.e2e.test_child_data_at_rest import on_disk
from tests.services.test_disputes import open_dispute

SUMMARY = "Referral refused as below threshold; police believe section 47 is met."


@pytest.fixture
def restore_keys(data_keys: str) -> Iterator[None]:
    yield
    use_keys(KeyRing.parse(data_keys))


def raw_rows(engine: Engine) -> str:
    with engine.connect() as connection:
        return "\n".join(
            repr(connection.exec_driver_sql(f"SELECT * FROM {t.name}").all())
            for t in Base.metadata.sorted_tables
        )


def test_rotation_reseals_with_the_newest_key_and_is_idempotent(
    service, session, people, engine, data_keys, restore_keys
):
    open_dispute(service, session, people)
    session.commit()
    session.close()
    assert "v1:test:" in raw_rows(engine)

    newest = KeyRing.generate("new")
    both = KeyRing.parse(f"{newest},{data_keys}")
    assert rotate(engine, both, batch=2) > 0
    rows = raw_rows(engine)
    assert "v1:test:" not in rows and "v1:new:" in rows
    assert rotate(engine, both) == 0

    use_keys(KeyRing.parse(newest))  # the old key can now be dropped
    with make_session_factory(engine)() as fresh:
        dispute = fresh.scalars(select(Dispute)).one()
        assert (dispute.child_ref, dispute.summary) == ("CS-104233", SUMMARY)
        assert verify_chain(fresh).first_break is None


def test_a_value_sealed_with_a_dropped_key_says_which_key(
    service, session, people, engine, restore_keys
):
    open_dispute(service, session, people)
    session.commit()
    session.close()
    use_keys(KeyRing.parse(KeyRing.generate("other")))
    with make_session_factory(engine)() as fresh, pytest.raises(DataKeyError) as refused:
        fresh.scalars(select(Dispute)).one()
    assert "sealed with key 'test', which RESOLVE_DATA_KEYS does not hold" in str(refused.value)
    assert "CS-104233" not in str(refused.value)


def test_rows_stored_before_encryption_read_as_they_are_until_rotation_seals_them(
    tmp_path: Path, data_keys: str
):
    path = tmp_path / "old.sqlite3"
    url = f"sqlite:///{path}"
    command.upgrade(alembic_config(url), "0003")
    engine = make_engine(url)
    with engine.begin() as connection:
        for sql in (
            "INSERT INTO agencies (id, key, name, kind) VALUES (1, 'csc', 'CSC', 'csc')",
            "INSERT INTO people (id, email, name, agency_id, role, job_title) VALUES "
            "(1, 'a@x.org', 'A', 1, 'practitioner', 'SW'), "
            "(2, 'b@x.org', 'B', 1, 'practitioner', 'SW')",
            "INSERT INTO disputes (id, reference, protocol_key, protocol, category, urgency, "
            "raiser_id, counterpart_id, raiser_agency_id, counterpart_agency_id, child_ref, "
            "summary, stage_index, stage_started_at, status, opened_at) VALUES (1, "
            "'RPD-2025-0001', 'suffolk', '{}', 'other', 'standard', 1, 2, 1, 1, 'CS-555001', "
            "'A plain summary from before', 0, '2025-01-06 10:00:00', 'open', "
            "'2025-01-06 10:00:00')",
            "INSERT INTO audit_events (dispute_id, actor_id, kind, detail, created_at) VALUES "
            "(1, 1, 'opened', '{\"category\": \"other\"}', '2025-01-06 10:00:00'), "
            "(1, NULL, 'stage_entered', '{\"reason\": \"x\"}', '2025-01-06 10:00:01')",
        ):
            connection.execute(text(sql))
    command.upgrade(alembic_config(url), "head")

    factory = make_session_factory(engine)
    with factory() as session:
        assert session.get(Dispute, 1).summary == "A plain summary from before"
        assert verify_chain(session).checked == 2
        assert verify_chain(session).first_break is None
    assert on_disk(path, "CS-555001")

    assert rotate(engine, KeyRing.parse(data_keys)) == 3  # the dispute and both events
    assert not on_disk(path, "CS-555001")
    assert not on_disk(path, "A plain summary")
    with factory() as session:
        dispute = session.get(Dispute, 1)
        assert (dispute.child_ref, dispute.summary) == ("CS-555001", "A plain summary from before")
        assert verify_chain(session).first_break is None
    engine.dispose()


def run_bot(tmp_path: Path, **env: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "bot", "run"],
        capture_output=True,
        text=True,
        env={
            "PATH": "/usr/bin:/bin",
            "DATABASE_URL": f"sqlite:///{tmp_path}/x.db",
            "SLACK_BOT_TOKEN": "xoxb-1",
            "SLACK_SIGNING_SECRET": "s",
            **env,
        },
        cwd=tmp_path,
        check=False,
        timeout=60,
    )


def test_run_refuses_to_start_without_keys(tmp_path: Path):
    completed = run_bot(tmp_path)
    assert completed.returncode == 2
    assert completed.stderr.strip() == (
        "RESOLVE_DATA_KEYS is not set, so child data cannot be sealed or read. Make a key with "
        "`resolve keys generate` and set RESOLVE_DATA_KEYS to it (see the README)."
    )


def test_a_malformed_key_is_one_line(tmp_path: Path):
    completed = run_bot(tmp_path, RESOLVE_DATA_KEYS="k1:c2hvcnQ=")
    assert completed.returncode == 2
    assert completed.stderr.strip() == (
        "RESOLVE_DATA_KEYS is not valid: key 'k1' must be 32 bytes (256 bits)."
    )


def test_generate_prints_a_key_the_setting_takes(database_url, factory):
    # `factory` empties the database first: no row another test sealed is left to re-seal.
    made = CliRunner().invoke(cli, ["keys", "generate", "--id", "2027a"], obj=Context())
    assert made.exit_code == 0
    ring = KeyRing.parse(made.output.strip())
    assert ring.current_id == "2027a" and len(ring.keys[0].secret) == 32
    rotated = CliRunner().invoke(
        cli, ["keys", "rotate"], env={"DATABASE_URL": database_url}, obj=Context()
    )
    assert rotated.output == "0 rows re-sealed with key 'test'.\n"


def test_a_command_reading_child_data_without_keys_is_one_line(
    service, session, people, database_url
):
    dispute = open_dispute(service, session, people).transition.dispute
    session.commit()
    completed = subprocess.run(
        [sys.executable, "-m", "bot", "directory", "who", "--dispute", dispute.reference],
        capture_output=True,
        text=True,
        env={"PATH": "/usr/bin:/bin", "DATABASE_URL": database_url},
        check=False,
        timeout=60,
    )
    assert completed.returncode == 2, completed.stderr
    assert "Traceback" not in completed.stderr
    assert completed.stderr.strip().startswith("RESOLVE_DATA_KEYS: no data keys are loaded")
    assert len(completed.stderr.strip().splitlines()) == 1
