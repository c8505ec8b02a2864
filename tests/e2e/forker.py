"""Starts `resolve run` processes in a fraction of a second: this interpreter imports the bot
once, then forks one process per line it reads on stdin and prints its pid.

Each line is a JSON object: the child's environment, and `log`, the file its output goes to.
The child runs the `resolve run` command itself, so killing it kills a real bot process; it is
only spared the seconds a fresh interpreter spends importing the libraries.
"""

from __future__ import annotations

import json
import os
import signal
import sys

from bot.cli import cli


def serve() -> None:
    signal.signal(signal.SIGCHLD, signal.SIG_IGN)  # the kernel reaps the killed children
    for line in sys.stdin:
        request = json.loads(line)
        pid = os.fork()
        if pid == 0:
            signal.signal(signal.SIGCHLD, signal.SIG_DFL)
            os.environ.clear()
            os.environ.update(request["env"])
            log = os.open(request["log"], os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o644)
            os.dup2(log, 1)
            os.dup2(log, 2)
            try:
                cli(["run"], prog_name="resolve")
            finally:
                os._exit(1)
        print(pid, flush=True)


if __name__ == "__main__":
    serve()
