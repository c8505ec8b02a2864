"""Separate processes racing for the same work, released together on a barrier, against the
test database (PostgreSQL with TEST_DATABASE_URL, else a SQLite file): each digest period is
claimed by one of them, and each outbox message is sent by one of them."""

from __future__ import annotations

import multiprocessing
from datetime import timedelta
from typing import Any

import pytest
from sqlalchemy import func, select
from sqlalchemy.orm import Session, sessionmaker

from bot.clock import FrozenClock
from bot.database import make_engine, make_session_factory, transaction
from bot.runtime import build_runtime
from bot.services.digests import FIRST_START, DigestService
from bot.services.notifications import Notifier
from bot.settings import load_settings
from bot.slack_emulator import SlackEmulator
from bot.working_days import WorkingCalendar
from models.encrypted import use_keys
from models.outbox import OutboxKind, OutboxMessage, OutboxStatus
from models.schedule import DigestRun
from tests.conftest import LONDON, london

pytestmark = pytest.mark.long_running

RACERS = 3
LEADS = "C0LEADS"
DIGEST_TIME = london(2026, 11, 30, 8, 30)  # a Monday: the daily and the weekly digest are due
MESSAGES = 40
SEND_TIME = london(2026, 11, 23, 10, 0)

# Separate processes with nothing of the test's state, as separate replicas are: forked from a
# server process that has imported the bot once, so each racer starts in milliseconds. The chart
# library the weekly digest draws with, and the cipher that seals it, are loaded there too, so
# no racer spends seconds importing them.
_spawn = multiprocessing.get_context("forkserver")
_spawn.set_forkserver_preload(
    [
        "bot.runtime",
        "bot.services.digests",
        "matplotlib.figure",
        "cryptography.hazmat.primitives.ciphers.aead",
        "tests.e2e.test_races",
    ]
)


def _race(target: Any, *args: Any) -> list[Any]:
    """Runs `target(*args, barrier, results)` in RACERS processes; returns what each put."""
    barrier = _spawn.Barrier(RACERS)
    results = _spawn.Queue()
    processes = [
        _spawn.Process(target=target, args=(*args, barrier, results)) for _ in range(RACERS)
    ]
    for process in processes:
        process.start()
    try:
        answers = [results.get(timeout=90) for _ in processes]
    finally:
        for process in processes:
            process.join(timeout=30)
    assert all(p.exitcode == 0 for p in processes), [p.exitcode for p in processes]
    assert not [a for a in answers if isinstance(a, str)], answers  # a racer's error
    return answers


def claim_digests(url: str, barrier: Any, results: Any) -> None:
    """One replica's digest job at digest time, started with the others."""
    try:
        factory = make_session_factory(make_engine(url))
        clock = FrozenClock(DIGEST_TIME)
        calendar = WorkingCalendar(zone=LONDON)
        settings = load_settings(database_url=url, leads_channel=LEADS, admins_channel=None)
        use_keys(settings.keyring)  # the digest is sealed in the outbox like any message
        notifier = Notifier(clock=clock, calendar=calendar, settings=settings)
        digests = DigestService(
            clock=clock, calendar=calendar, settings=settings, notifier=notifier
        )
        barrier.wait(timeout=60)
        with transaction(factory) as session:
            results.put(digests.run_due(session))
    except Exception as error:  # noqa: BLE001 - reported to the test, which fails on it
        results.put(f"{type(error).__name__}: {error}")


def test_racing_replicas_claim_each_digest_period_once(
    database_url: str, factory: sessionmaker[Session]
) -> None:
    claimed = _race(claim_digests, database_url)
    periods = sorted(period for answer in claimed for period in answer)
    assert periods == ["daily:2026-11-30", "weekly:2026-W49"]
    with factory() as session:
        runs = session.scalars(select(DigestRun.period).order_by(DigestRun.period)).all()
        queued = dict(
            session.execute(
                select(OutboxMessage.kind, func.count()).group_by(OutboxMessage.kind)
            ).all()
        )
    assert runs == ["daily:2026-11-30", FIRST_START, "weekly:2026-W49"]
    # The daily and weekly messages to the leads, and one weekly chart: nothing twice.
    assert queued == {OutboxKind.CHANNEL.value: 2, OutboxKind.FILE.value: 1}


def deliver_outbox(url: str, api_url: str, barrier: Any, results: Any) -> None:
    """One replica's delivery job, run until it finds nothing more to claim."""
    try:
        settings = load_settings(
            database_url=url,
            slack_bot_token="xoxb-race",
            slack_signing_secret="race-secret",
            slack_api_url=api_url,
            outbox_pacing_seconds=0,
        )
        rt = build_runtime(settings, clock=FrozenClock(SEND_TIME), migrate=False)
        barrier.wait(timeout=60)
        sent = 0
        while report := rt.delivery.deliver_due(limit=3):
            if not (report.sent or report.retried or report.dead):
                break
            sent += report.sent
        results.put([sent])
    except Exception as error:  # noqa: BLE001 - reported to the test, which fails on it
        results.put(f"{type(error).__name__}: {error}")


def test_racing_replicas_send_each_outbox_message_once(
    database_url: str, factory: sessionmaker[Session], emulator: SlackEmulator
) -> None:
    channel = emulator.add_channel("racing", members=[emulator.bot_user_id])["id"]
    with transaction(factory) as session:
        session.add_all(
            OutboxMessage(
                kind=OutboxKind.CHANNEL.value,
                channel=channel,
                payload={"text": f"message {n}"},
                not_before=SEND_TIME - timedelta(minutes=1),
                created_at=SEND_TIME - timedelta(minutes=1),
            )
            for n in range(MESSAGES)
        )
    # A slow Slack keeps each sender busy while the others look for work.
    emulator.slow_next("chat.postMessage", seconds=0.05, times=10 * MESSAGES)

    sent = _race(deliver_outbox, database_url, emulator.base_url)

    texts = [c.params.get("text") for c in emulator.calls("chat.postMessage")]
    assert sorted(texts) == sorted(f"message {n}" for n in range(MESSAGES)), "sent twice"
    assert sum(s[0] for s in sent) == MESSAGES
    with factory() as session:
        statuses = session.scalars(select(OutboxMessage.status)).all()
    assert statuses == [OutboxStatus.SENT] * MESSAGES
