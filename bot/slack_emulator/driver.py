"""Plays Slack's side for the emulator: sends the bot signed requests exactly as Slack would."""

from __future__ import annotations

import hashlib
import hmac
import json
import time
import uuid
from dataclasses import dataclass
from typing import Any
from urllib.error import HTTPError
from urllib.parse import urlencode
from urllib.request import Request, urlopen

from slack_sdk import WebClient

from bot.slack_emulator import SlackEmulator


def sign(secret: str, timestamp: str, body: str) -> str:
    """Slack's v0 signature: HMAC-SHA256 of 'v0:timestamp:body' with the signing secret."""
    base = f"v0:{timestamp}:{body}".encode()
    return "v0=" + hmac.new(secret.encode(), base, hashlib.sha256).hexdigest()


@dataclass(frozen=True)
class Sent:
    """A request exactly as it went over the wire, so it can be sent again unchanged."""

    body: str
    headers: dict[str, str]


@dataclass
class Reply:
    status: int
    body: str
    sent: Sent | None = None

    def json(self) -> dict[str, Any]:
        return json.loads(self.body) if self.body else {}


class SlackDriver:
    def __init__(self, *, url: str, secret: str, emulator: SlackEmulator, bot: WebClient) -> None:
        self.url = url
        self.secret = secret
        self.emulator = emulator
        self.bot = bot
        self.replies: list[Reply] = []  # every answer the bot gave, for tests to inspect

    # transport --------------------------------------------------------------------------

    def signed(
        self,
        body: str,
        content_type: str,
        *,
        timestamp: int | None = None,
        signature: str | None = None,
    ) -> Sent:
        """A request signed as Slack signs it (now, unless told the timestamp), not yet sent."""
        stamp = str(int(time.time()) if timestamp is None else timestamp)
        headers = {
            "Content-Type": content_type,
            "X-Slack-Request-Timestamp": stamp,
            "X-Slack-Signature": signature or sign(self.secret, stamp, body),
        }
        return Sent(body, headers)

    def post(self, body: str, content_type: str, **kw: Any) -> Reply:
        return self.send(self.signed(body, content_type, **kw))

    def send(self, sent: Sent) -> Reply:
        """Sends a request as it stands: `send(reply.sent)` replays one byte for byte."""
        request = Request(self.url, data=sent.body.encode(), headers=sent.headers, method="POST")
        try:
            with urlopen(request, timeout=30) as response:
                reply = Reply(response.status, response.read().decode(), sent)
        except HTTPError as error:
            reply = Reply(error.code, error.read().decode(), sent)
        self.replies.append(reply)
        return reply

    def retry(self, sent: Sent, attempt: int = 1, reason: str = "http_timeout") -> Reply:
        """Slack's own retry of an event: signed afresh, with its retry headers."""
        stamp = str(int(time.time()))
        headers = sent.headers | {
            "X-Slack-Request-Timestamp": stamp,
            "X-Slack-Signature": sign(self.secret, stamp, sent.body),
            "X-Slack-Retry-Num": str(attempt),
            "X-Slack-Retry-Reason": reason,
        }
        return self.send(Sent(sent.body, headers))

    def form(self, fields: dict[str, str], **kw: Any) -> Reply:
        return self.post(urlencode(fields), "application/x-www-form-urlencoded", **kw)

    def interaction(self, payload: dict[str, Any], **kw: Any) -> Reply:
        return self.form({"payload": json.dumps(payload)}, **kw)

    # what people do -----------------------------------------------------------------------

    def dm_channel(self, user: str) -> str:
        return self.bot.conversations_open(users=user)["channel"]["id"]

    def command(self, user: str, text: str, **kw: Any) -> Reply:
        channel = self.dm_channel(user)
        return self.form(
            {
                "token": "legacy",
                "team_id": self.emulator.team_id,
                "channel_id": channel,
                "user_id": user,
                "command": "/dispute",
                "text": text,
                "response_url": self.emulator.response_url(channel, user),
                "trigger_id": f"trig-{uuid.uuid4().hex}",
            },
            **kw,
        )

    def press(self, user: str, message: dict[str, Any], action_id: str) -> Reply:
        """Presses the button `action_id` on a message the bot posted."""
        for block in message.get("blocks", []):
            for element in block.get("elements", []):
                if element.get("action_id") == action_id:
                    return self._press(user, message, block, element)
        raise AssertionError(f"no button {action_id} on the message")

    def _actions(self, user: str, action: dict[str, Any], **where: Any) -> Reply:
        """A block_actions payload as Slack sends it, for one action on a message or view."""
        payload = {
            "type": "block_actions",
            "team": {"id": self.emulator.team_id},
            "user": {"id": user},
            "api_app_id": "A0RESOLVE",
            "trigger_id": f"trig-{uuid.uuid4().hex}",
            "actions": [action | {"action_ts": str(time.time())}],
            **where,
        }
        return self.interaction(payload)

    def _on_view(self, view: dict[str, Any]) -> dict[str, Any]:
        return {"container": {"type": "view", "view_id": view.get("id")}, "view": view}

    def _press(
        self, user: str, message: dict[str, Any], block: dict[str, Any], element: dict[str, Any]
    ) -> Reply:
        channel, ts = message["channel"], message["ts"]
        return self._actions(
            user,
            {
                "type": "button",
                "action_id": element["action_id"],
                "block_id": block.get("block_id"),
                "value": element.get("value"),
            },
            container={"type": "message", "channel_id": channel, "message_ts": ts},
            channel={"id": channel},
            message=message,
            response_url=self.emulator.response_url(channel, user, message_ts=ts),
        )

    def tick(self, user: str, message: dict[str, Any], block_id: str, checked: bool) -> Reply:
        """Ticks (or unticks) the checkbox in the section `block_id` of a message the bot posted;
        Slack sends the element's whole selection, as here."""
        block = next((b for b in message.get("blocks", []) if b.get("block_id") == block_id), None)
        if block is None or block.get("accessory", {}).get("type") != "checkboxes":
            raise AssertionError(f"no checkbox in block {block_id} on the message")
        element = block["accessory"]
        channel, ts = message["channel"], message["ts"]
        return self._actions(
            user,
            {
                "type": "checkboxes",
                "action_id": element["action_id"],
                "block_id": block_id,
                "selected_options": list(element["options"]) if checked else [],
            },
            container={"type": "message", "channel_id": channel, "message_ts": ts},
            channel={"id": channel},
            message=message,
            response_url=self.emulator.response_url(channel, user, message_ts=ts),
        )

    def press_on_home(self, user: str, action_id: str, value: str) -> Reply:
        view = self.emulator.home_views(user)[-1]
        action = {"type": "button", "action_id": action_id, "value": value, "block_id": "home"}
        return self._actions(user, action, **self._on_view(view))

    def pick_user(self, user: str, view: dict[str, Any], action_id: str, picked: str) -> Reply:
        """Chooses a person in a modal's user picker that dispatches its action."""
        action = {
            "type": "users_select",
            "action_id": action_id,
            "block_id": "counterpart",
            "selected_user": picked,
        }
        return self._actions(user, action, **self._on_view(view))

    def pick_option(self, user: str, view: dict[str, Any], block_id: str, value: str) -> Reply:
        """Chooses an option in a modal's select that dispatches its action, as Slack sends it."""
        block = next(b for b in view.get("blocks", []) if b.get("block_id") == block_id)
        element = block["element"]
        option = next(o for o in element.get("options", []) if o["value"] == value)
        action = {
            "type": element["type"],
            "action_id": element["action_id"],
            "block_id": block_id,
            "selected_option": option,
        }
        return self._actions(user, action, **self._on_view(view))

    def submit(self, user: str, view: dict[str, Any], values: dict[str, Any]) -> Reply:
        """Fills the modal's inputs with `values` (by block id) and submits it."""
        state: dict[str, dict[str, Any]] = {}
        for block in view.get("blocks", []):
            if block.get("type") != "input":
                continue
            element = block["element"]
            value = values.get(block["block_id"])
            state[block["block_id"]] = {element["action_id"]: _element_state(element, value)}
        payload = {
            "type": "view_submission",
            "team": {"id": self.emulator.team_id},
            "user": {"id": user},
            "view": {**view, "state": {"values": state}},
            "trigger_id": f"trig-{uuid.uuid4().hex}",
        }
        return self.interaction(payload)

    def open_home(self, user: str) -> Reply:
        body = json.dumps(
            {
                "type": "event_callback",
                "team_id": self.emulator.team_id,
                "api_app_id": "A0RESOLVE",
                "event": {
                    "type": "app_home_opened",
                    "user": user,
                    "tab": "home",
                    "channel": self.dm_channel(user),
                    "event_ts": str(time.time()),
                },
                "event_id": f"Ev{uuid.uuid4().hex[:10]}",
                "event_time": int(time.time()),
            }
        )
        return self.post(body, "application/json")


def _element_state(element: dict[str, Any], value: Any) -> dict[str, Any]:
    kind = element["type"]
    if kind == "plain_text_input":
        return {"type": kind, "value": value}
    if kind == "users_select":
        return {"type": kind, "selected_user": value}
    if kind in ("static_select", "radio_buttons"):
        options = {o["value"]: o for o in element.get("options", [])}
        if value is None and kind == "radio_buttons":
            return {"type": kind, "selected_option": element.get("initial_option")}
        return {"type": kind, "selected_option": options.get(value) if value else None}
    if kind == "checkboxes":
        options = {o["value"]: o for o in element.get("options", [])}
        return {"type": kind, "selected_options": [options[v] for v in value or []]}
    raise AssertionError(f"the driver cannot fill a {kind}")
