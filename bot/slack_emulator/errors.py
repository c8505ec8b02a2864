"""Web API failures, raised deep in a handler and answered the way Slack answers them."""

from __future__ import annotations

from typing import Any


class ApiError(Exception):
    """A failure answered as {"ok": false, "error": ...} plus any extra fields Slack adds."""

    def __init__(self, error: str, *, status: int = 200, **extra: Any) -> None:
        super().__init__(error)
        self.error = error
        self.status = status
        self.extra = extra

    def body(self) -> dict[str, Any]:
        return {"ok": False, "error": self.error, **self.extra}


def invalid_arguments(*problems: str) -> ApiError:
    """Slack's answer to missing or malformed parameters, with its [ERROR] lines."""
    return ApiError(
        "invalid_arguments", response_metadata={"messages": [f"[ERROR] {p}" for p in problems]}
    )
