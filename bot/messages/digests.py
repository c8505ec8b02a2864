"""The safeguarding leads' digest: dispute references and agencies only, inside Slack's limits.

A leads' channel is wider than a dispute's own conversation, so the digest never carries a child
reference, a summary or anyone's name: it says which disputes need attention and which agencies
they sit between, and leaves the detail to the dispute's conversation and record.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from bot.messages.blocks import (
    SECTION_LIMIT,
    Block,
    context,
    divider,
    escape,
    fields,
    header,
    section,
)
from bot.messages.dates import when
from bot.messages.disputes import Message, message
from bot.working_days import WorkingCalendar, long_date

LIST_LIMIT = 12  # disputes shown per list; the rest are counted
COUNT_LIMIT = 10  # rows shown per tally
MORE_ROOM = 40  # characters kept free for the "and N more" line
FIELD_LIMIT = 2000


@dataclass(frozen=True)
class Line:
    """One dispute in a list: its reference, the agencies it sits between, and what to say."""

    reference: str
    agencies: tuple[str, ...]
    note: str


@dataclass(frozen=True)
class Listing:
    """The first lines of a list, and how many disputes the whole list holds."""

    lines: list[Line]
    total: int


@dataclass(frozen=True)
class Digest:
    """What one digest period holds, every figure as at `fires_at`; lists are in the order
    they should be read."""

    weekly: bool
    fires_at: datetime
    since: datetime
    open_count: int
    new: Listing
    escalated: Listing
    awaiting: Listing
    overdue: Listing
    resolved: Listing
    acknowledgements: int
    discussions: int
    themes: list[tuple[str, int]]
    agencies: list[tuple[str, int]]
    stages: list[tuple[str, int]]

    @property
    def quiet(self) -> bool:
        """Nothing changed in the period: nothing new, escalated, resolved, acknowledged or
        discussed."""
        changes = (self.new, self.escalated, self.resolved)
        return not any(x.total for x in changes) and not self.acknowledgements + self.discussions


def plural(count: int, noun: str) -> str:
    return f"{count:,} {noun if count == 1 else noun + 's'}"


def _day(instant: datetime, calendar: WorkingCalendar) -> str:
    return long_date(calendar.local(instant).date())


def title(digest: Digest, calendar: WorkingCalendar) -> str:
    """Named as people name the period: the day a daily digest is for, or the Monday of the
    week a weekly one looks back over."""
    if digest.weekly:
        start = calendar.local(digest.since).date()
        monday = start - timedelta(days=start.weekday())
        return f"Weekly digest: week commencing {monday.day} {monday:%B %Y}"
    return f"Daily digest for {_day(digest.fires_at, calendar)}"


def as_at(digest: Digest, calendar: WorkingCalendar) -> str:
    return f"Figures as at {when(calendar, digest.fires_at)}"


def _line(line: Line) -> str:
    agencies = " ↔ ".join(escape(a) for a in line.agencies)
    return f"• *{line.reference}* · {agencies} · {escape(line.note)}"


def capped(rows: list[str], limit: int, room: int, total: int | None = None) -> str:
    """As many rows as fit in `limit` rows and `room` characters, then how many were left out
    of `total` (the number of rows, unless they are already the first of a longer list)."""
    total = len(rows) if total is None else total
    shown: list[str] = []
    used = 0
    for row in rows[:limit]:
        if used + len(row) + 1 > room - MORE_ROOM:
            break
        shown.append(row)
        used += len(row) + 1
    if len(shown) < total:
        shown.append(f"_…and {total - len(shown):,} more_")
    return "\n".join(shown)


def _listing(heading: str, listing: Listing, block_id: str) -> Block:
    if not listing.total:
        return section(f"*{heading}*: none", block_id=block_id)
    top = f"*{heading}* ({listing.total:,})"
    lines = [_line(x) for x in listing.lines]
    rows = capped(lines, LIST_LIMIT, SECTION_LIMIT - len(top) - 1, listing.total)
    return section(f"{top}\n{rows}", block_id=block_id)


def _tally(label: str, pairs: list[tuple[str, int]]) -> tuple[str, str]:
    """A label and its counts for a fields block, whose texts Slack caps at 2000 characters."""
    rows = [f"{escape(name)}: {count}" for name, count in pairs]
    return label, capped(rows, COUNT_LIMIT, FIELD_LIMIT - len(label) - 3) if rows else "none"


def totals(digest: Digest) -> str:
    """The counts in one sentence, for the notification and the top of the message."""
    return (
        f"{digest.new.total:,} new, {digest.escalated.total:,} escalated, "
        f"{digest.resolved.total:,} resolved, "
        f"{digest.awaiting.total:,} awaiting acknowledgement, {digest.overdue.total:,} overdue"
    )


def digest_message(digest: Digest, calendar: WorkingCalendar) -> Message:
    heading = title(digest, calendar)
    activity = (
        f"{as_at(digest, calendar)}. "
        f"Since {when(calendar, digest.since)}: *{totals(digest)}*. "
        f"{plural(digest.acknowledgements, 'acknowledgement')} and "
        f"{plural(digest.discussions, 'discussion')} logged. "
        f"{plural(digest.open_count, 'dispute')} open."
    )
    blocks = [
        header(heading),
        section(activity, block_id="digest-summary"),
        divider(),
        _listing("New", digest.new, "digest-new"),
        _listing("Escalated", digest.escalated, "digest-escalated"),
        _listing("Awaiting acknowledgement", digest.awaiting, "digest-awaiting"),
        _listing("Overdue", digest.overdue, "digest-overdue"),
        _listing("Resolved", digest.resolved, "digest-resolved"),
        divider(),
        fields(
            [
                _tally("Themes", digest.themes),
                _tally("Agencies involved", digest.agencies),
                _tally("Stage reached", digest.stages),
            ]
        ),
    ]
    notes = [
        "Open disputes and those active in the period. References and agencies only: the "
        "child's details stay in each dispute's own conversation and record."
    ]
    if digest.weekly:
        notes.append("The chart below shows open disputes by stage and new disputes by theme.")
    blocks.append(context(*notes))
    return message(f"{heading}: {totals(digest)}.", blocks)


def chart_comment(digest: Digest, calendar: WorkingCalendar) -> str:
    return (
        f"{title(digest, calendar)}: open disputes by stage, and new disputes each week by theme."
    )


def quiet_line(digest: Digest, calendar: WorkingCalendar) -> str:
    """'Tuesday 24 November 2026: no change; 3 disputes open, none overdue.'"""
    overdue = f"{digest.overdue.total:,} overdue" if digest.overdue.total else "none overdue"
    return (
        f"{_day(digest.fires_at, calendar)}: no change; "
        f"{plural(digest.open_count, 'dispute') if digest.open_count else 'no disputes'} open, "
        f"{overdue}."
    )


def quiet_message(digest: Digest, calendar: WorkingCalendar) -> Message:
    """A day with no change, in one line; the cut-off is the digest time, as every day."""
    line = quiet_line(digest, calendar)
    return message(line, [section(line, block_id="digest-quiet")])
