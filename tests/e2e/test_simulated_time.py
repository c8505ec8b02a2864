"""`resolve run` on simulated time (RESOLVE_CLOCK_SPEED=3600: an hour passes each second): the
scheduler keeps pace, and disputes lapse on the simulated date, not today's."""

from __future__ import annotations

import time
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from sqlalchemy import func, select
from sqlalchemy.orm import Session, sessionmaker

from bot.clock import FrozenClock
from bot.database import read_only
from bot.slack_emulator import SlackEmulator
from models.audit import AuditEvent
from models.dispute import Dispute
from tests.conftest import london
from tests.e2e.forker import Forker
from tests.e2e.replica_setup import free_port, open_together, process_env

pytestmark = pytest.mark.long_running

DISPUTES = 20
STARTED = datetime(2026, 11, 30, 16, 0, tzinfo=UTC)  # an hour before the deadlines
POLL_SECONDS = 0.05  # how often the test reads the process's progress


def test_simulated_time_runs_the_whole_process_scheduler_included(
    database_url: str, factory: sessionmaker[Session], tmp_path: Path
) -> None:
    clock = FrozenClock(london(2026, 11, 23, 10, 0))
    with SlackEmulator() as emulator:
        # Every deadline: Monday 30 November 17:00.
        open_together(factory, emulator, clock, DISPUTES, started=STARTED)
        env = process_env(
            database_url, emulator, STARTED, RESOLVE_CLOCK_SPEED="3600", PORT=str(free_port())
        )
        forker = Forker(env, tmp_path)
        log = tmp_path / "simulated.log"
        started = time.monotonic()
        process = forker.start(env, log)
        try:
            # Ends as soon as every dispute has moved on; the long limit is for a loaded machine.
            deadline = time.monotonic() + 420
            escalated = 0
            while time.monotonic() < deadline and escalated < DISPUTES:
                assert process.alive(), log.read_text()
                with read_only(factory) as session:
                    escalated = (
                        session.scalar(
                            select(func.count())
                            .select_from(Dispute)
                            .where(Dispute.stage_index >= 1)
                        )
                        or 0
                    )
                time.sleep(POLL_SECONDS)
        finally:
            ran = time.monotonic() - started
            process.stop()
            forker.close()
    assert escalated == DISPUTES, log.read_text()[-3000:]
    with factory() as session:
        first = session.scalar(
            select(func.min(AuditEvent.created_at)).where(
                AuditEvent.kind == "stage_entered", AuditEvent.actor_id.is_(None)
            )
        )
    # Escalated on simulated time: never before the deadline, and no later than the hours of
    # simulated time the process ran (an hour each real second, from 16:00 on the Monday).
    # On real time the escalation would carry today's date instead.
    assert first is not None
    deadline = london(2026, 11, 30, 17, 0)
    assert deadline <= first <= london(2026, 11, 30, 16, 0) + timedelta(hours=ran + 1)
