"""`resolve retention apply`: erase the personal data of disputes past the retention period."""

from __future__ import annotations

import click

from bot.commands.common import Context, pass_context
from bot.database import fold_wal, make_engine, make_session_factory, transaction
from bot.periods import parse_period
from bot.services.retention import apply_retention


@click.group("retention")
def retention_group() -> None:
    """How long closed disputes are kept (RESOLVE_RETENTION)."""


@retention_group.command("apply")
@click.option("--dry-run", is_flag=True, help="List what would be erased; change nothing.")
@pass_context
def apply_command(ctx: Context, dry_run: bool) -> None:
    """Erase the child data, texts and people of disputes closed longer ago than the retention
    period, keeping an anonymised statistical row and a tombstone in the audit trail."""
    ctx.keyring  # noqa: B018 - the tombstone is sealed; refuse early and clearly without keys
    settings = ctx.settings
    engine = make_engine(settings.database_url)
    try:
        with transaction(make_session_factory(engine)) as session:
            report = apply_retention(
                session,
                now=ctx.clock.now(),
                period=parse_period(settings.retention),
                period_text=settings.retention,
                calendar=ctx.calendar,
                dry_run=dry_run,
            )
        fold_wal(engine)
    finally:
        engine.dispose()
    closed = f"closed before {ctx.calendar.describe(report.cutoff)} ({settings.retention} ago)"
    if not report.references:
        click.echo(f"No dispute was {closed}: nothing to erase.")
        return
    verb = "Would erase" if dry_run else "Erased"
    click.echo(f"{verb} {len(report.references)} disputes {closed}:")
    for reference in report.references:
        click.echo(f"  {reference}")
