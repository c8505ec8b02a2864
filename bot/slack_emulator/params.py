"""Request parameters as the Web API methods read them, however they were sent."""

from __future__ import annotations

from typing import Any

from bot.slack_emulator.errors import invalid_arguments


class Params:
    """Request parameters, whether they came as form fields, JSON or a query string."""

    def __init__(self, values: dict[str, Any]) -> None:
        self.values = values

    def get(self, name: str) -> Any:
        return self.values.get(name)

    def text(self, name: str) -> str | None:
        value = self.values.get(name)
        return None if value is None else str(value)

    def required(self, name: str) -> str:
        value = self.text(name)
        if not value:
            raise invalid_arguments(f"missing required field: {name}")
        return value

    def flag(self, name: str) -> bool:
        """Slack booleans arrive as true/false in JSON and as 1/0 or "true" in forms."""
        value = self.values.get(name)
        if isinstance(value, str):
            return value.lower() in {"1", "true"}
        return bool(value)

    def listed(self, name: str) -> list[str]:
        """A comma-separated list (as slack_sdk sends users=) or a JSON array."""
        value = self.values.get(name)
        if value is None:
            return []
        items = value if isinstance(value, list) else str(value).split(",")
        return [str(item).strip() for item in items if str(item).strip()]

    def number(self, name: str, default: int) -> int:
        value = self.values.get(name)
        if value is None or value == "":
            return default
        try:
            return int(value)
        except (TypeError, ValueError):
            raise invalid_arguments(f"{name} must be a whole number") from None
