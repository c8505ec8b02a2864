"""`resolve report`: the partnership's report for a period, as Markdown, CSV or PDF."""

from __future__ import annotations

from datetime import date

import click

from bot.commands.common import Context, fail, pass_context
from bot.database import make_engine, make_session_factory, read_only
from bot.services.report_documents import FORMATS, report_document


def _day(_ctx: click.Context, _param: click.Parameter, value: str) -> date:
    try:
        return date.fromisoformat(value)
    except ValueError:
        raise click.BadParameter(
            f"{value!r} is not a date; write it as YYYY-MM-DD, e.g. 2026-05-01."
        ) from None


@click.command("report")
@click.option("--from", "first_day", required=True, callback=_day, help="First day, YYYY-MM-DD.")
@click.option("--to", "last_day", required=True, callback=_day, help="Last day, YYYY-MM-DD.")
@click.option("--format", "kind", type=click.Choice(FORMATS), default="md", show_default=True)
@click.option(
    "--out", "output", type=click.Path(dir_okay=False), help="Write to this file, not stdout."
)
@pass_context
def report_command(
    ctx: Context, first_day: date, last_day: date, kind: str, output: str | None
) -> None:
    """The disputes opened from --from to --to (both days included), as they stood at the
    period's end: references and agencies only, never a child's reference."""
    if last_day < first_day:
        fail(
            f"--to ({last_day}) is before --from ({first_day}); give the earlier day first.", code=2
        )
    engine = make_engine(ctx.settings.database_url)
    try:
        with read_only(make_session_factory(engine)) as session:
            document = report_document(
                session,
                ctx.calendar,
                first_day,
                last_day,
                kind,
                generated_at=ctx.clock.now(),
                generated_by="resolve report",
            )
    finally:
        engine.dispose()
    if output:
        with open(output, "wb") as file:
            file.write(document.content)
        click.echo(f"Wrote {document.filename} to {output}.")
    else:
        click.echo(document.content, nl=False)
