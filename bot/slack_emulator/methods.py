"""The Web API methods the emulator answers, by name; each returns Slack's response shape."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from bot.slack_emulator.chat import chat_delete, chat_post_ephemeral, chat_post_message, chat_update
from bot.slack_emulator.conversations import (
    conversations_create,
    conversations_history,
    conversations_info,
    conversations_invite,
    conversations_members,
    conversations_open,
)
from bot.slack_emulator.files import files_complete_upload_external, files_get_upload_url_external
from bot.slack_emulator.params import Params
from bot.slack_emulator.state import Workspace
from bot.slack_emulator.users import auth_test, users_info, users_lookup_by_email
from bot.slack_emulator.views import views_open, views_publish, views_update

Handler = Callable[[Workspace, Params], dict[str, Any]]

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
