"""The one place the bot reads the time, so tests, demos and training can move it."""

from __future__ import annotations

import threading
import time
from datetime import UTC, datetime, timedelta
from typing import Protocol


class Clock(Protocol):
    """Anything that tells the current instant as an aware UTC datetime."""

    def now(self) -> datetime: ...


class SystemClock:
    """Real time."""

    def now(self) -> datetime:
        return datetime.now(UTC)


class FrozenClock:
    """Time that only moves when told to; tests drive deadlines with it."""

    def __init__(self, start: datetime) -> None:
        self._now = ensure_utc(start)
        self._lock = threading.Lock()

    def now(self) -> datetime:
        with self._lock:
            return self._now

    def set(self, instant: datetime) -> None:
        with self._lock:
            self._now = ensure_utc(instant)

    def advance(self, delta: timedelta) -> datetime:
        with self._lock:
            self._now += delta
            return self._now


class SimulatedClock:
    """Time that starts at a chosen instant and runs `speed` simulated seconds per real second."""

    def __init__(self, start: datetime, speed: float = 1.0) -> None:
        self._start = ensure_utc(start)
        self._speed = speed
        self._origin = time.monotonic()

    @property
    def speed(self) -> float:
        return self._speed

    def now(self) -> datetime:
        elapsed = (time.monotonic() - self._origin) * self._speed
        return self._start + timedelta(seconds=elapsed)


def ensure_utc(instant: datetime) -> datetime:
    """Stored times are UTC; a naive datetime here is a programming error."""
    if instant.tzinfo is None:
        raise ValueError("expected an aware datetime")
    return instant.astimezone(UTC)
