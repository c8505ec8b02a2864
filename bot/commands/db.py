"""`resolve db upgrade`: bring the database schema up to date."""

from __future__ import annotations

import click

from bot.commands.common import Context, pass_context
from bot.database import upgrade


@click.group("db")
def db_group() -> None:
    """Database schema."""


@db_group.command("upgrade")
@pass_context
def upgrade_command(ctx: Context) -> None:
    """Apply every migration not yet applied (the bot also does this on start)."""
    upgrade(ctx.settings.database_url)
    click.echo("Database schema is up to date.")
