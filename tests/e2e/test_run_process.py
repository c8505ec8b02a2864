"""`resolve run` as deployed, in its own process: it binds where it is told, answers its health
probes, and writes JSON log lines that carry nothing of a refused request's body."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path
from urllib.error import HTTPError
from urllib.parse import urlencode
from urllib.request import Request, urlopen

import pytest

from bot.slack_emulator import SlackEmulator
from bot.slack_emulator.driver import sign
from tests.e2e.replica_setup import free_port
from tests.e2e.test_http_limits import fetch
from tests.e2e.test_journey import CHILD

SECRET = "process-secret"


@pytest.fixture
def running(database_url: str, engine: object, tmp_path: Path) -> Iterator[tuple[str, Path]]:
    """A `resolve run` process on 127.0.0.1 logging JSON at DEBUG; yields its URL and log."""
    with SlackEmulator() as emulator:
        port = free_port()
        env = {
            **os.environ,
            "DATABASE_URL": database_url,
            "SLACK_BOT_TOKEN": "xoxb-process",
            "SLACK_SIGNING_SECRET": SECRET,
            "SLACK_API_URL": emulator.base_url,
            "PORT": str(port),
            "RESOLVE_BIND": "127.0.0.1",
            "RESOLVE_LOG_FORMAT": "json",
            "RESOLVE_LOG_LEVEL": "DEBUG",
        }
        log = tmp_path / "run.log"
        with log.open("wb") as out:
            process = subprocess.Popen(
                [sys.executable, "-m", "bot", "run"], env=env, stdout=out, stderr=out, cwd=tmp_path
            )
            base = f"http://127.0.0.1:{port}"
            try:
                deadline = time.monotonic() + 60
                while fetch_or_none(f"{base}/health") is None:
                    assert process.poll() is None, log.read_text()
                    assert time.monotonic() < deadline, "resolve run did not start"
                    time.sleep(0.02)
                yield base, log
            finally:
                process.terminate()
                process.wait(timeout=30)


def fetch_or_none(url: str) -> tuple[int, str] | None:
    try:
        return fetch(url)
    except OSError:
        return None


def test_resolve_run_serves_its_probes_and_logs_no_refused_body(
    running: tuple[str, Path],
) -> None:
    base, log = running
    assert fetch(f"{base}/health") == (200, "ok")
    assert fetch(f"{base}/ready") == (200, "ready")
    body = urlencode(
        {
            "command": "/dispute",
            "text": f"open {CHILD} Referral for a 4-year-old refused",
            "response_url": "https://hooks.slack.com/commands/T1/2/abc",
        }
    )
    stale = str(int(time.time()) - 600)
    request = Request(
        f"{base}/slack/events",
        data=body.encode(),
        headers={
            "Content-Type": "application/x-www-form-urlencoded",
            "X-Slack-Request-Timestamp": stale,
            "X-Slack-Signature": sign(SECRET, stale, body),
        },
        method="POST",
    )
    with pytest.raises(HTTPError) as refused:
        urlopen(request, timeout=10)
    assert refused.value.code == 401
    # The process logs the refusal before it answers, one JSON object a line.
    lines = [json.loads(line) for line in log.read_text().splitlines() if line.startswith("{")]
    assert {"time", "level", "logger", "message"} <= set(lines[-1])
    text = log.read_text()
    assert "Refused a request with a missing, stale or wrong signature" in text
    for secret in (CHILD, "4-year-old", "hooks.slack.com", "xoxb-process"):
        assert secret not in text


def test_socket_mode_serves_its_probes_and_a_slack_it_cannot_reach_is_one_line(
    database_url: str, engine: object, tmp_path: Path
) -> None:
    with SlackEmulator() as emulator:
        # Slack holds the connection request until the probes have answered, then refuses it:
        # the probes must be up while the bot waits, and the refusal must end the process in
        # one line.
        release = emulator.hold_next("apps.connections.open")
        api_url, port = emulator.base_url, free_port()
        env = {
            **os.environ,
            "DATABASE_URL": database_url,
            "SLACK_BOT_TOKEN": "xoxb-process",
            "SLACK_APP_TOKEN": "xapp-process",
            "SLACK_API_URL": api_url,
            "PORT": str(port),
            "RESOLVE_BIND": "127.0.0.1",
        }
        process = subprocess.Popen(
            [sys.executable, "-m", "bot", "run"],
            env=env,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
            cwd=tmp_path,
        )
        base = f"http://127.0.0.1:{port}"
        try:
            deadline = time.monotonic() + 60
            while fetch_or_none(f"{base}/health") is None:
                assert process.poll() is None, process.communicate()
                assert time.monotonic() < deadline, "resolve run did not start"
                time.sleep(0.02)
            assert fetch(f"{base}/health") == (200, "ok")
            assert fetch(f"{base}/ready") == (200, "ready")
            release.set()
            out, err = process.communicate(timeout=60)
        finally:
            release.set()
            if process.poll() is None:
                process.kill()
                process.wait(timeout=30)
    assert process.returncode == 2, err
    assert "Traceback" not in out + err
    assert (
        err.strip()
        .splitlines()[-1]
        .startswith(f"Socket Mode could not connect to Slack at {api_url}")
    )
    assert "xapp-process" not in out + err
