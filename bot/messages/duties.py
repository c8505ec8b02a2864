"""Duties as people see them: a checklist to tick in a notice, lines in the status reply, and
the reminders for duties with their own timescale."""

from __future__ import annotations

import re
from datetime import datetime

from bot.messages.blocks import Block, context, escape, section
from bot.messages.dates import when
from bot.messages.disputes import Message, acting_section, message, next_step, stage_label
from bot.services.duty_list import BoundDuty, Ticks, side_label
from bot.working_days import WorkingCalendar
from models.directory import Person
from models.dispute import Dispute

DUTY_TICK = "duty_tick"
CHECKLIST_INTRO = "duties"  # the block id of a checklist's heading
MAX_LISTED = 20  # a message holds 50 blocks; a stage never lists nearly this many duties
_DONE_OPTION = {"text": {"type": "plain_text", "text": "Done"}, "value": "done"}
_BLOCK_ID = re.compile(
    r"^duty\|(?P<reference>[^|\s]{1,40})\|(?P<key>[a-z0-9*][a-z0-9-]*\.[0-9a-f]{12})$"
)


def block_id(dispute: Dispute, item: BoundDuty) -> str:
    return f"duty|{dispute.reference}|{item.key}"


def parse_block_id(raw: object) -> tuple[str, str] | None:
    """(reference, duty key) from a checklist block the bot drew; None for anything else."""
    match = _BLOCK_ID.match(raw) if isinstance(raw, str) else None
    return (match["reference"], match["key"]) if match else None


def _due(item: BoundDuty, calendar: WorkingCalendar) -> str:
    return f" _Due by_ {when(calendar, item.due_at)}." if item.due_at else ""


def duty_block(
    dispute: Dispute, item: BoundDuty, side: str, done: Ticks, calendar: WorkingCalendar
) -> Block:
    """One duty with a box to tick; once ticked, who ticked it and when."""
    text = escape(item.duty.text) + _due(item, calendar)
    tick = done.get((item.key, side))
    if tick is not None:
        text += f"\n:white_check_mark: Done: ticked by {escape(tick.done_by.name)} on "
        text += when(calendar, tick.done_at)
    accessory: Block = {"type": "checkboxes", "action_id": DUTY_TICK, "options": [_DONE_OPTION]}
    if tick is not None:
        accessory["initial_options"] = [_DONE_OPTION]
    block = section(text, block_id=block_id(dispute, item))
    block["accessory"] = accessory
    return block


def checklist(
    dispute: Dispute,
    items: list[BoundDuty],
    side: str | None,
    done: Ticks,
    calendar: WorkingCalendar,
) -> list[Block]:
    """The duties binding `side`, as a checklist; nothing for a person bound by none."""
    mine = [item for item in items if side is not None and side in item.sides][:MAX_LISTED]
    if side is None or not mine:
        return []
    intro = context(
        f"*What the protocol asks of {escape(side_label(dispute, side))}:* tick each duty when "
        "it is done; who ticked it and when goes on the record. Untick one ticked by mistake."
    )
    intro["block_id"] = CHECKLIST_INTRO
    return [intro, *(duty_block(dispute, item, side, done, calendar) for item in mine)]


def status_lines(
    dispute: Dispute,
    items: list[BoundDuty],
    done: Ticks,
    calendar: WorkingCalendar,
    now: datetime | None,
) -> list[str]:
    """Each duty for each side it binds: done (by whom, when) or outstanding (and by when).

    `now` is None for a closed dispute: nothing of it falls overdue any more."""
    if not items:
        return []
    lines = ["*Duties*"]
    for item in items:
        for side in item.sides:
            lines.append(f"• {_side_line(dispute, item, side, done, calendar, now)}")
    return lines


def _side_line(
    dispute: Dispute,
    item: BoundDuty,
    side: str,
    done: Ticks,
    calendar: WorkingCalendar,
    now: datetime | None,
) -> str:
    who = escape(side_label(dispute, side))
    text = escape(item.duty.text)
    tick = done.get((item.key, side))
    if tick is not None:
        return (
            f":white_check_mark: {who}: {text} Done by {escape(tick.done_by.name)} on "
            f"{when(calendar, tick.done_at)}."
        )
    if item.due_at is None:
        return f":white_square: {who}: {text} Outstanding."
    if now is not None and item.due_at <= now:
        return f":warning: {who}: {text} Overdue since {when(calendar, item.due_at)}."
    return f":white_square: {who}: {text} Outstanding, due by {when(calendar, item.due_at)}."


def duty_due_soon(
    dispute: Dispute,
    item: BoundDuty,
    side: str,
    done: Ticks,
    calendar: WorkingCalendar,
    reader: Person | None = None,
) -> Message:
    """To `reader`, one of the people a duty binds, before it falls due; they can tick it
    here."""
    assert item.due_at is not None
    protocol = dispute.protocol_snapshot
    where = "the whole dispute" if item.whole_protocol else stage_label(dispute, protocol)
    text = (
        f":alarm_clock: Reminder: a duty on *{dispute.reference}* ({where}) for "
        f"{escape(side_label(dispute, side))} is due by {when(calendar, item.due_at)} and "
        "is not ticked as done yet. Tick it below once it is done."
    )
    return message(
        f"Reminder: a duty on {dispute.reference} is due by {calendar.describe(item.due_at)}.",
        [
            section(text),
            duty_block(dispute, item, side, done, calendar),
            acting_section(dispute, reader),
        ],
    )


def duty_overdue(
    dispute: Dispute,
    item: BoundDuty,
    sides: list[str],
    calendar: WorkingCalendar,
    reader: Person | None = None,
) -> Message:
    """To the people bound and the safeguarding leads, once a duty's own timescale has passed;
    `reader` is the person it is written to, None for the leads' channel."""
    assert item.due_at is not None
    protocol = dispute.protocol_snapshot
    who = " and ".join(escape(side_label(dispute, s)) for s in sides)
    text = (
        f":warning: *{dispute.reference}* ({stage_label(dispute, protocol)}): a duty was due by "
        f"{when(calendar, item.due_at)} and {who} have not ticked it as done:\n"
        f">{escape(item.duty.text)}"
    )
    return message(
        f"{dispute.reference}: a duty is overdue.",
        [
            section(text),
            acting_section(dispute, reader),
            section(next_step(dispute, protocol, calendar)),
        ],
    )
