"""`resolve demo`: no Slack needed; one dispute through every stage of a protocol."""

from __future__ import annotations

import tempfile
from datetime import datetime, time
from pathlib import Path

import click

from bot.commands.common import Context, fail, pass_context, verbose_option
from bot.logging_setup import configure_from_environment
from bot.parsing import WhenError, parse_when


@click.command("demo")
@click.option(
    "--protocol",
    "protocol_key",
    default="suffolk",
    show_default=True,
    help="Which protocol to run (see `resolve protocols list`).",
)
@click.option(
    "--start",
    default=None,
    help='When the story starts, e.g. "21/12/2026 09:30" (default: the next working day at 09:30).',
)
@verbose_option
@pass_context
def demo_command(ctx: Context, protocol_key: str, start: str | None, verbose: bool) -> None:
    """Run one dispute through every stage against a local Slack emulator, time fast-forwarded,
    printing what each person sees and the final record."""
    # The transcript is the output: only warnings unless more is asked for.
    configure_from_environment(default_level="WARNING", verbose=verbose)
    if ctx.catalog.get(protocol_key) is None:
        fail(f"There is no protocol '{protocol_key}'. Available: {', '.join(ctx.catalog.keys())}.")
    calendar = ctx.calendar
    if start:
        try:
            began = parse_when(start, now=ctx.clock.now(), zone=calendar.zone, prefer="future")
        except WhenError as exc:
            fail(str(exc), code=2)
    else:
        day = calendar.add_working_days(calendar.local(ctx.clock.now()).date(), 1)
        began = datetime.combine(day, time(9, 30), tzinfo=calendar.zone)
    from bot.demo.runner import Demo  # the emulator and the demo's world: only for this command

    with tempfile.TemporaryDirectory(prefix="resolve-demo-") as workdir:
        demo = Demo(protocol=protocol_key, start=began, workdir=Path(workdir), out=click.echo)
        raise SystemExit(demo.run())
