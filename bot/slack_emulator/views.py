"""views.* methods: modals opened, pushed and updated, and App Home tabs published."""

from __future__ import annotations

from typing import Any

from bot.slack_emulator.errors import ApiError, invalid_arguments
from bot.slack_emulator.params import Params
from bot.slack_emulator.state import Workspace
from bot.slack_emulator.view_validation import validate_view


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
