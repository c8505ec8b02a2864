"""Modals for anything with more than one field. Block ids are the service's field names, so an
error from a service can be shown beside the input it is about."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from bot.messages import procedures
from bot.messages.blocks import Block, clip, context, escape, section
from bot.messages.risk import at_immediate_risk, immediate_risk_warning
from models.dispute import DiscussionVersion
from models.payloads import ActionMeta
from models.protocol import (
    Ask,
    Category,
    DiscussionPrompt,
    Protocol,
    RecordField,
    StatedTimescale,
)

View = dict[str, Any]

OPEN = "open_dispute"
LOG = "log_discussion"
ESCALATE = "escalate_dispute"
REFLECT = "request_reflective"
RESOLVE = "resolve_dispute"
CORRECT = "correct_discussion"
COUNTERPART_PICKED = "open_counterpart_picked"
CATEGORY_PICKED = "open_category_picked"
URGENCY_PICKED = "open_urgency_picked"
VALUE = "value"


def _text(text: str, limit: int = 75) -> dict[str, str]:
    return {"type": "plain_text", "text": clip(text, limit)}


def _option(value: str, label: str) -> dict[str, Any]:
    return {"text": _text(label), "value": value}


def _input(
    block_id: str,
    label: str,
    element: dict[str, Any],
    *,
    optional: bool = False,
    hint: str | None = None,
    dispatch: bool = False,
) -> Block:
    block: Block = {
        "type": "input",
        "block_id": block_id,
        "label": _text(label, 2000),
        "element": {**element, "action_id": element.get("action_id", VALUE)},
        "optional": optional,
    }
    if hint:
        block["hint"] = _text(hint, 2000)
    if dispatch:
        block["dispatch_action"] = True
    return block


def _plain(
    placeholder: str, *, multiline: bool = False, initial: str | None = None, max_length: int = 3000
) -> dict[str, Any]:
    element: dict[str, Any] = {
        "type": "plain_text_input",
        "multiline": multiline,
        "placeholder": _text(placeholder, 150),
        "max_length": max_length,
    }
    if initial:
        element["initial_value"] = initial
    return element


def _modal(
    callback_id: str, title: str, submit: str, blocks: list[Block], meta: ActionMeta
) -> View:
    return {
        "type": "modal",
        "callback_id": callback_id,
        "title": _text(title, 24),
        "submit": _text(submit, 24),
        "close": _text("Cancel", 24),
        "private_metadata": meta.encode(),
        "blocks": blocks,
    }


def open_modal(
    protocol: Protocol,
    *,
    counterpart_note: str | None = None,
    category: str | None = None,
    urgency: str | None = None,
    risk_contact: str | None = None,
) -> View:
    """The form a professional fills in to raise a disagreement with another agency; choosing a
    category that asks for more (a conference dissent, say) redraws it with those fields, and
    choosing immediate risk redraws it with where to go now (`risk_contact`, the partnership's
    child protection line)."""
    chosen = protocol.category(category) if category else None
    capacity = chosen.counterpart if chosen else None
    blocks: list[Block] = [
        section(f"Under *{protocol.name}* ({protocol.partnership})."),
        _input(
            "counterpart",
            capacity.label if capacity else "Who do you disagree with?",
            {
                "type": "users_select",
                "action_id": COUNTERPART_PICKED,
                "placeholder": _text("Choose a person"),
            },
            dispatch=True,
            hint=capacity.hint if capacity else None,
        ),
    ]
    if counterpart_note:
        blocks.append(context(counterpart_note))
    blocks += _dispute_inputs(protocol, chosen, urgency, risk_contact)
    blocks += not_for(protocol)
    return _modal(OPEN, "Open a dispute", "Open dispute", blocks, ActionMeta(protocol=protocol.key))


def not_for(protocol: Protocol) -> list[Block]:
    """What the protocol does not cover and where to go instead, below the form's fields."""
    if not protocol.not_for:
        return []
    lines = [f"• {escape(e.what)}: {escape(e.where_instead)}" for e in protocol.not_for]
    return [context("*This protocol is not for:*\n" + "\n".join(lines))]


def _category_input(protocol: Protocol, chosen: Category | None) -> Block:
    options = [_option(c.key, c.label) for c in protocol.categories][:100]
    element: dict[str, Any] = {
        "type": "static_select",
        "action_id": CATEGORY_PICKED,
        "placeholder": _text("Choose a category"),
        "options": options,
    }
    initial = next((o for o in options if chosen and o["value"] == chosen.key), None)
    if initial:
        element["initial_option"] = initial
    return _input("category", "What is the disagreement about?", element, dispatch=True)


def _ask_input(ask: Ask) -> Block:
    """One detail the chosen category asks for; every one is required."""
    if ask.kind == "past_date":
        element = _plain("dd/mm/yyyy", max_length=100)
    else:
        element = _plain(ask.label, multiline=ask.kind == "long_text")
    return _input(ask.field, ask.label, element, hint=ask.hint)


def _urgency_input(protocol: Protocol, urgency: str | None, contact: str | None) -> list[Block]:
    """The urgency buttons, redrawn on each choice; immediate risk brings its warning below."""
    urgencies = [_option(u.key, u.label) for u in protocol.urgencies]
    initial = next((o for o in urgencies if o["value"] == urgency), urgencies[0])
    element = {
        "type": "radio_buttons",
        "action_id": URGENCY_PICKED,
        "options": urgencies,
        "initial_option": initial,
    }
    blocks = [_input("urgency", "Urgency", element, dispatch=True)]
    if at_immediate_risk(protocol, initial["value"]):
        blocks.append(immediate_risk_warning(contact))
    return blocks


def _dispute_inputs(
    protocol: Protocol, chosen: Category | None, urgency: str | None, contact: str | None
) -> list[Block]:
    """What the dispute is about, for whom, how urgent, and where it starts."""
    starts = [
        _option(s.key, f"{n}. {s.title}") for n, s in enumerate(protocol.stages[:-1], start=1)
    ]
    return [
        _category_input(protocol, chosen),
        *[_ask_input(ask) for ask in (chosen.asks if chosen else [])],
        _input(
            "child_ref",
            "Child reference",
            _plain("e.g. CS-104233", max_length=32),
            hint="The case number only. Never type a child's name, date of birth or address.",
        ),
        _input(
            "summary",
            "Summary of the disagreement",
            _plain("What was decided, and why you disagree", multiline=True),
        ),
        *_urgency_input(protocol, urgency, contact),
        _input(
            "stated_timescale",
            "Timescale that protects the child",
            _plain("e.g. by Friday 5pm, or 2 working days", max_length=100),
            optional=True,
            hint=stated_timescale_hint(protocol.stage(0).stated_timescale),
        ),
        _input(
            "start_stage",
            "Start at a later stage (immediate risk only)",
            {"type": "static_select", "placeholder": _text("First stage"), "options": starts},
            optional=True,
        ),
    ]


def log_modal(reference: str, prompts: Sequence[DiscussionPrompt] = ()) -> View:
    """The discussion form; the protocol's questions that help, when it offers them."""
    blocks = [section(f"Record a discussion on *{reference}* as it happened.")]
    if prompts:
        blocks.append(context("*Questions that help:*\n" + procedures.prompt_lines(prompts)))
    blocks += [
        _input(
            "occurred",
            "When did it happen?",
            _plain("e.g. today 10:30, or 24/11/2026 14:00", max_length=100),
        ),
        _input("participants", "Who took part?", _plain("Names and agencies", max_length=1000)),
        _input("discussion", "What was said?", _plain("The discussion", multiline=True)),
        _input(
            "agreed",
            "What was agreed?",
            _plain("Agreed actions, or nothing agreed", multiline=True),
            optional=True,
        ),
    ]
    return _modal(LOG, "Log a discussion", "Save record", blocks, ActionMeta.for_dispute(reference))


def correction_modal(reference: str, entry_id: int, current: DiscussionVersion) -> View:
    """The record as it stands, to change where it is wrong; the original is kept."""
    blocks = [
        section(
            f"Correct the discussion record on *{reference}* where it is wrong. The version "
            "you were sent is kept; yours is added, and the other side is asked to approve it."
        ),
        _input(
            "participants",
            "Who took part?",
            _plain("Names and agencies", max_length=1000, initial=current.participants),
        ),
        _input(
            "discussion",
            "What was said?",
            _plain("The discussion", multiline=True, initial=current.discussion),
        ),
        _input(
            "agreed",
            "What was agreed?",
            _plain("Agreed actions, or nothing agreed", multiline=True, initial=current.agreed),
            optional=True,
        ),
    ]
    return _modal(
        CORRECT,
        "Propose a correction",
        "Send correction",
        blocks,
        ActionMeta.for_dispute(reference, entry_id),
    )


def stated_timescale_hint(rule: StatedTimescale) -> str:
    """What a stated timescale does at this stage, as the protocol says."""
    if rule == "replaces":
        return "The protocol leaves the timeframe to you: it replaces the stage's default."
    return "If shorter than the protocol's, the shorter one applies."


def escalate_modal(
    reference: str,
    *,
    transition: int,
    next_title: str,
    reason: str | None = None,
    by_referral: bool = False,
    stated: StatedTimescale = "shortens",
) -> View:
    verb = "Refer" if by_referral else "Escalate"
    blocks = [
        section(
            f"{verb} *{reference}* to *{next_title}*. Both agencies' people at that tier are "
            "told and asked to act."
        ),
        _input(
            "reason",
            "Why escalate now?",
            _plain("What is still not agreed", multiline=True, initial=reason),
        ),
        _input(
            "stated_timescale",
            "Timescale that protects the child",
            _plain("e.g. 2 working days, or by Friday 5pm", max_length=100),
            optional=True,
            hint=stated_timescale_hint(stated),
        ),
    ]
    # Bound to the stage it was opened at: submitted after the dispute moved on, it is refused.
    meta = ActionMeta.for_dispute(reference, transition=transition)
    return _modal(ESCALATE, f"{verb} {reference}"[:24], verb, blocks, meta)


def reflective_modal(reference: str, source: str) -> View:
    blocks = [
        section(
            f"Ask for a reflective practice meeting on *{reference}*. Both sides and the people "
            "acting at this stage are told; the stage's timescale keeps running."
        ),
        _input(
            "topic",
            "What do you want to reflect on?",
            _plain(
                "The practice question, never the child's name", multiline=True, max_length=1000
            ),
        ),
        context(source),
    ]
    return _modal(
        REFLECT, "Reflective meeting", "Ask for meeting", blocks, ActionMeta.for_dispute(reference)
    )


OUTCOMES = [
    ("resolved", "Resolved"),
    ("partially_resolved", "Partially resolved"),
    ("not_resolved", "Not resolved"),
]


def _record_input(record_field: RecordField) -> Block:
    """A record field the protocol asks for at resolution: optional, since the record shows
    one left blank as not given."""
    element = _plain("Never the child's name", multiline=True, max_length=3000)
    return _input(
        record_field.field, record_field.label, element, optional=True, hint=record_field.hint
    )


def resolve_modal(reference: str, record_fields: Sequence[RecordField] = ()) -> View:
    options = [_option(value, label) for value, label in OUTCOMES]
    blocks = [
        section(f"Close *{reference}* and record its outcome for the child's file."),
        _input(
            "outcome",
            "Outcome",
            {"type": "radio_buttons", "options": options, "initial_option": options[0]},
        ),
        _input("summary", "What was decided?", _plain("The outcome", multiline=True)),
        _input(
            "actions",
            "Actions: one a line",
            _plain("description; owner; due date (dd/mm/yyyy)", multiline=True),
            optional=True,
            hint="e.g. Convene strategy discussion; Sam Patel; 27/11/2026",
        ),
        _input(
            "learning",
            "Learning identified",
            _plain("For the partnership's review", multiline=True),
            optional=True,
        ),
        _input(
            "refer",
            "Partnership",
            {
                "type": "checkboxes",
                "options": [_option("yes", "Refer to the partnership for learning")],
            },
            optional=True,
        ),
        *(_record_input(f) for f in record_fields),
    ]
    return _modal(
        RESOLVE, "Close a dispute", "Close dispute", blocks, ActionMeta.for_dispute(reference)
    )
