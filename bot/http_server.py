"""Serves Slack's requests over HTTP: one thread per request, bodies never logged."""

from __future__ import annotations

import logging
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

from slack_bolt import App, BoltRequest

log = logging.getLogger("resolve.http")

EVENTS_PATH = "/slack/events"
MAX_BODY = 1_000_000


def _handler_for(app: App) -> type[BaseHTTPRequestHandler]:
    class SlackRequestHandler(BaseHTTPRequestHandler):
        def do_GET(self) -> None:
            if self.path == "/health":
                self._send(200, b"ok", {"Content-Type": "text/plain"})
            else:
                self._send(404, b"not found", {"Content-Type": "text/plain"})

        def do_POST(self) -> None:
            path, _, query = self.path.partition("?")
            length = int(self.headers.get("Content-Length") or 0)
            if path != EVENTS_PATH or length > MAX_BODY:
                self._send(404, b"not found", {"Content-Type": "text/plain"})
                return
            body = self.rfile.read(length).decode("utf-8", errors="replace")
            headers = {k.lower(): [v] for k, v in self.headers.items()}
            response = app.dispatch(BoltRequest(body=body, query=query, headers=headers))
            extra = {k: v[0] if isinstance(v, list) else v for k, v in response.headers.items()}
            self._send(response.status, response.body.encode("utf-8"), extra)

        def _send(self, status: int, body: bytes, headers: dict[str, Any]) -> None:
            self.send_response(status)
            for name, value in headers.items():
                if name.lower() != "content-length":
                    self.send_header(name, str(value))
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)

        def log_message(self, format: str, *args: Any) -> None:
            log.info("%s %s", self.command, self.path.partition("?")[0])

    return SlackRequestHandler


class SlackHTTPServer:
    """Runs in the foreground (`serve_forever`) or in a thread (`start`/`stop`) for tests."""

    def __init__(self, app: App, *, host: str = "0.0.0.0", port: int = 3000) -> None:
        self._server = ThreadingHTTPServer((host, port), _handler_for(app))
        self._server.daemon_threads = True
        self._thread: threading.Thread | None = None

    @property
    def port(self) -> int:
        return int(self._server.server_address[1])

    def serve_forever(self) -> None:
        self._server.serve_forever()

    def start(self) -> SlackHTTPServer:
        self._thread = threading.Thread(target=self._server.serve_forever, daemon=True)
        self._thread.start()
        return self

    def stop(self) -> None:
        self._server.shutdown()
        self._server.server_close()
        if self._thread is not None:
            self._thread.join(timeout=5)
