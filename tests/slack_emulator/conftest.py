"""A fresh emulator per test, so no test sees another's messages, faults or calls."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from slack_sdk import WebClient

from bot.slack_emulator import SlackEmulator


@pytest.fixture
def emulator() -> Iterator[SlackEmulator]:
    with SlackEmulator() as running:
        running.add_user("U_ALICE", "alice", "alice@example.org", real_name="Alice Social Worker")
        running.add_user("U_BOB", "bob", "bob@example.org")
        running.add_user("U_CAROL", "carol")
        yield running


@pytest.fixture
def client(emulator: SlackEmulator) -> WebClient:
    # No retry handlers: tests that want retries build their own client.
    return WebClient(token="xoxb-test", base_url=emulator.base_url, retry_handlers=[])


@pytest.fixture
def channel(client: WebClient) -> str:
    """A public channel the bot created (so it is a member) with alice and bob in it."""
    channel_id = client.conversations_create(name="rpd-case-1")["channel"]["id"]
    client.conversations_invite(channel=channel_id, users="U_ALICE,U_BOB")
    return channel_id
