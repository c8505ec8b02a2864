"""Global middleware: a replayed or retried request changes nothing a second time.

A replay carries the same verified signature and timestamp, so their hash names the request;
an Events API retry is signed afresh, so events are named by their event id. The first request
claims its name before any listener runs and records the answer it acknowledged; a replay gets
that same answer and never reaches a listener.
"""

from __future__ import annotations

import hashlib
import logging
import time
from collections.abc import Callable

from slack_bolt import Ack, BoltRequest, BoltResponse

from bot.runtime import Runtime
from bot.services.seen_requests import Answer, answer_for, claim, record

log = logging.getLogger("resolve.replays")

# How long a replay waits for the first request's answer (Slack gives up after 3 seconds).
WAIT_SECONDS = 3.0
POLL_SECONDS = 0.05


def _header(req: BoltRequest, name: str) -> str | None:
    values = req.headers.get(name) or []
    return values[0] if values else None


def request_key(req: BoltRequest) -> str | None:
    """The request's name: its event id for events, else a hash of signature and timestamp."""
    body = req.body if isinstance(req.body, dict) else {}
    if body.get("type") == "event_callback" and body.get("event_id"):
        return f"event:{body['event_id']}"
    signature = _header(req, "x-slack-signature")
    timestamp = _header(req, "x-slack-request-timestamp")
    if not signature or not timestamp:
        return None  # Socket Mode: nothing signed to replay
    return "signed:" + hashlib.sha256(f"{timestamp}:{signature}".encode()).hexdigest()


class RecordingAck(Ack):
    """Bolt's ack, recording the answer before Bolt can send it (ack-first or not, or an error
    answer Bolt sets itself), so a replay arriving a moment later finds it."""

    def __init__(self, on_answer: Callable[[BoltResponse], None]) -> None:
        self._on_answer = on_answer
        self._response: BoltResponse | None = None
        super().__init__()

    @property  # type: ignore[override]
    def response(self) -> BoltResponse | None:
        return self._response

    @response.setter
    def response(self, value: BoltResponse | None) -> None:
        if value is not None:
            self._on_answer(value)
        self._response = value


def _answer(response: BoltResponse) -> Answer:
    return Answer(response.status, response.body or "", response.first_headers())


def replay_guard(rt: Runtime) -> Callable[..., BoltResponse | None]:
    def guard(req: BoltRequest, next_: Callable[[], None]) -> BoltResponse | None:
        key = request_key(req)
        if key is None:
            return next_()
        if claim(rt.factory, key, now=rt.clock.now()):
            req.context["ack"] = RecordingAck(
                lambda response: record(rt.factory, key, _answer(response))
            )
            return next_()
        log.info("a replayed request was answered without running it again")
        return _replayed(rt, key)

    return guard


def _replayed(rt: Runtime, key: str) -> BoltResponse:
    """The first request's answer, waiting for it while that request is still running."""
    deadline = time.monotonic() + WAIT_SECONDS
    while (found := answer_for(rt.factory, key)) is None and time.monotonic() < deadline:
        time.sleep(POLL_SECONDS)
    if found is None:
        return BoltResponse(status=200, body="")
    return BoltResponse(status=found.status, body=found.body, headers=found.headers)
