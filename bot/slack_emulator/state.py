"""In-memory workspace the emulator serves, shaped like Slack's own objects.

Nothing here locks on its own: every caller holds `Workspace.lock`, so a whole
request (lookup, change, recording) is atomic with respect to the others.
"""

from __future__ import annotations

import copy
import json
import secrets
import threading
import time
from dataclasses import dataclass
from typing import Any, TypeVar
from zoneinfo import ZoneInfo

from bot.clock import SystemClock
from bot.slack_emulator.errors import ApiError

T = TypeVar("T")

TEAM_ID = "T0EMULATE"
TEAM_NAME = "Emulated Workspace"
TEAM_DOMAIN = "emulated"
USER_TZ = "Europe/London"
_TZ_LABELS = {"GMT": "Greenwich Mean Time", "BST": "British Summer Time"}


def copied(value: T) -> T:
    """A deep copy, so a reader cannot change the workspace nor see it change: through JSON
    where the value allows (several times faster than deepcopy), else deepcopy (bytes)."""
    try:
        copy_: T = json.loads(json.dumps(value))
    except (TypeError, ValueError):
        return copy.deepcopy(value)
    return copy_


@dataclass(frozen=True)
class RecordedCall:
    """One request the emulator answered, kept so tests can assert on traffic."""

    method: str
    params: dict[str, Any]
    response: dict[str, Any]
    at: float
    status: int = 200


@dataclass(frozen=True)
class ResponseTarget:
    """Where a response_url delivers: the channel and user of the interaction."""

    channel_id: str
    user_id: str
    message_ts: str | None


class Workspace:
    """Users, conversations, messages, views and files of one emulated team."""

    def __init__(self, bot_name: str) -> None:
        self.lock = threading.RLock()
        self.users: dict[str, dict[str, Any]] = {}
        self.channels: dict[str, dict[str, Any]] = {}
        self.members: dict[str, list[str]] = {}
        self.direct_conversations: dict[frozenset[str], str] = {}
        self.messages: list[dict[str, Any]] = []
        self.files: dict[str, dict[str, Any]] = {}
        self.views: dict[str, dict[str, Any]] = {}
        self.modal_view_ids: list[str] = []
        self.home_view_ids: dict[str, str] = {}
        self.home_history: dict[str, list[dict[str, Any]]] = {}
        self.used_triggers: set[str] = set()
        self.response_targets: dict[str, ResponseTarget] = {}
        self.calls: list[RecordedCall] = []
        # Set once the server is listening; upload URLs are built from it.
        self.root_url = ""
        self._counters: dict[str, int] = {}
        self._last_ts_micros = 0
        self.app_id = self.new_id("A")
        self.bot_id = self.new_id("B")
        self.bot_user_id = self.new_id("U")
        self.add_user(self.bot_user_id, bot_name, is_bot=True)

    # identifiers -----------------------------------------------------------

    def new_id(self, prefix: str) -> str:
        """Slack-looking ids (e.g. C0EMU00001) that never repeat within a workspace."""
        self._counters[prefix] = self._counters.get(prefix, 0) + 1
        return f"{prefix}0EMU{self._counters[prefix]:05d}"

    def next_ts(self) -> str:
        """A message timestamp: the current time, bumped so each one is unique and later."""
        micros = max(time.time_ns() // 1000, self._last_ts_micros + 1)
        self._last_ts_micros = micros
        return f"{micros // 1_000_000}.{micros % 1_000_000:06d}"

    @staticmethod
    def new_hash() -> str:
        """A view hash, which Slack uses to detect conflicting updates."""
        return f"{int(time.time())}.{secrets.token_hex(4)}"

    # users -----------------------------------------------------------------

    def add_user(
        self,
        user_id: str,
        name: str,
        email: str | None = None,
        *,
        real_name: str | None = None,
        is_bot: bool = False,
    ) -> dict[str, Any]:
        """Add a person in users.info's shape; everyone works on UK time (Europe/London)."""
        now = SystemClock().now().astimezone(ZoneInfo(USER_TZ))
        offset = now.utcoffset()
        display = real_name or name
        profile: dict[str, Any] = {
            "real_name": display,
            "real_name_normalized": display,
            "display_name": name,
            "display_name_normalized": name,
            "team": TEAM_ID,
        }
        if email is not None:
            profile["email"] = email
        if is_bot:
            profile["bot_id"] = self.bot_id
        user = {
            "id": user_id,
            "team_id": TEAM_ID,
            "name": name,
            "deleted": False,
            "real_name": display,
            "tz": USER_TZ,
            "tz_label": _TZ_LABELS.get(now.tzname() or "", USER_TZ),
            "tz_offset": int(offset.total_seconds()) if offset is not None else 0,
            "profile": profile,
            "is_admin": False,
            "is_owner": False,
            "is_bot": is_bot,
            "is_app_user": False,
            "updated": int(time.time()),
        }
        self.users[user_id] = user
        return user

    def user(self, user_id: Any) -> dict[str, Any]:
        user = self.users.get(user_id) if isinstance(user_id, str) else None
        if user is None:
            raise ApiError("user_not_found")
        return user

    # conversations ---------------------------------------------------------

    def add_channel(
        self, name: str, *, is_private: bool, creator: str, members: list[str]
    ) -> dict[str, Any]:
        channel_id = self.new_id("C")
        self.channels[channel_id] = {
            "id": channel_id,
            "name": name,
            "name_normalized": name,
            "is_channel": True,
            "is_group": False,
            "is_im": False,
            "is_mpim": False,
            "is_private": is_private,
            "created": int(time.time()),
            "creator": creator,
            "is_archived": False,
            "is_general": False,
            "is_shared": False,
            "is_ext_shared": False,
            "is_org_shared": False,
            "context_team_id": TEAM_ID,
            "topic": {"value": "", "creator": "", "last_set": 0},
            "purpose": {"value": "", "creator": "", "last_set": 0},
            "previous_names": [],
        }
        self.members[channel_id] = list(dict.fromkeys(members))
        return self.channel_info(channel_id)

    def open_direct(self, user_ids: list[str]) -> tuple[str, bool]:
        """The IM (one user) or group DM (several) with the bot; True when newly made.

        The same set of people always gets the same conversation, as in Slack.
        """
        key = frozenset(user_ids) - {self.bot_user_id}
        existing = self.direct_conversations.get(key)
        if existing is not None:
            return existing, False
        people = sorted(key)
        base = {
            "created": int(time.time()),
            "is_archived": False,
            "is_org_shared": False,
            "context_team_id": TEAM_ID,
            "is_channel": False,
            "is_open": True,
        }
        if len(people) == 1:
            channel_id = self.new_id("D")
            channel = {
                "id": channel_id,
                **base,
                "is_group": False,
                "is_im": True,
                "is_mpim": False,
                "user": people[0],
                "is_user_deleted": False,
                "priority": 0,
            }
        else:
            channel_id = self.new_id("G")
            names = [self.users[u]["name"] for u in [self.bot_user_id, *people]]
            channel = {
                "id": channel_id,
                **base,
                "name": f"mpdm-{'--'.join(names)}-1",
                "is_group": True,
                "is_im": False,
                "is_mpim": True,
                "is_private": True,
                "creator": self.bot_user_id,
            }
        self.channels[channel_id] = channel
        self.members[channel_id] = [self.bot_user_id, *people]
        self.direct_conversations[key] = channel_id
        return channel_id, True

    def channel(self, channel_id: Any) -> dict[str, Any]:
        channel = self.channels.get(channel_id) if isinstance(channel_id, str) else None
        if channel is None:
            raise ApiError("channel_not_found")
        return channel

    def channel_info(self, channel_id: str) -> dict[str, Any]:
        """The stored conversation plus the fields that depend on who is in it."""
        info = dict(self.channels[channel_id])
        info["is_member"] = self.is_member(channel_id, self.bot_user_id)
        if not info["is_im"]:
            info["num_members"] = len(self.members[channel_id])
        return info

    def is_member(self, channel_id: str, user_id: str) -> bool:
        return user_id in self.members.get(channel_id, [])

    def is_private(self, channel_id: str) -> bool:
        channel = self.channels[channel_id]
        return bool(channel.get("is_private") or channel["is_im"] or channel["is_mpim"])

    def require_bot_member(self, channel_id: str) -> None:
        if not self.is_member(channel_id, self.bot_user_id):
            raise ApiError("not_in_channel")

    # messages --------------------------------------------------------------

    def bot_message(self, channel_id: str, **content: Any) -> dict[str, Any]:
        """A message authored by the bot, in the shape conversations.history returns."""
        message = {
            "type": "message",
            "ts": self.next_ts(),
            "user": self.bot_user_id,
            "bot_id": self.bot_id,
            "app_id": self.app_id,
            "team": TEAM_ID,
            "channel": channel_id,
            "text": "",
        }
        message.update({k: v for k, v in content.items() if v is not None})
        self.messages.append(message)
        return message

    def find_message(self, channel_id: str, ts: Any) -> dict[str, Any]:
        for message in self.messages:
            if (
                message["channel"] == channel_id
                and message["ts"] == ts
                and not message.get("ephemeral")
            ):
                return message
        raise ApiError("message_not_found")

    # views -----------------------------------------------------------------

    def store_view(self, view: dict[str, Any], *, view_id: str | None = None) -> dict[str, Any]:
        """Save a view as Slack echoes it back: with ids, hash, state and block_ids filled in."""
        previous = self.views.get(view_id) if view_id is not None else None
        new_id = view_id or self.new_id("V")
        stored = {
            "id": new_id,
            "team_id": TEAM_ID,
            "type": view["type"],
            "blocks": with_block_ids(view["blocks"]),
            "private_metadata": view.get("private_metadata", ""),
            "callback_id": view.get("callback_id", ""),
            "state": {"values": {}},
            "hash": self.new_hash(),
            "clear_on_close": bool(view.get("clear_on_close", False)),
            "notify_on_close": bool(view.get("notify_on_close", False)),
            "previous_view_id": previous["previous_view_id"] if previous else None,
            "root_view_id": previous["root_view_id"] if previous else new_id,
            "app_id": self.app_id,
            # An update that omits external_id keeps the one the view already had.
            "external_id": view.get("external_id", previous["external_id"] if previous else ""),
            "app_installed_team_id": TEAM_ID,
            "bot_id": self.bot_id,
        }
        for key in ("title", "submit", "close"):
            if key in view:
                stored[key] = view[key]
        self.views[new_id] = stored
        return stored

    def view_by_external_id(self, external_id: str) -> dict[str, Any] | None:
        return next((v for v in self.views.values() if v["external_id"] == external_id), None)


def with_block_ids(blocks: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """Copies of the blocks with a block_id on each, as Slack adds one when it is missing."""
    return [
        block if "block_id" in block else {**block, "block_id": secrets.token_urlsafe(4)}
        for block in blocks
    ]
