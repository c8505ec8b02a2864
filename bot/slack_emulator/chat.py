"""chat.* methods and response_url posts: messages the bot sends, edits and deletes."""

from __future__ import annotations

from typing import Any

from bot.slack_emulator.block_validation import validate_blocks
from bot.slack_emulator.errors import ApiError
from bot.slack_emulator.limits import MAX_MESSAGE_TEXT_LENGTH
from bot.slack_emulator.params import Params
from bot.slack_emulator.state import ResponseTarget, Workspace, with_block_ids

# Message fields only the emulator keeps; Slack never returns them.
_PRIVATE_MESSAGE_KEYS = frozenset({"channel"})


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
