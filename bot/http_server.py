"""Serves Slack's requests and the health probes over HTTP, behind waitress.

waitress reads each request in full before a worker thread sees it, so a slow or half-sent
request holds a socket, not a thread; it refuses bodies and headers over their caps, any
Content-Length that is not plain digits, and connections beyond a limit, and drops a
connection that stays silent for `IDLE_SECONDS`. A request still arriving `READ_SECONDS`
after its first byte is dropped too, however steadily it trickles in.
"""

from __future__ import annotations

import threading
import time

from slack_bolt import App
from waitress import wasyncore
from waitress.channel import HTTPChannel
from waitress.server import BaseWSGIServer, create_server

from bot.slack_wsgi import ReadyCheck, probes_and_events

MAX_BODY = 1_000_000
MAX_HEADERS = 16_384
IDLE_SECONDS = 10
READ_SECONDS = 10
MAX_CONNECTIONS = 1_000
WORKER_THREADS = 8


def _deadline_channel(read_seconds: float) -> type[HTTPChannel]:
    class DeadlineChannel(HTTPChannel):
        """Closes the connection once its current request has taken too long to arrive."""

        request_began = 0.0

        def received(self, data: bytes) -> bool:
            if self.request is None:
                self.request_began = time.monotonic()
            result = bool(super().received(data))
            if self.request is not None and time.monotonic() - self.request_began > read_seconds:
                self.will_close = True
            return result

    return DeadlineChannel


class SlackHTTPServer:
    """Runs in the foreground (`serve_forever`) or in a thread (`start`/`stop`) for tests.

    Without a Bolt app it serves only `/health` and `/ready`, as Socket Mode does.
    """

    def __init__(
        self,
        app: App | None,
        *,
        host: str = "0.0.0.0",
        port: int = 3000,
        ready: ReadyCheck | None = None,
        signing_secret: str | None = None,
        read_seconds: float = READ_SECONDS,
    ) -> None:
        wsgi = probes_and_events(app, ready=ready, signing_secret=signing_secret)
        self._server: BaseWSGIServer = create_server(  # one socket: `host` is an IP address
            wsgi,
            host=host,
            port=port,
            max_request_body_size=MAX_BODY,
            max_request_header_size=MAX_HEADERS,
            channel_timeout=IDLE_SECONDS,
            cleanup_interval=1,
            connection_limit=MAX_CONNECTIONS,
            threads=WORKER_THREADS,
            asyncore_use_poll=True,
            expose_tracebacks=False,
            ident="resolve",
            clear_untrusted_proxy_headers=True,
        )
        self._server.channel_class = _deadline_channel(read_seconds)
        self._thread: threading.Thread | None = None

    @property
    def port(self) -> int:
        return int(self._server.socket.getsockname()[1])

    def serve_forever(self) -> None:
        self._server.run()

    def start(self) -> SlackHTTPServer:
        self._thread = threading.Thread(target=self._server.run, daemon=True)
        self._thread.start()
        return self

    def stop(self) -> None:
        """Lets the workers finish the requests in hand, then wakes the server's loop to close
        every socket at once.

        The workers go first: a worker that has just answered wakes the loop through its
        wake-up pipe, which must still be open then. A worker's own wake-up can still run the
        closing before this one is written, closing the pipe under it; the closing is then done
        (again, harmlessly) from here.
        """
        server = self._server
        server.task_dispatcher.shutdown(timeout=5)

        def close_all() -> None:
            wasyncore.close_all(server._map, ignore_all=True)

        try:
            server.trigger.pull_trigger(close_all)
        except OSError:
            close_all()
        if self._thread is not None:
            self._thread.join(timeout=5)
