"""files.* methods: the two-step external upload the bot uses to share records."""

from __future__ import annotations

import mimetypes
import time
from pathlib import PurePosixPath
from typing import Any

from bot.slack_emulator.errors import ApiError, invalid_arguments
from bot.slack_emulator.params import Params
from bot.slack_emulator.state import Workspace


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
