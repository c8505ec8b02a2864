"""The Web API methods the emulator answers, each returning Slack's response shape."""

from __future__ import annotations

import base64
import mimetypes
import re
import time
from collections.abc import Callable
from decimal import Decimal, InvalidOperation
from pathlib import PurePosixPath
from typing import Any

from bot.slack_emulator.errors import ApiError, invalid_arguments
from bot.slack_emulator.state import (
    TEAM_DOMAIN,
    TEAM_ID,
    TEAM_NAME,
    ResponseTarget,
    Workspace,
    with_block_ids,
)
from bot.slack_emulator.validation import (
    MAX_MESSAGE_TEXT_LENGTH,
    validate_blocks,
    validate_view,
)

MAX_PAGE_SIZE = 1000
DEFAULT_PAGE_SIZE = 100
MAX_CHANNEL_NAME_LENGTH = 80
CHANNEL_NAME = re.compile(r"[a-z0-9_-]+")
# Message fields only the emulator keeps; Slack never returns them.
_PRIVATE_MESSAGE_KEYS = frozenset({"channel"})


class Params:
    """Request parameters, whether they came as form fields, JSON or a query string."""

    def __init__(self, values: dict[str, Any]) -> None:
        self.values = values

    def get(self, name: str) -> Any:
        return self.values.get(name)

    def text(self, name: str) -> str | None:
        value = self.values.get(name)
        return None if value is None else str(value)

    def required(self, name: str) -> str:
        value = self.text(name)
        if not value:
            raise invalid_arguments(f"missing required field: {name}")
        return value

    def flag(self, name: str) -> bool:
        """Slack booleans arrive as true/false in JSON and as 1/0 or "true" in forms."""
        value = self.values.get(name)
        if isinstance(value, str):
            return value.lower() in {"1", "true"}
        return bool(value)

    def listed(self, name: str) -> list[str]:
        """A comma-separated list (as slack_sdk sends users=) or a JSON array."""
        value = self.values.get(name)
        if value is None:
            return []
        items = value if isinstance(value, list) else str(value).split(",")
        return [str(item).strip() for item in items if str(item).strip()]

    def number(self, name: str, default: int) -> int:
        value = self.values.get(name)
        if value is None or value == "":
            return default
        try:
            return int(value)
        except (TypeError, ValueError):
            raise invalid_arguments(f"{name} must be a whole number") from None


Handler = Callable[[Workspace, Params], dict[str, Any]]


# auth ----------------------------------------------------------------------


def auth_test(ws: Workspace, params: Params) -> dict[str, Any]:
    return {
        "ok": True,
        "url": f"https://{TEAM_DOMAIN}.slack.com/",
        "team": TEAM_NAME,
        "user": ws.users[ws.bot_user_id]["name"],
        "team_id": TEAM_ID,
        "user_id": ws.bot_user_id,
        "bot_id": ws.bot_id,
        "is_enterprise_install": False,
    }


# chat ----------------------------------------------------------------------


def chat_post_message(ws: Workspace, params: Params) -> dict[str, Any]:
    channel_id = _target_channel(ws, params)
    ws.require_bot_member(channel_id)
    content = message_content(params)
    message = ws.bot_message(
        channel_id, thread_ts=params.text("thread_ts"), metadata=params.get("metadata"), **content
    )
    return {"ok": True, "channel": channel_id, "ts": message["ts"], "message": public(message)}


def chat_post_ephemeral(ws: Workspace, params: Params) -> dict[str, Any]:
    channel_id = _target_channel(ws, params)
    user_id = ws.user(params.text("user"))["id"]
    ws.require_bot_member(channel_id)
    if not ws.is_member(channel_id, user_id):
        raise ApiError("user_not_in_channel")
    content = message_content(params)
    message = ws.bot_message(
        channel_id, thread_ts=params.text("thread_ts"), ephemeral=True, user=user_id, **content
    )
    return {"ok": True, "message_ts": message["ts"]}


def chat_update(ws: Workspace, params: Params) -> dict[str, Any]:
    channel_id = ws.channel(params.text("channel"))["id"]
    message = ws.find_message(channel_id, params.text("ts"))
    content = message_content(params)
    # Slack keeps the old blocks and attachments unless the update sends new ones.
    message.update(content)
    message["edited"] = {"user": ws.bot_user_id, "ts": ws.next_ts()}
    return {
        "ok": True,
        "channel": channel_id,
        "ts": message["ts"],
        "text": message["text"],
        "message": public(message),
    }


def chat_delete(ws: Workspace, params: Params) -> dict[str, Any]:
    channel_id = ws.channel(params.text("channel"))["id"]
    message = ws.find_message(channel_id, params.text("ts"))
    ws.messages.remove(message)
    return {"ok": True, "channel": channel_id, "ts": message["ts"]}


def message_content(params: Params) -> dict[str, Any]:
    """Text, blocks and attachments of a message, rejected where Slack would reject them."""
    text = params.text("text")
    blocks = params.get("blocks")
    attachments = params.get("attachments")
    if blocks is not None:
        if not isinstance(blocks, list):
            raise ApiError("invalid_blocks_format")
        errors = validate_blocks(blocks, surface="message")
        if errors:
            raise ApiError(
                "invalid_blocks",
                errors=errors,
                response_metadata={"messages": [f"[ERROR] {e}" for e in errors]},
            )
    if attachments is not None and not (
        isinstance(attachments, list) and all(isinstance(a, dict) for a in attachments)
    ):
        raise ApiError("invalid_attachments")
    if not text and not blocks and not attachments:
        raise ApiError("no_text")
    if text is not None and len(text) > MAX_MESSAGE_TEXT_LENGTH:
        raise ApiError("msg_too_long")
    content: dict[str, Any] = {"text": text or ""}
    if blocks is not None:
        content["blocks"] = with_block_ids(blocks)
    if attachments is not None:
        content["attachments"] = attachments
    return content


def public(message: dict[str, Any]) -> dict[str, Any]:
    """A message as Slack returns it, without the emulator's bookkeeping."""
    return {k: v for k, v in message.items() if k not in _PRIVATE_MESSAGE_KEYS}


def _target_channel(ws: Workspace, params: Params) -> str:
    """The conversation to post in; a user id means the bot's DM with them, as in Slack."""
    channel = params.text("channel")
    if channel in ws.users and channel != ws.bot_user_id:
        return ws.open_direct([channel])[0]
    return ws.channel(channel)["id"]


# response_url --------------------------------------------------------------


def deliver_response(ws: Workspace, target: ResponseTarget, params: Params) -> dict[str, Any]:
    """Apply a response_url post: delete or replace the original, or add a new message."""
    original = None
    if target.message_ts is not None:
        original = next(
            (
                m
                for m in ws.messages
                if m["channel"] == target.channel_id and m["ts"] == target.message_ts
            ),
            None,
        )
    if params.flag("delete_original"):
        if original is not None:
            ws.messages.remove(original)
        return {"ok": True}
    content = message_content(params)
    if params.flag("replace_original") and original is not None:
        # Replacing swaps the whole message, so blocks the new payload omits are gone.
        for key in ("blocks", "attachments"):
            original.pop(key, None)
        original.update(content, via_response_url=True)
        original["edited"] = {"user": ws.bot_user_id, "ts": ws.next_ts()}
        return {"ok": True}
    response_type = params.text("response_type") or "ephemeral"
    ephemeral = response_type != "in_channel"
    ws.bot_message(
        target.channel_id,
        via_response_url=True,
        response_type=response_type,
        replace_original=params.flag("replace_original"),
        ephemeral=True if ephemeral else None,
        user=target.user_id if ephemeral else None,
        thread_ts=params.text("thread_ts"),
        **content,
    )
    return {"ok": True}


# conversations -------------------------------------------------------------


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


# users ---------------------------------------------------------------------


def users_info(ws: Workspace, params: Params) -> dict[str, Any]:
    return {"ok": True, "user": ws.user(params.text("user"))}


def users_lookup_by_email(ws: Workspace, params: Params) -> dict[str, Any]:
    email = params.required("email").lower()
    for user in ws.users.values():
        if user["profile"].get("email", "").lower() == email:
            return {"ok": True, "user": user}
    raise ApiError("users_not_found")


# views ---------------------------------------------------------------------


def views_open(ws: Workspace, params: Params) -> dict[str, Any]:
    """views.open and views.push: both spend a trigger_id on a new modal."""
    trigger_id = params.text("trigger_id") or params.text("interactivity_pointer")
    if not trigger_id:
        raise invalid_arguments("missing required field: trigger_id")
    if trigger_id in ws.used_triggers:
        raise ApiError("exchanged_trigger_id")
    view = _view(params, allowed_types=("modal",))
    _check_external_id(ws, view, None)
    ws.used_triggers.add(trigger_id)
    stored = ws.store_view(view)
    ws.modal_view_ids.append(stored["id"])
    return {"ok": True, "view": stored}


def views_update(ws: Workspace, params: Params) -> dict[str, Any]:
    view_id = params.text("view_id")
    external_id = params.text("external_id")
    if view_id:
        current = ws.views.get(view_id)
    elif external_id:
        current = ws.view_by_external_id(external_id)
    else:
        raise invalid_arguments("missing required field: view_id or external_id")
    if current is None:
        raise ApiError("not_found")
    view = _view(params, allowed_types=(current["type"],))
    _check_hash(params, current)
    _check_external_id(ws, view, current["id"])
    stored = ws.store_view(view, view_id=current["id"])
    if stored["type"] == "home":
        user_id = next(u for u, v in ws.home_view_ids.items() if v == stored["id"])
        ws.home_history[user_id].append(stored)
    return {"ok": True, "view": stored}


def views_publish(ws: Workspace, params: Params) -> dict[str, Any]:
    user_id = ws.user(params.required("user_id"))["id"]
    view = _view(params, allowed_types=("home",))
    current_id = ws.home_view_ids.get(user_id)
    if current_id is not None:
        _check_hash(params, ws.views[current_id])
    _check_external_id(ws, view, current_id)
    stored = ws.store_view(view, view_id=current_id)
    ws.home_view_ids[user_id] = stored["id"]
    ws.home_history.setdefault(user_id, []).append(stored)
    return {"ok": True, "view": stored}


def _view(params: Params, *, allowed_types: tuple[str, ...]) -> dict[str, Any]:
    view = params.get("view")
    if view is None:
        raise invalid_arguments("missing required field: view")
    errors = validate_view(view, allowed_types=allowed_types)
    if errors:
        raise invalid_arguments(*errors)
    return view


def _check_hash(params: Params, current: dict[str, Any]) -> None:
    given = params.text("hash")
    if given and given != current["hash"]:
        raise ApiError("hash_conflict")


def _check_external_id(ws: Workspace, view: dict[str, Any], own_id: str | None) -> None:
    external_id = view.get("external_id")
    if external_id:
        holder = ws.view_by_external_id(external_id)
        if holder is not None and holder["id"] != own_id:
            raise ApiError("duplicate_external_id")


# files ---------------------------------------------------------------------


def files_get_upload_url_external(ws: Workspace, params: Params) -> dict[str, Any]:
    filename = params.required("filename")
    params.required("length")
    if params.number("length", 0) < 1:
        raise invalid_arguments("length must be a positive number of bytes")
    file_id = ws.new_id("F")
    created = int(time.time())
    ws.files[file_id] = {
        "id": file_id,
        "created": created,
        "timestamp": created,
        "name": filename,
        "title": filename,
        "mimetype": mimetypes.guess_type(filename)[0] or "application/octet-stream",
        "filetype": PurePosixPath(filename).suffix.lstrip(".").lower() or "binary",
        "user": ws.bot_user_id,
        "size": params.number("length", 0),
        "mode": "hosted",
        "is_external": False,
        "alt_txt": params.text("alt_txt") or "",
        "channels": [],
        "content": None,
    }
    return {"ok": True, "upload_url": f"{ws.root_url}/upload/{file_id}", "file_id": file_id}


def files_complete_upload_external(ws: Workspace, params: Params) -> dict[str, Any]:
    entries = params.get("files")
    if (
        not isinstance(entries, list)
        or not entries
        or not all(isinstance(e, dict) and isinstance(e.get("id"), str) for e in entries)
    ):
        raise invalid_arguments("files must be a JSON array of objects with an id")
    uploads = []
    for entry in entries:
        file = ws.files.get(entry["id"])
        if file is None or file["content"] is None:
            raise ApiError("file_not_found")
        uploads.append((file, entry))
    channel_id = params.text("channel_id")
    channel_ids = [channel_id] if channel_id else params.listed("channels")
    for target in channel_ids:
        ws.channel(target)
        ws.require_bot_member(target)
    for file, entry in uploads:
        file["title"] = entry.get("title") or file["name"]
        file["channels"] = list(channel_ids)
    shared = [public_file(file) for file, _ in uploads]
    for target in channel_ids:
        ws.bot_message(
            target,
            subtype="file_share",
            text=params.text("initial_comment") or "",
            files=shared,
            upload=True,
            thread_ts=params.text("thread_ts"),
        )
    return {"ok": True, "files": shared}


def public_file(file: dict[str, Any]) -> dict[str, Any]:
    """A file object as Slack returns it: everything but the stored bytes."""
    return {k: v for k, v in file.items() if k != "content"}


METHODS: dict[str, Handler] = {
    "auth.test": auth_test,
    "chat.postMessage": chat_post_message,
    "chat.postEphemeral": chat_post_ephemeral,
    "chat.update": chat_update,
    "chat.delete": chat_delete,
    "conversations.open": conversations_open,
    "conversations.create": conversations_create,
    "conversations.invite": conversations_invite,
    "conversations.members": conversations_members,
    "conversations.info": conversations_info,
    "conversations.history": conversations_history,
    "users.info": users_info,
    "users.lookupByEmail": users_lookup_by_email,
    "views.open": views_open,
    "views.push": views_open,
    "views.update": views_update,
    "views.publish": views_publish,
    "files.getUploadURLExternal": files_get_upload_url_external,
    "files.completeUploadExternal": files_complete_upload_external,
}
