"""The WSGI application behind the HTTP server: health probes, and Slack's requests.

A Slack request's signature is checked on the raw bytes before anything in it is parsed, so
nothing unsigned reaches Bolt's parsers; a signed request Bolt still cannot read gets a 400.
"""

from __future__ import annotations

import io
import json
import logging
import re
from collections.abc import Callable, Iterable
from typing import TYPE_CHECKING

from slack_bolt import App
from slack_bolt.adapter.wsgi import SlackRequestHandler
from slack_sdk.signature import SignatureVerifier

if TYPE_CHECKING:
    from wsgiref.types import StartResponse, WSGIApplication, WSGIEnvironment

log = logging.getLogger("resolve.http")

EVENTS_PATH = "/slack/events"
ReadyCheck = Callable[[], str | None]
"""Says what keeps the bot from serving (such as an unreachable database), or None when ready."""

_TIMESTAMP = re.compile(r"[0-9]{1,12}")


def _reply(
    start_response: StartResponse, status: int, text: str, content_type: str = "text/plain"
) -> Iterable[bytes]:
    body = text.encode()
    reason = {200: "OK", 400: "Bad Request", 401: "Unauthorized", 404: "Not Found"}
    start_response(
        f"{status} {reason.get(status, 'Service Unavailable')}",
        [("Content-Type", f"{content_type}; charset=utf-8"), ("Content-Length", str(len(body)))],
    )
    return [body]


def _refused(start_response: StartResponse, status: int, error: str) -> Iterable[bytes]:
    return _reply(start_response, status, json.dumps({"error": error}), "application/json")


def _signing_secret_of(app: App) -> str:
    """The secret the Bolt app verifies with, so both checks always agree."""
    return str(app._signing_secret)


def probes_and_events(
    app: App | None, *, ready: ReadyCheck | None = None, signing_secret: str | None = None
) -> WSGIApplication:
    """`/health`, `/ready` (when given a check) and, with a Bolt app, `/slack/events`."""
    events = SlackRequestHandler(app, EVENTS_PATH) if app is not None else None
    verifier = (
        SignatureVerifier(signing_secret or _signing_secret_of(app)) if app is not None else None
    )

    def slack(environ: WSGIEnvironment, start_response: StartResponse) -> Iterable[bytes]:
        assert events is not None and verifier is not None
        # waitress has already refused a missing, negative or oversized Content-Length.
        raw = environ["wsgi.input"].read(int(environ.get("CONTENT_LENGTH") or 0))
        try:
            text = raw.decode("utf-8")
        except UnicodeDecodeError:
            return _refused(start_response, 400, "the request is not UTF-8 text")
        timestamp = environ.get("HTTP_X_SLACK_REQUEST_TIMESTAMP", "")
        signature = environ.get("HTTP_X_SLACK_SIGNATURE", "")
        if not _TIMESTAMP.fullmatch(timestamp) or not verifier.is_valid(text, timestamp, signature):
            log.info("Refused a request with a missing, stale or wrong signature")
            return _refused(start_response, 401, "invalid request")
        environ["wsgi.input"] = io.BytesIO(raw)
        try:
            return events(environ, start_response)
        except Exception as error:  # noqa: BLE001 - no request may crash the bot or get a 500
            log.warning("Refused a signed request it could not read (%s)", type(error).__name__)
            return _refused(start_response, 400, "the request could not be read")

    def application(environ: WSGIEnvironment, start_response: StartResponse) -> Iterable[bytes]:
        method, path = environ.get("REQUEST_METHOD", ""), environ.get("PATH_INFO", "")
        if method == "GET" and path == "/health":
            return _reply(start_response, 200, "ok")
        if method == "GET" and path == "/ready" and ready is not None:
            problem = ready()
            return _reply(start_response, 503 if problem else 200, problem or "ready")
        if method == "POST" and path == EVENTS_PATH and events is not None:
            return slack(environ, start_response)
        return _reply(start_response, 404, "not found")

    return application
