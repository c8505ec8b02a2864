"""Refuses text no partnership means to send: control characters (a NUL above all, which
PostgreSQL cannot store and SQLite would), files that are not UTF-8, and YAML nested too deeply.

Every refusal is one sentence saying where the problem is and how to fix it.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from pathlib import Path
from typing import Any

# C0 controls other than tab, newline and carriage return; DEL; and the C1 controls.
_CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f]")


_NOT_A_BRACKET = re.compile(r"[^\[\]{}]+")
# Brackets and braces nested deeper than this are refused; a protocol file nests three or four.
MAX_FLOW_DEPTH = 100
_TOO_DEEP = "nested too deeply: a protocol or directory file needs only a few levels"


class UnreadableFile(Exception):
    """A file that cannot be read as text at all; nothing in it is used."""


def has_nul(text: str) -> bool:
    return "\x00" in text


def control_character_problem(text: str) -> str | None:
    """Where the first control character is, as an editor shows it (line and column)."""
    found = _CONTROL.search(text)
    if found is None:
        return None
    before = text[: found.start()]
    line = before.count("\n") + 1
    column = found.start() - (before.rfind("\n") + 1) + 1
    return (
        f"line {line} column {column}: contains the invisible control character "
        f"U+{ord(found.group()):04X}; delete it and save the file again"
    )


def control_character_in_values(data: Any) -> str | None:
    """A control character written as a YAML escape (such as "\\0") only shows once parsed."""
    pending = [data]
    while pending:
        item = pending.pop()
        if isinstance(item, str):
            found = _CONTROL.search(item)
            if found is not None:
                return (
                    f"a value holds the control character U+{ord(found.group()):04X}, written "
                    "as an escape such as \\0; delete it"
                )
        elif isinstance(item, dict):
            pending.extend([*item.keys(), *item.values()])
        elif isinstance(item, list):
            pending.extend(item)
    return None


def read_text_file(path: Path, encoding: str = "utf-8") -> str:
    """The file's text, refused when it is not UTF-8 or holds a control character."""
    try:
        text = path.read_text(encoding=encoding)
    except UnicodeDecodeError as error:
        raise UnreadableFile(
            f"not UTF-8 text (byte {error.start + 1} cannot be read); save the file as UTF-8"
        ) from None
    problem = control_character_problem(text)
    if problem is not None:
        raise UnreadableFile(problem)
    return text


def _nested_too_deeply(text: str) -> bool:
    """Whether the text's brackets and braces (YAML's flow collections) ever nest beyond
    MAX_FLOW_DEPTH, counted wherever they stand (quoted text and comments too, so never an
    underestimate); it stops at the first that does."""
    depth = 0
    for bracket in _NOT_A_BRACKET.sub("", text):
        depth = depth + 1 if bracket in "[{" else max(depth - 1, 0)
        if depth > MAX_FLOW_DEPTH:
            return True
    return False


def load_nested(load: Callable[[], Any], text: str) -> Any:
    """Runs a YAML parse of `text`; a document nested deeper than Python can follow is refused.

    Flow collections nested beyond any real file's few levels are refused before parsing:
    PyYAML's scanner looks ahead through every open bracket, so `[[[[...` a hundred thousand
    deep took seconds to reach the recursion limit. Any other deep nesting still meets it."""
    if _nested_too_deeply(text):
        raise UnreadableFile(_TOO_DEEP)
    try:
        return load()
    except RecursionError:
        raise UnreadableFile(_TOO_DEEP) from None
