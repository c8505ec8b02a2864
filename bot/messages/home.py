"""The App Home tab and the `/dispute list` reply: what is waiting for one person, at a glance.

Neither carries the child reference or the summary: the Home tab is not the dispute's private
conversation, and a list reply can be read over someone's shoulder. Every list is capped so a
busy manager's page stays inside Slack's block and text limits.
"""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any

from bot.messages.blocks import (
    SECTION_LIMIT,
    Block,
    button,
    clip,
    context,
    divider,
    escape,
    header,
    section,
)
from bot.messages.dates import when
from bot.messages.disputes import (
    ACKNOWLEDGE,
    Message,
    message,
    parties,
    stage_label,
)
from bot.working_days import WorkingCalendar
from models.dispute import Dispute, StageNotice
from models.my_disputes import MyDisputes, protocols_of, total_of
from models.protocol import Protocol

UPCOMING_WINDOW = timedelta(days=14)
HOME_ITEMS = 15
LIST_ITEMS = 50
LABEL_LIMIT = 120
PARTIES_LIMIT = 400
NOTHING_WAITING = "Nothing is waiting for you."
NO_OPEN = "You have no open disputes."


class _Labels:
    """The short labels a page repeats for each dispute.

    Protocols come from what the page's queries decoded; a dispute they did not cover reads
    its own snapshot.
    """

    def __init__(self, calendar: WorkingCalendar, protocols: dict[int, Protocol]) -> None:
        self.calendar = calendar
        self.protocols = protocols

    def protocol(self, dispute: Dispute) -> Protocol:
        found = self.protocols.get(dispute.id)
        return found if found is not None else dispute.protocol_snapshot

    def stage(self, dispute: Dispute) -> str:
        label = stage_label(dispute, self.protocol(dispute))
        return escape(clip(label, LABEL_LIMIT))

    def deadline(self, dispute: Dispute) -> str:
        if dispute.deadline_at is None:
            return "no deadline"
        return f"deadline {when(self.calendar, dispute.deadline_at)}"

    def acknowledgement_due(self, notice: StageNotice) -> datetime:
        """When the protocol expects the acknowledgement, counted from the stage's start, read
        from the page's already-decoded protocols rather than each dispute's snapshot."""
        protocol = self.protocol(notice.transition.dispute)
        return self.calendar.due(notice.transition.created_at, protocol.acknowledgement)

    def line(self, dispute: Dispute) -> str:
        """'• *RPD-2026-0001* · Stage 2 of 5: First line managers · deadline ...'."""
        return f"• *{dispute.reference}* · {self.stage(dispute)} · {self.deadline(dispute)}"


def _plural(count: int, word: str) -> str:
    return f"{count:,} {word}" if count == 1 else f"{count:,} {word}s"


def _more(hidden: int) -> Block:
    return context(f"and {hidden:,} more: use `/dispute list`")


def _packed(lines: list[str], title: str | None = None) -> list[Block]:
    """The lines (under a bold title) in as few sections as the 3000-character limit allows."""
    chunks: list[str] = []
    for line in [f"*{title}*", *lines] if title else lines:
        if chunks and len(chunks[-1]) + 1 + len(line) <= SECTION_LIMIT:
            chunks[-1] += "\n" + line
        else:
            chunks.append(line)
    return [section(chunk) for chunk in chunks]


def _capped(lines: list[str], limit: int, total: int) -> tuple[list[str], int]:
    """The first `limit` lines, and how many of `total` that leaves out."""
    return lines[:limit], max(total - min(limit, len(lines)), 0)


def _awaiting_item(notice: StageNotice, labels: _Labels, now: datetime) -> Block:
    """One notice with its own Acknowledge button, so nobody has to find the original message."""
    dispute = notice.transition.dispute
    due = labels.acknowledgement_due(notice)
    shown = when(labels.calendar, due)
    ask = (
        f":warning: Acknowledgement overdue since {shown}"
        if due <= now
        else f"Acknowledge by {shown}"
    )
    block = section(
        f"*{dispute.reference}* · {labels.stage(dispute)}\n"
        f"{escape(clip(parties(dispute), PARTIES_LIMIT))}\n"
        f"{ask} · stage {labels.deadline(dispute)}",
        block_id=f"home_ack_{notice.id}",
    )
    block["accessory"] = button("Acknowledge", ACKNOWLEDGE, dispute.reference, style="primary")
    return block


def _relative(deadline: datetime, now: datetime, calendar: WorkingCalendar) -> str:
    days = (calendar.local(deadline).date() - calendar.local(now).date()).days
    if days <= 0:
        return "today"
    return "tomorrow" if days == 1 else f"in {days} days"


def _protocols(my: MyDisputes, *more: list[Dispute]) -> dict[int, Protocol]:
    return protocols_of(my.awaiting, *(group for _, group in _groups(my)), *more)


def _groups(my: MyDisputes) -> list[tuple[str, list[Dispute]]]:
    return [
        ("You raised", my.raised),
        ("You are the counterpart", my.counterpart),
        ("Escalated to you", my.involved),
    ]


def home_view(
    my: MyDisputes, upcoming: list[Dispute], *, calendar: WorkingCalendar, now: datetime
) -> dict[str, Any]:
    """The Home tab for one person: what to acknowledge, what is open, what falls due soon."""
    labels = _Labels(calendar, _protocols(my, upcoming))
    blocks: list[Block] = [
        header("Your professional differences"),
        context(
            f"Updated {when(calendar, now)}. Child references are never shown here; "
            "they stay in each dispute's private conversation."
        ),
        divider(),
        header("Awaiting your acknowledgement"),
    ]
    shown = my.awaiting[:HOME_ITEMS]
    blocks += [_awaiting_item(n, labels, now) for n in shown] or [section(NOTHING_WAITING)]
    if total_of(my.awaiting) > len(shown):
        blocks.append(_more(total_of(my.awaiting) - len(shown)))

    blocks += [divider(), header("Your open disputes")]
    if my.open_count == 0:
        blocks.append(section(NO_OPEN))
    for title, disputes in _groups(my):
        if disputes:
            lines, hidden = _capped(
                [labels.line(d) for d in disputes], HOME_ITEMS, total_of(disputes)
            )
            blocks += _packed(lines, title)
            if hidden:
                blocks.append(_more(hidden))

    blocks += [divider(), header(f"Deadlines in the next {UPCOMING_WINDOW.days} days")]
    lines, hidden = _capped(
        [
            f"• *{d.reference}* · {labels.stage(d)} · {when(calendar, d.deadline_at)} "
            f"({_relative(d.deadline_at, now, calendar)})"
            for d in upcoming
            if d.deadline_at is not None
        ],
        HOME_ITEMS,
        total_of(upcoming),
    )
    blocks += _packed(lines) or [section(f"No deadlines in the next {UPCOMING_WINDOW.days} days.")]
    if hidden:
        blocks.append(_more(hidden))
    return {"type": "home", "blocks": blocks}


def list_message(my: MyDisputes, *, calendar: WorkingCalendar) -> Message:
    """The `/dispute list` reply: the same groups as the Home tab, as lines of text."""
    labels = _Labels(calendar, _protocols(my))
    text = (
        f"You have {_plural(my.open_count, 'open dispute')}; "
        f"{total_of(my.awaiting):,} waiting for your acknowledgement."
    )
    blocks: list[Block] = [header("Your open disputes")]
    groups: list[tuple[str, list[str]]] = [
        (
            "Waiting for your acknowledgement",
            [
                f"• *{n.transition.dispute.reference}* · {labels.stage(n.transition.dispute)} · "
                f"acknowledge by {when(calendar, labels.acknowledgement_due(n))}"
                for n in my.awaiting
            ],
        ),
        *((title, [labels.line(d) for d in disputes]) for title, disputes in _groups(my)),
    ]
    totals = [total_of(my.awaiting), *(total_of(disputes) for _, disputes in _groups(my))]
    for (title, all_lines), total in zip(groups, totals, strict=True):
        if all_lines:
            lines, hidden = _capped(all_lines, LIST_ITEMS, total)
            if hidden:
                lines.append(f"…and {hidden:,} more. See the Resolve App Home tab.")
            blocks += _packed(lines, title)
    if len(blocks) == 1:
        blocks.append(section(f"{NO_OPEN} {NOTHING_WAITING}"))
    blocks.append(
        context(
            "`/dispute status REF` for the details of one dispute. Acknowledge with the button "
            "in its notice or on the Resolve Home tab."
        )
    )
    return message(text, blocks)
