"""The error list every Block Kit check adds to, and the checks of leaf fields (text, strings)."""

from __future__ import annotations

from typing import Any

from bot.slack_emulator.limits import TEXT_OBJECT_KEYS, Rule


class Checker:
    """Collects every problem at once, so a failing test shows them all."""

    def __init__(self) -> None:
        self.errors: list[str] = []

    def add(self, message: str, pointer: str) -> None:
        self.errors.append(f"{message} [json-pointer:{pointer}]")

    def text(self, value: Any, pointer: str, rule: Rule) -> None:
        """A text object's type and length; emptiness is left to text_objects()."""
        if value is None:
            if rule.required:
                self.add(f"missing required field: {rule.label}", pointer)
            return
        if type_of(value) not in TEXT_OBJECT_KEYS:
            self.add(f"{rule.label} must be a plain_text or mrkdwn text object", pointer)
            return
        if rule.plain_only and value["type"] != "plain_text":
            self.add(f"{rule.label} must be plain_text (got {value['type']})", f"{pointer}/type")
        text = value.get("text")
        if rule.max_length is not None and isinstance(text, str) and len(text) > rule.max_length:
            self.add(
                f"{rule.label} must be at most {rule.max_length} characters (got {len(text)})",
                f"{pointer}/text",
            )

    def text_objects(self, node: Any, pointer: str) -> None:
        """Walk any structure, so nested text objects (options, confirms) are checked too."""
        if isinstance(node, list):
            for index, item in enumerate(node):
                self.text_objects(item, f"{pointer}/{index}")
            return
        if not isinstance(node, dict):
            return
        node_type = type_of(node)
        allowed_keys = TEXT_OBJECT_KEYS.get(node_type) if node_type is not None else None
        if allowed_keys is None:
            for key, value in node.items():
                self.text_objects(value, f"{pointer}/{key}")
            return
        text = node.get("text")
        if not isinstance(text, str) or not text:
            self.add("text must be a non-empty string", f"{pointer}/text")
        for key in sorted(set(node) - allowed_keys):
            self.add(f"invalid additional property for {node_type}: {key}", f"{pointer}/{key}")

    def string(self, value: Any, pointer: str, rule: Rule) -> None:
        """An optional plain string field; missing ones are reported by the caller."""
        if value is None:
            return
        if not isinstance(value, str):
            self.add(f"{rule.label} must be a string", pointer)
        elif rule.max_length is not None and len(value) > rule.max_length:
            self.add(
                f"{rule.label} must be at most {rule.max_length} characters (got {len(value)})",
                pointer,
            )


def type_of(node: Any) -> str | None:
    """The `type` of a Block Kit object, or None when the node is not a typed object."""
    if isinstance(node, dict) and isinstance(node.get("type"), str):
        return node["type"]
    return None
