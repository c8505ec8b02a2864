"""Reads a directory file (CSV or YAML) into rows that remember the line they came from.

Every problem is reported against the line an administrator sees in their editor, so the
readers keep physical line numbers: CSV counts the header as line 1, YAML uses the line where
each list item starts.
"""

from __future__ import annotations

import csv
import io
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml
from yaml.nodes import MappingNode, Node, ScalarNode, SequenceNode

from bot.services.csv_cells import restore
from bot.services.directory_rows import AGENCY_FIELDS, PERSON_FIELDS
from bot.text_checks import (
    UnreadableFile,
    control_character_in_values,
    load_nested,
    read_text_file,
)

CSV_AGENCY_COLUMNS = {"agency": "key", "agency_name": "name", "agency_kind": "kind"}
CSV_COLUMNS = (*PERSON_FIELDS[:4], "agency_name", "agency_kind", *PERSON_FIELDS[4:])
_CSV_REQUIRED = ("name", "email", "agency", "role", "job_title")
_TIMESTAMP = "tag:yaml.org,2002:timestamp"


class _DirectoryLoader(yaml.SafeLoader):
    """Leaves dates as text, so a bad one is reported on its row rather than breaking the file."""


_DirectoryLoader.yaml_implicit_resolvers = {
    first: [(tag, pattern) for tag, pattern in resolvers if tag != _TIMESTAMP]
    for first, resolvers in yaml.SafeLoader.yaml_implicit_resolvers.items()
}


class DirectoryFileError(Exception):
    """The file as a whole cannot be read; nothing in it is imported."""


@dataclass(frozen=True)
class RawRow:
    """One agency or person as written, before validation; `error` when it cannot be read."""

    line: int
    data: dict[str, Any]
    error: str | None = None


@dataclass
class DirectorySource:
    """The rows of one file, and what its format calls each agency field (for messages)."""

    agencies: list[RawRow] = field(default_factory=list)
    people: list[RawRow] = field(default_factory=list)
    agency_field_names: dict[str, str] = field(
        default_factory=lambda: {name: name for name in AGENCY_FIELDS}
    )


def read_directory_file(path: Path) -> DirectorySource:
    suffix = path.suffix.lower()
    if suffix not in (".csv", ".yaml", ".yml"):
        raise DirectoryFileError(f"{path.name}: use a .csv, .yaml or .yml file")
    try:
        text = read_text_file(path, encoding="utf-8-sig")
    except OSError as exc:
        raise DirectoryFileError(f"{path.name}: cannot read the file ({exc})") from None
    except UnreadableFile as exc:
        raise DirectoryFileError(f"{path.name}: {exc}") from None
    return read_csv(text) if suffix == ".csv" else read_yaml(text)


def read_csv(text: str) -> DirectorySource:
    """One person a row; agency_name and agency_kind define an agency where its key first shows."""
    reader = csv.reader(io.StringIO(text, newline=""))
    source = DirectorySource(agency_field_names={v: k for k, v in CSV_AGENCY_COLUMNS.items()})
    header: list[str] | None = None
    while True:
        start = reader.line_num + 1
        try:
            cells = next(reader)
        except StopIteration:
            break
        except csv.Error as exc:
            raise DirectoryFileError(f"line {start}: not valid CSV ({exc})") from None
        if not any(cell.strip() for cell in cells):
            continue
        if header is None:
            header = _checked_header(cells, start)
            continue
        if len(cells) > len(header):
            error = f"has {len(cells)} cells but the header has {len(header)} columns"
            source.people.append(RawRow(start, {}, error))
            continue
        row = dict(zip(header, [restore(cell) for cell in cells], strict=False))
        agency = {CSV_AGENCY_COLUMNS[c]: row.pop(c, "") for c in ("agency_name", "agency_kind")}
        if any(value.strip() for value in agency.values()):
            source.agencies.append(RawRow(start, {"key": row.get("agency", ""), **agency}))
        source.people.append(RawRow(start, row))
    if header is None:
        raise DirectoryFileError("the file is empty: expected a header row and one row a person")
    return source


def _checked_header(cells: list[str], line: int) -> list[str]:
    header = [cell.strip().lower() for cell in cells]
    unknown = [name for name in header if name not in CSV_COLUMNS]
    if unknown:
        raise DirectoryFileError(
            f"line {line}: unknown column(s) {', '.join(repr(n) for n in unknown)}; "
            f"the columns are {','.join(CSV_COLUMNS)}"
        )
    repeated = sorted({name for name in header if header.count(name) > 1})
    if repeated:
        raise DirectoryFileError(f"line {line}: column(s) {', '.join(repeated)} appear twice")
    missing = [name for name in _CSV_REQUIRED if name not in header]
    if missing:
        raise DirectoryFileError(f"line {line}: missing column(s) {', '.join(missing)}")
    return header


def read_yaml(text: str) -> DirectorySource:
    """Top-level `agencies:` and `people:` lists; composes nodes first to keep their lines."""
    loader = _DirectoryLoader(text)
    try:
        root = load_nested(loader.get_single_node, text)
        source = DirectorySource()
        for key, items in _sections(root):
            target = source.agencies if key == "agencies" else source.people
            for item in items:
                target.append(_yaml_row(loader, item, key))
        return source
    except yaml.MarkedYAMLError as exc:
        mark = exc.problem_mark
        where = f"line {mark.line + 1} column {mark.column + 1}" if mark else "file"
        raise DirectoryFileError(f"{where}: not valid YAML ({exc.problem})") from None
    except UnreadableFile as exc:
        raise DirectoryFileError(str(exc)) from None
    finally:
        loader.dispose()


def _sections(root: Node | None) -> list[tuple[str, list[Node]]]:
    if not isinstance(root, MappingNode):
        raise DirectoryFileError("the file must be a mapping with 'agencies:' and 'people:' lists")
    sections: list[tuple[str, list[Node]]] = []
    for key_node, value_node in root.value:
        key = key_node.value if isinstance(key_node, ScalarNode) else None
        line = key_node.start_mark.line + 1
        if key not in ("agencies", "people"):
            raise DirectoryFileError(
                f"line {line}: unknown section '{key}'; use 'agencies:' and 'people:'"
            )
        if isinstance(value_node, ScalarNode) and value_node.tag.endswith(":null"):
            continue
        if not isinstance(value_node, SequenceNode):
            raise DirectoryFileError(f"line {line}: '{key}' must be a list")
        sections.append((key, value_node.value))
    return sections


def _yaml_row(loader: _DirectoryLoader, node: Node, section: str) -> RawRow:
    line = node.start_mark.line + 1
    if not isinstance(node, MappingNode):
        fields = ", ".join(AGENCY_FIELDS if section == "agencies" else PERSON_FIELDS)
        return RawRow(line, {}, f"expected a mapping with {fields}")
    data = loader.construct_object(node, deep=True)
    problem = control_character_in_values(data)
    return RawRow(line, {} if problem else {str(k): v for k, v in data.items()}, problem)
