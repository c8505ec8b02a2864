"""No log line, from our code or a library's, carries a request body, a child reference, a
`response_url` or a token; logs are plain text or JSON lines at the level an operator sets."""

from __future__ import annotations

import io
import json
import logging
import time
from collections.abc import Iterator
from urllib.parse import urlencode

import pytest
from click.testing import CliRunner
from slack_bolt import App, BoltRequest

from bot.cli import cli
from bot.flows.sweep import Sweeper
from bot.logging_setup import configure_from_environment, configure_logging, redact
from bot.slack_emulator.driver import sign
from schedules.jobs import deadline_sweep
from tests.conftest import leaked_lines, london
from tests.e2e.conftest import SECRET, Bot
from tests.e2e.test_journey import CHILD, open_dispute

HOOK = "https://hooks.slack.com/commands/T0RESOLVE/1234/abcdEFGH"


@pytest.fixture
def logged() -> Iterator[io.StringIO]:
    """What the bot's own log handler writes, with logging put back afterwards."""
    root = logging.getLogger()
    handlers, level = list(root.handlers), root.level
    names = ("slack_bolt", "slack_sdk", "waitress", "apscheduler", "alembic")
    libraries = {n: logging.getLogger(n).level for n in names}
    stream = io.StringIO()
    configure_logging("DEBUG", "plain", stream)
    yield stream
    for handler in root.handlers:
        if handler not in handlers:
            root.removeHandler(handler)
    root.setLevel(level)
    for name, old in libraries.items():
        logging.getLogger(name).setLevel(old)


def stale_command() -> tuple[str, dict[str, list[str]]]:
    body = urlencode(
        {
            "command": "/dispute",
            "text": f"open for {CHILD}: Referral for a 4-year-old refused",
            "user_id": "U0POLDC",
            "response_url": HOOK,
            "token": "xoxb-1234-5678-secret",
        }
    )
    stamp = str(int(time.time()) - 10 * 60)
    headers = {
        "content-type": ["application/x-www-form-urlencoded"],
        "x-slack-request-timestamp": [stamp],
        "x-slack-signature": [sign(SECRET, stamp, body)],
    }
    return body, headers


def test_a_stale_request_to_the_running_bot_logs_nothing_of_its_body(
    bot: Bot, logged: io.StringIO, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.DEBUG)
    body, headers = stale_command()
    reply = bot.slack.post(
        body,
        headers["content-type"][0],
        timestamp=int(headers["x-slack-request-timestamp"][0]),
    )
    assert reply.status == 401
    for text in (logged.getvalue(), caplog.text):
        assert CHILD not in text and "hooks.slack.com" not in text and "4-year-old" not in text
    assert "Refused a request with a missing, stale or wrong signature" in logged.getvalue()


def test_bolts_own_verification_failure_line_is_written_without_the_body(
    logged: io.StringIO,
) -> None:
    app = App(signing_secret=SECRET, token="xoxb-test", token_verification_enabled=False)
    body, headers = stale_command()
    assert app.dispatch(BoltRequest(body=body, headers=headers)).status == 401
    written = logged.getvalue()
    assert "Invalid request signature detected" in written
    for secret in (CHILD, "4-year-old", "hooks.slack.com", "xoxb-1234", "U0POLDC"):
        assert secret not in written


@pytest.mark.parametrize(
    ("line", "kept", "gone"),
    [
        ("client built with xoxb-1-2-abc and xapp-1-A0-9-def", "client built with", "xoxb-1"),
        (f"posting to {HOOK} now", "posting to", "hooks.slack.com"),
        ('{"response_url": "http://127.0.0.1:9/respond/abc", "ok": true}', '"ok": true', "9/resp"),
        (f"response_url={HOOK}&x=1", "response_url=", "hooks"),
        ("form payload=%7B%22child_ref%22%3A%22CS-1%22%7D&b=2", "&b=2", "CS-1"),
        ("signature: v0=ab, timestamp: 1, body: text=CS-104233)", "timestamp: 1", "CS-104233"),
    ],
)
def test_redaction_keeps_the_line_and_drops_what_a_user_sent(
    line: str, kept: str, gone: str
) -> None:
    assert kept in redact(line) and gone not in redact(line)


@pytest.mark.provokes_errors("logs an error on purpose to check its JSON line")
def test_json_lines_carry_level_logger_message_and_traceback(logged: io.StringIO) -> None:
    stream = io.StringIO()
    configure_logging("INFO", "json", stream)
    log = logging.getLogger("resolve.test")
    log.debug("not at INFO")
    try:
        raise ValueError(f"bad value {HOOK}")
    except ValueError:
        log.exception("failed with %s", "xoxb-9-9-secret")
    lines = [json.loads(line) for line in stream.getvalue().splitlines()]
    assert len(lines) == 1
    assert lines[0]["level"] == "ERROR" and lines[0]["logger"] == "resolve.test"
    assert lines[0]["message"] == "failed with [redacted]"
    assert "ValueError: bad value [redacted]" in lines[0]["exception"]


def test_debug_level_keeps_slacks_libraries_at_info(logged: io.StringIO) -> None:
    logging.getLogger("slack_sdk.socket_mode").debug("payload %s", CHILD)
    logging.getLogger("resolve.test").debug("our own detail")
    assert "our own detail" in logged.getvalue() and CHILD not in logged.getvalue()


@pytest.mark.parametrize(
    ("variable", "value"), [("RESOLVE_LOG_LEVEL", "chatty"), ("RESOLVE_LOG_FORMAT", "xml")]
)
def test_a_bad_log_setting_is_one_line_and_exit_2(
    variable: str, value: str, logged: io.StringIO
) -> None:
    result = CliRunner().invoke(cli, ["protocols", "list"], env={variable: value})
    assert result.exit_code == 2
    assert result.output.strip().splitlines() == [
        f"{variable} is not valid: "
        + ("one of DEBUG, INFO, WARNING, ERROR." if "LEVEL" in variable else "plain or json.")
    ]


def test_the_suite_scan_finds_a_child_reference_in_a_log_line() -> None:
    lines = ["opened dispute RPD-2026-0001", f"child {CHILD} seen", "ref AB/77x9q stored"]
    assert leaked_lines(lines, {"AB/77x9q"}) == lines[1:]


@pytest.mark.provokes_errors("logs a scheduler error line to check it still shows")
def test_the_schedulers_routine_lines_show_only_at_debug(logged: io.StringIO) -> None:
    configure_logging("INFO", "plain", logged)
    logging.getLogger("apscheduler.executors.default").info('Job "deadline_sweep" executed')
    logging.getLogger("apscheduler.scheduler").warning("Run time of job was missed")
    logging.getLogger("apscheduler.scheduler").warning("skipped: maximum number of running")
    logging.getLogger("apscheduler.executors.default").error('Job "digests" raised an exception')
    logging.getLogger("resolve.jobs").info("Sweep: 2 stages escalated")
    text = logged.getvalue()
    assert "executed" not in text and "was missed" not in text and "skipped" not in text
    assert "raised an exception" in text and "Sweep: 2 stages escalated" in text
    configure_logging("DEBUG", "plain", logged)
    logging.getLogger("apscheduler.executors.default").info('Job "outbox_delivery" executed')
    assert 'Job "outbox_delivery" executed' in logged.getvalue()


def test_a_sweep_logs_one_line_only_when_something_happened(bot: Bot, logged: io.StringIO) -> None:
    configure_logging("INFO", "plain", logged)
    rt = bot.rt
    sweeper = Sweeper(factory=rt.factory, service=rt.service, notifier=rt.notifier, clock=rt.clock)
    open_dispute(bot)  # Monday 23 Nov 10:00; due Monday 30 Nov 17:00
    deadline_sweep(sweeper)
    assert "Sweep" not in logged.getvalue()
    bot.clock.set(london(2026, 11, 30, 17, 0))
    deadline_sweep(sweeper)
    swept = [line for line in logged.getvalue().splitlines() if "Sweep" in line]
    assert len(swept) == 1 and swept[0].endswith("Sweep: 1 stage escalated")


def test_the_demo_logs_only_warnings_unless_asked_for_more(
    logged: io.StringIO, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.delenv("RESOLVE_LOG_LEVEL", raising=False)
    configure_from_environment(default_level="WARNING")
    logging.getLogger("resolve.jobs").info("delivery: 4 sent, 0 retrying, 0 dead")
    logging.getLogger("resolve.jobs").warning("delivery: 1 dead-lettered")
    quiet = capsys.readouterr().err
    assert "4 sent" not in quiet and "1 dead-lettered" in quiet
    monkeypatch.setenv("RESOLVE_LOG_LEVEL", "info")
    configure_from_environment(default_level="WARNING")
    logging.getLogger("resolve.jobs").info("delivery: 4 sent, 0 retrying, 0 dead")
    assert "4 sent" in capsys.readouterr().err
