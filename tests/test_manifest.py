"""The manifest an admin pastes into Slack asks for what the bot uses, and nothing more."""

from __future__ import annotations

from pathlib import Path

import yaml

MANIFEST = Path(__file__).resolve().parent.parent / "manifest.yml"

# Each Web API method the bot calls, and the bot scope Slack requires for it.
SCOPES_BY_METHOD = {
    "chat.postMessage": "chat:write",
    "chat.update": "chat:write",
    "conversations.open (one user)": "im:write",
    "conversations.open (several users)": "mpim:write",
    "conversations.info (group DM)": "mpim:read",
    "conversations.create (private)": "groups:write",
    "conversations.invite (private)": "groups:write",
    "conversations.members (private)": "groups:read",
    "users.info": "users:read",
    "users.lookupByEmail": "users:read.email",
    "files.getUploadURLExternal / files.completeUploadExternal": "files:write",
    "/dispute": "commands",
}


def test_manifest_declares_the_command_interactivity_home_and_socket_mode() -> None:
    manifest = yaml.safe_load(MANIFEST.read_text())
    features = manifest["features"]
    assert [c["command"] for c in features["slash_commands"]] == ["/dispute"]
    assert features["app_home"]["home_tab_enabled"] is True
    settings = manifest["settings"]
    assert settings["interactivity"]["is_enabled"] is True
    assert settings["event_subscriptions"]["bot_events"] == ["app_home_opened"]
    assert settings["socket_mode_enabled"] is True
    urls = {
        features["slash_commands"][0]["url"],
        settings["interactivity"]["request_url"],
        settings["event_subscriptions"]["request_url"],
    }
    assert len(urls) == 1 and urls.pop().endswith("/slack/events")


def test_manifest_asks_only_for_the_scopes_the_code_uses() -> None:
    manifest = yaml.safe_load(MANIFEST.read_text())
    assert sorted(manifest["oauth_config"]["scopes"]["bot"]) == sorted(
        set(SCOPES_BY_METHOD.values())
    )
    assert len(manifest["display_information"]["name"]) <= 35
