"""Prints the figures of every database side by side, one column per database."""

from __future__ import annotations

from collections.abc import Sequence

from benchmarking.clients import CLIENTS
from benchmarking.measures import IDLE_RUNS, INDEXES
from benchmarking.reads import PAGE_RUNS
from benchmarking.run import Result

Rows = list[tuple[str, list[str]]]


def report(results: list[Result], disputes: int, lapsing: int, traced: int) -> None:
    """The figures side by side, one column per database."""
    names = [r.database for r in results]
    width = max(12, *(len(r.version) + 2 for r in results))
    sizes = [disputes // 100, disputes // 10, disputes]
    table(
        f"Idle sweep, nothing due: Sweeper.run_once() median of {IDLE_RUNS} runs (ms)",
        [(r.version, [f"{r.idle_ms[s]:.2f}" for s in sizes]) for r in results],
        [f"{s:,} stored" for s in sizes],
        width,
    )
    table("Stored data", stored(results), names, width)
    for result in results:
        claim_plans(result, disputes)
    table(
        f"{lapsing:,} stages lapsing at once: one Sweeper.run_once()",
        escalation(results),
        names,
        width,
    )
    table("Memory", memory(results, traced), names, width)
    table(
        f"Daily and weekly digest (with chart) over {disputes:,} disputes stored",
        digest(results),
        names,
        width,
    )
    table(
        f"Partnership report over {disputes:,} disputes stored, read-only transaction",
        partnership(results),
        names,
        width,
    )
    busy = results[0].pages.open_disputes
    table(
        f"/dispute list and App Home for one person with {busy:,} open disputes: "
        f"{PAGE_RUNS} runs (ms) one at a time, then {CLIENTS} clients at once",
        page_rows(results),
        names,
        width,
    )


def table(title: str, rows: Rows, header: Sequence[str], width: int) -> None:
    print(f"\n{title}")
    label = max(len(r[0]) for r in rows) + 2
    print(" " * label + "".join(h.rjust(width) for h in header))
    for name, cells in rows:
        print(name.ljust(label) + "".join(c.rjust(width) for c in cells))


def stored(results: list[Result]) -> Rows:
    return [
        ("rows seeded (all tables)", [f"{r.rows:,}" for r in results]),
        ("seeding time (s)", [f"{r.seeding_seconds:.1f}" for r in results]),
        ("database size (MB)", [f"{r.size_mb:,.0f}" for r in results]),
    ]


def claim_plans(result: Result, disputes: int) -> None:
    """Each claim query's plan, and whether it goes through the index meant for it."""
    print(f"\nClaim query plans on {result.version} ({disputes:,} disputes stored)")
    for table_name, lines in result.plans:
        index = INDEXES.get(table_name, "")
        used = "yes" if any(index and index in line for line in lines) else "NO"
        print(f"  {table_name}: uses {index}: {used}")
        for line in lines:
            print(f"    {line}")


def escalation(results: list[Result]) -> Rows:
    escalations = [r.escalation for r in results]
    return [
        ("replicas sweeping at once", [str(e.replicas) for e in escalations]),
        ("total (s)", [f"{e.seconds:.1f}" for e in escalations]),
        ("  floor: the same writes set-based (s)", [f"{e.floor_seconds:.1f}" for e in escalations]),
        (
            "  times the floor",
            [f"{e.seconds / max(e.floor_seconds, 1e-9):.1f}" for e in escalations],
        ),
        ("escalations per second", [f"{e.escalated / e.seconds:,.0f}" for e in escalations]),
        (
            "escalated by each replica",
            [" + ".join(f"{n:,}" for n in e.by_replica) for e in escalations],
        ),
        ("escalated", [f"{e.escalated:,}" for e in escalations]),
        ("awaiting referral", [f"{e.awaiting_referral:,}" for e in escalations]),
        ("still due afterwards", [f"{e.still_due:,}" for e in escalations]),
        (
            "outbox rows queued (one announcement a stage)",
            [f"{e.outbox_rows:,}" for e in escalations],
        ),
        (
            "then, in delivery: announcements drawn into messages (s)",
            [f"{e.announced_seconds:.1f}" for e in escalations],
        ),
        ("  messages they queued", [f"{e.messages:,}" for e in escalations]),
    ]


def memory(results: list[Result], traced: int) -> Rows:
    return [
        (
            f"tracemalloc peak escalating {traced:,} (MB)",
            [f"{r.tracemalloc_peak_mb:.1f}" for r in results],
        ),
        ("  that traced sweep took (s)", [f"{r.traced_seconds:.1f}" for r in results]),
        ("process peak RSS, ru_maxrss (MB)", [f"{r.max_rss_mb:.0f}" for r in results]),
        (
            "a full garbage collection, as built (ms)",
            [f"{r.collection_ms[0]:.1f}" for r in results],
        ),
        ("  once the heap is settled (ms)", [f"{r.collection_ms[1]:.1f}" for r in results]),
    ]


def digest(results: list[Result]) -> Rows:
    figures = [r.digest for r in results]
    return [
        ("both digests, send_due(), median of 3 (s)", [f"{d.seconds:.2f}" for d in figures]),
        ("  floor: their SELECTs replayed bare (s)", [f"{d.floor_seconds:.2f}" for d in figures]),
        ("  statements run", [f"{d.statements}" for d in figures]),
        (
            "drawing the weekly chart, at its upload (s)",
            [f"{d.chart_seconds:.2f}" for d in figures],
        ),
        ("  tracemalloc peak (MB)", [f"{d.tracemalloc_peak_mb:.1f}" for d in figures]),
        ("/dispute status p95, idle (ms)", [f"{d.status_idle_p95_ms:.1f}" for d in figures]),
        (
            "/dispute status p95, digests building (ms)",
            [f"{d.status_during_p95_ms:.1f}" for d in figures],
        ),
        ("  requests timed meanwhile", [f"{d.status_during_requests}" for d in figures]),
    ]


def partnership(results: list[Result]) -> Rows:
    figures = [r.report for r in results]
    return [
        ("disputes in the report", [f"{t.disputes:,}" for t in figures]),
        ("summary: SQL aggregates, median of 3 (s)", [f"{t.summary_seconds:.2f}" for t in figures]),
        (
            "  floor: its SELECTs replayed bare (s)",
            [f"{t.summary_floor_seconds:.2f}" for t in figures],
        ),
        ("  tracemalloc peak (MB)", [f"{t.summary_peak_mb:.1f}" for t in figures]),
        ("CSV: one row per dispute (s)", [f"{t.csv_seconds:.2f}" for t in figures]),
        ("  floor: its SELECTs replayed bare (s)", [f"{t.csv_floor_seconds:.2f}" for t in figures]),
        ("  tracemalloc peak (MB)", [f"{t.csv_peak_mb:.1f}" for t in figures]),
        (
            "/dispute status p95, report building (ms)",
            [f"{t.status_during_p95_ms:.1f}" for t in figures],
        ),
        ("  requests timed meanwhile", [f"{t.status_during_requests}" for t in figures]),
    ]


def page_rows(results: list[Result]) -> Rows:
    figures = [r.pages for r in results]
    return [
        ("/dispute list median", [f"{p.list_median_ms:.1f}" for p in figures]),
        ("/dispute list p95", [f"{p.list_p95_ms:.1f}" for p in figures]),
        ("  floor: its SELECTs replayed bare", [f"{p.list_floor_ms:.1f}" for p in figures]),
        ("App Home median", [f"{p.home_median_ms:.1f}" for p in figures]),
        ("App Home p95", [f"{p.home_p95_ms:.1f}" for p in figures]),
        ("  floor: its SELECTs replayed bare", [f"{p.home_floor_ms:.1f}" for p in figures]),
        ("/dispute list CPU time, median", [f"{p.list_cpu_ms:.1f}" for p in figures]),
        ("  floor: its SELECTs replayed bare", [f"{p.list_floor_cpu_ms:.1f}" for p in figures]),
        ("App Home CPU time, median", [f"{p.home_cpu_ms:.1f}" for p in figures]),
        ("  floor: its SELECTs replayed bare", [f"{p.home_floor_cpu_ms:.1f}" for p in figures]),
        (
            f"/dispute list, {CLIENTS} clients at once (requests/s)",
            [f"{p.list_per_second:.0f}" for p in figures],
        ),
        ("  floor: its SELECTs replayed bare", [f"{p.list_floor_per_second:.0f}" for p in figures]),
        (
            f"App Home, {CLIENTS} clients at once (requests/s)",
            [f"{p.home_per_second:.0f}" for p in figures],
        ),
        ("  floor: its SELECTs replayed bare", [f"{p.home_floor_per_second:.0f}" for p in figures]),
    ]
