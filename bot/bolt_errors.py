"""What Bolt answers when a listener or Bolt itself fails on a request: a polite 400, never a
500 or a traceback, and a log line that names the failure without anything the request held."""

from __future__ import annotations

import logging
import traceback

from slack_bolt import BoltResponse

log = logging.getLogger("resolve.errors")

POLITE = "Sorry, Resolve could not handle that request."


def polite_error(error: Exception) -> BoltResponse:
    """Logs the error's type and where it was raised, never its message (it may quote input)."""
    frames = traceback.extract_tb(error.__traceback__)
    where = f" at {frames[-1].filename}:{frames[-1].lineno}" if frames else ""
    log.error("A request failed with %s%s", type(error).__name__, where)
    return BoltResponse(status=400, body=POLITE)
