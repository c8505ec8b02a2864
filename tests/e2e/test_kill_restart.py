"""`resolve run` killed (SIGKILL) at seeded random moments while 50 disputes lapse one after
another, and restarted each time: every dispute escalates exactly once and every queued message
reaches Slack. The README promises at-least-once delivery, so a message may arrive twice when a
process dies between Slack accepting it and the database recording that; none may be lost.

The processes are forked from an interpreter that has already imported the bot (`forker`), so
sixteen restarts take seconds even on a busy machine; each runs the `resolve run` command, and
the test learns the moment a killed one has gone."""

from __future__ import annotations

import os
import random
import signal
import time
from collections import Counter
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path
from urllib.error import URLError
from urllib.request import urlopen

import pytest
from sqlalchemy import func, select, update
from sqlalchemy.orm import Session, sessionmaker

from bot.clock import FrozenClock
from bot.database import read_only, transaction
from bot.protocols import ProtocolCatalog
from bot.services.disputes import DisputeService
from bot.slack_emulator import SlackEmulator
from bot.working_days import WorkingCalendar
from models.audit import AuditEvent
from models.dispute import Dispute, StageTransition
from models.outbox import OutboxKind, OutboxMessage, OutboxStatus
from models.schedule import DigestRun
from tests.conftest import LONDON, london
from tests.e2e.forker import Forked, Forker
from tests.e2e.replica_setup import free_port, report_sent, two_agencies

pytestmark = pytest.mark.long_running

DISPUTES = 50
KILLS = 16
SLOTS = 3  # replicas running at once, each killed and restarted on its own schedule
SPEED = 60  # simulated seconds per real second: a two-minute lease lasts two real seconds
LAPSE_FROM = datetime(2026, 11, 30, 17, 0, 5, tzinfo=UTC)  # after close on Monday 30 November
LAPSE_EVERY = timedelta(seconds=10)  # simulated: the 50 deadlines fall over 8 real seconds
SEED = 20261130
TIMEOUT = 100  # real seconds for the whole run, kills included


def seed(factory: sessionmaker[Session], emulator: SlackEmulator) -> None:
    """Ten practitioners a side with their managers, and 50 disputes whose deadlines fall one
    after another from LAPSE_FROM."""
    clock = FrozenClock(london(2026, 11, 23, 10, 0))
    with transaction(factory) as session:
        sides = two_agencies(session, emulator, 10)
        session.flush()
        service = DisputeService(
            clock=clock, calendar=WorkingCalendar(zone=LONDON), catalog=ProtocolCatalog()
        )
        for n in range(DISPUTES):
            entry = service.open(
                session=session,
                protocol_key="suffolk",
                category="referral-threshold",
                raiser=sides[1][n % 10],
                counterpart=sides[0][(n * 3) % 10],
                child_ref=f"CS-{n:05d}",
                summary=f"Dispute {n}",
            )
            # Stagger the deadlines so that lapses keep coming while processes die.
            deadline = LAPSE_FROM + n * LAPSE_EVERY
            entry.transition.dispute.deadline_at = deadline
            entry.transition.deadline_at = deadline
        session.flush()
        session.execute(update(OutboxMessage).values(status=OutboxStatus.SENT))  # opening's
        # This evening's digests went out this morning; they are not what this test is about.
        session.add_all(
            DigestRun(period=period, created_at=LAPSE_FROM - timedelta(hours=8))
            for period in ("daily:2026-11-30", "weekly:2026-W49")
        )
        report_sent(session, LAPSE_FROM - timedelta(hours=8))


@dataclass
class Replica:
    process: Forked
    port: int
    ready: bool = False
    kill_at: float | None = None


class Cluster:
    """Starts `resolve run` processes whose simulated clocks agree, however often restarted."""

    def __init__(self, env: dict[str, str], logs: Path) -> None:
        self.env = env
        self.logs = logs
        self.started = time.monotonic()
        self.count = 0
        self.forker = Forker(env, logs)

    def now(self) -> datetime:
        """Simulated time: LAPSE_FROM, less a little, when the test began."""
        elapsed = time.monotonic() - self.started
        return LAPSE_FROM - timedelta(seconds=5) + timedelta(seconds=elapsed * SPEED)

    def start(self) -> Replica:
        self.count += 1
        port = free_port()
        env = self.env | {"PORT": str(port), "RESOLVE_CLOCK_START": self.now().isoformat()}
        return Replica(self.forker.start(env, self.logs / f"run-{self.count}.log"), port)


def is_up(replica: Replica) -> bool:
    try:
        with urlopen(f"http://127.0.0.1:{replica.port}/health", timeout=0.2) as answer:
            return answer.status == 200
    except (URLError, OSError):
        return False


def outstanding(factory: sessionmaker[Session]) -> tuple[int, int]:
    """Disputes not yet escalated, and messages not yet sent."""
    with read_only(factory) as session:
        waiting = session.scalar(
            select(func.count()).select_from(Dispute).where(Dispute.stage_index == 0)
        )
        pending = session.scalar(
            select(func.count())
            .select_from(OutboxMessage)
            .where(OutboxMessage.status == OutboxStatus.PENDING)
        )
    return waiting or 0, pending or 0


def test_killed_and_restarted_replicas_escalate_once_and_lose_no_message(
    database_url: str, factory: sessionmaker[Session], emulator: SlackEmulator, tmp_path: Path
) -> None:
    seed(factory, emulator)
    emulator.reset_calls()
    # Slack answers a little slowly, so deaths also land between sending and recording.
    emulator.slow_next("chat.postMessage", seconds=0.01, times=100_000)
    cluster = Cluster(
        {
            **os.environ,
            "DATABASE_URL": database_url,
            "SLACK_BOT_TOKEN": "xoxb-restart",
            "SLACK_SIGNING_SECRET": "restart-secret",
            "SLACK_API_URL": emulator.base_url,
            "RESOLVE_CLOCK_SPEED": str(SPEED),
            "RESOLVE_SWEEP_SECONDS": str(SPEED // 2),  # every half a real second
            "RESOLVE_OUTBOX_PACING_SECONDS": "0",
        },
        tmp_path,
    )
    rng = random.Random(SEED)
    replicas = [cluster.start() for _ in range(SLOTS)]
    kills = busy = 0  # busy: kills that came with escalations or messages outstanding
    deadline = time.monotonic() + TIMEOUT
    try:
        while kills < KILLS or outstanding(factory) != (0, 0):
            assert time.monotonic() < deadline, f"not done after {kills} kills; see {tmp_path}"
            for n, replica in enumerate(replicas):
                assert replica.process.alive(), replica.process.log.read_text()[-2000:]
                if kills >= KILLS:
                    continue
                if not replica.ready and is_up(replica):
                    # Killed at a random moment once it is serving: while sweeping,
                    # sending, or idle between the two.
                    replica.ready = True
                    replica.kill_at = time.monotonic() + rng.uniform(0.0, 2.0)
                if replica.kill_at is not None and time.monotonic() >= replica.kill_at:
                    replica.process.stop(signal.SIGKILL)
                    kills += 1
                    busy += outstanding(factory) != (0, 0)
                    replicas[n] = cluster.start()
            time.sleep(0.05)  # a short poll of the database and the replicas
    finally:
        for replica in replicas:
            replica.process.stop(signal.SIGKILL)
        cluster.forker.close()
    assert kills >= KILLS
    assert busy >= KILLS // 2, f"only {busy} kills came while work was outstanding"

    with factory() as session:
        stages = Counter(session.scalars(select(Dispute.stage_index)))
        entered = Counter(
            session.scalars(select(AuditEvent.dispute_id).where(AuditEvent.kind == "stage_entered"))
        )
        moves = Counter(
            session.scalars(select(StageTransition.dispute_id).where(StageTransition.to_stage == 1))
        )
        references = set(session.scalars(select(Dispute.reference)))
        rows = session.scalars(
            select(OutboxMessage).where(
                OutboxMessage.kind.in_(
                    [
                        OutboxKind.DIRECT,
                        OutboxKind.REMINDER,
                        OutboxKind.CHANNEL,
                        OutboxKind.CONVERSATION,
                    ]
                )
            )
        ).all()
        statuses = Counter(session.scalars(select(OutboxMessage.status)))
    # Each dispute moved exactly one stage: opened, then escalated once.
    assert stages == {1: DISPUTES}
    assert set(entered.values()) == {2} and len(entered) == DISPUTES
    assert set(moves.values()) == {1} and len(moves) == DISPUTES
    assert statuses == {OutboxStatus.SENT: sum(statuses.values())}

    # Every queued message reached Slack, in the channel the database says (at least once).
    posted = Counter(
        (c.params.get("channel"), c.params.get("text"))
        for c in emulator.calls("chat.postMessage")
        if c.status == 200
    )
    assert rows
    lost = [r.id for r in rows if posted[(r.result or {}).get("channel"), r.payload["text"]] == 0]
    assert lost == []
    # And Slack saw each dispute move to stage 2, and never further.
    texts = [text for _, text in posted]
    for reference in references:
        assert any(reference in t and "Stage 2" in t for t in texts), reference
    assert not any("Stage 3" in t for t in texts)
