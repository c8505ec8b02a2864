"""Several bot processes against one database escalate every dispute once and send every
message once — real `resolve run` processes, 100 disputes falling due together: four sweep
batches of 25, so on PostgreSQL the replicas share the escalations as well as the sending.

The processes are forked from an interpreter that has already imported the bot (`forker`)."""

from __future__ import annotations

import time
from collections import Counter
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path

import pytest
from sqlalchemy import func, select
from sqlalchemy.orm import Session, sessionmaker

from bot.clock import FrozenClock
from bot.database import read_only
from bot.services.audit_verify import verify_chain
from bot.slack_emulator import SlackEmulator
from models.audit import AuditEvent
from models.dispute import Dispute, StageNotice, StageTransition
from models.outbox import OutboxMessage
from tests.conftest import london
from tests.e2e.forker import Forked, Forker
from tests.e2e.replica_setup import free_port, open_together, process_env

pytestmark = pytest.mark.long_running

DISPUTES = 100
BATCH = 25  # lapsed stages a sweep transaction escalates (RESOLVE_SWEEP_BATCH)
REPLICAS = 3
STARTED = datetime(2026, 11, 30, 17, 0, 1, tzinfo=UTC)
POLL_SECONDS = 0.05  # how often the test reads the replicas' progress (never taking the write lock)


@pytest.fixture
def replicas(
    database_url: str, factory: sessionmaker[Session], tmp_path: Path
) -> Iterator[tuple[SlackEmulator, list[Forked]]]:
    with SlackEmulator() as emulator:
        opened = FrozenClock(london(2026, 11, 23, 10, 0))
        open_together(factory, emulator, opened, DISPUTES, started=STARTED)
        # Every replica's clock starts just after all the deadlines (Monday 30 November).
        env = process_env(
            database_url,
            emulator,
            STARTED,
            RESOLVE_CLOCK_SPEED="1",
            RESOLVE_SWEEP_SECONDS="1",
            RESOLVE_SWEEP_BATCH=str(BATCH),
        )
        forker = Forker(env, tmp_path)
        processes = [
            forker.start(env | {"PORT": str(free_port())}, tmp_path / f"replica-{n}.log")
            for n in range(REPLICAS)
        ]
        try:
            yield emulator, processes
        finally:
            for process in processes:
                process.stop()
            forker.close()


def test_replicas_escalate_and_send_exactly_once(
    replicas: tuple[SlackEmulator, list[Forked]],
    factory: sessionmaker[Session],
) -> None:
    emulator, processes = replicas
    deadline = time.monotonic() + 240
    while time.monotonic() < deadline:
        assert all(p.alive() for p in processes), "a replica died"
        with read_only(factory) as session:
            escalated = session.scalar(
                select(func.count()).select_from(Dispute).where(Dispute.stage_index == 1)
            )
            pending = session.scalar(
                select(func.count())
                .select_from(OutboxMessage)
                .where(OutboxMessage.status != "sent")
            )
        if escalated == DISPUTES and pending == 0:
            break
        time.sleep(POLL_SECONDS)
    assert escalated == DISPUTES and pending == 0, (escalated, pending)

    with factory() as session:
        entered = Counter(
            session.scalars(select(AuditEvent.dispute_id).where(AuditEvent.kind == "stage_entered"))
        )
        messages = session.scalar(
            select(func.count())
            .select_from(OutboxMessage)
            .where(OutboxMessage.kind.in_(["direct", "channel", "conversation"]))
        )
        # every notice of the stage each lapse entered was announced and sent, once
        lapsed = select(StageNotice.id).join(StageTransition).where(StageTransition.to_stage == 1)
        notices = set(session.scalars(lapsed))
        sent = Counter(
            session.scalars(
                select(OutboxMessage.notice_id).where(
                    OutboxMessage.kind == "direct", OutboxMessage.notice_id.in_(lapsed)
                )
            )
        )
        chains = verify_chain(session)
    assert notices and set(sent) == notices and set(sent.values()) == {1}
    assert set(entered.values()) == {2}  # opened, then escalated exactly once
    assert chains.first_break is None  # three writers, and every dispute's chain is whole
    posted = [c for c in emulator.calls("chat.postMessage") if c.status == 200]
    assert len(posted) == messages
    keys = Counter((c.params.get("channel"), c.params.get("text")) for c in posted)
    assert max(keys.values()) == 1, "a message was sent twice"
    created = [c for c in emulator.calls("conversations.create") if c.status == 200]
    assert len(created) == DISPUTES
