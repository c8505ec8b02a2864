"""The HTTP server under hostile and careless clients: bounded bodies, slow clients that hold
no thread, malformed input answered with a 400 (never a 500, a traceback or a dropped
connection), the signature checked before anything is parsed, and the health probes."""

from __future__ import annotations

import hashlib
import hmac
import json
import resource
import socket
import time
from collections.abc import Iterator
from contextlib import closing, contextmanager
from urllib.error import HTTPError
from urllib.request import urlopen

import pytest
from sqlalchemy import create_engine

from bot.http_server import SlackHTTPServer
from bot.readiness import database_readiness
from bot.slack_emulator.driver import sign
from tests.e2e.conftest import SECRET, Bot

MB = 1_000_000


def address(bot: Bot) -> tuple[str, int]:
    port = int(bot.slack.url.split(":")[2].split("/")[0])
    return "127.0.0.1", port


def raw_request(bot: Bot, head: str, body: bytes = b"") -> bytes:
    """Sends bytes exactly as given and returns everything the server answers."""
    with closing(socket.create_connection(address(bot), timeout=10)) as sock:
        sock.sendall(head.encode("latin-1") + body)
        sock.shutdown(socket.SHUT_WR)
        answer = b""
        while chunk := sock.recv(65536):
            answer += chunk
        return answer


def post_signed(bot: Bot, body: bytes, content_type: str) -> tuple[int, str]:
    stamp = str(int(time.time()))
    base = f"v0:{stamp}:".encode() + body
    signature = "v0=" + hmac.new(SECRET.encode(), base, hashlib.sha256).hexdigest()
    head = (
        "POST /slack/events HTTP/1.1\r\nHost: bot\r\nConnection: close\r\n"
        f"Content-Type: {content_type}\r\nContent-Length: {len(body)}\r\n"
        f"X-Slack-Request-Timestamp: {stamp}\r\nX-Slack-Signature: {signature}\r\n\r\n"
    )
    answer = raw_request(bot, head, body)
    status_line, _, rest = answer.partition(b"\r\n")
    return int(status_line.split()[1]), rest.partition(b"\r\n\r\n")[2].decode("utf-8", "replace")


def still_answers(bot: Bot) -> None:
    began = time.monotonic()
    assert bot.slack.command(bot.ids["pol_dc"], "help").status == 200
    assert time.monotonic() - began < 5


def test_a_negative_content_length_is_refused(bot: Bot) -> None:
    answer = raw_request(
        bot,
        "POST /slack/events HTTP/1.1\r\nHost: bot\r\nContent-Length: -1\r\n"
        "Content-Type: application/json\r\n\r\n",
        b"{}" * 1000,
    )
    assert answer.startswith(b"HTTP/1.1 400")
    still_answers(bot)


def _send_until_refused(bot: Bot, head: str, chunk: bytes, limit: int) -> tuple[int, bytes]:
    """Sends `chunk` repeatedly up to `limit` bytes, stopping as soon as the server refuses."""
    sent = 0
    with closing(socket.create_connection(address(bot), timeout=10)) as sock:
        sock.sendall(head.encode("latin-1"))
        try:
            while sent < limit:
                sock.sendall(chunk)
                sent += len(chunk)
        except (BrokenPipeError, ConnectionResetError):
            pass
        try:
            answer = sock.recv(65536)
        except ConnectionResetError:
            answer = b""
    return sent, answer


@pytest.mark.parametrize(
    "head",
    [
        "POST /slack/events HTTP/1.1\r\nHost: bot\r\nContent-Length: 300000000\r\n\r\n",
        "POST /slack/events HTTP/1.1\r\nHost: bot\r\nTransfer-Encoding: chunked\r\n\r\n",
    ],
    ids=["declared", "chunked"],
)
def test_a_300_mb_body_is_refused_early_in_bounded_memory(bot: Bot, head: str) -> None:
    before = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    piece = b"x" * 65536
    chunk = (b"%x\r\n" % len(piece) + piece + b"\r\n") if "chunked" in head else piece
    sent, answer = _send_until_refused(bot, head, chunk, 300 * MB)
    assert sent < 50 * MB
    assert answer == b"" or answer.startswith(b"HTTP/1.1 413")
    grown_kb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss - before
    assert grown_kb < 100_000
    still_answers(bot)


def test_300_half_sent_requests_do_not_stop_the_bot_answering(bot: Bot) -> None:
    stalled = []
    try:
        for _ in range(300):
            sock = socket.create_connection(address(bot), timeout=10)
            sock.sendall(
                b'POST /slack/events HTTP/1.1\r\nHost: bot\r\nContent-Length: 5000\r\n\r\n{"a"'
            )
            stalled.append(sock)
        still_answers(bot)
    finally:
        for sock in stalled:
            sock.close()


@pytest.mark.parametrize("timestamp", ["abc", "", "1e9", "-5", "99999999999999999999", "٣٣"])
def test_malformed_timestamps_are_refused_with_401(bot: Bot, timestamp: str) -> None:
    body = "command=/dispute&text=open"
    head = (
        "POST /slack/events HTTP/1.1\r\nHost: bot\r\nConnection: close\r\n"
        "Content-Type: application/x-www-form-urlencoded\r\n"
        f"Content-Length: {len(body)}\r\nX-Slack-Signature: {sign(SECRET, timestamp, body)}\r\n"
    )
    head += f"X-Slack-Request-Timestamp: {timestamp}\r\n\r\n" if timestamp else "\r\n"
    answer = raw_request(bot, head.encode("utf-8").decode("latin-1"), body.encode())
    assert answer.startswith(b"HTTP/1.1 401")
    assert b"Traceback" not in answer


DEEP = "[" * 100_000 + "]" * 100_000

MALFORMED = {
    "payload not JSON": ("payload=notjson", "application/x-www-form-urlencoded"),
    "payload empty": ("payload=", "application/x-www-form-urlencoded"),
    "payload a list": ("payload=%5B1%2C2%5D", "application/x-www-form-urlencoded"),
    "payload nested 100k deep": ("payload=" + DEEP, "application/x-www-form-urlencoded"),
    "JSON nested 100k deep": (DEEP, "application/json"),
    "JSON not an object": ("42", "application/json"),
    "JSON broken": ('{"type": "event_callback", ', "application/json"),
    "view_submission without a view": (
        "payload=" + json.dumps({"type": "view_submission", "user": {"id": "U0POLDC"}}),
        "application/x-www-form-urlencoded",
    ),
    "view_submission without state": (
        "payload="
        + json.dumps(
            {
                "type": "view_submission",
                "user": {"id": "U0POLDC"},
                "view": {"callback_id": "open_dispute", "private_metadata": "suffolk"},
            }
        ),
        "application/x-www-form-urlencoded",
    ),
    "block_actions with an empty action": (
        "payload="
        + json.dumps({"type": "block_actions", "user": {"id": "U0POLDC"}, "actions": [{}]}),
        "application/x-www-form-urlencoded",
    ),
    "block_actions on a button without a value": (
        "payload="
        + json.dumps(
            {
                "type": "block_actions",
                "user": {"id": "U0POLDC"},
                "actions": [{"action_id": "notice_acknowledge", "type": "button"}],
            }
        ),
        "application/x-www-form-urlencoded",
    ),
    "event without its event": (
        json.dumps({"type": "event_callback", "team_id": "T1"}),
        "application/json",
    ),
    "app_home_opened without a user": (
        json.dumps({"type": "event_callback", "event": {"type": "app_home_opened"}}),
        "application/json",
    ),
    "command without a user": ("command=%2Fdispute&text=list", "application/x-www-form-urlencoded"),
    "command with a user that is a list": (
        "command=%2Fdispute&text=list&user_id=U1&user_id=U2",
        "application/x-www-form-urlencoded",
    ),
}


# Bolt or a listener raises on these, and the bot logs that at ERROR before answering politely.
RAISES_INSIDE = {
    "block_actions with an empty action",
    "block_actions on a button without a value",
    "app_home_opened without a user",
    "command without a user",
    "command with a user that is a list",
}


@pytest.mark.parametrize(
    "case",
    [
        pytest.param(
            case,
            marks=pytest.mark.provokes_errors("a malformed request makes Bolt or a listener raise"),
        )
        if case in RAISES_INSIDE
        else case
        for case in MALFORMED
    ],
    ids=list(MALFORMED),
)
def test_signed_but_malformed_requests_get_a_polite_answer(bot: Bot, case: str) -> None:
    body, content_type = MALFORMED[case]
    status, text = post_signed(bot, body.encode(), content_type)
    assert status in (200, 400, 404)
    assert "Traceback" not in text and "Error" not in text
    still_answers(bot)


def test_a_signed_body_that_is_not_utf8_gets_400(bot: Bot) -> None:
    status, text = post_signed(bot, b"payload=\xff\xfe\xfa", "application/x-www-form-urlencoded")
    assert (status, json.loads(text)) == (400, {"error": "the request is not UTF-8 text"})


def test_unsigned_malformed_bodies_are_refused_before_they_are_read(bot: Bot) -> None:
    answer = raw_request(
        bot,
        "POST /slack/events HTTP/1.1\r\nHost: bot\r\nConnection: close\r\n"
        f"Content-Type: application/json\r\nContent-Length: {len(DEEP)}\r\n"
        f"X-Slack-Request-Timestamp: {int(time.time())}\r\nX-Slack-Signature: v0=00\r\n\r\n",
        DEEP.encode(),
    )
    assert answer.startswith(b"HTTP/1.1 401")


def fetch(url: str) -> tuple[int, str]:
    try:
        with urlopen(url, timeout=10) as response:
            return response.status, response.read().decode()
    except HTTPError as error:
        return error.code, error.read().decode()


@contextmanager
def probes(**kw: object) -> Iterator[str]:
    server = SlackHTTPServer(None, host="127.0.0.1", port=0, **kw).start()  # type: ignore[arg-type]
    try:
        yield f"http://127.0.0.1:{server.port}"
    finally:
        server.stop()


def test_health_and_ready_on_a_migrated_database(bot: Bot) -> None:
    with probes(ready=database_readiness(bot.rt.engine)) as base:
        assert fetch(f"{base}/health") == (200, "ok")
        assert fetch(f"{base}/ready") == (200, "ready")
        assert fetch(f"{base}/slack/events")[0] == 404


def test_ready_says_what_is_wrong_with_the_database(tmp_path) -> None:  # type: ignore[no-untyped-def]
    empty = create_engine(f"sqlite:///{tmp_path / 'empty.sqlite3'}")
    unreachable = create_engine("postgresql+psycopg://nobody@127.0.0.1:1/none")
    with probes(ready=database_readiness(empty)) as base:
        status, text = fetch(f"{base}/ready")
        assert (status, text) == (
            503,
            "the database schema is not up to date: run `resolve db upgrade`",
        )
        assert fetch(f"{base}/health") == (200, "ok")
    with probes(ready=database_readiness(unreachable)) as base:
        assert fetch(f"{base}/ready") == (503, "the database cannot be reached (OperationalError)")


def test_a_server_stops_at_once() -> None:
    began = time.monotonic()
    for _ in range(20):
        with probes() as base:
            assert fetch(f"{base}/health")[0] == 200
    assert time.monotonic() - began < 2


def test_a_request_trickling_in_is_dropped_once_its_read_time_is_up() -> None:
    """Real seconds on the wire: a header line every 50 ms, never finishing, is cut off."""
    server = SlackHTTPServer(None, host="127.0.0.1", port=0, read_seconds=0.3).start()
    try:
        began = time.monotonic()
        with closing(socket.create_connection(("127.0.0.1", server.port), timeout=5)) as sock:
            sock.sendall(b"GET /health HTTP/1.1\r\nHost: bot\r\n")
            sock.settimeout(0.05)
            dropped = False
            for n in range(100):
                try:
                    sock.sendall(b"X-Trickle-%d: x\r\n" % n)
                    dropped = sock.recv(1024) == b""
                except TimeoutError:
                    continue
                except (BrokenPipeError, ConnectionResetError):
                    dropped = True
                if dropped:
                    break
        assert dropped and time.monotonic() - began < 2
        assert fetch(f"http://127.0.0.1:{server.port}/health") == (200, "ok")
    finally:
        server.stop()
