"""SlackEmulator: a local Slack Web API for tests and sandboxes.

Point `slack_sdk.WebClient(token="xoxb-...", base_url=emulator.base_url)` at it and
the bot talks to an in-memory workspace that answers, validates and fails the way
Slack does, while every call is kept for assertions.
"""

from __future__ import annotations

import logging
import secrets
import threading
from dataclasses import replace
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from types import TracebackType
from typing import Any, Self
from urllib.parse import urlsplit

from bot.slack_emulator.dispatch import (
    API_PREFIX,
    RESPONSE_PREFIX,
    Dispatcher,
    HttpRequest,
)
from bot.slack_emulator.faults import ERRORS_BY_STATUS, Fault, FaultPlan, Hold
from bot.slack_emulator.state import TEAM_ID, RecordedCall, ResponseTarget, Workspace, copied

logger = logging.getLogger(__name__)
# How often the serving thread checks for stop(); short, so a test per emulator stays fast.
SHUTDOWN_POLL_SECONDS = 0.01


class _Server(ThreadingHTTPServer):
    """One thread per request, as slack_sdk clients may call from several threads."""

    daemon_threads = True

    def __init__(self, address: tuple[str, int], dispatcher: Dispatcher) -> None:
        super().__init__(address, _RequestHandler)
        self.dispatcher = dispatcher


class _RequestHandler(BaseHTTPRequestHandler):
    """Hands every request to the dispatcher; Slack accepts GET and POST alike."""

    server: _Server

    def do_GET(self) -> None:
        self._serve()

    def do_POST(self) -> None:
        self._serve()

    def _serve(self) -> None:
        url = urlsplit(self.path)
        length = int(self.headers.get("Content-Length") or 0)
        request = HttpRequest(
            path=url.path,
            query=url.query,
            headers={name.lower(): value for name, value in self.headers.items()},
            body=self.rfile.read(length) if length else b"",
        )
        response = self.server.dispatcher.handle(request)
        self.send_response(response.status)
        for name, value in response.headers.items():
            self.send_header(name, value)
        self.send_header("Content-Length", str(len(response.body)))
        self.end_headers()
        self.wfile.write(response.body)

    def log_message(self, format: str, *args: Any) -> None:
        """Per-request lines go to debug logging rather than cluttering test output."""
        logger.debug(format, *args)


class SlackEmulator:
    """An HTTP server on 127.0.0.1 speaking the Slack Web API over an in-memory workspace."""

    def __init__(
        self, *, host: str = "127.0.0.1", port: int = 0, bot_name: str = "resolve"
    ) -> None:
        self._address = (host, port)
        self._workspace = Workspace(bot_name)
        self._faults = FaultPlan()
        self._dispatcher = Dispatcher(self._workspace, self._faults)
        self._server: _Server | None = None
        self._thread: threading.Thread | None = None

    # lifecycle -------------------------------------------------------------

    def start(self) -> Self:
        """Bind a free port (unless one was given) and serve from a background thread; after a
        `stop`, come back on the same port, as Slack comes back after an outage."""
        if self._server is not None:
            raise RuntimeError("the emulator is already running")
        server = _Server(self._address, self._dispatcher)
        host, port = server.server_address[:2]
        self._address = (host, port)
        with self._workspace.lock:
            self._workspace.root_url = f"http://{host}:{port}"
        self._server = server
        self._thread = threading.Thread(
            target=server.serve_forever,
            kwargs={"poll_interval": SHUTDOWN_POLL_SECONDS},
            name="slack-emulator",
            daemon=True,
        )
        self._thread.start()
        return self

    def stop(self) -> None:
        """Stop serving and free the port; the workspace and recordings are kept."""
        if self._server is None:
            return
        self._server.shutdown()
        self._server.server_close()
        if self._thread is not None:
            self._thread.join()
        self._server = None
        self._thread = None

    def __enter__(self) -> Self:
        return self.start()

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        traceback: TracebackType | None,
    ) -> None:
        self.stop()

    @property
    def root_url(self) -> str:
        """Where the server listens, e.g. http://127.0.0.1:54321."""
        if self._server is None:
            raise RuntimeError("start the emulator before asking for its URL")
        return self._workspace.root_url

    @property
    def base_url(self) -> str:
        """The value for WebClient(base_url=...), e.g. http://127.0.0.1:54321/api/."""
        return f"{self.root_url}{API_PREFIX}"

    # workspace -------------------------------------------------------------

    @property
    def team_id(self) -> str:
        """The emulated team, as auth.test reports it."""
        return TEAM_ID

    @property
    def bot_user_id(self) -> str:
        """The bot's own user, a member of every channel it creates or DM it opens."""
        return self._workspace.bot_user_id

    @property
    def bot_id(self) -> str:
        """The bot id stamped on the bot's messages, as auth.test reports it."""
        return self._workspace.bot_id

    def add_user(
        self, user_id: str, name: str, email: str | None = None, *, real_name: str | None = None
    ) -> dict[str, Any]:
        """Add (or replace) a person, returned in the shape users.info gives."""
        with self._workspace.lock:
            return copied(self._workspace.add_user(user_id, name, email, real_name=real_name))

    def add_channel(
        self, name: str, *, members: list[str] | None = None, is_private: bool = False
    ) -> dict[str, Any]:
        """Add a channel someone else made; the bot is in it only if listed in `members`."""
        with self._workspace.lock:
            for user_id in members or []:
                self._workspace.user(user_id)
            channel = self._workspace.add_channel(
                name, is_private=is_private, creator="", members=list(members or [])
            )
            return copied(channel)

    def response_url(self, channel_id: str, user_id: str, *, message_ts: str | None = None) -> str:
        """A response_url as Slack puts in an interaction payload from this channel and user.

        With `message_ts`, replace_original and delete_original act on that message.
        """
        with self._workspace.lock:
            if channel_id not in self._workspace.channels:
                raise ValueError(f"unknown channel {channel_id!r}")
            if user_id not in self._workspace.users:
                raise ValueError(f"unknown user {user_id!r}")
            token = secrets.token_urlsafe(16)
            self._workspace.response_targets[token] = ResponseTarget(
                channel_id, user_id, message_ts
            )
        return f"{self.root_url}{RESPONSE_PREFIX}{token}"

    # fault injection -------------------------------------------------------

    def fail_next(
        self,
        method: str,
        *,
        error: str | None = None,
        status: int = 429,
        retry_after: int | None = 1,
        times: int = 1,
    ) -> None:
        """Make the next `times` calls to `method` fail with `status` and {"ok": false}.

        `error` defaults to Slack's code for the status (ratelimited, internal_error,
        service_unavailable). A Retry-After header is sent unless `retry_after` is None.
        "file_upload" and "response_url" name the upload URL and response_url posts.
        """
        code = error or ERRORS_BY_STATUS.get(status, "internal_error")
        with self._workspace.lock:
            self._faults.add(method, Fault(code, status, retry_after), times)

    def slow_next(self, method: str, *, seconds: float, times: int = 1) -> None:
        """Make the next `times` calls to `method` answer only after `seconds`, like a slow
        Slack; other calls are served meanwhile. Names as for `fail_next`."""
        with self._workspace.lock:
            self._faults.add_delay(method, seconds, times)

    def hold_next(self, method: str) -> Hold:
        """Make the next call to `method` wait until the returned event is set (or a minute
        passes), like a Slack that answers only when the test says; other calls are served
        meanwhile, and the event's `arrived` says when the call came. Names as for
        `fail_next`."""
        release = Hold()
        with self._workspace.lock:
            self._faults.add_hold(method, release)
        return release

    # recordings ------------------------------------------------------------

    def calls(self, method: str | None = None, *, since: int = 0) -> list[RecordedCall]:
        """Every answered request in order, or only those to `method`; with `since`, all but
        the first `since` of them, so a caller that reads as they come copies only the new.

        Uploads to an upload_url are recorded as "file_upload" and response_url
        posts as "response_url", each with a JSON summary as the response.
        """
        with self._workspace.lock:
            chosen = [c for c in self._workspace.calls if method is None or c.method == method]
            return [
                replace(c, params=copied(c.params), response=copied(c.response))
                for c in chosen[since:]
            ]

    def reset_calls(self) -> None:
        """Forget recorded calls, e.g. after a test's setup, keeping the workspace."""
        with self._workspace.lock:
            self._workspace.calls.clear()

    def messages(self, channel: str | None = None, *, since: int = 0) -> list[dict[str, Any]]:
        """Messages as they stand, oldest first, including ephemeral and response_url ones;
        with `since`, all but the first `since` of them.

        Ephemeral messages carry `ephemeral: True` and the recipient as `user`;
        response_url messages carry `via_response_url: True`.
        """
        with self._workspace.lock:
            return copied(
                [m for m in self._workspace.messages if channel is None or m["channel"] == channel][
                    since:
                ]
            )

    def views_opened(self) -> list[dict[str, Any]]:
        """Modals opened or pushed, oldest first, each as it stands after any views.update."""
        with self._workspace.lock:
            return copied(
                [self._workspace.views[view_id] for view_id in self._workspace.modal_view_ids]
            )

    def home_views(self, user_id: str) -> list[dict[str, Any]]:
        """Every Home tab published or updated for `user_id`, oldest first."""
        with self._workspace.lock:
            return copied(self._workspace.home_history.get(user_id, []))

    def files(self) -> list[dict[str, Any]]:
        """Files the bot uploaded, with their bytes under `content` and shares in `channels`."""
        with self._workspace.lock:
            uploaded = [f for f in self._workspace.files.values() if f["content"] is not None]
            return copied(uploaded)
