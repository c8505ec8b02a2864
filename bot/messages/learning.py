"""The practice committee's queue: the notice for one resolution's learning, redrawn once a lead
or admin decides on it, and the `/dispute learning` list.

The notice carries the learning text because the queue is the partnership's own committee; it
never carries the child reference or the summary of the disagreement.
"""

from __future__ import annotations

from bot.messages.blocks import (
    SECTION_LIMIT,
    Block,
    actions,
    button,
    clip,
    context,
    escape,
    fields,
    header,
    section,
)
from bot.messages.dates import when
from bot.messages.disputes import Message, category_label, message
from bot.working_days import WorkingCalendar
from models.dispute import Outcome
from models.learning import LearningItem, LearningState
from models.my_disputes import total_of
from models.payloads import ActionMeta

REVIEWED = "learning_reviewed"
NEEDS_DISCUSSION = "learning_needs_discussion"
DECISION_BY_ACTION = {
    REVIEWED: LearningState.REVIEWED,
    NEEDS_DISCUSSION: LearningState.NEEDS_DISCUSSION,
}
LEARNING_LIMIT = 2500
LIST_ITEMS = 50


def _agencies(item: LearningItem) -> str:
    dispute = item.dispute
    return f"{dispute.raiser_agency.name} ↔ {dispute.counterpart_agency.name}"


def learning_notice(item: LearningItem, calendar: WorkingCalendar) -> Message:
    """To the committee's queue: what was resolved and learnt, with the two decisions while open
    and who decided, and when, once someone has."""
    dispute, resolution = item.dispute, item.resolution
    protocol = dispute.protocol_snapshot
    ref = dispute.reference
    learning = (
        escape(clip(resolution.learning, LEARNING_LIMIT))
        if resolution.learning
        else "_No learning was written down; the resolver referred it to the partnership._"
    )
    blocks: list[Block] = [
        header(f"{ref}: learning for the practice committee"),
        fields(
            [
                ("Protocol", escape(f"{protocol.name} ({protocol.partnership})")),
                ("Category", escape(category_label(dispute, protocol))),
                ("Agencies", escape(_agencies(item))),
                ("Outcome", Outcome(resolution.outcome).label),
                ("Resolved", when(calendar, resolution.resolved_at)),
                ("Referred to the partnership", "Yes" if resolution.refer_to_partnership else "No"),
            ]
        ),
        section(f"*Learning identified*\n{learning}"),
    ]
    if item.is_open:
        meta = ActionMeta.for_dispute(ref, item.id).encode()
        blocks += [
            context(
                "Next: a safeguarding lead or partnership admin marks it reviewed, or as needing "
                "discussion at the committee. `/dispute learning` lists what is still open."
            ),
            actions(
                button("Reviewed", REVIEWED, meta, style="primary"),
                button("Needs discussion", NEEDS_DISCUSSION, meta),
                block_id=f"learning:{item.id}",
            ),
        ]
        return message(f"{ref}: learning for the practice committee to review.", blocks)
    decision = decided_line(item, calendar)
    blocks.append(context(f":white_check_mark: {escape(decision)}. Nothing further is due here."))
    return message(f"{ref}: {decision}.", blocks)


def decided_line(item: LearningItem, calendar: WorkingCalendar) -> str:
    """'Learning reviewed by Joe Park on Monday 30 November 2026 at 10:00am (GMT)'."""
    assert item.decided_by is not None and item.decided_at is not None
    what = LearningState(item.state).decided
    return f"Learning {what} by {item.decided_by.name} on {calendar.describe(item.decided_at)}"


def decided_reply(item: LearningItem, calendar: WorkingCalendar) -> str:
    return f"Recorded for {item.dispute.reference}: {decided_line(item, calendar)}."


def _line(item: LearningItem, calendar: WorkingCalendar) -> str:
    """'• *RPD-2026-0001* · Threshold · Police ↔ Social Care · Resolved · resolved ...'."""
    category = category_label(item.dispute, item.dispute.protocol_snapshot)
    resolution = item.resolution
    resolved = when(calendar, resolution.resolved_at)
    return (
        f"• *{item.dispute.reference}* · {escape(category)} · {escape(_agencies(item))} · "
        f"{Outcome(resolution.outcome).label} · resolved {resolved}"
    )


def learning_list(items: list[LearningItem], calendar: WorkingCalendar) -> Message:
    """The `/dispute learning` reply: open items, oldest first, capped, with the total."""
    total = total_of(items)
    text = f"{total:,} learning item{'' if total == 1 else 's'} waiting for review."
    if not items:
        nothing = "No learning is waiting for review. New items arrive as disputes close."
        return message(text, [section(nothing)])
    lines = [_line(i, calendar) for i in items[:LIST_ITEMS]]
    hidden = total - len(lines)
    if hidden > 0:
        lines.append(f"…and {hidden:,} more, oldest first; decide on these to see the rest.")
    chunks: list[str] = []
    for line in lines:
        if chunks and len(chunks[-1]) + 1 + len(line) <= SECTION_LIMIT:
            chunks[-1] += "\n" + line
        else:
            chunks.append(line)
    return message(
        text,
        [
            header("Learning waiting for review"),
            *(section(c) for c in chunks),
            context(
                "Mark each one Reviewed or Needs discussion with the buttons on its notice in "
                "the practice committee's queue."
            ),
        ],
    )
