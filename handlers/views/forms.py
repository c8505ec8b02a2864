"""Reads a submitted modal's state into plain values, and resolution actions from text."""

from __future__ import annotations

from typing import Any

from bot.parsing import WhenError, parse_when
from bot.runtime import Runtime
from bot.services.disputes import ActionInput
from bot.services.errors import DomainError
from models.protocol import ASK_PREFIX

View = dict[str, Any]


def field(view: View, block_id: str) -> Any:
    """The value of one input, whatever its element type; None when left empty."""
    elements = view.get("state", {}).get("values", {}).get(block_id, {})
    for element in elements.values():
        kind = element.get("type")
        if kind == "plain_text_input":
            value = element.get("value")
            return value.strip() if isinstance(value, str) and value.strip() else None
        if kind == "users_select":
            return element.get("selected_user")
        if kind in ("static_select", "radio_buttons"):
            option = element.get("selected_option")
            return option.get("value") if option else None
        if kind == "checkboxes":
            return [o.get("value") for o in element.get("selected_options") or []]
    return None


def asked(view: View, prefix: str = ASK_PREFIX) -> dict[str, Any]:
    """The details a form asked for by their keys: a category's (`models.protocol.Ask`) or, with
    `RECORD_PREFIX`, the record fields asked for at resolution (`models.protocol.RecordField`)."""
    values = view.get("state", {}).get("values", {})
    return {
        block_id.removeprefix(prefix): field(view, block_id)
        for block_id in values
        if block_id.startswith(prefix)
    }


def parse_actions(rt: Runtime, text: str | None) -> list[ActionInput]:
    """One action a line: 'description; owner; due date'. Each bad line is named."""
    actions: list[ActionInput] = []
    for number, line in enumerate((text or "").splitlines(), start=1):
        if not line.strip():
            continue
        parts = [p.strip() for p in line.split(";")]
        if len(parts) != 3 or not all(parts):
            raise DomainError(
                f"Action line {number} needs three parts separated by ';': "
                "description; owner; due date (dd/mm/yyyy).",
                field="actions",
            )
        description, owner, due = parts
        try:
            when = parse_when(due, now=rt.clock.now(), zone=rt.calendar.zone, prefer="future")
        except WhenError:
            raise DomainError(
                f"Action line {number}: '{due}' is not a date; use dd/mm/yyyy.", field="actions"
            ) from None
        actions.append(ActionInput(description, owner, rt.calendar.local(when).date()))
    return actions
