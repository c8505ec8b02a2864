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
from models.encrypted import KeyRing, use_keys

NO_KEYS = (
    "RESOLVE_DATA_KEYS is not set, so child data cannot be sealed or read. Make a key with "
    "`resolve keys generate` and set RESOLVE_DATA_KEYS to it (see the README)."
)


class Context:
    """Lazily built services for a command, so `--help` works even with bad settings."""

    def __init__(self, clock: Clock | None = None) -> None:
        self.clock = clock or SystemClock()

    @cached_property
    def settings(self) -> Settings:
        try:
            settings = load_settings()
        except SettingsError as exc:
            fail(str(exc), code=2)
        if settings.keyring is not None:
            use_keys(settings.keyring)
        return settings

    @cached_property
    def keyring(self) -> KeyRing:
        """The data keys, for commands that read or write child data; refused without them."""
        ring = self.settings.keyring
        if ring is None:
            fail(NO_KEYS, code=2)
        return ring

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


verbose_option = click.option(
    "--verbose",
    "-v",
    is_flag=True,
    help="Log everything, the scheduler's and Slack's routine lines too (RESOLVE_LOG_LEVEL=DEBUG).",
)
