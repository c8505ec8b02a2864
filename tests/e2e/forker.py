"""Starts `resolve run` processes in a fraction of a second: this interpreter imports the bot
once, then forks one process per line it reads on stdin and prints its pid.

Each line is a JSON object: the child's environment, and `log`, the file its output goes to.
The child runs the `resolve run` command itself, so killing it kills a real bot process; it is
only spared the seconds a fresh interpreter spends importing the libraries.

`Forker` is the tests' end of it; `Forked` waits for a child's end through a pidfd, so a test
learns at once that a process has gone, without polling for it.
"""

from __future__ import annotations

import json
import os
import select
import signal
import subprocess
import sys
from contextlib import suppress
from dataclasses import dataclass
from datetime import date
from pathlib import Path
from zoneinfo import ZoneInfo

from bot.cli import cli
from bot.working_days import WorkingCalendar
from models.encrypted import KeyRing

ROOT = Path(__file__).resolve().parents[2]


def warm() -> None:
    """Loads, once before forking, what every `resolve run` loads lazily on its first sweep:
    the bank-holiday tables (about 0.2 s of CPU a process) and the cipher."""
    WorkingCalendar(zone=ZoneInfo("Europe/London")).is_working_day(date(2026, 12, 25))
    KeyRing.parse(KeyRing.generate("warm")).seal("")


def serve() -> None:
    warm()
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


@dataclass
class Forked:
    """One forked `resolve run` process, which the test can signal and wait for."""

    pid: int
    log: Path

    def __post_init__(self) -> None:
        try:
            self._ended: int | None = os.pidfd_open(self.pid)
        except ProcessLookupError:  # it has already gone
            self._ended = None

    def alive(self) -> bool:
        return self._ended is not None and not select.select([self._ended], [], [], 0)[0]

    def stop(self, sig: signal.Signals = signal.SIGTERM, timeout: float = 30) -> None:
        """Sends `sig` and waits until the process has gone."""
        if self._ended is None:
            return
        with suppress(ProcessLookupError):
            os.kill(self.pid, sig)
        try:
            assert select.select([self._ended], [], [], timeout)[0], f"{self.pid} survived {sig}"
        finally:
            os.close(self._ended)
            self._ended = None


class Forker:
    """A forking interpreter started with `env` in `cwd`, handing out `resolve run` processes."""

    def __init__(self, env: dict[str, str], cwd: Path) -> None:
        self._process = subprocess.Popen(
            [sys.executable, "-m", "tests.e2e.forker"],
            env=env | {"PYTHONPATH": str(ROOT)},
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            cwd=cwd,
            text=True,
        )

    def start(self, env: dict[str, str], log: Path) -> Forked:
        """A `resolve run` process with exactly `env` as its environment, writing to `log`."""
        stdin, stdout = self._process.stdin, self._process.stdout
        assert stdin is not None and stdout is not None
        stdin.write(json.dumps({"env": env, "log": str(log)}) + "\n")
        stdin.flush()
        return Forked(int(stdout.readline()), log)

    def close(self) -> None:
        assert self._process.stdin is not None
        self._process.stdin.close()
        self._process.wait(timeout=10)


if __name__ == "__main__":
    serve()
