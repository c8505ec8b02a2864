"""Spreadsheet programs run a cell that starts with `=`, `+`, `-` or `@` as a formula, so an
exported cell like that gets a leading apostrophe (shown as text, never run) and the importer
takes it off again: exporting then importing still changes nothing."""

from __future__ import annotations

from typing import Any

FORMULA_START = ("=", "+", "-", "@")


def neutralise(value: Any) -> Any:
    if isinstance(value, str) and value.startswith(FORMULA_START):
        return "'" + value
    return value


def restore(cell: str) -> str:
    if cell.startswith("'") and cell[1:].startswith(FORMULA_START):
        return cell[1:]
    return cell
