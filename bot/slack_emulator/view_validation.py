"""View checks (modals and App Home tabs), on top of the checks of the blocks they hold."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from slack_sdk.models.views import View

from bot.slack_emulator.block_validation import BlockChecker
from bot.slack_emulator.checker import type_of
from bot.slack_emulator.limits import MODAL_TEXTS, SDK_ERRORS, VIEW_STRINGS


def validate_view(view: Any, *, allowed_types: Iterable[str]) -> list[str]:
    """Return why Slack would reject this view when only `allowed_types` may be used.

    `allowed_types` is drawn from "modal" and "home", the surfaces a view can be.
    """
    allowed = tuple(allowed_types)
    if not set(allowed) <= {"modal", "home"}:
        raise ValueError(f"views can only be modal or home, not {allowed!r}")
    checker = ViewChecker()
    checker.view(view, allowed)
    return checker.errors


class ViewChecker(BlockChecker):
    """Checks a view's own fields, then its blocks as the view's surface allows."""

    def view(self, view: Any, allowed: tuple[str, ...]) -> None:
        if not isinstance(view, dict):
            self.add("view must be an object", "/view")
            return
        view_type = view.get("type")
        if view_type not in allowed:
            expected = " or ".join(repr(t) for t in allowed)
            self.add(f"view type must be {expected} (got {view_type!r})", "/view/type")
            return
        for key, rule in MODAL_TEXTS.items():
            if view_type == "modal":
                self.text(view.get(key), f"/view/{key}", rule)
            elif key in view and key != "title":
                self.add(f"{view_type} views cannot have {key}", f"/view/{key}")
            self.text_objects(view.get(key), f"/view/{key}")
        blocks = view.get("blocks")
        if blocks is None:
            self.add("missing required field: blocks", "/view/blocks")
        else:
            self.blocks(blocks, view_type, "/view/blocks")
            has_input = isinstance(blocks, list) and any(type_of(b) == "input" for b in blocks)
            if view_type == "modal" and has_input and "submit" not in view:
                self.add("a modal with input blocks must have submit", "/view/submit")
        for key, rule in VIEW_STRINGS.items():
            self.string(view.get(key), f"/view/{key}", rule)
        if not self.errors:
            try:
                View(**view).validate_json()
            except SDK_ERRORS as exc:
                self.add(f"invalid view: {exc}", "/view")
