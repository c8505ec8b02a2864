"""What `resolve run` writes to its log, read from the real process: at the default level
nothing routine from the scheduler or Slack's libraries; `--verbose` for it. (The demo's
transcript is checked the same way in tests/test_demo.py, from the run those tests share.)"""

from __future__ import annotations

import os
import subprocess
import sys
import time
from datetime import UTC, datetime
from pathlib import Path

import pytest
from sqlalchemy import Engine
from sqlalchemy.orm import Session

from bot.slack_emulator import SlackEmulator
from models.outbox import OutboxKind, OutboxMessage
from tests.e2e.replica_setup import free_port

pytestmark = pytest.mark.long_running

# Lines APScheduler and Bolt write on every start or every job run.
ROUTINE = ("apscheduler", "Running job", "executed successfully", "will be unused")


def run_until_delivered(engine: Engine, database_url: str, tmp_path: Path, *args: str) -> str:
    """Starts `resolve run` with `args`, waits until its delivery job has posted one waiting
    message (so the scheduler has run jobs), stops it and returns everything it wrote."""
    with SlackEmulator() as emulator:
        channel = emulator.add_channel("leads", members=[emulator.bot_user_id])["id"]
        with Session(engine) as session, session.begin():
            now = datetime.now(UTC)
            session.add(
                OutboxMessage(
                    kind=OutboxKind.CHANNEL.value,
                    channel=channel,
                    payload={"text": "Resolve is starting."},
                    not_before=now,
                    created_at=now,
                )
            )
        env = {
            **os.environ,
            "DATABASE_URL": database_url,
            "SLACK_BOT_TOKEN": "xoxb-quiet",
            "SLACK_SIGNING_SECRET": "quiet-secret",
            "SLACK_API_URL": emulator.base_url,
            "PORT": str(free_port()),
            "RESOLVE_BIND": "127.0.0.1",
            "RESOLVE_SWEEP_SECONDS": "1",
        }
        env.pop("RESOLVE_LOG_LEVEL", None)
        log = tmp_path / f"run{len(args)}.log"
        with log.open("wb") as out:
            process = subprocess.Popen(
                [sys.executable, "-m", "bot", "run", *args],
                env=env,
                stdout=out,
                stderr=out,
                cwd=tmp_path,
            )
            try:
                deadline = time.monotonic() + 60
                while not emulator.calls("chat.postMessage"):
                    assert process.poll() is None, log.read_text()
                    assert time.monotonic() < deadline, "resolve run delivered nothing"
                    time.sleep(0.05)
            finally:
                process.terminate()
                process.wait(timeout=30)
    return log.read_text()


def test_the_running_bot_logs_nothing_routine_at_the_default_level(
    engine: Engine, database_url: str, tmp_path: Path
) -> None:
    written = run_until_delivered(engine, database_url, tmp_path)
    assert "Resolve is listening on port" in written
    for routine in ROUTINE:
        assert routine not in written, written


def test_verbose_shows_the_schedulers_and_bolts_routine_lines(
    engine: Engine, database_url: str, tmp_path: Path
) -> None:
    written = run_until_delivered(engine, database_url, tmp_path, "--verbose")
    assert "Running job" in written
    assert "`token` will be unused" in written
