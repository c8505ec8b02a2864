"""Refuses text holding a NUL character before any listener sees it.

PostgreSQL cannot store a NUL and SQLite would, so the same words would be kept on one
database and crash on the other; a NUL is never meant, it comes from pasting out of another
program. A form shows the refusal beside the field, a slash command answers the person, and
anything else is acknowledged and ignored. Nothing is stored either way.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from typing import Any

from slack_bolt import BoltResponse

from bot.text_checks import has_nul

NUL_REFUSAL = (
    "This text holds an invisible NUL character, usually from pasting out of another "
    "program. Retype it and try again: nothing was saved."
)


def _strings(value: Any) -> Iterator[str]:
    """Every string in a parsed payload, keys included, without recursion."""
    pending = [value]
    while pending:
        item = pending.pop()
        if isinstance(item, str):
            yield item
        elif isinstance(item, dict):
            pending.extend(item.keys())
            pending.extend(item.values())
        elif isinstance(item, list):
            pending.extend(item)


def _carries_nul(value: Any) -> bool:
    return any(has_nul(text) for text in _strings(value))


def refuse_nul_text(body: dict[str, Any], next: Callable[[], Any]) -> BoltResponse | None:  # noqa: A002 - Bolt passes `next` by name
    if not _carries_nul(body):
        return next()  # type: ignore[no-any-return]
    if body.get("type") == "view_submission":
        values = ((body.get("view") or {}).get("state") or {}).get("values") or {}
        errors = {block: NUL_REFUSAL for block, field in values.items() if _carries_nul(field)}
        if errors:
            return BoltResponse(status=200, body={"response_action": "errors", "errors": errors})
    if "command" in body:
        return BoltResponse(status=200, body={"response_type": "ephemeral", "text": NUL_REFUSAL})
    return BoltResponse(status=200, body="")
