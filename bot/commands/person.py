"""`resolve person export EMAIL`: a subject access request, answered as one JSON document."""

from __future__ import annotations

import json

import click

from bot.commands.common import Context, fail, pass_context
from bot.database import make_engine, make_session_factory
from bot.services.errors import NotFound
from bot.services.subject_access import export_person


@click.group("person")
def person_group() -> None:
    """What Resolve holds about one person."""


@person_group.command("export")
@click.argument("email")
@pass_context
def export_command(ctx: Context, email: str) -> None:
    """Print, as JSON, everything Resolve holds about the person with this work email: no child
    data and no case text (see the README)."""
    ctx.keyring  # noqa: B018 - audit details are sealed; refuse early and clearly without keys
    engine = make_engine(ctx.settings.database_url)
    try:
        with make_session_factory(engine)() as session:
            document = export_person(session, email=email)
    except NotFound as exc:
        fail(str(exc), code=1)
    finally:
        engine.dispose()
    click.echo(json.dumps(document, indent=2, ensure_ascii=False))
