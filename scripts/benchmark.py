"""Times the deadline sweep against a large database, on SQLite and on PostgreSQL.

1. `Sweeper.run_once()` when nothing is due, with 1%, 10% and all of --disputes stored, and the
   plans of its claim queries: the cost should follow what is due, not what is stored.
2. --lapsing disputes whose stages lapse at the same moment: one `run_once()` escalates them all
   and queues their outbox messages (on PostgreSQL two replica processes sweep at once), beside
   the floor: the same writes replayed set-based on the bare connection.
3. Peak memory: the process's maximum resident set after step 2, and tracemalloc's peak while
   a second sweep escalates --traced more lapsed stages. That sweep is separate because
   tracemalloc slows Python about threefold; the sweep commits every 200 disputes, so its peak
   follows the batch rather than the total (--traced 10000 shows it).
4. With everything stored: the daily and weekly digests and the partnership report's summary
   and CSV (time, tracemalloc peak, and the floor: their SELECTs replayed bare), `/dispute
   status` p95 from another thread while each builds, and `/dispute list` and the App Home for
   a head of service in 1,154 open disputes.

Rows go in with bulk inserts rather than through the dispute service, so seeding stays quick.
Each database runs in a fresh process, so each memory figure is its own. It prints figures and
asserts nothing about timing.

    .venv/bin/python scripts/benchmark.py --database sqlite
    .venv/bin/python scripts/benchmark.py --database postgres --postgres-url postgresql://...
    scripts/benchmark.sh    # both, on a throwaway PostgreSQL database
"""

from __future__ import annotations

import argparse
import os
import platform
import shlex
import sys
import tempfile
from collections.abc import Sequence
from concurrent.futures import ProcessPoolExecutor
from multiprocessing import get_context
from pathlib import Path

import sqlalchemy
from benchmarking.report import report
from benchmarking.run import run_database


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--database", choices=["sqlite", "postgres", "both"], default="sqlite")
    parser.add_argument("--disputes", type=int, default=100_000, help="disputes stored (max)")
    parser.add_argument("--lapsing", type=int, default=10_000, help="stages lapsing at once")
    parser.add_argument(
        "--traced",
        type=int,
        default=1_000,
        help="stages escalated under tracemalloc, which slows Python about threefold",
    )
    parser.add_argument("--postgres-url", help="an empty PostgreSQL database to fill")
    args = parser.parse_args(argv)
    if args.database != "sqlite" and not args.postgres_url:
        parser.error("--postgres-url is needed for PostgreSQL (scripts/benchmark.sh makes one)")
    if args.disputes < 100 or args.lapsing < 1 or args.traced < 1:
        parser.error("use at least 100 disputes, 1 lapsing and 1 traced stage")
    print("$ " + shlex.join([os.path.relpath(sys.executable), *sys.argv]))
    print(
        f"Python {platform.python_version()}, SQLAlchemy {sqlalchemy.__version__}, "
        f"{os.cpu_count()} cores"
    )
    results = []
    with tempfile.TemporaryDirectory() as folder:
        targets = {
            "sqlite": f"sqlite:///{Path(folder) / 'benchmark.sqlite3'}",
            "postgres": args.postgres_url,
        }
        chosen = ["sqlite", "postgres"] if args.database == "both" else [args.database]
        for database in chosen:
            with ProcessPoolExecutor(1, mp_context=get_context("spawn")) as pool:
                job = pool.submit(
                    run_database,
                    database,
                    targets[database],
                    args.disputes,
                    args.lapsing,
                    args.traced,
                )
                results.append(job.result())
    report(results, args.disputes, args.lapsing, args.traced)
    return 0


if __name__ == "__main__":
    sys.exit(main())
