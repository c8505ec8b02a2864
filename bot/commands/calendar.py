"""`resolve calendar due`: when a timescale starting at a given time ends."""

from __future__ import annotations

import click

from bot.commands.common import Context, fail, pass_context
from bot.parsing import WhenError, parse_when
from bot.settings import Region
from bot.working_days import WorkingCalendar
from models.timescale import TimescaleError, parse_timescale


@click.group("calendar")
def calendar_group() -> None:
    """Working-day arithmetic."""


@calendar_group.command("due")
@click.option("--from", "start", required=True, help='When it starts, e.g. "23/12/2026 10:00".')
@click.option("--timescale", required=True, help='e.g. "5 working days", "24 hours", "PT4H".')
@click.option(
    "--region",
    type=click.Choice([r.value for r in Region]),
    help="Bank-holiday calendar (default: RESOLVE_REGION).",
)
@pass_context
def due_command(ctx: Context, start: str, timescale: str, region: str | None) -> None:
    """Print the deadline: ISO-8601 with its UTC offset, then a friendly form."""
    settings = ctx.settings
    calendar = WorkingCalendar(
        zone=settings.zone, region=Region(region or settings.region), hours=settings.hours
    )
    try:
        span = parse_timescale(timescale)
    except TimescaleError as exc:
        fail(str(exc), code=2)
    try:
        began = parse_when(start, now=ctx.clock.now(), zone=settings.zone, prefer="future")
    except WhenError as exc:
        fail(str(exc), code=2)
    due = calendar.due(began, span)
    click.echo(calendar.local(due).isoformat())
    click.echo(calendar.describe(due))
