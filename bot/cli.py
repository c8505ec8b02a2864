"""The `resolve` command."""

from __future__ import annotations

import click

from bot.commands.audit import audit_group
from bot.commands.calendar import calendar_group
from bot.commands.common import fail
from bot.commands.db import db_group
from bot.commands.demo import demo_command
from bot.commands.directory import directory_group
from bot.commands.group import ResolveGroup
from bot.commands.keys import keys_group
from bot.commands.outbox import outbox_group
from bot.commands.person import person_group
from bot.commands.protocols import protocols_group
from bot.commands.record import record_command
from bot.commands.report import report_command
from bot.commands.retention import retention_group
from bot.commands.run import run_command
from bot.logging_setup import configure_from_environment
from bot.settings import SettingsError


@click.group(cls=ResolveGroup, context_settings={"help_option_names": ["-h", "--help"]})
def cli() -> None:
    """Resolve: runs your partnership's resolving-professional-differences protocol."""
    try:
        configure_from_environment()
    except SettingsError as exc:
        fail(str(exc), code=2)


cli.add_command(db_group)
cli.add_command(protocols_group)
cli.add_command(calendar_group)
cli.add_command(directory_group)
cli.add_command(outbox_group)
cli.add_command(run_command)
cli.add_command(demo_command)
cli.add_command(keys_group)
cli.add_command(audit_group)
cli.add_command(retention_group)
cli.add_command(person_group)
cli.add_command(report_command)
cli.add_command(record_command)


def main() -> None:
    cli(prog_name="resolve")
