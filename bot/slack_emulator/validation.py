"""Block Kit checks that mirror the limits Slack enforces on its side.

Slack rejects oversized or malformed Block Kit only at runtime, so a bot can pass
every test and still fail in production. Applying the documented limits here
brings those failures forward. Each error ends in a JSON pointer, as Slack's do.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

from slack_sdk.errors import SlackObjectFormationError
from slack_sdk.models.blocks import Block
from slack_sdk.models.views import View

MAX_BLOCKS_PER_MESSAGE = 50
MAX_BLOCKS_PER_VIEW = 100
MAX_MESSAGE_TEXT_LENGTH = 40_000
MAX_BLOCK_ID_LENGTH = 255
MAX_SECTION_TEXT_LENGTH = 3000
MAX_SECTION_FIELDS = 10
MAX_SECTION_FIELD_TEXT_LENGTH = 2000
MAX_HEADER_TEXT_LENGTH = 150
MAX_CONTEXT_ELEMENTS = 10
MAX_ACTIONS_ELEMENTS = 25
MAX_BUTTON_TEXT_LENGTH = 75
MAX_BUTTON_VALUE_LENGTH = 2000
MAX_BUTTON_URL_LENGTH = 3000
MAX_ACTION_ID_LENGTH = 255
MAX_PLACEHOLDER_LENGTH = 150
MAX_INPUT_LABEL_LENGTH = 2000
MAX_INPUT_HINT_LENGTH = 2000
MAX_IMAGE_ALT_TEXT_LENGTH = 2000
MAX_IMAGE_TITLE_LENGTH = 2000
MAX_IMAGE_URL_LENGTH = 3000
MAX_OPTIONS = 100
MAX_OPTION_TEXT_LENGTH = 75
MAX_OPTION_VALUE_LENGTH = 150
MAX_VIEW_TITLE_LENGTH = 24
MAX_VIEW_SUBMIT_LENGTH = 24
MAX_VIEW_CLOSE_LENGTH = 24
MAX_PRIVATE_METADATA_LENGTH = 3000
MAX_CALLBACK_ID_LENGTH = 255
MAX_EXTERNAL_ID_LENGTH = 255

BLOCK_LIMITS: dict[str, int] = {
    "message": MAX_BLOCKS_PER_MESSAGE,
    "modal": MAX_BLOCKS_PER_VIEW,
    "home": MAX_BLOCKS_PER_VIEW,
}
TEXT_OBJECT_KEYS: dict[str, frozenset[str]] = {
    "plain_text": frozenset({"type", "text", "emoji"}),
    "mrkdwn": frozenset({"type", "text", "verbatim"}),
}
BUTTON_STYLES = frozenset({"primary", "danger"})
INTERACTIVE_ELEMENT_TYPES = frozenset(
    {
        "button",
        "channels_select",
        "checkboxes",
        "conversations_select",
        "datepicker",
        "datetimepicker",
        "email_text_input",
        "external_select",
        "file_input",
        "multi_channels_select",
        "multi_conversations_select",
        "multi_external_select",
        "multi_static_select",
        "multi_users_select",
        "number_input",
        "overflow",
        "plain_text_input",
        "radio_buttons",
        "rich_text_input",
        "static_select",
        "timepicker",
        "url_text_input",
        "users_select",
        "workflow_button",
    }
)
ACCESSORY_ELEMENT_TYPES = INTERACTIVE_ELEMENT_TYPES | {"image"}
# The block types slack_sdk can model; anything else is one Slack would not render either.
KNOWN_BLOCK_TYPES = frozenset(
    cls.type for cls in Block.__subclasses__() if isinstance(getattr(cls, "type", None), str)
)
_SDK_ERRORS = (SlackObjectFormationError, TypeError, ValueError, AttributeError, KeyError)


@dataclass(frozen=True)
class _Rule:
    """How one field is constrained; `plain_only` applies to text objects."""

    label: str
    max_length: int | None = None
    plain_only: bool = False
    required: bool = True


_SECTION_TEXT = _Rule("section text", MAX_SECTION_TEXT_LENGTH)
_SECTION_FIELD = _Rule("section field text", MAX_SECTION_FIELD_TEXT_LENGTH)
_HEADER_TEXT = _Rule("header text", MAX_HEADER_TEXT_LENGTH, plain_only=True)
_CONTEXT_TEXT = _Rule("context text")
_INPUT_LABEL = _Rule("input label", MAX_INPUT_LABEL_LENGTH, plain_only=True)
_INPUT_HINT = _Rule("input hint", MAX_INPUT_HINT_LENGTH, plain_only=True, required=False)
_IMAGE_TITLE = _Rule("image title", MAX_IMAGE_TITLE_LENGTH, plain_only=True, required=False)
_IMAGE_URL = _Rule("image_url", MAX_IMAGE_URL_LENGTH)
_ALT_TEXT = _Rule("alt_text", MAX_IMAGE_ALT_TEXT_LENGTH)
_BLOCK_ID = _Rule("block_id", MAX_BLOCK_ID_LENGTH)
_ACTION_ID = _Rule("action_id", MAX_ACTION_ID_LENGTH)
_PLACEHOLDER = _Rule("placeholder", MAX_PLACEHOLDER_LENGTH, plain_only=True, required=False)
_BUTTON_TEXT = _Rule("button text", MAX_BUTTON_TEXT_LENGTH, plain_only=True)
_BUTTON_VALUE = _Rule("button value", MAX_BUTTON_VALUE_LENGTH)
_BUTTON_URL = _Rule("button url", MAX_BUTTON_URL_LENGTH)
_OPTION_TEXT = _Rule("option text", MAX_OPTION_TEXT_LENGTH)
_OPTION_VALUE = _Rule("option value", MAX_OPTION_VALUE_LENGTH)
_MODAL_TEXTS = {
    "title": _Rule("modal title", MAX_VIEW_TITLE_LENGTH, plain_only=True),
    "submit": _Rule("modal submit", MAX_VIEW_SUBMIT_LENGTH, plain_only=True, required=False),
    "close": _Rule("modal close", MAX_VIEW_CLOSE_LENGTH, plain_only=True, required=False),
}
_VIEW_STRINGS = {
    "private_metadata": _Rule("private_metadata", MAX_PRIVATE_METADATA_LENGTH),
    "callback_id": _Rule("callback_id", MAX_CALLBACK_ID_LENGTH),
    "external_id": _Rule("external_id", MAX_EXTERNAL_ID_LENGTH),
}


def validate_blocks(
    blocks: list[dict[str, Any]], *, surface: str, pointer: str = "/blocks"
) -> list[str]:
    """Return why Slack would reject these blocks on `surface` (message, modal or home).

    An empty list means the blocks are valid.
    """
    if surface not in BLOCK_LIMITS:
        raise ValueError(f"unknown surface {surface!r}; expected one of {sorted(BLOCK_LIMITS)}")
    checker = _Checker()
    checker.blocks(blocks, surface, pointer)
    return checker.errors


def validate_view(view: Any, *, allowed_types: Iterable[str]) -> list[str]:
    """Return why Slack would reject this view when only `allowed_types` may be used.

    `allowed_types` is drawn from "modal" and "home", the surfaces a view can be.
    """
    allowed = tuple(allowed_types)
    if not set(allowed) <= {"modal", "home"}:
        raise ValueError(f"views can only be modal or home, not {allowed!r}")
    checker = _Checker()
    checker.view(view, allowed)
    return checker.errors


class _Checker:
    """Collects every problem at once, so a failing test shows them all."""

    def __init__(self) -> None:
        self.errors: list[str] = []
        self._block_ids: set[str] = set()

    def add(self, message: str, pointer: str) -> None:
        self.errors.append(f"{message} [json-pointer:{pointer}]")

    # surfaces --------------------------------------------------------------

    def view(self, view: Any, allowed: tuple[str, ...]) -> None:
        if not isinstance(view, dict):
            self.add("view must be an object", "/view")
            return
        view_type = view.get("type")
        if view_type not in allowed:
            expected = " or ".join(repr(t) for t in allowed)
            self.add(f"view type must be {expected} (got {view_type!r})", "/view/type")
            return
        for key, rule in _MODAL_TEXTS.items():
            if view_type == "modal":
                self.text(view.get(key), f"/view/{key}", rule)
            elif key in view and key != "title":
                self.add(f"{view_type} views cannot have {key}", f"/view/{key}")
            self.text_objects(view.get(key), f"/view/{key}")
        blocks = view.get("blocks")
        if blocks is None:
            self.add("missing required field: blocks", "/view/blocks")
        else:
            self.blocks(blocks, view_type, "/view/blocks")
            has_input = isinstance(blocks, list) and any(_type_of(b) == "input" for b in blocks)
            if view_type == "modal" and has_input and "submit" not in view:
                self.add("a modal with input blocks must have submit", "/view/submit")
        for key, rule in _VIEW_STRINGS.items():
            self.string(view.get(key), f"/view/{key}", rule)
        if not self.errors:
            try:
                View(**view).validate_json()
            except _SDK_ERRORS as exc:
                self.add(f"invalid view: {exc}", "/view")

    def blocks(self, blocks: Any, surface: str, pointer: str) -> None:
        if not isinstance(blocks, list):
            self.add("blocks must be an array", pointer)
            return
        limit = BLOCK_LIMITS[surface]
        if len(blocks) > limit:
            self.add(f"a {surface} can hold at most {limit} blocks (got {len(blocks)})", pointer)
        for index, block in enumerate(blocks):
            self.block(block, f"{pointer}/{index}")

    # blocks ----------------------------------------------------------------

    def block(self, block: Any, pointer: str) -> None:
        block_type = _type_of(block)
        if block_type is None:
            self.add("a block must be an object with a type", pointer)
            return
        if block_type not in KNOWN_BLOCK_TYPES:
            self.add(f"unsupported block type: {block_type!r}", f"{pointer}/type")
            return
        before = len(self.errors)
        block_id = block.get("block_id")
        self.string(block_id, f"{pointer}/block_id", _BLOCK_ID)
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
        try:
            parsed = Block.parse(block)
            if parsed is None:
                self.add(f"unsupported block type: {block['type']!r}", f"{pointer}/type")
                return
            for key in sorted(set(block) - set(parsed.attributes)):
                self.add(f"invalid additional property: {key}", f"{pointer}/{key}")
            # to_dict() runs validate_json() on the block and on every object nested in it.
            parsed.to_dict()
        except _SDK_ERRORS as exc:
            self.add(f"invalid {block['type']} block: {exc}", pointer)

    def section(self, block: dict[str, Any], pointer: str) -> None:
        text = block.get("text")
        fields = block.get("fields")
        if text is None and fields is None:
            self.add("a section needs text or fields", pointer)
        if text is not None:
            self.text(text, f"{pointer}/text", _SECTION_TEXT)
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
                self.text(field, f"{pointer}/fields/{index}", _SECTION_FIELD)
        accessory = block.get("accessory")
        if accessory is not None:
            self.element(accessory, f"{pointer}/accessory", ACCESSORY_ELEMENT_TYPES)

    def header(self, block: dict[str, Any], pointer: str) -> None:
        self.text(block.get("text"), f"{pointer}/text", _HEADER_TEXT)

    def context(self, block: dict[str, Any], pointer: str) -> None:
        for index, element in enumerate(self.elements(block, pointer, MAX_CONTEXT_ELEMENTS)):
            where = f"{pointer}/elements/{index}"
            element_type = _type_of(element)
            if element_type in TEXT_OBJECT_KEYS:
                self.text(element, where, _CONTEXT_TEXT)
            elif element_type == "image":
                self.image(element, where)
            else:
                self.add("context elements must be text objects or images", where)

    def actions(self, block: dict[str, Any], pointer: str) -> None:
        for index, element in enumerate(self.elements(block, pointer, MAX_ACTIONS_ELEMENTS)):
            self.element(element, f"{pointer}/elements/{index}", INTERACTIVE_ELEMENT_TYPES)

    def input(self, block: dict[str, Any], pointer: str) -> None:
        self.text(block.get("label"), f"{pointer}/label", _INPUT_LABEL)
        self.text(block.get("hint"), f"{pointer}/hint", _INPUT_HINT)
        element = block.get("element")
        if element is None:
            self.add("missing required field: element", f"{pointer}/element")
        else:
            self.element(element, f"{pointer}/element", INTERACTIVE_ELEMENT_TYPES)

    def image_block(self, block: dict[str, Any], pointer: str) -> None:
        self.image(block, pointer)
        self.text(block.get("title"), f"{pointer}/title", _IMAGE_TITLE)

    # elements --------------------------------------------------------------

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
        element_type = _type_of(element)
        if element_type is None:
            self.add("an element must be an object with a type", pointer)
            return
        if element_type not in allowed_types:
            self.add(f"unsupported element type here: {element_type!r}", f"{pointer}/type")
            return
        if element_type == "image":
            self.image(element, pointer)
            return
        self.string(element.get("action_id"), f"{pointer}/action_id", _ACTION_ID)
        self.text(element.get("placeholder"), f"{pointer}/placeholder", _PLACEHOLDER)
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
        self.text(button.get("text"), f"{pointer}/text", _BUTTON_TEXT)
        self.string(button.get("value"), f"{pointer}/value", _BUTTON_VALUE)
        self.string(button.get("url"), f"{pointer}/url", _BUTTON_URL)
        style = button.get("style")
        if style is not None and style not in BUTTON_STYLES:
            self.add(f"button style must be primary or danger (got {style!r})", f"{pointer}/style")

    def image(self, image: dict[str, Any], pointer: str) -> None:
        if "image_url" not in image and "slack_file" not in image:
            self.add("an image needs image_url or slack_file", pointer)
        self.string(image.get("image_url"), f"{pointer}/image_url", _IMAGE_URL)
        if image.get("alt_text") is None:
            self.add("missing required field: alt_text", f"{pointer}/alt_text")
        self.string(image.get("alt_text"), f"{pointer}/alt_text", _ALT_TEXT)

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
            self.text(option.get("text"), f"{where}/text", _OPTION_TEXT)
            if option.get("value") is None:
                self.add("missing required field: value", f"{where}/value")
            self.string(option.get("value"), f"{where}/value", _OPTION_VALUE)

    # leaves ----------------------------------------------------------------

    def text(self, value: Any, pointer: str, rule: _Rule) -> None:
        """A text object's type and length; emptiness is left to text_objects()."""
        if value is None:
            if rule.required:
                self.add(f"missing required field: {rule.label}", pointer)
            return
        if _type_of(value) not in TEXT_OBJECT_KEYS:
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
        node_type = _type_of(node)
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

    def string(self, value: Any, pointer: str, rule: _Rule) -> None:
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


def _type_of(node: Any) -> str | None:
    """The `type` of a Block Kit object, or None when the node is not a typed object."""
    if isinstance(node, dict) and isinstance(node.get("type"), str):
        return node["type"]
    return None


_BLOCK_CHECKS = {
    "section": _Checker.section,
    "header": _Checker.header,
    "context": _Checker.context,
    "actions": _Checker.actions,
    "input": _Checker.input,
    "image": _Checker.image_block,
}
