"""auth.test and users.* methods: who the bot is, and finding people."""

from __future__ import annotations

from typing import Any

from bot.slack_emulator.errors import ApiError
from bot.slack_emulator.params import Params
from bot.slack_emulator.state import TEAM_DOMAIN, TEAM_ID, TEAM_NAME, Workspace


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


def users_info(ws: Workspace, params: Params) -> dict[str, Any]:
    return {"ok": True, "user": ws.user(params.text("user"))}


def users_lookup_by_email(ws: Workspace, params: Params) -> dict[str, Any]:
    email = params.required("email").lower()
    for user in ws.users.values():
        if user["profile"].get("email", "").lower() == email:
            return {"ok": True, "user": user}
    raise ApiError("users_not_found")
