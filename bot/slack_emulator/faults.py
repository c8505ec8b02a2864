"""Failures queued per method, so tests can rehearse rate limits and Slack outages."""

from __future__ import annotations

import threading
from dataclasses import dataclass
from typing import Any


class Hold(threading.Event):
    """A call held until the test sets this event; `arrived` is set once the call is waiting,
    so a test can act while Slack has a request in hand and not yet answered it."""

    def __init__(self) -> None:
        super().__init__()
        self.arrived = threading.Event()


# How long a call waits: seconds, or until the test sets the hold.
Delay = float | Hold

# Slack's own error codes for the statuses it answers when it cannot serve a call.
ERRORS_BY_STATUS = {429: "ratelimited", 500: "internal_error", 503: "service_unavailable"}


@dataclass(frozen=True)
class Fault:
    """One injected failure: the HTTP status, Slack error code and optional Retry-After."""

    error: str
    status: int
    retry_after: int | None

    def body(self) -> dict[str, Any]:
        return {"ok": False, "error": self.error}

    def headers(self) -> dict[str, str]:
        return {} if self.retry_after is None else {"Retry-After": str(self.retry_after)}


class FaultPlan:
    """The failures still to be served, consumed one per matching call."""

    def __init__(self) -> None:
        self._queued: dict[str, list[Fault]] = {}
        self._delays: dict[str, list[Delay]] = {}

    def add(self, method: str, fault: Fault, times: int) -> None:
        if times < 1:
            raise ValueError("times must be at least 1")
        self._queued.setdefault(method, []).extend([fault] * times)

    def take(self, method: str) -> Fault | None:
        queued = self._queued.get(method)
        return queued.pop(0) if queued else None

    def add_delay(self, method: str, seconds: float, times: int) -> None:
        if times < 1 or seconds < 0:
            raise ValueError("times must be at least 1 and seconds not negative")
        self._delays.setdefault(method, []).extend([seconds] * times)

    def add_hold(self, method: str, release: Hold) -> None:
        self._delays.setdefault(method, []).append(release)

    def take_delay(self, method: str) -> Delay | None:
        queued = self._delays.get(method)
        return queued.pop(0) if queued else None
