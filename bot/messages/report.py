"""The partnership report drawn as Markdown (the summary) and CSV (one row per dispute)."""

from __future__ import annotations

import csv
import io
from collections.abc import Iterable

from bot.messages.blocks import Block, section
from bot.services.csv_cells import neutralise
from bot.services.report import DisputeLine, ReportFigures, Spread

CSV_COLUMNS = list(DisputeLine._fields)
SECTION_LIMIT = 2900  # Slack refuses a section's text over 3,000 characters


def _number(value: float | None, unit: str) -> str:
    return "none yet" if value is None else f"{value:g} {unit}"


def _spread(spread: Spread, unit: str, counted: str) -> str:
    """'median 5.5 working days, 90th percentile 9 working days, over 8 resolved disputes'."""
    return (
        f"median {_number(spread.median, unit)}, 90th percentile {_number(spread.p90, unit)}, "
        f"over {spread.count} {counted}"
    )


def _table(header: tuple[str, ...], rows: Iterable[tuple[object, ...]]) -> list[str]:
    lines = ["| " + " | ".join(header) + " |", "|" + "---|" * len(header)]
    lines += ["| " + " | ".join(str(cell) for cell in row) + " |" for row in rows]
    return lines


def report_title(figures: ReportFigures) -> str:
    first, last = figures.first_day, figures.last_day
    return f"Professional differences report, {first:%-d %B %Y} to {last:%-d %B %Y}"


def report_markdown(figures: ReportFigures) -> str:
    """The summary the leads read: counts, spreads and compliance, no child data."""
    f = figures
    lapse_moves, lapse_disputes = f.lapse_escalations
    hand_moves, hand_disputes = f.hand_escalations
    out = [
        f"# {report_title(f)}",
        "",
        f"Disputes opened in the period, as they stood at its end: **{f.total}**.",
        "",
        "## Nature (categories)",
        *_table(("category", "disputes"), f.categories),
        "",
        f"## Agency pairs (raiser, counterpart): {f.pair_count} pairs, the commonest shown",
        *_table(("raiser agency", "counterpart agency", "disputes"), f.pairs),
        "",
        "## Stage reached",
        *_table(("stage", "disputes"), f.stages),
        "",
        "## How each was resolved",
        *_table(("outcome", "disputes"), f.outcomes),
        "",
        "## Time to resolution",
        "Working days from opening to resolution: "
        f"{_spread(f.to_resolution, 'working days', 'resolved disputes')}.",
        "",
        "## Timescale compliance per stage",
        *_table(
            ("stage", "entered", "with a timescale", "left in time", "overran"),
            ((c.label, c.entered, c.timed, c.in_time, c.overran) for c in f.compliance),
        ),
        "",
        "## Acknowledgements",
        f"Working hours from a stage's start to its acknowledgement: "
        f"{_spread(f.acknowledgement, 'working hours', 'acknowledgements')}; "
        f"{f.unacknowledged} notices not acknowledged by the period's end.",
        "",
        "## Escalations",
        f"- By lapse of a timescale: {lapse_moves} (in {lapse_disputes} disputes)",
        f"- By hand: {hand_moves} (in {hand_disputes} disputes)",
        "",
        "## Learning themes",
        *_table(("category", "learning recorded", "referred to the partnership"), f.learning),
        "",
    ]
    return "\n".join(out)


def report_csv(lines: Iterable[DisputeLine]) -> str:
    """One row per dispute, columns as CSV_COLUMNS; text cells made safe for spreadsheets."""
    buffer = io.StringIO()
    writer = csv.writer(buffer)
    writer.writerow(CSV_COLUMNS)
    for line in lines:
        writer.writerow(["" if v is None else neutralise(v) for v in line])
    return buffer.getvalue()


def summary_blocks(summary: str) -> list[Block]:
    """The Markdown summary in sections Slack accepts, split between lines."""
    chunks, current = [], ""
    for line in summary.splitlines():
        if current and len(current) + len(line) + 1 > SECTION_LIMIT:
            chunks.append(current)
            current = ""
        current += line[:SECTION_LIMIT] + "\n"
    return [section(chunk) for chunk in [*chunks, current] if chunk.strip()]
