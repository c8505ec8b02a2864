"""A local Slack Web API emulator, so the bot can be tested and tried without Slack.

Run it with `python -m bot.slack_emulator`, or in tests::

    with SlackEmulator() as emulator:
        client = WebClient(token="xoxb-test", base_url=emulator.base_url)
"""

from bot.slack_emulator.block_validation import validate_blocks
from bot.slack_emulator.server import SlackEmulator
from bot.slack_emulator.state import RecordedCall
from bot.slack_emulator.view_validation import validate_view

__all__ = ["RecordedCall", "SlackEmulator", "validate_blocks", "validate_view"]
