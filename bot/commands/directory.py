"""`resolve directory import|list|export|who`: the agency directory escalations are found in."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import click
from sqlalchemy import select
from sqlalchemy.orm import Session

from bot.commands.common import Context, fail, pass_context
from bot.commands.tables import table
from bot.database import make_engine, make_session_factory, transaction, upgrade
from bot.services.directory_export import export_csv, export_yaml
from bot.services.directory_files import DirectoryFileError, read_directory_file
from bot.services.directory_import import ImportReport, Tally, import_directory
from bot.services.errors import DomainError
from bot.services.unheld_roles import UnheldRole, unheld_roles
from bot.services.who_acts import StageCast, find_dispute, who_acts
from models.directory import Agency, Person


@contextmanager
def directory_session(ctx: Context) -> Iterator[Session]:
    """One transaction on an up-to-date schema; committed only if the command succeeds."""
    url = ctx.settings.database_url
    upgrade(url)
    engine = make_engine(url)
    try:
        with transaction(make_session_factory(engine)) as session:
            yield session
    finally:
        engine.dispose()


@click.group("directory")
def directory_group() -> None:
    """The agency directory: agencies, people, their roles, managers and cover."""


def _shown(value: Any) -> str:
    return "(none)" if value is None else f"'{value}'"


def _tally_lines(what: str, tally: Tally, dry_run: bool) -> list[str]:
    verbs = ("to add", "to update") if dry_run else ("added", "updated")
    lines = [
        f"{what}: {len(tally.added)} {verbs[0]}, {len(tally.updated)} {verbs[1]}, "
        f"{tally.unchanged} unchanged"
    ]
    lines += [f"  {verbs[0]}: {change.label}" for change in tally.added]
    for change in tally.updated:
        fields = "; ".join(f"{n} {_shown(a)} -> {_shown(b)}" for n, a, b in change.fields)
        lines.append(f"  {verbs[1]}: {change.label}: {fields}")
    return lines


def _echo_report(name: str, report: ImportReport, dry_run: bool, skip_bad: bool) -> None:
    if report.problems:
        count = len(report.bad_lines)
        click.echo(f"{name}: {count} bad row{'s' if count != 1 else ''}", err=True)
        for problem in report.problems:
            click.echo(f"  line {problem.line}: {problem.message}", err=True)
        if not skip_bad:
            click.echo(
                "Nothing was imported. Fix these rows, or use --skip-bad to import the others.",
                err=True,
            )
            return
        click.echo("These rows were skipped.", err=True)
    if dry_run:
        click.echo("Dry run: nothing was changed.")
    click.echo("\n".join(_tally_lines("Agencies", report.agencies, dry_run)))
    click.echo("\n".join(_tally_lines("People", report.people, dry_run)))


@directory_group.command("import")
@click.argument("file", type=click.Path(exists=True, dir_okay=False, path_type=Path))
@click.option("--dry-run", is_flag=True, help="Show what would change, and change nothing.")
@click.option("--skip-bad", is_flag=True, help="Import the good rows even if some are bad.")
@pass_context
def import_command(ctx: Context, file: Path, dry_run: bool, skip_bad: bool) -> None:
    """Add or update agencies and people from a CSV or YAML file; re-importing is safe.

    Every bad row is listed with its line. Exit code 1 when there were bad rows and nothing
    was imported.
    """
    try:
        source = read_directory_file(file)
    except DirectoryFileError as exc:
        fail(f"{file.name}: nothing was imported: {exc}", code=2)
    with directory_session(ctx) as session:
        # A dry run imports inside a savepoint it then rolls back, so its warnings describe
        # the directory as the import would leave it.
        trial = session.begin_nested() if dry_run else None
        report = import_directory(
            source, session=session, roles=ctx.catalog.role_book(), skip_bad=skip_bad
        )
        gaps = unheld_roles(session, ctx.catalog)
        if trial is not None:
            trial.rollback()
    _echo_report(file.name, report, dry_run, skip_bad)
    if report.problems and not skip_bad:
        raise SystemExit(1)
    echo_unheld(gaps)


def echo_unheld(gaps: list[UnheldRole]) -> None:
    """A warning, not a failure: the protocol's fallback order covers a role no one holds."""
    if not gaps:
        return
    click.echo(
        "Warning: no one in the directory holds these roles the protocols use; until someone "
        "does, each protocol's fallback order chooses who acts:"
    )
    click.echo("\n".join(f"  {gap.line}" for gap in gaps))


@directory_group.command("list")
@pass_context
def list_command(ctx: Context) -> None:
    """Agencies, then people with their role, line manager, deputy and absence."""
    with directory_session(ctx) as session:
        agencies = list(session.scalars(select(Agency).order_by(Agency.id)))
        people = list(session.scalars(select(Person).order_by(Person.agency_id, Person.id)))
        book = ctx.catalog.role_book()
        agency_rows = [[a.key, a.name, a.kind, str(len(a.people))] for a in agencies]
        person_rows = [
            [
                p.name,
                p.job_title,
                book.label(p.role),
                p.agency.name,
                p.line_manager.name if p.line_manager else "-",
                p.deputy.name if p.deputy else "-",
                f"{p.absent_until:%d/%m/%Y}" if p.absent_until else "-",
                p.slack_user_id or "-",
            ]
            for p in people
        ]
    click.echo(table(["KEY", "AGENCY", "KIND", "PEOPLE"], agency_rows))
    click.echo("")
    headers = [
        "NAME",
        "JOB TITLE",
        "ROLE",
        "AGENCY",
        "LINE MANAGER",
        "DEPUTY",
        "ABSENT UNTIL",
        "SLACK ID",
    ]
    click.echo(table(headers, person_rows))


@directory_group.command("export")
@click.option(
    "--format",
    "form",
    type=click.Choice(["yaml", "csv"]),
    default="yaml",
    show_default=True,
    help="The same format `resolve directory import` reads.",
)
@pass_context
def export_command(ctx: Context, form: str) -> None:
    """Print the whole directory in the import format."""
    with directory_session(ctx) as session:
        text = export_csv(session=session) if form == "csv" else export_yaml(session=session)
    click.echo(text, nl=False)


def _cast_lines(heading: str, cast: StageCast) -> list[str]:
    lines = [heading]
    lines += [f"  {a.side}: {a.explanation}" for a in cast.assignment.people]
    lines += [f"  missing: {m.message}" for m in cast.assignment.missing]
    if not cast.assignment.people and not cast.assignment.missing:
        lines.append("  nobody")
    return lines


@directory_group.command("who")
@click.option("--dispute", "reference", required=True, help="A reference such as RPD-2026-0042.")
@pass_context
def who_command(ctx: Context, reference: str) -> None:
    """Who acts for each side at a dispute's current and next stage, and what is missing."""
    with directory_session(ctx) as session:
        try:
            dispute = find_dispute(session, reference=reference)
        except DomainError as exc:
            fail(str(exc))
        today = ctx.calendar.local(ctx.clock.now()).date()
        found = who_acts(session, dispute=dispute, on=today)
        total = len(found.protocol.stages)
        current = found.current
        deadline = (
            f" (deadline {ctx.calendar.describe(dispute.deadline_at)})"
            if dispute.deadline_at
            else ""
        )
        lines = [
            f"{dispute.reference}: {found.protocol.name} [{found.protocol.key}], {dispute.status}",
            *_cast_lines(
                f"Current, stage {current.index + 1} of {total}: {current.stage.title}{deadline}",
                current,
            ),
        ]
        if found.following is None:
            lines.append("Next: none, this is the final stage.")
        else:
            nxt = found.following
            lines += _cast_lines(f"Next, stage {nxt.index + 1} of {total}: {nxt.stage.title}", nxt)
    click.echo("\n".join(lines))
