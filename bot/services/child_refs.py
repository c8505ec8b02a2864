"""Keeps case numbers out of free text: a child reference belongs only in its own field, where it
is shown to the dispute's members and nowhere else."""

from __future__ import annotations

import re

from bot.services.errors import DomainError
from bot.settings import DEFAULT_CHILD_REF_PATTERN


class ChildRefDetector:
    """Finds the partnership's case-number pattern, or a dispute's own child reference, in text."""

    def __init__(self, pattern: str = DEFAULT_CHILD_REF_PATTERN) -> None:
        self.pattern = re.compile(pattern, re.IGNORECASE)

    def found_in(self, text: str | None, known: str | None = None) -> bool:
        if not text:
            return False
        if known and re.search(rf"(?<![\w]){re.escape(known)}(?![\w])", text, re.IGNORECASE):
            return True
        return self.pattern.search(text) is not None

    def refuse(self, text: str | None, *, field: str, where: str, known: str | None = None) -> None:
        """Raises the field's error before anything is stored; the message never repeats it."""
        if self.found_in(text, known):
            raise DomainError(
                f"Remove the child's case number from {where}: it belongs only in the "
                "Child reference field.",
                field=field,
            )
