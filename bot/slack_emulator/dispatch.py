"""Turns raw HTTP requests into Web API calls, uploads and response_url posts.

Kept apart from the HTTP server so the wire rules (how slack_sdk encodes
parameters, how Slack authenticates and fails) live in one readable place.
"""

from __future__ import annotations

import contextlib
import json
import time
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import parse_qsl

from bot.slack_emulator.chat import deliver_response
from bot.slack_emulator.errors import ApiError
from bot.slack_emulator.faults import FaultPlan, Hold
from bot.slack_emulator.methods import METHODS
from bot.slack_emulator.params import Params
from bot.slack_emulator.state import RecordedCall, Workspace, copied

API_PREFIX = "/api/"
UPLOAD_PREFIX = "/upload/"
RESPONSE_PREFIX = "/response/"
# Names under which uploads and response_url posts are recorded and can be failed.
UPLOAD_CALL = "file_upload"
RESPONSE_URL_CALL = "response_url"
# Slack lets an app use one response_url five times.
MAX_RESPONSE_URL_USES = 5
# Parameters slack_sdk may send as JSON text inside a form body.
JSON_ENCODED_PARAMS = ("blocks", "attachments", "view", "files", "metadata")
BOT_TOKEN_PREFIX = "xoxb-"
# The longest a held call waits for the test to let it go, so a failed test cannot hang.
HOLD_LIMIT_SECONDS = 60


@dataclass(frozen=True)
class HttpRequest:
    """The parts of a request the emulator looks at; header names are lower-case."""

    path: str
    query: str
    headers: Mapping[str, str]
    body: bytes


@dataclass(frozen=True)
class HttpResponse:
    """What to send back; built here so the HTTP layer only copies bytes out."""

    status: int
    body: bytes
    headers: dict[str, str] = field(default_factory=dict)

    @classmethod
    def json(
        cls, status: int, payload: dict[str, Any], headers: dict[str, str] | None = None
    ) -> HttpResponse:
        return cls(
            status,
            json.dumps(payload).encode(),
            {"Content-Type": "application/json; charset=utf-8", **(headers or {})},
        )

    @classmethod
    def text(cls, status: int, text: str, headers: dict[str, str] | None = None) -> HttpResponse:
        return cls(
            status, text.encode(), {"Content-Type": "text/plain; charset=utf-8", **(headers or {})}
        )


def _method_of(path: str) -> str:
    """The name a delay is queued under: the API method, or the upload / response_url call."""
    if path.startswith(API_PREFIX):
        return path[len(API_PREFIX) :]
    if path.startswith(UPLOAD_PREFIX):
        return UPLOAD_CALL
    return RESPONSE_URL_CALL if path.startswith(RESPONSE_PREFIX) else path


class Dispatcher:
    """Routes each request and records it, holding the workspace lock throughout."""

    def __init__(self, workspace: Workspace, faults: FaultPlan) -> None:
        self._ws = workspace
        self._faults = faults
        self._response_url_uses: dict[str, int] = {}

    def handle(self, request: HttpRequest) -> HttpResponse:
        with self._ws.lock:
            delay = self._faults.take_delay(_method_of(request.path))
        if isinstance(delay, Hold):
            delay.arrived.set()
            delay.wait(HOLD_LIMIT_SECONDS)  # outside the lock, so other calls go on
        elif delay:
            time.sleep(delay)  # a slow Slack: outside the lock, so other calls go on
        with self._ws.lock:
            for prefix, route in (
                (API_PREFIX, self._api),
                (UPLOAD_PREFIX, self._upload),
                (RESPONSE_PREFIX, self._response_url),
            ):
                if request.path.startswith(prefix):
                    return route(request.path[len(prefix) :], request)
            return HttpResponse.json(404, {"ok": False, "error": "not_found"})

    def _api(self, method: str, request: HttpRequest) -> HttpResponse:
        try:
            params = parse_params(request)
        except ApiError as exc:
            return self._answer(method, {}, exc.body(), exc.status)
        token = bearer_token(request.headers) or params.pop("token", None)
        fault = self._faults.take(method)
        if fault is not None:
            return self._answer(method, params, fault.body(), fault.status, fault.headers())
        handler = METHODS.get(method)
        if handler is None:
            return self._answer(method, params, ApiError("unknown_method").body(), 404)
        try:
            authenticate(token)
            body, status = handler(self._ws, Params(params)), 200
        except ApiError as exc:
            body, status = exc.body(), exc.status
        return self._answer(method, params, body, status)

    def _upload(self, file_id: str, request: HttpRequest) -> HttpResponse:
        """The upload_url files.getUploadURLExternal hands out: it takes the raw bytes."""
        params = {"file_id": file_id, "length": len(request.body)}
        fault = self._faults.take(UPLOAD_CALL)
        if fault is not None:
            self._record(UPLOAD_CALL, params, fault.body(), fault.status)
            return HttpResponse.text(fault.status, fault.error, fault.headers())
        file = self._ws.files.get(file_id)
        if file is None:
            self._record(UPLOAD_CALL, params, {"ok": False, "error": "file_not_found"}, 404)
            return HttpResponse.text(404, "file_not_found")
        file["content"] = request.body
        file["size"] = len(request.body)
        self._record(UPLOAD_CALL, params, {"ok": True}, 200)
        return HttpResponse.text(200, f"OK - {len(request.body)}")

    def _response_url(self, token: str, request: HttpRequest) -> HttpResponse:
        """A response_url: JSON in, {"ok": true} out, 400 for payloads Slack would refuse."""
        try:
            payload = json.loads(request.body or b"{}")
        except ValueError:
            payload = None
        params = payload if isinstance(payload, dict) else {}
        fault = self._faults.take(RESPONSE_URL_CALL)
        if fault is not None:
            return self._answer(
                RESPONSE_URL_CALL, params, fault.body(), fault.status, fault.headers()
            )
        target = self._ws.response_targets.get(token)
        uses = self._response_url_uses.get(token, 0)
        try:
            if target is None:
                raise ApiError("expired_url", status=404)
            if uses >= MAX_RESPONSE_URL_USES:
                raise ApiError("used_url", status=404)
            if not isinstance(payload, dict):
                raise ApiError("invalid_payload", status=400)
            self._response_url_uses[token] = uses + 1
            body, status = deliver_response(self._ws, target, Params(params)), 200
        except ApiError as exc:
            # Message errors default to 200 for the Web API; a response_url answers 400.
            body, status = exc.body(), exc.status if exc.status != 200 else 400
        return self._answer(RESPONSE_URL_CALL, params, body, status)

    def _answer(
        self,
        name: str,
        params: dict[str, Any],
        body: dict[str, Any],
        status: int,
        headers: dict[str, str] | None = None,
    ) -> HttpResponse:
        self._record(name, params, body, status)
        return HttpResponse.json(status, body, headers)

    def _record(self, name: str, params: dict[str, Any], body: dict[str, Any], status: int) -> None:
        # Copies, so later edits to live messages do not rewrite what was answered.
        self._ws.calls.append(RecordedCall(name, copied(params), copied(body), time.time(), status))


def parse_params(request: HttpRequest) -> dict[str, Any]:
    """Merge query-string and body parameters, JSON or form-encoded, as Slack accepts both."""
    values: dict[str, Any] = dict(parse_qsl(request.query, keep_blank_values=True))
    if request.body:
        if request.headers.get("content-type", "").startswith("application/json"):
            try:
                decoded = json.loads(request.body)
            except ValueError:
                raise ApiError("invalid_json") from None
            if not isinstance(decoded, dict):
                raise ApiError("invalid_json")
            values.update(decoded)
        else:
            try:
                values.update(parse_qsl(request.body.decode(), keep_blank_values=True))
            except ValueError:
                raise ApiError("invalid_form_data") from None
    for name in JSON_ENCODED_PARAMS:
        if isinstance(values.get(name), str):
            # Left as text when it does not parse, so the method reports the bad format.
            with contextlib.suppress(ValueError):
                values[name] = json.loads(values[name])
    return values


def bearer_token(headers: Mapping[str, str]) -> str | None:
    scheme, _, token = headers.get("authorization", "").partition(" ")
    if scheme.lower() != "bearer" or not token.strip():
        return None
    return token.strip()


def authenticate(token: str | None) -> None:
    """Any well-formed bot token is accepted; there is one bot in an emulated workspace."""
    if not token:
        raise ApiError("not_authed")
    if not token.startswith(BOT_TOKEN_PREFIX) or len(token) == len(BOT_TOKEN_PREFIX):
        raise ApiError("invalid_auth")
