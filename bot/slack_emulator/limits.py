"""The Block Kit limits Slack enforces on its side, and the rule each checked field follows."""

from __future__ import annotations

from dataclasses import dataclass

from slack_sdk.errors import SlackObjectFormationError
from slack_sdk.models.blocks import Block

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
SDK_ERRORS = (SlackObjectFormationError, TypeError, ValueError, AttributeError, KeyError)


@dataclass(frozen=True)
class Rule:
    """How one field is constrained; `plain_only` applies to text objects."""

    label: str
    max_length: int | None = None
    plain_only: bool = False
    required: bool = True


SECTION_TEXT = Rule("section text", MAX_SECTION_TEXT_LENGTH)
SECTION_FIELD = Rule("section field text", MAX_SECTION_FIELD_TEXT_LENGTH)
HEADER_TEXT = Rule("header text", MAX_HEADER_TEXT_LENGTH, plain_only=True)
CONTEXT_TEXT = Rule("context text")
INPUT_LABEL = Rule("input label", MAX_INPUT_LABEL_LENGTH, plain_only=True)
INPUT_HINT = Rule("input hint", MAX_INPUT_HINT_LENGTH, plain_only=True, required=False)
IMAGE_TITLE = Rule("image title", MAX_IMAGE_TITLE_LENGTH, plain_only=True, required=False)
IMAGE_URL = Rule("image_url", MAX_IMAGE_URL_LENGTH)
ALT_TEXT = Rule("alt_text", MAX_IMAGE_ALT_TEXT_LENGTH)
BLOCK_ID = Rule("block_id", MAX_BLOCK_ID_LENGTH)
ACTION_ID = Rule("action_id", MAX_ACTION_ID_LENGTH)
PLACEHOLDER = Rule("placeholder", MAX_PLACEHOLDER_LENGTH, plain_only=True, required=False)
BUTTON_TEXT = Rule("button text", MAX_BUTTON_TEXT_LENGTH, plain_only=True)
BUTTON_VALUE = Rule("button value", MAX_BUTTON_VALUE_LENGTH)
BUTTON_URL = Rule("button url", MAX_BUTTON_URL_LENGTH)
OPTION_TEXT = Rule("option text", MAX_OPTION_TEXT_LENGTH)
OPTION_VALUE = Rule("option value", MAX_OPTION_VALUE_LENGTH)
MODAL_TEXTS = {
    "title": Rule("modal title", MAX_VIEW_TITLE_LENGTH, plain_only=True),
    "submit": Rule("modal submit", MAX_VIEW_SUBMIT_LENGTH, plain_only=True, required=False),
    "close": Rule("modal close", MAX_VIEW_CLOSE_LENGTH, plain_only=True, required=False),
}
VIEW_STRINGS = {
    "private_metadata": Rule("private_metadata", MAX_PRIVATE_METADATA_LENGTH),
    "callback_id": Rule("callback_id", MAX_CALLBACK_ID_LENGTH),
    "external_id": Rule("external_id", MAX_EXTERNAL_ID_LENGTH),
}
