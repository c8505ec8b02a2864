"""Messages a dispute has moved past: what happened since, in the message itself, with its
buttons taken away; and the answer a press on one still shown somewhere gets."""

from __future__ import annotations

from bot.messages.blocks import Block, context, escape, section
from bot.messages.disputes import Message, message, numbered_stage
from bot.messages.duties import CHECKLIST_INTRO, parse_block_id
from bot.working_days import WorkingCalendar
from models.dispute import Dispute, Outcome, Resolution, StageTransition, Trigger


def moved_on(dispute: Dispute, transition: StageTransition, calendar: WorkingCalendar) -> str:
    """'Moved on to Stage 3 of 5: Senior managers on … — see the latest notice.'"""
    stage = numbered_stage(dispute.protocol_snapshot, transition.to_stage)
    when = calendar.describe(transition.created_at)
    if transition.trigger == Trigger.REOPENED:
        by = f" by {escape(transition.actor.name)}" if transition.actor else ""
        return f"Reopened on {when}{by}, at {stage} — see the latest notice."
    return f"Moved on to {stage} on {when} — see the latest notice."


def closed(resolution: Resolution, calendar: WorkingCalendar) -> str:
    """'Resolved on … by Amy Clarke.', or how else it closed."""
    outcome = Outcome(resolution.outcome)
    when = calendar.describe(resolution.resolved_at)
    by = escape(resolution.resolved_by.name)
    if outcome is Outcome.RESOLVED:
        return f"Resolved on {when} by {by}. Nothing more is needed here."
    return f"Closed on {when} by {by} ({outcome.label.lower()}). Nothing more is needed here."


def _without_buttons(block: Block) -> Block:
    return {key: value for key, value in block.items() if key != "accessory"}


def _is_checklist(block: Block) -> bool:
    block_id = block.get("block_id")
    return block_id == CHECKLIST_INTRO or parse_block_id(block_id) is not None


def retired(payload: Message, banner: str, reference: str) -> Message:
    """The message as it last stood, opening with `banner` and with every button gone. A duty
    checklist gives way to a pointer to the status reply, which keeps who ticked what."""
    blocks = payload.get("blocks", [])
    kept = [
        _without_buttons(b) for b in blocks if b.get("type") != "actions" and not _is_checklist(b)
    ]
    at = 1 if kept and kept[0].get("type") == "header" else 0
    kept.insert(at, section(f":information_source: *{banner}*"))
    if any(_is_checklist(b) for b in blocks):
        kept.append(context(f"The duties, and who ticked them: `/dispute status {reference}`."))
    return message(f"{reference}: {banner}", kept)


def stale_press(dispute: Dispute, *, form: bool = False) -> str:
    """A button pressed on a message, or a form submitted, after the dispute moved past the
    stage it was drawn for: nothing is done."""
    ref = dispute.reference
    what, since, applies, then = (
        ("This form", "you opened it", "it no longer applies", "Close it, and use")
        if form
        else ("That message", "it was sent", "its buttons no longer apply", "Use")
    )
    if not dispute.is_open:
        return (
            f"{what} is out of date: {ref} has closed since {since}, so {applies}. Nothing has "
            f"changed. `/dispute status {ref}` shows how it ended."
        )
    stage = numbered_stage(dispute.protocol_snapshot, dispute.stage_index)
    return (
        f"{what} is out of date: {ref} has moved on to {stage} since {since}, so {applies}. "
        f"Nothing has changed. {then} the latest notice, or `/dispute status {ref}`."
    )
