"""The whole benchmark on one database, run in a process of its own."""

from __future__ import annotations

import resource
import sqlite3
from dataclasses import dataclass
from datetime import timedelta

from sqlalchemy import Engine, text

from benchmarking.clients import CLIENTS
from benchmarking.lapses import Lapses, lapse_figures
from benchmarking.measures import (
    analyse,
    claim_plans,
    database_size_mb,
    escalate,
    idle_ms,
    settled,
)
from benchmarking.reads import (
    DigestFigures,
    PageFigures,
    ReportTimings,
    digests,
    make_busy,
    pages,
    partnership_report,
)
from benchmarking.seeding import Seeder
from benchmarking.world import NOW, PROTOCOL
from bot.clock import FrozenClock
from bot.flows.sweep import Sweeper
from bot.runtime import build_runtime, share_interpreter
from bot.settings import load_settings
from models.encrypted import KeyRing


@dataclass
class Result:
    """Everything one database produced, handed back to the parent process."""

    database: str
    version: str
    idle_ms: dict[int, float]
    plans: list[tuple[str, list[str]]]
    rows: int
    seeding_seconds: float
    size_mb: float
    escalation: Lapses
    traced_seconds: float
    tracemalloc_peak_mb: float
    max_rss_mb: float
    collection_ms: tuple[float, float]  # a full collection, before and after settling the heap
    digest: DigestFigures
    report: ReportTimings
    pages: PageFigures


REPLICAS = 2  # sweeping at once on PostgreSQL, as `resolve run` replicas would
BUSY_OPEN = 1_154  # open disputes of the head of service whose list is timed


def say(database: str, line: str) -> None:
    print(f"[{database}] {line}", flush=True)


def run_database(database: str, url: str, disputes: int, lapsing: int, traced: int) -> Result:
    """The whole benchmark on one database; runs in its own process."""
    clock = FrozenClock(NOW)
    settings = load_settings(
        database_url=url,
        protocol=PROTOCOL,
        admins_channel=None,
        data_keys=KeyRing.generate("bench"),
    )
    rt = build_runtime(settings, clock=clock, migrate=True)
    share_interpreter()  # as `resolve run` does: requests are timed beside digests and reports
    collection_ms = settled(rt)
    say(
        database,
        f"a full garbage collection took {collection_ms[0]:.1f} ms, "
        f"{collection_ms[1]:.1f} ms once the heap was settled",
    )
    sweeper = Sweeper(factory=rt.factory, service=rt.service, notifier=rt.notifier, clock=clock)
    version = server_version(rt.engine)
    seeder = Seeder(rt)
    idle = idle_sweeps(database, rt.engine, sweeper, seeder, disputes)
    plans = claim_plans(rt.engine, sweeper)
    rows, seeding_seconds = seeder.rows, seeder.seconds
    size_mb = database_size_mb(rt.engine, url)
    digest = digests(rt)
    say(
        database,
        f"digests {', '.join(digest.sent)} in {digest.seconds:.2f} s "
        f"(SQL floor {digest.floor_seconds:.2f} s), tracemalloc peak "
        f"{digest.tracemalloc_peak_mb:.0f} MB; /dispute status p95 "
        f"{digest.status_during_p95_ms:.1f} ms meanwhile",
    )
    timings = partnership_report(rt)
    say(
        database,
        f"partnership report over {timings.disputes:,} disputes: summary "
        f"{timings.summary_seconds:.2f} s (SQL floor {timings.summary_floor_seconds:.2f} s, "
        f"{timings.summary_peak_mb:.0f} MB peak), CSV {timings.csv_seconds:.2f} s (SQL floor "
        f"{timings.csv_floor_seconds:.2f} s, {timings.csv_peak_mb:.0f} MB peak); "
        f"/dispute status p95 {timings.status_during_p95_ms:.1f} ms meanwhile",
    )
    page = pages(rt, make_busy(rt, min(BUSY_OPEN, disputes // 4)))
    say(
        database,
        f"/dispute list for {page.open_disputes:,} open disputes: median "
        f"{page.list_median_ms:.1f} ms (floor {page.list_floor_ms:.1f}), "
        f"{page.list_per_second:.0f}/s with {CLIENTS} clients; App Home "
        f"{page.home_median_ms:.1f} ms (floor {page.home_floor_ms:.1f}), "
        f"{page.home_per_second:.0f}/s",
    )
    lapse_at = NOW + timedelta(minutes=5)
    replicas = REPLICAS if database == "postgres" else 1
    escalation = lapse_figures(rt, sweeper, seeder.seed, lapsing, lapse_at, replicas)
    say(
        database,
        f"{escalation.escalated:,} lapsed stages escalated in {escalation.seconds:.1f} s by "
        f"{replicas} replica(s) ({', '.join(map(str, escalation.by_replica))}); the same writes "
        f"set-based take {escalation.floor_seconds:.1f} s; delivery then draws their "
        f"{escalation.messages:,} messages in {escalation.announced_seconds:.1f} s",
    )
    max_rss_mb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    again, peak = escalate(
        rt, sweeper, seeder, traced, lapse_at + timedelta(minutes=5), traced=True
    )
    say(
        database,
        f"{again.escalated:,} more escalated under tracemalloc in "
        f"{again.seconds:.1f} s: peak {peak:.1f} MB",
    )
    rt.engine.dispose()
    return Result(
        database=database,
        version=version,
        idle_ms=idle,
        plans=plans,
        rows=rows,
        seeding_seconds=seeding_seconds,
        size_mb=size_mb,
        escalation=escalation,
        traced_seconds=again.seconds,
        tracemalloc_peak_mb=peak,
        max_rss_mb=max_rss_mb,
        collection_ms=collection_ms,
        digest=digest,
        report=timings,
        pages=page,
    )


def server_version(engine: Engine) -> str:
    if engine.dialect.name == "sqlite":
        return f"SQLite {sqlite3.sqlite_version}"
    with engine.connect() as connection:
        return f"PostgreSQL {connection.scalar(text('SHOW server_version'))}".split(" (")[0]


def idle_sweeps(
    database: str, engine: Engine, sweeper: Sweeper, seeder: Seeder, disputes: int
) -> dict[int, float]:
    """Idle sweep times with 1%, 10% and all of `disputes` stored, keyed by how many."""
    idle: dict[int, float] = {}
    for size in (disputes // 100, disputes // 10, disputes):
        seeder.seed(size - seeder.number, "stored")
        analyse(engine)
        idle[size] = idle_ms(sweeper)
        say(
            database,
            f"{size:,} disputes stored ({seeder.rows:,} rows, seeded in "
            f"{seeder.seconds:.1f} s): idle sweep {idle[size]:.2f} ms",
        )
    return idle
