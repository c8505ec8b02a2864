"""Block Kit checks that mirror the limits Slack enforces on its side.

Slack rejects oversized or malformed Block Kit only at runtime, so a bot can pass
every test and still fail in production. Applying the documented limits here
brings those failures forward. Each error ends in a JSON pointer, as Slack's do.
"""

from __future__ import annotations

import json
from functools import lru_cache
from typing import Any

from slack_sdk.models.blocks import Block

from bot.slack_emulator.checker import Checker, type_of
from bot.slack_emulator.limits import (
    ACCESSORY_ELEMENT_TYPES,
    ACTION_ID,
    ALT_TEXT,
    BLOCK_ID,
    BLOCK_LIMITS,
    BUTTON_STYLES,
    BUTTON_TEXT,
    BUTTON_URL,
    BUTTON_VALUE,
    CONTEXT_TEXT,
    HEADER_TEXT,
    IMAGE_TITLE,
    IMAGE_URL,
    INPUT_HINT,
    INPUT_LABEL,
    INTERACTIVE_ELEMENT_TYPES,
    KNOWN_BLOCK_TYPES,
    MAX_ACTIONS_ELEMENTS,
    MAX_CONTEXT_ELEMENTS,
    MAX_OPTIONS,
    MAX_SECTION_FIELDS,
    OPTION_TEXT,
    OPTION_VALUE,
    PLACEHOLDER,
    SDK_ERRORS,
    SECTION_FIELD,
    SECTION_TEXT,
    TEXT_OBJECT_KEYS,
)


@lru_cache(maxsize=16_384)
def sdk_verdict(block_json: str) -> tuple[tuple[str, str], ...]:
    """What slack_sdk's models say against one block, as (message, key under the block) pairs.

    Remembered by the block's JSON: a bot sends the same blocks again and again (a button, a
    context line), and building and validating the models is most of what a check costs."""
    block = json.loads(block_json)
    try:
        parsed = Block.parse(block)
    except SDK_ERRORS as exc:
        return ((f"invalid {block['type']} block: {exc}", ""),)
    if parsed is None:
        return ((f"unsupported block type: {block['type']!r}", "type"),)
    said = [
        (f"invalid additional property: {key}", key)
        for key in sorted(set(block) - set(parsed.attributes))
    ]
    try:
        parsed.to_dict()  # runs validate_json() on the block and on every object nested in it
    except SDK_ERRORS as exc:
        said.append((f"invalid {block['type']} block: {exc}", ""))
    return tuple(said)


def validate_blocks(
    blocks: list[dict[str, Any]], *, surface: str, pointer: str = "/blocks"
) -> list[str]:
    """Return why Slack would reject these blocks on `surface` (message, modal or home).

    An empty list means the blocks are valid.
    """
    if surface not in BLOCK_LIMITS:
        raise ValueError(f"unknown surface {surface!r}; expected one of {sorted(BLOCK_LIMITS)}")
    checker = BlockChecker()
    checker.blocks(blocks, surface, pointer)
    return checker.errors


class BlockChecker(Checker):
    """Checks blocks and the elements in them; a block_id may appear once per surface."""

    def __init__(self) -> None:
        super().__init__()
        self._block_ids: set[str] = set()

    def blocks(self, blocks: Any, surface: str, pointer: str) -> None:
        if not isinstance(blocks, list):
            self.add("blocks must be an array", pointer)
            return
        limit = BLOCK_LIMITS[surface]
        if len(blocks) > limit:
            self.add(f"a {surface} can hold at most {limit} blocks (got {len(blocks)})", pointer)
        for index, block in enumerate(blocks):
            self.block(block, f"{pointer}/{index}")

    def typed(
        self, node: Any, pointer: str, allowed: frozenset[str], *, missing: str, unsupported: str
    ) -> str | None:
        """The node's type when it is one of `allowed`; otherwise None, with the reason added."""
        node_type = type_of(node)
        if node_type is None:
            self.add(missing, pointer)
            return None
        if node_type not in allowed:
            self.add(f"{unsupported}: {node_type!r}", f"{pointer}/type")
            return None
        return node_type

    def block(self, block: Any, pointer: str) -> None:
        block_type = self.typed(
            block,
            pointer,
            KNOWN_BLOCK_TYPES,
            missing="a block must be an object with a type",
            unsupported="unsupported block type",
        )
        if block_type is None:
            return
        before = len(self.errors)
        block_id = block.get("block_id")
        self.string(block_id, f"{pointer}/block_id", BLOCK_ID)
        if isinstance(block_id, str):
            if block_id in self._block_ids:
                self.add(f"duplicate block_id {block_id!r}", f"{pointer}/block_id")
            self._block_ids.add(block_id)
        check = _BLOCK_CHECKS.get(block_type)
        if check is not None:
            check(self, block, pointer)
        self.text_objects(block, pointer)
        if len(self.errors) == before:
            self.with_sdk(block, pointer)

    def with_sdk(self, block: dict[str, Any], pointer: str) -> None:
        """Second opinion from slack_sdk's models, for rules not spelled out here."""
        for message, key in sdk_verdict(json.dumps(block, sort_keys=True)):
            self.add(message, f"{pointer}/{key}" if key else pointer)

    def section(self, block: dict[str, Any], pointer: str) -> None:
        text = block.get("text")
        fields = block.get("fields")
        if text is None and fields is None:
            self.add("a section needs text or fields", pointer)
        if text is not None:
            self.text(text, f"{pointer}/text", SECTION_TEXT)
        if fields is not None:
            if not isinstance(fields, list) or not fields:
                self.add("section fields must be a non-empty array", f"{pointer}/fields")
                fields = []
            elif len(fields) > MAX_SECTION_FIELDS:
                self.add(
                    f"a section can have at most {MAX_SECTION_FIELDS} fields (got {len(fields)})",
                    f"{pointer}/fields",
                )
            for index, field in enumerate(fields):
                self.text(field, f"{pointer}/fields/{index}", SECTION_FIELD)
        accessory = block.get("accessory")
        if accessory is not None:
            self.element(accessory, f"{pointer}/accessory", ACCESSORY_ELEMENT_TYPES)

    def header(self, block: dict[str, Any], pointer: str) -> None:
        self.text(block.get("text"), f"{pointer}/text", HEADER_TEXT)

    def context(self, block: dict[str, Any], pointer: str) -> None:
        for index, element in enumerate(self.elements(block, pointer, MAX_CONTEXT_ELEMENTS)):
            where = f"{pointer}/elements/{index}"
            element_type = type_of(element)
            if element_type in TEXT_OBJECT_KEYS:
                self.text(element, where, CONTEXT_TEXT)
            elif element_type == "image":
                self.image(element, where)
            else:
                self.add("context elements must be text objects or images", where)

    def actions(self, block: dict[str, Any], pointer: str) -> None:
        for index, element in enumerate(self.elements(block, pointer, MAX_ACTIONS_ELEMENTS)):
            self.element(element, f"{pointer}/elements/{index}", INTERACTIVE_ELEMENT_TYPES)

    def input(self, block: dict[str, Any], pointer: str) -> None:
        self.text(block.get("label"), f"{pointer}/label", INPUT_LABEL)
        self.text(block.get("hint"), f"{pointer}/hint", INPUT_HINT)
        element = block.get("element")
        if element is None:
            self.add("missing required field: element", f"{pointer}/element")
        else:
            self.element(element, f"{pointer}/element", INTERACTIVE_ELEMENT_TYPES)

    def image_block(self, block: dict[str, Any], pointer: str) -> None:
        self.image(block, pointer)
        self.text(block.get("title"), f"{pointer}/title", IMAGE_TITLE)

    def elements(self, block: dict[str, Any], pointer: str, limit: int) -> list[Any]:
        elements = block.get("elements")
        if not isinstance(elements, list) or not elements:
            self.add(f"{block['type']} elements must be a non-empty array", f"{pointer}/elements")
            return []
        if len(elements) > limit:
            self.add(
                f"{block['type']} blocks can have at most {limit} elements (got {len(elements)})",
                f"{pointer}/elements",
            )
        return elements

    def element(self, element: Any, pointer: str, allowed_types: frozenset[str]) -> None:
        element_type = self.typed(
            element,
            pointer,
            allowed_types,
            missing="an element must be an object with a type",
            unsupported="unsupported element type here",
        )
        if element_type is None:
            return
        if element_type == "image":
            self.image(element, pointer)
            return
        self.string(element.get("action_id"), f"{pointer}/action_id", ACTION_ID)
        self.text(element.get("placeholder"), f"{pointer}/placeholder", PLACEHOLDER)
        if element_type == "button":
            self.button(element, pointer)
        for key in ("options", "initial_options"):
            if key in element:
                self.options(element[key], f"{pointer}/{key}")
        if "initial_option" in element:
            self.options([element["initial_option"]], f"{pointer}/initial_option")
        needs_options = element_type in {"static_select", "multi_static_select"}
        if needs_options and "options" not in element and "option_groups" not in element:
            self.add(f"{element_type} needs options or option_groups", pointer)

    def button(self, button: dict[str, Any], pointer: str) -> None:
        self.text(button.get("text"), f"{pointer}/text", BUTTON_TEXT)
        self.string(button.get("value"), f"{pointer}/value", BUTTON_VALUE)
        self.string(button.get("url"), f"{pointer}/url", BUTTON_URL)
        style = button.get("style")
        if style is not None and style not in BUTTON_STYLES:
            self.add(f"button style must be primary or danger (got {style!r})", f"{pointer}/style")

    def image(self, image: dict[str, Any], pointer: str) -> None:
        if "image_url" not in image and "slack_file" not in image:
            self.add("an image needs image_url or slack_file", pointer)
        self.string(image.get("image_url"), f"{pointer}/image_url", IMAGE_URL)
        if image.get("alt_text") is None:
            self.add("missing required field: alt_text", f"{pointer}/alt_text")
        self.string(image.get("alt_text"), f"{pointer}/alt_text", ALT_TEXT)

    def options(self, options: Any, pointer: str) -> None:
        if not isinstance(options, list):
            self.add("options must be an array", pointer)
            return
        if len(options) > MAX_OPTIONS:
            self.add(f"at most {MAX_OPTIONS} options are allowed (got {len(options)})", pointer)
        for index, option in enumerate(options):
            where = f"{pointer}/{index}"
            if not isinstance(option, dict):
                self.add("an option must be an object", where)
                continue
            self.text(option.get("text"), f"{where}/text", OPTION_TEXT)
            if option.get("value") is None:
                self.add("missing required field: value", f"{where}/value")
            self.string(option.get("value"), f"{where}/value", OPTION_VALUE)


_BLOCK_CHECKS = {
    "section": BlockChecker.section,
    "header": BlockChecker.header,
    "context": BlockChecker.context,
    "actions": BlockChecker.actions,
    "input": BlockChecker.input,
    "image": BlockChecker.image_block,
}
