"""Prints the resident memory of an idle `resolve run`: what a deployment pays before any traffic.

Starts `python -m bot run` in HTTP mode against a throwaway SQLite database and the local Slack
emulator, waits until it answers /health, lets it settle, then reads VmRSS (now) and VmHWM (peak)
from /proc. Linux only; it prints figures and asserts nothing.

    .venv/bin/python scripts/idle_memory.py
"""

from __future__ import annotations

import argparse
import os
import socket
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from urllib.request import urlopen

from bot.slack_emulator import SlackEmulator
from models.encrypted import KeyRing

ROOT = Path(__file__).resolve().parent.parent


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def healthy(url: str) -> bool:
    try:
        with urlopen(url, timeout=1) as response:
            return response.status == 200
    except OSError:
        return False


def memory_kib(pid: int) -> dict[str, int]:
    """VmRSS and VmHWM of a process, in KiB."""
    figures = {}
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        key, _, value = line.partition(":")
        if key in ("VmRSS", "VmHWM"):
            figures[key] = int(value.split()[0])
    return figures


def measure(settle: float, timeout: float) -> dict[str, int]:
    with tempfile.TemporaryDirectory(prefix="resolve-idle-") as workdir, SlackEmulator() as slack:
        port = free_port()
        env = {
            **os.environ,
            "DATABASE_URL": f"sqlite:///{Path(workdir) / 'resolve.sqlite3'}",
            "SLACK_BOT_TOKEN": "xoxb-idle",
            "SLACK_SIGNING_SECRET": "idle-secret",
            "SLACK_API_URL": slack.base_url,
            "RESOLVE_DATA_KEYS": KeyRing.generate("idle"),
            "RESOLVE_BIND": "127.0.0.1",
            "PORT": str(port),
            "PYTHONPATH": str(ROOT),
        }
        process = subprocess.Popen(
            [sys.executable, "-m", "bot", "run"],
            env=env,
            cwd=workdir,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.PIPE,
        )
        try:
            deadline = time.monotonic() + timeout
            while not healthy(f"http://127.0.0.1:{port}/health"):
                if process.poll() is not None:
                    raise SystemExit(f"resolve run exited: {process.stderr.read().decode()}")
                if time.monotonic() > deadline:
                    raise SystemExit("resolve run did not answer /health in time")
                time.sleep(0.05)
            time.sleep(settle)  # the scheduler's first jobs run, then the process idles
            return memory_kib(process.pid)
        finally:
            process.terminate()
            process.wait(timeout=30)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--settle", type=float, default=3.0, help="seconds idle before reading")
    parser.add_argument("--timeout", type=float, default=60.0, help="seconds to wait for /health")
    args = parser.parse_args()
    figures = measure(args.settle, args.timeout)
    print(
        f"resolve run, idle: {figures['VmRSS'] / 1024:.1f} MiB resident "
        f"(peak {figures['VmHWM'] / 1024:.1f} MiB)"
    )
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
