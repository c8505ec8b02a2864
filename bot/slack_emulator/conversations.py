"""conversations.* methods: opening, creating and reading channels and DMs."""

from __future__ import annotations

import base64
import re
from decimal import Decimal, InvalidOperation
from typing import Any

from bot.slack_emulator.chat import public
from bot.slack_emulator.errors import ApiError
from bot.slack_emulator.params import Params
from bot.slack_emulator.state import Workspace

MAX_PAGE_SIZE = 1000
DEFAULT_PAGE_SIZE = 100
MAX_CHANNEL_NAME_LENGTH = 80
CHANNEL_NAME = re.compile(r"[a-z0-9_-]+")


def conversations_open(ws: Workspace, params: Params) -> dict[str, Any]:
    existing = params.text("channel")
    if existing:
        ws.channel(existing)
        return {"ok": True, "no_op": True, "already_open": True, "channel": {"id": existing}}
    user_ids = params.listed("users")
    if not user_ids:
        raise ApiError("users_list_not_supplied")
    for user_id in user_ids:
        ws.user(user_id)
    if set(user_ids) == {ws.bot_user_id}:
        raise ApiError("cannot_dm_bot")
    channel_id, created = ws.open_direct(user_ids)
    channel = ws.channel_info(channel_id) if params.flag("return_im") else {"id": channel_id}
    body: dict[str, Any] = {"ok": True, "channel": channel}
    if not created:
        body.update(no_op=True, already_open=True)
    return body


def conversations_create(ws: Workspace, params: Params) -> dict[str, Any]:
    name = params.text("name")
    if not name:
        raise ApiError("invalid_name_required")
    if len(name) > MAX_CHANNEL_NAME_LENGTH:
        raise ApiError("invalid_name_maxlength")
    if not CHANNEL_NAME.fullmatch(name):
        raise ApiError("invalid_name_specials")
    if any(c.get("name") == name for c in ws.channels.values()):
        raise ApiError("name_taken")
    channel = ws.add_channel(
        name,
        is_private=params.flag("is_private"),
        creator=ws.bot_user_id,
        members=[ws.bot_user_id],
    )
    return {"ok": True, "channel": channel}


def conversations_invite(ws: Workspace, params: Params) -> dict[str, Any]:
    channel = ws.channel(params.text("channel"))
    if channel["is_im"] or channel["is_mpim"]:
        raise ApiError("method_not_supported_for_channel_type")
    user_ids = list(dict.fromkeys(params.listed("users")))
    if not user_ids:
        raise ApiError("no_user")
    ws.require_bot_member(channel["id"])
    for user_id in user_ids:
        if user_id == ws.bot_user_id:
            raise ApiError("cant_invite_self")
        ws.user(user_id)
    members = ws.members[channel["id"]]
    newcomers = [u for u in user_ids if u not in members]
    if not newcomers:
        raise ApiError(
            "already_in_channel",
            errors=[{"user": u, "ok": False, "error": "already_in_channel"} for u in user_ids],
        )
    members.extend(newcomers)
    return {"ok": True, "channel": ws.channel_info(channel["id"])}


def conversations_members(ws: Workspace, params: Params) -> dict[str, Any]:
    channel_id = _visible_channel(ws, params)
    page, cursor = _page(ws.members[channel_id], params)
    return {"ok": True, "members": page, "response_metadata": {"next_cursor": cursor}}


def conversations_info(ws: Workspace, params: Params) -> dict[str, Any]:
    return {"ok": True, "channel": ws.channel_info(_visible_channel(ws, params))}


def conversations_history(ws: Workspace, params: Params) -> dict[str, Any]:
    """Top-level, non-ephemeral messages, newest first, as Slack lists them."""
    channel_id = _visible_channel(ws, params)
    ws.require_bot_member(channel_id)
    oldest = _timestamp(params, "oldest", Decimal(0))
    latest = _timestamp(params, "latest", Decimal("Infinity"))
    inclusive = params.flag("inclusive")

    def in_window(ts: str) -> bool:
        value = Decimal(ts)
        if inclusive:
            return oldest <= value <= latest
        return oldest < value < latest

    visible = [
        m
        for m in reversed(ws.messages)
        if m["channel"] == channel_id
        and not m.get("ephemeral")
        and m.get("thread_ts", m["ts"]) == m["ts"]
        and in_window(m["ts"])
    ]
    page, cursor = _page(visible, params)
    return {
        "ok": True,
        "messages": [public(m) for m in page],
        "has_more": bool(cursor),
        "pin_count": 0,
        "response_metadata": {"next_cursor": cursor},
    }


def _visible_channel(ws: Workspace, params: Params) -> str:
    """A channel the bot may look at; private ones it is not in do not exist for it."""
    channel_id = ws.channel(params.text("channel"))["id"]
    if ws.is_private(channel_id) and not ws.is_member(channel_id, ws.bot_user_id):
        raise ApiError("channel_not_found")
    return channel_id


def _timestamp(params: Params, name: str, default: Decimal) -> Decimal:
    value = params.text(name)
    if not value:
        return default
    try:
        return Decimal(value)
    except InvalidOperation:
        raise ApiError(f"invalid_ts_{name}") from None


def _page(items: list[Any], params: Params) -> tuple[list[Any], str]:
    """Cursor pagination as Slack does it: an opaque cursor, empty on the last page."""
    limit = params.number("limit", DEFAULT_PAGE_SIZE)
    limit = min(limit if limit > 0 else DEFAULT_PAGE_SIZE, MAX_PAGE_SIZE)
    cursor = params.text("cursor")
    start = _decode_cursor(cursor) if cursor else 0
    end = start + limit
    next_cursor = base64.b64encode(f"offset:{end}".encode()).decode() if end < len(items) else ""
    return items[start:end], next_cursor


def _decode_cursor(cursor: str) -> int:
    try:
        kind, _, offset = base64.b64decode(cursor, validate=True).decode().partition(":")
        if kind == "offset" and int(offset) >= 0:
            return int(offset)
    except ValueError:
        pass
    raise ApiError("invalid_cursor")
