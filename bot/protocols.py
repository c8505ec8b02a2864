"""Finds, loads and checks protocol files: the shipped presets and a partnership's own."""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from functools import cache
from pathlib import Path
from typing import Any

import yaml
from pydantic import ValidationError

from bot.text_checks import (
    UnreadableFile,
    control_character_in_values,
    load_nested,
    read_text_file,
)
from models.protocol import Protocol, consistency_errors, unknown_role_errors
from models.roles import BUILT_IN, RoleBook

PRESET_DIR = Path(__file__).parent / "presets"


class ProtocolError(Exception):
    """A protocol file that cannot be used; `errors` lists every problem with its location."""

    def __init__(self, source: str, errors: list[str]) -> None:
        super().__init__(f"{source}: " + "; ".join(errors))
        self.source = source
        self.errors = errors


def _where(loc: Iterable[str | int], data: Any) -> str:
    """Turns pydantic's ('stages', 2, 'timescale') into 'stages[3] (senior-manager) timescale'."""
    parts: list[str] = []
    node = data
    for item in loc:
        if isinstance(item, int):
            label = f"[{item + 1}]"
            node = node[item] if isinstance(node, list) and item < len(node) else None
            if isinstance(node, dict) and isinstance(node.get("key"), str):
                label += f" ({node['key']})"
            parts.append(label)
        else:
            parts.append(("" if not parts else " ") + item)
            node = node.get(item) if isinstance(node, dict) else None
    return "".join(parts) or "file"


def validate_protocol_data(data: Any) -> tuple[Protocol | None, list[str]]:
    """Validates parsed YAML, reporting every structural and cross-field error."""
    if not isinstance(data, dict):
        return None, ["file: expected a mapping with key, name, stages and so on"]
    try:
        protocol = Protocol.model_validate(data)
    except ValidationError as exc:
        errors = []
        for error in exc.errors():
            message = str(error["msg"]).removeprefix("Value error, ")
            errors.append(f"{_where(error['loc'], data)}: {message}")
        return None, errors + unknown_role_errors(data)
    errors = consistency_errors(protocol)
    return (None if errors else protocol), errors


class _UniqueKeys:
    """Refuses a key written twice in one mapping, which YAML would silently resolve."""

    def construct_mapping(self, node: yaml.MappingNode, deep: bool = False) -> dict[Any, Any]:
        seen: set[Any] = set()
        for key_node, _ in node.value:
            key = self.construct_object(key_node, deep=deep)  # type: ignore[no-untyped-call]
            if isinstance(key, str | int | float | bool) and key in seen:
                raise yaml.constructor.ConstructorError(
                    None, None, f"'{key}' is written twice", key_node.start_mark
                )
            seen.add(key)
        return super().construct_mapping(node, deep=deep)


class _UniqueKeyLoader(_UniqueKeys, yaml.SafeLoader):
    """Any file a partnership writes: a document nested too deeply for Python ends in a
    RecursionError, which is caught and explained."""


# The shipped presets are read with libyaml, several times faster, where it is installed. Only
# files we ship go through it: it follows nesting on the C stack, so a hostile document nested
# a hundred thousand deep would end the process rather than fail with a message.
YamlLoader = type[yaml.SafeLoader] | type[yaml.CSafeLoader]

_PresetLoader: YamlLoader = (
    type("_PresetLoader", (_UniqueKeys, yaml.CSafeLoader), {})
    if yaml.__with_libyaml__
    else _UniqueKeyLoader
)


def read_protocol_file(
    path: Path, loader: YamlLoader = _UniqueKeyLoader
) -> tuple[Protocol | None, list[str]]:
    """Reads one YAML file; syntax errors come back with their line and column.

    Raises UnreadableFile when the file is not UTF-8 text, holds a control character or is
    nested too deeply: nothing in it can be checked.
    """
    try:
        text = read_text_file(path)
    except OSError as exc:
        return None, [f"cannot read the file: {exc.strerror}"]
    try:
        data = load_nested(lambda: yaml.load(text, Loader=loader), text)  # noqa: S506
    except yaml.MarkedYAMLError as exc:
        mark = exc.problem_mark
        where = f"line {mark.line + 1} column {mark.column + 1}" if mark else "file"
        return None, [f"{where}: not valid YAML ({exc.problem})"]
    problem = control_character_in_values(data)
    if problem is not None:
        return None, [problem]
    return validate_protocol_data(data)


def load_protocol_file(path: Path, loader: YamlLoader = _UniqueKeyLoader) -> Protocol:
    try:
        protocol, errors = read_protocol_file(path, loader)
    except UnreadableFile as exc:
        raise ProtocolError(str(path), [str(exc)]) from None
    if protocol is None:
        raise ProtocolError(str(path), errors)
    return protocol


def _yaml_files(path: Path) -> list[Path]:
    if path.is_dir():
        return sorted([*path.glob("*.yaml"), *path.glob("*.yml")])
    return [path]


@cache
def _presets() -> tuple[Protocol, ...]:
    """The shipped presets, parsed once per process: they are read-only package files, and
    parsing them costs a noticeable fraction of a second on every catalog built."""
    return tuple(load_protocol_file(path, _PresetLoader) for path in _yaml_files(PRESET_DIR))


class ProtocolCatalog:
    """The protocols a partnership can choose from: presets, then its own files by the same key."""

    def __init__(self, extra: Path | None = None) -> None:
        self._protocols: dict[str, Protocol] = {}
        self._origins: dict[str, str] = {}
        for protocol in _presets():
            self._add(protocol, "preset")
        if extra is not None:
            if not extra.exists():
                raise ProtocolError(str(extra), ["no such file or folder"])
            for path in _yaml_files(extra):
                self._add(load_protocol_file(path), str(path))

    def _add(self, protocol: Protocol, origin: str) -> None:
        self._protocols[protocol.key] = protocol
        self._origins[protocol.key] = origin

    def keys(self) -> list[str]:
        return sorted(self._protocols)

    def origin(self, key: str) -> str:
        return self._origins[key]

    def get(self, key: str) -> Protocol | None:
        return self._protocols.get(key)

    def __iter__(self) -> Iterator[Protocol]:
        return iter(self._protocols[key] for key in self.keys())

    def role_book(self) -> RoleBook:
        """Every role the directory may hold: built in, or declared by a loaded protocol."""
        return BUILT_IN.with_declared(
            (r.key, r.label, r.above, r.partnership) for p in self for r in p.roles
        )
