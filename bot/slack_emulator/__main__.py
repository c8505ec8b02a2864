"""`python -m bot.slack_emulator`: a sandbox Slack to point a locally run bot at."""

from __future__ import annotations

import argparse
import threading

from bot.slack_emulator.server import SlackEmulator


def _user(spec: str) -> tuple[str, str, str | None]:
    """Parse ID:NAME or ID:NAME:EMAIL."""
    parts = spec.split(":")
    if len(parts) not in (2, 3) or not all(parts):
        raise argparse.ArgumentTypeError("expected ID:NAME or ID:NAME:EMAIL")
    return parts[0], parts[1], parts[2] if len(parts) == 3 else None


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(
        prog="python -m bot.slack_emulator", description="Run a local Slack Web API emulator."
    )
    parser.add_argument("--port", type=int, default=0, help="port to listen on (default: any)")
    parser.add_argument(
        "--user",
        type=_user,
        action="append",
        default=[],
        metavar="ID:NAME[:EMAIL]",
        help="add a workspace member; repeatable",
    )
    args = parser.parse_args(argv)
    emulator = SlackEmulator(port=args.port)
    for user_id, name, email in args.user:
        emulator.add_user(user_id, name, email)
    with emulator:
        print(f"Slack emulator listening; use base_url={emulator.base_url}", flush=True)
        print(f"Bot user {emulator.bot_user_id} in team {emulator.team_id}. Ctrl-C stops it.")
        try:
            threading.Event().wait()
        except KeyboardInterrupt:
            print("Stopped.")


if __name__ == "__main__":
    main()
