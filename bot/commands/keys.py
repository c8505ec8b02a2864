"""`resolve keys`: make a data key, and re-seal stored child data with the newest one."""

from __future__ import annotations

import click

from bot.commands.common import Context, pass_context
from bot.database import make_engine
from bot.services.data_keys import rotate
from models.encrypted import KeyRing


@click.group("keys")
def keys_group() -> None:
    """Data keys that seal child data in the database."""


@keys_group.command("generate")
@click.option("--id", "key_id", default=None, help="The key's id (default: k and today's date).")
@pass_context
def generate_command(ctx: Context, key_id: str | None) -> None:
    """Print a new 256-bit key as RESOLVE_DATA_KEYS takes it: id:base64key."""
    click.echo(KeyRing.generate(key_id or f"k{ctx.clock.now():%Y%m%d}"))


@keys_group.command("rotate")
@click.option("--batch", default=500, show_default=True, help="Rows per transaction.")
@pass_context
def rotate_command(ctx: Context, batch: int) -> None:
    """Re-seal everything with the newest key (the first in RESOLVE_DATA_KEYS), including rows
    stored before encryption; safe to run again."""
    ring = ctx.keyring
    engine = make_engine(ctx.settings.database_url)
    try:
        changed = rotate(engine, ring, batch=batch)
    finally:
        engine.dispose()
    click.echo(f"{changed} rows re-sealed with key '{ring.current_id}'.")
