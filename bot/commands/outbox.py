"""`resolve outbox retry`: send dead-lettered messages again once their cause is fixed."""

from __future__ import annotations

import click
from sqlalchemy import select

from bot.commands.common import Context, fail, pass_context
from bot.database import make_engine, make_session_factory, transaction, upgrade
from bot.services.errors import DomainError
from bot.services.outbox_retry import requeue_dead
from bot.services.who_acts import find_dispute
from models.dispute import Dispute
from models.outbox import OutboxKind, OutboxMessage

WHAT = {
    OutboxKind.SYNC_MEMBERS: "set up the dispute's private conversation and its members",
    OutboxKind.CONVERSATION: "post in the dispute's conversation",
    OutboxKind.DIRECT: "direct message",
    OutboxKind.REMINDER: "reminder by direct message",
    OutboxKind.CHANNEL: "message in a channel",
    OutboxKind.UPDATE_NOTICE: "redraw a stage notice",
    OutboxKind.RETIRE: "take the buttons off a message the dispute has moved past",
    OutboxKind.FILE: "file upload",
}


@click.group("outbox")
def outbox_group() -> None:
    """Messages waiting for Slack."""


def _line(row: OutboxMessage, references: dict[int, str]) -> str:
    where = references.get(row.dispute_id or 0, "no dispute")
    what = "alert to the admins" if row.payload.get("alert") else WHAT[OutboxKind(row.kind)]
    return f"  {where}: {what} (last error: {row.last_error or 'none'})"


@outbox_group.command("retry")
@click.option("--dispute", "reference", help="Only this dispute's messages, e.g. RPD-2026-0042.")
@pass_context
def retry_command(ctx: Context, reference: str | None) -> None:
    """Queue every dead-lettered message again (a dispute's conversation set-up before its
    posts); the running bot sends them on its next delivery round."""
    url = ctx.settings.database_url
    upgrade(url)
    engine = make_engine(url)
    try:
        with transaction(make_session_factory(engine)) as session:
            try:
                dispute = find_dispute(session, reference=reference) if reference else None
            except DomainError as exc:
                fail(str(exc))
            rows = requeue_dead(session, now=ctx.clock.now(), dispute=dispute)
            ids = {row.dispute_id for row in rows if row.dispute_id}
            found = session.execute(
                select(Dispute.id, Dispute.reference).where(Dispute.id.in_(ids))
            )
            references = {dispute_id: ref for dispute_id, ref in found}
            lines = [_line(row, references) for row in rows]
    finally:
        engine.dispose()
    scope = f" for {dispute.reference}" if dispute else ""
    if not lines:
        click.echo(f"Nothing to retry{scope}: no message is dead-lettered.")
        return
    count = "1 message" if len(lines) == 1 else f"{len(lines)} messages"
    click.echo(f"Requeued {count}{scope}; the running bot sends them on its next round:")
    click.echo("\n".join(lines))
