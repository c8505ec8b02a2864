"""`resolve audit verify`: is the audit trail as it was written?"""

from __future__ import annotations

import click

from bot.commands.common import Context, fail, pass_context
from bot.database import make_engine, make_session_factory
from bot.services.audit_verify import verify_chain


@click.group("audit")
def audit_group() -> None:
    """The audit trail."""


@audit_group.command("verify")
@pass_context
def verify_command(ctx: Context) -> None:
    """Check every event's hash chain; print OK and the count, or the first break (exit 1)."""
    ctx.keyring  # noqa: B018 - details are sealed; refuse early and clearly without keys
    engine = make_engine(ctx.settings.database_url)
    try:
        with make_session_factory(engine)() as session:
            report = verify_chain(session)
    finally:
        engine.dispose()
    found = report.first_break
    if found is None:
        click.echo(f"OK: {report.checked} audit events, every chain intact.")
        return
    fail(
        f"BROKEN at audit event {found.event_id} ({found.reference or 'no dispute'}, "
        f"{ctx.calendar.describe(found.at)}): {found.why}. Events before it are intact.",
        code=1,
    )
