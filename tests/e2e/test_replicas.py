"""Several bot processes against one database escalate every dispute once and send every
message once — real `resolve run` processes, 500 disputes falling due together."""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import time
from collections import Counter
from collections.abc import Iterator
from datetime import datetime, timedelta
from pathlib import Path

import pytest
from sqlalchemy import func, select
from sqlalchemy.orm import Session, sessionmaker

from bot.clock import FrozenClock
from bot.database import read_only, transaction
from bot.protocols import ProtocolCatalog
from bot.services.audit_verify import verify_chain
from bot.services.disputes import DisputeService
from bot.slack_emulator import SlackEmulator
from bot.working_days import WorkingCalendar
from models.audit import AuditEvent
from models.directory import Agency, Person
from models.dispute import Dispute
from models.outbox import OutboxMessage
from tests.conftest import LONDON, london
from tests.e2e.row_copies import Rows, copy_rows, restore_rows

pytestmark = pytest.mark.long_running

DISPUTES = 500
REPLICAS = 3
PAIRS = 50  # practitioners per agency, each with their own manager
POLL_SECONDS = 0.05  # how often the tests read the replicas' progress (never taking the write lock)


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def two_agencies(session: Session, emulator: SlackEmulator, pairs: int) -> list[list[Person]]:
    """Children's social care and police, `pairs` practitioners each with a manager of their own,
    also known to the emulator; returns each side's practitioners."""
    sides = []
    for key, name, kind in (
        ("csc", "Social Care", "childrens_social_care"),
        ("police", "Police", "police"),
    ):
        agency = Agency(key=key, name=f"Northshire {name}", kind=kind)
        practitioners = []
        for n in range(pairs):
            manager = Person(
                email=f"{key}-m{n}@x.example",
                name=f"{name} Manager {n}",
                slack_user_id=f"U{key.upper()}M{n}",
                agency=agency,
                role="line_manager",
                job_title="Manager",
            )
            worker = Person(
                email=f"{key}-p{n}@x.example",
                name=f"{name} Worker {n}",
                slack_user_id=f"U{key.upper()}P{n}",
                agency=agency,
                role="practitioner",
                job_title="Practitioner",
                line_manager=manager,
            )
            session.add_all([manager, worker])
            practitioners.append(worker)
            for person in (manager, worker):
                emulator.add_user(person.slack_user_id, person.name, person.email)
        sides.append(practitioners)
    return sides


# The rows the first seed in this process left, by the time it opened the disputes.
_SEEDED: dict[datetime, Rows] = {}


def seed(factory: sessionmaker[Session], emulator: SlackEmulator, clock: FrozenClock) -> None:
    """A directory of PAIRS practitioners a side, and DISPUTES disputes opened at once: through
    the service the first time, then as a copy of the rows that left, in a fraction of the time."""
    copied = _SEEDED.get(clock.now())
    if copied is not None:
        restore_rows(factory, copied)
        with factory() as session:
            for person in session.scalars(select(Person)):
                emulator.add_user(person.slack_user_id, person.name, person.email)
        return
    with transaction(factory) as session:
        sides = two_agencies(session, emulator, PAIRS)
        session.flush()
        service = DisputeService(
            clock=clock, calendar=WorkingCalendar(zone=LONDON), catalog=ProtocolCatalog()
        )
        for n in range(DISPUTES):
            service.open(
                session=session,
                protocol_key="suffolk",
                category="referral-threshold",
                raiser=sides[1][n % PAIRS],
                counterpart=sides[0][(n * 7) % PAIRS],
                child_ref=f"CS-{n:05d}",
                summary=f"Dispute {n}",
            )
        session.execute(OutboxMessage.__table__.delete())  # only the escalation's messages count
    _SEEDED[clock.now()] = copy_rows(factory)


@pytest.fixture
def replicas(
    database_url: str, factory: sessionmaker[Session], tmp_path: Path
) -> Iterator[tuple[SlackEmulator, list[subprocess.Popen[bytes]]]]:
    clock = FrozenClock(london(2026, 11, 23, 10, 0))
    with SlackEmulator() as emulator:
        seed(factory, emulator, clock)
        env = {
            **os.environ,
            "DATABASE_URL": database_url,
            "SLACK_BOT_TOKEN": "xoxb-replica",
            "SLACK_SIGNING_SECRET": "replica-secret",
            "SLACK_API_URL": emulator.base_url,
            # Every replica's clock starts just after all 500 deadlines (Monday 30 November).
            "RESOLVE_CLOCK_START": "2026-11-30T17:00:01+00:00",
            "RESOLVE_CLOCK_SPEED": "1",
            "RESOLVE_SWEEP_SECONDS": "1",
            "RESOLVE_OUTBOX_PACING_SECONDS": "0",
        }
        processes = []
        for n in range(REPLICAS):
            log = (tmp_path / f"replica-{n}.log").open("wb")
            processes.append(
                subprocess.Popen(
                    [sys.executable, "-m", "bot", "run"],
                    env=env | {"PORT": str(free_port())},
                    stdout=log,
                    stderr=subprocess.STDOUT,
                    cwd=tmp_path,
                )
            )
        try:
            yield emulator, processes
        finally:
            for process in processes:
                process.terminate()
            for process in processes:
                process.wait(timeout=30)


def test_replicas_escalate_and_send_exactly_once(
    replicas: tuple[SlackEmulator, list[subprocess.Popen[bytes]]],
    factory: sessionmaker[Session],
) -> None:
    emulator, processes = replicas
    deadline = time.monotonic() + 240
    while time.monotonic() < deadline:
        assert all(p.poll() is None for p in processes), "a replica died"
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
        chains = verify_chain(session)
    assert set(entered.values()) == {2}  # opened, then escalated exactly once
    assert chains.first_break is None  # three writers, and every dispute's chain is whole
    posted = [c for c in emulator.calls("chat.postMessage") if c.status == 200]
    assert len(posted) == messages
    keys = Counter((c.params.get("channel"), c.params.get("text")) for c in posted)
    assert max(keys.values()) == 1, "a message was sent twice"
    created = [c for c in emulator.calls("conversations.create") if c.status == 200]
    assert len(created) == DISPUTES


def test_simulated_time_runs_the_whole_process_scheduler_included(
    database_url: str, factory: sessionmaker[Session], tmp_path: Path
) -> None:
    """RESOLVE_CLOCK_SPEED=3600: an hour passes each second, and the sweep keeps pace."""
    clock = FrozenClock(london(2026, 11, 23, 10, 0))
    with SlackEmulator() as emulator:
        seed(factory, emulator, clock)  # every deadline: Monday 30 November 17:00
        env = {
            **os.environ,
            "DATABASE_URL": database_url,
            "SLACK_BOT_TOKEN": "xoxb-simulated",
            "SLACK_SIGNING_SECRET": "simulated-secret",
            "SLACK_API_URL": emulator.base_url,
            "RESOLVE_CLOCK_START": "2026-11-30T16:00:00+00:00",  # an hour before the deadlines
            "RESOLVE_CLOCK_SPEED": "3600",
            "RESOLVE_OUTBOX_PACING_SECONDS": "0",
            "PORT": str(free_port()),
        }
        log = (tmp_path / "simulated.log").open("wb")
        started = time.monotonic()
        process = subprocess.Popen(
            [sys.executable, "-m", "bot", "run"],
            env=env,
            stdout=log,
            stderr=subprocess.STDOUT,
            cwd=tmp_path,
        )
        try:
            # Ends as soon as every dispute has moved on; the long limit is for a loaded machine,
            # where starting the process and the first sweep of 500 lapses can take minutes.
            deadline = time.monotonic() + 420
            escalated = 0
            while time.monotonic() < deadline and escalated < DISPUTES:
                assert process.poll() is None, (tmp_path / "simulated.log").read_text()
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
            process.terminate()
            process.wait(timeout=30)
    assert escalated == DISPUTES, (tmp_path / "simulated.log").read_text()[-3000:]
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
