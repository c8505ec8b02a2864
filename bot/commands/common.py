"""What every command needs: settings loaded once, with bad settings reported in one line."""

from __future__ import annotations

import sys
from functools import cached_property
from typing import NoReturn

import click

from bot.clock import Clock, SystemClock
from bot.protocols import ProtocolCatalog, ProtocolError
from bot.settings import Settings, SettingsError, load_settings
from bot.working_days import WorkingCalendar


class Context:
    """Lazily built services for a command, so `--help` works even with bad settings."""

    def __init__(self, clock: Clock | None = None) -> None:
        self.clock = clock or SystemClock()

    @cached_property
    def settings(self) -> Settings:
        try:
            return load_settings()
        except SettingsError as exc:
            fail(str(exc), code=2)

    @cached_property
    def calendar(self) -> WorkingCalendar:
        return WorkingCalendar.from_settings(self.settings)

    @cached_property
    def catalog(self) -> ProtocolCatalog:
        try:
            return ProtocolCatalog(self.settings.protocol_path)
        except ProtocolError as exc:
            fail(protocol_problem(exc), code=2)


def protocol_problem(error: ProtocolError) -> str:
    """One line: the file, then each of its problems."""
    return f"RESOLVE_PROTOCOL_PATH: {error.source} cannot be used: {'; '.join(error.errors)}"


def fail(message: str, *, code: int = 1) -> NoReturn:
    """Prints a plain message (no traceback) and exits with `code`."""
    click.echo(message, err=True)
    sys.exit(code)


pass_context = click.make_pass_decorator(Context, ensure=True)
