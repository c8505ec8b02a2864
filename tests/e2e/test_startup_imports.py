"""`resolve run` starts without the libraries only some of its work needs: the chart library
(and numpy under it) loads when a weekly digest draws, the date reader when someone types a date,
the PDF and Markdown libraries when someone asks for a record as a PDF, the cipher library when a
child's details are first sealed or opened, the bank holidays when a date is first counted, the
demo and the Slack emulator only for `resolve demo`, and Alembic (with Mako and Pygments under
it) only in the short-lived process that migrates a database that needs it."""

from __future__ import annotations

import os
import subprocess
import sys
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import pytest

from bot.slack_emulator import SlackEmulator
from tests.e2e.replica_setup import free_port
from tests.e2e.test_run_process import fetch_or_none

pytestmark = pytest.mark.long_running

NOT_AT_START = (
    "matplotlib",
    "numpy",
    "PIL",
    "dateparser",
    "weasyprint",
    "markdown_it",
    "bot.demo",
    "bot.slack_emulator",
    "cryptography",
    "holidays",
    "alembic",
    "mako",
    "pygments",
)


@contextmanager
def serving(env: dict[str, str], port: int, log: Path, cwd: Path) -> Iterator[None]:
    """A real `resolve run` process, from the moment it answers /health until it is stopped;
    everything it writes goes to `log`."""
    with log.open("wb") as out:
        process = subprocess.Popen(
            [sys.executable, "-m", "bot", "run"], env=env, stdout=out, stderr=out, cwd=cwd
        )
        try:
            deadline = time.monotonic() + 60
            while fetch_or_none(f"http://127.0.0.1:{port}/health") is None:
                assert process.poll() is None, log.read_text()
                assert time.monotonic() < deadline, "resolve run did not start"
                time.sleep(0.02)
            yield
        finally:
            process.terminate()
            process.wait(timeout=30)


def imported_until_serving(database_url: str, tmp_path: Path) -> set[str]:
    """Every module a real `resolve run` process imported by the time it answers /health."""
    with SlackEmulator() as emulator:
        port = free_port()
        env = {
            **os.environ,
            "DATABASE_URL": database_url,
            "SLACK_BOT_TOKEN": "xoxb-startup",
            "SLACK_SIGNING_SECRET": "startup-secret",
            "SLACK_API_URL": emulator.base_url,
            "PORT": str(port),
            "RESOLVE_BIND": "127.0.0.1",
            "PYTHONPROFILEIMPORTTIME": "1",  # Python writes a line to stderr per module imported
        }
        log = tmp_path / "imports.log"
        with serving(env, port, log, tmp_path):
            pass
    lines = log.read_text().splitlines()
    return {line.rsplit("|", 1)[1].strip() for line in lines if line.startswith("import time:")} - {
        "imported package"
    }


def test_resolve_run_serves_without_the_libraries_only_some_requests_need(
    database_url: str, engine: object, tmp_path: Path
) -> None:
    modules = imported_until_serving(database_url, tmp_path)
    assert {"bot.app", "bot.http_server", "schedules.scheduler", "sqlalchemy"} <= modules
    within = tuple(f"{name}." for name in NOT_AT_START)
    loaded = sorted(m for m in modules if m in NOT_AT_START or m.startswith(within))
    assert not loaded, f"imported at start: {loaded[:10]}"


def test_a_database_never_migrated_is_brought_up_to_date_before_serving(tmp_path: Path) -> None:
    database = tmp_path / "fresh.sqlite3"
    with SlackEmulator() as emulator:
        port = free_port()
        env = {
            **os.environ,
            "DATABASE_URL": f"sqlite:///{database}",
            "SLACK_BOT_TOKEN": "xoxb-fresh",
            "SLACK_SIGNING_SECRET": "fresh-secret",
            "SLACK_API_URL": emulator.base_url,
            "PORT": str(port),
            "RESOLVE_BIND": "127.0.0.1",
        }
        log = tmp_path / "run.log"
        with serving(env, port, log, tmp_path):
            ready = fetch_or_none(f"http://127.0.0.1:{port}/ready")
    assert ready == (200, "ready")
    assert "Database schema is up to date." in log.read_text()
