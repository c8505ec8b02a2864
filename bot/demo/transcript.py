"""Prints what each person sees in Slack, as plain text, as it happens."""

from __future__ import annotations

import re
from collections.abc import Callable
from typing import Any

from slack_sdk import WebClient

from bot.messages.dates import as_fallback
from bot.slack_emulator import SlackEmulator

_MRKDWN = re.compile(r"[*_`]|:[a-z_]+: ?")
_MENTION = re.compile(r"<@([A-Z0-9]+)>")


def plain(text: str, names: dict[str, str] | None = None) -> str:
    """Block Kit mrkdwn as a person reads it (no asterisks or emoji codes): a date as its UK
    fallback, a mention as '@' and the name Slack would show."""
    text = as_fallback(text)
    text = _MENTION.sub(lambda m: f"@{(names or {}).get(m[1], m[1]).split(',')[0]}", text)
    return _MRKDWN.sub("", text).replace("&lt;", "<").replace("&gt;", ">").replace("&amp;", "&")


def render_blocks(blocks: list[dict[str, Any]], names: dict[str, str] | None = None) -> list[str]:
    lines: list[str] = []
    for block in blocks:
        kind = block.get("type")
        if kind in ("header", "section") and block.get("text"):
            lines += plain(block["text"]["text"], names).splitlines()
        if kind == "section" and block.get("fields"):
            for item in block["fields"]:
                label, _, value = plain(item["text"], names).partition("\n")
                lines.append(f"{label}: {'; '.join(value.splitlines())}")
        if kind == "context":
            lines += [plain(e.get("text", ""), names) for e in block.get("elements", [])]
        if kind == "actions":
            buttons = [f"[{e['text']['text']}]" for e in block.get("elements", []) if "text" in e]
            lines.append(" ".join(buttons))
    return [line for line in lines if line.strip()]


def _interactive(blocks: list[dict[str, Any]]) -> bool:
    """Whether a message has anything to press or tick."""
    return any(b.get("type") == "actions" or b.get("accessory") for b in blocks)


class Transcript:
    """Remembers what it has shown, so each call prints only what is new."""

    def __init__(
        self,
        emulator: SlackEmulator,
        client: WebClient,
        names: dict[str, str],
        out: Callable[[str], None],
    ) -> None:
        self.emulator = emulator
        self.client = client
        self._channels: dict[str, dict[str, Any]] = {}
        self.names = names
        self.out = out
        self._seen = 0
        self._updates = 0
        # what each message showed last, and whether it had anything to press
        self._shown: dict[tuple[str, str], tuple[list[str], bool]] = {}

    def _audience(self, message: dict[str, Any]) -> str:
        if message.get("ephemeral") or message.get("via_response_url"):
            return f"{self.names.get(message.get('user', ''), 'someone')} (only they see it)"
        channel = message["channel"]
        if channel not in self._channels:
            self._channels[channel] = self.client.conversations_info(channel=channel)["channel"]
        info = self._channels[channel]
        if info.get("is_im"):
            return f"{self.names.get(info.get('user', ''), info.get('user', '?'))} (direct message)"
        return f"#{info.get('name', channel)}"

    def show(self, when: str) -> None:
        messages = self.emulator.messages(since=self._seen)
        for message in messages:
            self._print(when, self._audience(message), message)
        self._seen += len(messages)
        updates = self.emulator.calls("chat.update", since=self._updates)
        for call in updates:
            self._print_update(when, call.params)
        self._updates += len(updates)

    def _print(self, when: str, audience: str, message: dict[str, Any]) -> None:
        self.out(f"  {when} → {audience}")
        blocks = message.get("blocks") or []
        lines = render_blocks(blocks, self.names) or [plain(message.get("text", ""), self.names)]
        self._shown[(message["channel"], message["ts"])] = (lines, _interactive(blocks))
        for line in lines:
            self.out(f"      {line}")

    def _print_update(self, when: str, params: dict[str, Any]) -> None:
        """Only what changed, as the reader notices it: new lines, and buttons that went."""
        key = (params["channel"], params["ts"])
        before, had_buttons = self._shown.get(key, ([], False))
        blocks = params.get("blocks") or []
        after, has_buttons = render_blocks(blocks, self.names), _interactive(blocks)
        self._shown[key] = (after, has_buttons)
        audience = self._audience({"channel": params["channel"]})
        self.out(f"  {when} · {audience}: a message is updated in place")
        for line in after:
            if line not in before:
                self.out(f"      {line}")
        if had_buttons and not has_buttons:
            self.out("      (its buttons are gone)")
