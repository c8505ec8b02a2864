"""`resolve run`: the bot itself, in HTTP mode or Socket Mode, with its scheduler."""

from __future__ import annotations

import subprocess
import sys
from ipaddress import ip_address
from urllib.parse import urlparse

import click
from slack_bolt.adapter.socket_mode import SocketModeHandler
from slack_sdk.errors import SlackClientError
from sqlalchemy.orm import Session, sessionmaker

from bot.app import create_app
from bot.commands.common import NO_KEYS, Context, fail, pass_context, verbose_option
from bot.database import schema_is_current
from bot.http_server import SlackHTTPServer
from bot.logging_setup import configure_from_environment
from bot.readiness import database_readiness
from bot.runtime import build_runtime, settle_heap, share_interpreter
from bot.services.digests import DigestService
from bot.services.report_schedule import ReportSchedule
from bot.settings import Settings
from schedules.scheduler import build_scheduler


def is_local(url: str) -> bool:
    host = urlparse(url).hostname or ""
    if host == "localhost":
        return True
    try:
        return ip_address(host).is_loopback
    except ValueError:
        return False


def check_can_run(settings: Settings) -> None:
    """Refuses, in one line, anything that would make the bot misbehave once started."""
    if settings.clock_start is not None and not is_local(settings.slack_api_url):
        fail(
            "RESOLVE_CLOCK_START is set, so time is simulated: that is only allowed against a "
            "local SLACK_API_URL (such as the emulator), never real Slack.",
            code=2,
        )
    if not settings.slack_bot_token:
        fail(
            "SLACK_BOT_TOKEN is not set. Create the Slack app from manifest.yml (see the README), "
            "or try Resolve without Slack: `resolve demo`.",
            code=2,
        )
    if not settings.slack_app_token and not settings.slack_signing_secret:
        fail("Set SLACK_SIGNING_SECRET for HTTP mode, or SLACK_APP_TOKEN for Socket Mode.", code=2)
    if settings.keyring is None:
        fail(NO_KEYS, code=2)


def connect_socket_mode(handler: SocketModeHandler, settings: Settings) -> None:
    """Serves Slack over Socket Mode until stopped; a Slack it cannot reach is one line, exit 2.

    The process ends so that whatever supervises it (systemd, Kubernetes) starts it again.
    """
    try:
        handler.start()
    except (SlackClientError, OSError) as error:
        reason = str(error).splitlines()[0] if str(error) else type(error).__name__
        fail(
            f"Socket Mode could not connect to Slack at {settings.slack_api_url} ({reason}). "
            "Check SLACK_APP_TOKEN (an app-level token with connections:write) and that this "
            "machine can reach Slack.",
            code=2,
        )


def upgrade_apart() -> None:
    """Brings the schema up to date in a short-lived `resolve db upgrade` with the same settings,
    so the server never holds Alembic (about 11 MB, more once it has run). The child says what
    went wrong in one line; this process then stops with the same exit code."""
    done = subprocess.run([sys.executable, "-m", "bot", "db", "upgrade"], check=False)
    if done.returncode != 0:
        raise SystemExit(done.returncode)


@click.command("run")
@verbose_option
@pass_context
def run_command(ctx: Context, verbose: bool) -> None:
    """Run the bot: Socket Mode with SLACK_APP_TOKEN, else HTTP on PORT at /slack/events."""
    if verbose:
        configure_from_environment(verbose=True)
    settings = ctx.settings
    check_can_run(settings)
    if not schema_is_current(settings.database_url):
        upgrade_apart()
    rt = build_runtime(settings, migrate=False)
    share_interpreter()
    digests = DigestService(
        clock=rt.clock, calendar=rt.calendar, settings=settings, notifier=rt.notifier
    )
    reports = ReportSchedule(
        clock=rt.clock, calendar=rt.calendar, settings=settings, notifier=rt.notifier
    )

    def send_due(factory: sessionmaker[Session]) -> list[str]:
        """The digests and the partnership report, each period claimed once."""
        return digests.send_due(factory) + reports.send_due(factory)

    scheduler = build_scheduler(rt, run_digests=send_due)
    scheduler.start()
    app = create_app(rt)
    settle_heap()
    host, ready = str(settings.bind), database_readiness(rt.engine)
    probes: SlackHTTPServer | None = None
    try:
        if settings.slack_app_token:
            probes = SlackHTTPServer(None, host=host, port=settings.port, ready=ready).start()
            click.echo(f"Resolve is running in Socket Mode; /health and /ready on {probes.port}.")
            connect_socket_mode(SocketModeHandler(app, settings.slack_app_token), settings)
        else:
            server = SlackHTTPServer(app, host=host, port=settings.port, ready=ready)
            click.echo(f"Resolve is listening on port {server.port} at /slack/events.")
            server.serve_forever()
    except KeyboardInterrupt:
        click.echo("Stopping.")
    finally:
        if probes is not None:
            probes.stop()
        scheduler.shutdown(wait=True)
        rt.engine.dispose()
