"""`resolve protocols list|show|check`: the protocols the bot can run."""

from __future__ import annotations

from pathlib import Path

import click
from sqlalchemy import inspect
from sqlalchemy.engine import make_url
from sqlalchemy.exc import OperationalError

from bot.commands.common import Context, fail, pass_context
from bot.commands.directory import echo_unheld
from bot.commands.tables import table
from bot.database import make_engine, make_session_factory, normalise_url, read_only
from bot.protocols import read_protocol_file
from bot.services.unheld_roles import unheld_roles
from bot.text_checks import UnreadableFile
from models.protocol import Fallback, Protocol, Stage, Urgency
from models.roles import RoleBook


@click.group("protocols")
def protocols_group() -> None:
    """Escalation protocols: presets and your partnership's own files."""


@protocols_group.command("list")
@pass_context
def list_command(ctx: Context) -> None:
    """Every protocol available, with its stage count and where it comes from."""
    rows = [
        [p.key, p.partnership, str(len(p.stages)), ctx.catalog.origin(p.key)] for p in ctx.catalog
    ]
    click.echo(table(["KEY", "PARTNERSHIP", "STAGES", "FROM"], rows))


def _timescale(stage: Stage) -> str:
    if stage.timescale is None:
        return "by referral" if stage.referral_only else "final stage: none"
    text = str(stage.timescale)
    if stage.timescale_is_default:
        text += " (default)"
    if stage.stated_timescale == "replaces":
        text += ", or as the escalator states"
    else:
        text += ", or as stated if shorter"
    return text


def _role(stage: Stage, book: RoleBook) -> str:
    label = book.label(stage.role)
    if stage.held_by is None:
        return label
    return f"{label} (one post, {stage.held_by.value.replace('_', ' ')})"


def _routes(stage: Stage) -> str:
    parts = [f"{r.label} ({'instead' if r.instead else 'also'})" for r in stage.alternatives]
    if stage.referral_only:
        parts.append("reached only by referral")
    return "; ".join(parts) or "-"


def render_protocol(protocol: Protocol) -> str:
    head = [
        f"{protocol.name}",
        f"{protocol.partnership}  [{protocol.key}]",
        f"Source: {protocol.source}",
        "",
    ]
    rows = [
        [str(n), s.title, _role(s, protocol.role_book), _timescale(s), _routes(s)]
        for n, s in enumerate(protocol.stages, start=1)
    ]
    body = table(["#", "STAGE", "ROLE ON EACH SIDE", "TIMESCALE", "ALTERNATIVE ROUTES"], rows)
    tail = [
        "",
        "Categories: " + ", ".join(f"{c.key} ({c.label})" for c in protocol.categories),
        "Urgency: " + ", ".join(_urgency(u) for u in protocol.urgencies),
        f"Acknowledge within: {protocol.acknowledgement}",
        f"When an agency has no one in a stage's role: {_fallback(protocol.fallback)}",
    ]
    tail += [
        f"Stage {n} fallback: {_fallback(s.fallback)}"
        for n, s in enumerate(protocol.stages, start=1)
        if s.fallback is not None
    ]
    tail += [f"Note: {note}" for note in protocol.notes]
    return "\n".join([*head, body, *tail])


_FALLBACK_WORDS = {
    "next_senior": "the next senior role it holds",
    "safeguarding_lead": "its safeguarding lead",
}


def _fallback(order: list[Fallback]) -> str:
    steps = [_FALLBACK_WORDS[step] for step in order]
    return ", then ".join([*steps, "whoever acted for that side before"])


def _urgency(urgency: Urgency) -> str:
    extra = []
    if urgency.stage_timescale is not None:
        extra.append(f"each stage at most {urgency.stage_timescale}")
    if urgency.latest_start_stage:
        extra.append(f"may start at {urgency.latest_start_stage}")
    return urgency.label + (f" ({'; '.join(extra)})" if extra else "")


@protocols_group.command("show")
@click.argument("key")
@pass_context
def show_command(ctx: Context, key: str) -> None:
    """A protocol's stages, roles and timescales as a table."""
    protocol = ctx.catalog.get(key)
    if protocol is None:
        fail(f"There is no protocol '{key}'. Available: {', '.join(ctx.catalog.keys())}.")
    click.echo(render_protocol(protocol))


@protocols_group.command("check")
@click.argument("file", type=click.Path(path_type=Path))
@pass_context
def check_command(ctx: Context, file: Path) -> None:
    """Validate a partnership's own protocol file; every error is listed with where it is.

    A valid file is then compared with the directory: roles it uses that no one holds are
    listed as a warning.
    """
    try:
        protocol, errors = read_protocol_file(file)
    except UnreadableFile as exc:
        fail(f"{file}: {exc}", code=2)
    if protocol is None:
        click.echo(f"{file}: {len(errors)} error{'s' if len(errors) != 1 else ''}", err=True)
        for error in errors:
            click.echo(f"  {error}", err=True)
        raise SystemExit(1)
    click.echo(f"{file}: valid protocol '{protocol.key}' with {len(protocol.stages)} stages.")
    _compare_with_directory(ctx.settings.database_url, protocol)


def _compare_with_directory(url: str, protocol: Protocol) -> None:
    """Warns about roles the protocol uses that no one holds; reads the directory, never makes one.

    A protocol is often checked before any directory exists, so a missing one is only noted.
    """
    parsed = make_url(normalise_url(url))
    if parsed.drivername.startswith("sqlite") and not Path(parsed.database or "").is_file():
        click.echo("No directory yet: import one to see which roles no one holds.")
        return
    engine = make_engine(url)
    try:
        if not inspect(engine).has_table("people"):
            click.echo("No directory yet: import one to see which roles no one holds.")
            return
        with read_only(make_session_factory(engine)) as session:
            echo_unheld(unheld_roles(session, [protocol]))
    except OperationalError:
        click.echo("The directory could not be read, so which roles no one holds is not checked.")
    finally:
        engine.dispose()
