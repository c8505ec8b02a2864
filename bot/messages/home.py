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
    actions,
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
from bot.messages.list_paging import (
    GROUP_TITLES,
    LIST_ALL,
    LIST_NEXT,
    LIST_PREVIOUS,
    Group,
    ListPage,
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


class Labels:
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

    def awaiting_line(self, notice: StageNotice) -> str:
        """'• *RPD-2026-0001* · Stage 1 of 5: Practitioners · acknowledge by ...'."""
        dispute = notice.transition.dispute
        due = when(self.calendar, self.acknowledgement_due(notice))
        return f"• *{dispute.reference}* · {self.stage(dispute)} · acknowledge by {due}"


def _plural(count: int, word: str) -> str:
    return f"{count:,} {word}" if count == 1 else f"{count:,} {word}s"


def _more(hidden: int) -> Block:
    return context(f"and {hidden:,} more: use `/dispute list`")


def packed(lines: list[str], title: str | None = None) -> list[Block]:
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


def _awaiting_item(notice: StageNotice, labels: Labels, now: datetime) -> Block:
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
        (GROUP_TITLES["raised"], my.raised),
        (GROUP_TITLES["counterpart"], my.counterpart),
        (GROUP_TITLES["involved"], my.involved),
    ]


def home_view(
    my: MyDisputes, upcoming: list[Dispute], *, calendar: WorkingCalendar, now: datetime
) -> dict[str, Any]:
    """The Home tab for one person: what to acknowledge, what is open, what falls due soon."""
    labels = Labels(calendar, _protocols(my, upcoming))
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
            blocks += packed(lines, title)
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
    blocks += packed(lines) or [section(f"No deadlines in the next {UPCOMING_WINDOW.days} days.")]
    if hidden:
        blocks.append(_more(hidden))
    return {"type": "home", "blocks": blocks}


def list_message(my: MyDisputes, *, calendar: WorkingCalendar) -> Message:
    """The `/dispute list` reply: the same groups as the Home tab, as lines of text; a group
    longer than the reply shows ends with a button to page through the rest."""
    labels = Labels(calendar, _protocols(my))
    text = (
        f"You have {_plural(my.open_count, 'open dispute')}; "
        f"{total_of(my.awaiting):,} waiting for your acknowledgement."
    )
    blocks: list[Block] = [header("Your open disputes")]
    groups: list[tuple[Group, list[str], int]] = [
        ("awaiting", [labels.awaiting_line(n) for n in my.awaiting], total_of(my.awaiting)),
        ("raised", [labels.line(d) for d in my.raised], total_of(my.raised)),
        ("counterpart", [labels.line(d) for d in my.counterpart], total_of(my.counterpart)),
        ("involved", [labels.line(d) for d in my.involved], total_of(my.involved)),
    ]
    for group, all_lines, total in groups:
        if all_lines:
            lines, hidden = _capped(all_lines, LIST_ITEMS, total)
            blocks += packed(lines, GROUP_TITLES[group])
            if hidden:
                more = section(f"…and {hidden:,} more.")
                more["accessory"] = _next_button(group, 2, hidden)
                blocks.append(more)
    if len(blocks) == 1:
        blocks.append(section(f"{NO_OPEN} {NOTHING_WAITING}"))
    blocks.append(
        context(
            "`/dispute status REF` for the details of one dispute. Acknowledge with the button "
            "in its notice or on the Resolve Home tab."
        )
    )
    return message(text, blocks)


def _next_button(group: Group, page: int, left: int) -> dict[str, Any]:
    """'Next 50' (or fewer, on the last page) to page `page` of the group."""
    value = ListPage(group=group, page=page).encode()
    return button(f"Next {min(left, LIST_ITEMS):,}", LIST_NEXT, value)


def group_page(group: Group, rows: list[Any], page: int, *, calendar: WorkingCalendar) -> Message:
    """One page of one `/dispute list` group, with buttons to the pages either side and back
    to the whole list. `rows` are that page's notices (awaiting) or disputes, counted whole."""
    labels = Labels(calendar, protocols_of(rows))
    title, total = GROUP_TITLES[group], total_of(rows)
    first, last = (page - 1) * LIST_ITEMS + 1, (page - 1) * LIST_ITEMS + len(rows)
    if rows:
        text = f"{title}: {first:,}–{last:,} of {total:,}, soonest deadline first."
        line = labels.awaiting_line if group == "awaiting" else labels.line
        blocks = [header(title), context(text), *packed([line(r) for r in rows])]
    else:  # the disputes that filled this page have closed or moved since
        text = f"{title}: nothing on this page any more."
        blocks = [header(title), section(f"{text} The whole list shows what is open now.")]
    buttons = []
    if page > 1:
        back = ListPage(group=group, page=page - 1).encode()
        buttons.append(button(f"Previous {LIST_ITEMS}", LIST_PREVIOUS, back))
    if rows and last < total:
        buttons.append(_next_button(group, page + 1, total - last))
    buttons.append(button("Back to the whole list", LIST_ALL, "all"))
    return message(text, [*blocks, actions(*buttons)])
