"""The reads that grow with what is stored: the digests, `/dispute list` and the App Home.

Each is timed beside its floor: the very SQL statements it ran, replayed bare on the driver
connection with nothing built from their rows. `/dispute status` is timed from another thread
while the digests are worked out, as `resolve run` serves requests beside its scheduler.
"""

from __future__ import annotations

import gc
import statistics
import threading
import time
import tracemalloc
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import date
from typing import Any

from sqlalchemy import Engine, delete, event, func, insert, select
from sqlalchemy.orm import Session

from benchmarking.clients import CLIENTS, replayed, requests_per_second
from benchmarking.world import NOW
from bot.database import read_only, transaction
from bot.messages import disputes as views
from bot.messages.home import HOME_ITEMS, LIST_ITEMS, UPCOMING_WINDOW, home_view, list_message
from bot.runtime import Runtime
from bot.services.digest_chart import weekly_chart
from bot.services.digests import FIRST_START, DigestService
from bot.services.queries import my_disputes, upcoming_deadlines
from bot.services.report import ReportService
from models.directory import Person
from models.dispute import Dispute, DisputeMember, DisputeStatus, StageNotice, StageTransition
from models.outbox import OutboxMessage
from models.schedule import DigestRun

PAGE_RUNS = 30
CLIENT_RUNS = 10  # requests each concurrent client makes
STATUS_PAUSE = 0.02  # seconds between one client's `/dispute status` requests
DIGEST_RUNS = 3  # times the digests are sent while `/dispute status` is timed: the median counts
REPORT_RUNS = 3  # times the report's summary is worked out meanwhile, likewise
BUSY_PERSON = "csc_hos@northshire.example"


@dataclass
class DigestFigures:
    sent: list[str]
    seconds: float
    floor_seconds: float
    statements: int
    tracemalloc_peak_mb: float
    status_idle_p95_ms: float
    status_during_p95_ms: float
    status_during_requests: int
    chart_seconds: float


@dataclass
class ReportTimings:
    disputes: int
    summary_seconds: float
    summary_floor_seconds: float
    summary_peak_mb: float
    csv_seconds: float
    csv_floor_seconds: float
    csv_peak_mb: float
    status_during_p95_ms: float
    status_during_requests: int


@dataclass
class PageFigures:
    open_disputes: int
    list_median_ms: float
    list_p95_ms: float
    list_floor_ms: float
    home_median_ms: float
    home_p95_ms: float
    home_floor_ms: float
    list_cpu_ms: float
    list_floor_cpu_ms: float
    home_cpu_ms: float
    home_floor_cpu_ms: float
    list_per_second: float
    list_floor_per_second: float
    home_per_second: float
    home_floor_per_second: float


@contextmanager
def captured(engine: Engine) -> Iterator[list[tuple[str, Any]]]:
    """Every statement run inside the block, with its parameters."""
    statements: list[tuple[str, Any]] = []

    def capture(_conn: Any, _cursor: Any, statement: str, parameters: Any, *_: Any) -> None:
        statements.append((statement, parameters))

    event.listen(engine, "before_cursor_execute", capture)
    try:
        yield statements
    finally:
        event.remove(engine, "before_cursor_execute", capture)


def floor_seconds(engine: Engine, statements: list[tuple[str, Any]]) -> float:
    """The captured SELECTs replayed bare, rows fetched and dropped: the SQL's own cost."""
    reads = [(s, p) for s, p in statements if s.lstrip().upper().startswith(("SELECT", "WITH"))]
    with engine.connect() as connection:
        started = time.perf_counter()
        for statement, parameters in reads:
            connection.exec_driver_sql(statement, parameters).fetchall()
        seconds = time.perf_counter() - started
        connection.rollback()
    return seconds


def _percentile(samples: list[float], share: float) -> float:
    ordered = sorted(samples)
    return ordered[min(len(ordered) - 1, int(len(ordered) * share))]


class StatusClient(threading.Thread):
    """Asks `/dispute status` for one dispute after another, as the command's handler does."""

    def __init__(self, rt: Runtime, dispute_ids: list[int]) -> None:
        super().__init__(daemon=True)
        self.rt, self.ids = rt, dispute_ids
        self.stop = threading.Event()
        self.samples: list[float] = []

    def run(self) -> None:
        n = 0
        while not self.stop.is_set():
            started = time.perf_counter()
            with transaction(self.rt.factory) as session:
                dispute = session.get(Dispute, self.ids[n % len(self.ids)])
                assert dispute is not None
                views.status(dispute, dispute.protocol_snapshot, self.rt.calendar)
            self.samples.append(time.perf_counter() - started)
            n += 1
            self.stop.wait(STATUS_PAUSE)


def status_samples(rt: Runtime, ids: list[int], during: Callable[[], Any]) -> list[float]:
    """Seconds each `/dispute status` took while `during()` ran."""
    client = StatusClient(rt, ids)
    client.start()
    try:
        during()
    finally:
        client.stop.set()
        client.join()
    return client.samples


def status_p95_ms(rt: Runtime, ids: list[int], during: Callable[[], Any]) -> tuple[float, int]:
    """`/dispute status` p95 in ms while `during()` runs, and how many requests were timed."""
    samples = status_samples(rt, ids, during)
    return _percentile(samples, 0.95) * 1000, len(samples)


def _forget_digests(rt: Runtime, before: int) -> None:
    """Unclaims the periods and drops what the digests queued, so they can run again; the
    record of the bot's first start stays, so the periods still count as due."""
    with transaction(rt.factory) as session:
        session.execute(delete(DigestRun).where(DigestRun.period != FIRST_START))
        session.execute(delete(OutboxMessage).where(OutboxMessage.id > before))


def digests(rt: Runtime) -> DigestFigures:
    """Today's daily and this week's weekly digest (with its chart) over everything stored."""
    service = DigestService(
        clock=rt.clock,
        calendar=rt.calendar,
        settings=rt.settings.model_copy(update={"leads_channel": "C0LEADS"}),
        notifier=rt.notifier,
    )
    with transaction(rt.factory) as session:  # running since before the oldest dispute
        if session.scalar(select(DigestRun.id).where(DigestRun.period == FIRST_START)) is None:
            oldest = session.scalar(select(func.min(Dispute.opened_at)))
            session.add(DigestRun(period=FIRST_START, created_at=oldest or rt.clock.now()))
    ids = _open_ids(rt)
    with rt.factory() as session:
        before = session.scalar(select(OutboxMessage.id).order_by(OutboxMessage.id.desc())) or 0

    gc.collect()
    tracemalloc.start()
    with captured(rt.engine) as statements:  # also brings the tables into the page cache
        service.send_due(rt.factory)
    peak = tracemalloc.get_traced_memory()[1] / 2**20
    tracemalloc.stop()
    _forget_digests(rt, before)

    idle = StatusClient(rt, ids)
    idle.start()
    time.sleep(2)
    idle.stop.set()
    idle.join()

    timed: dict[str, Any] = {"seconds": []}

    def send() -> None:
        started = time.perf_counter()
        timed["sent"] = service.send_due(rt.factory)
        timed["seconds"].append(time.perf_counter() - started)

    samples: list[float] = []
    for _ in range(DIGEST_RUNS):  # so that the p95 rests on more than a second's requests
        gc.collect()
        samples += status_samples(rt, ids, send)
        _forget_digests(rt, before)
    return DigestFigures(
        sent=timed["sent"],
        seconds=statistics.median(timed["seconds"]),
        floor_seconds=floor_seconds(rt.engine, statements),
        statements=len(statements),
        tracemalloc_peak_mb=peak,
        status_idle_p95_ms=_percentile(idle.samples, 0.95) * 1000,
        status_during_p95_ms=_percentile(samples, 0.95) * 1000,
        status_during_requests=len(samples),
        chart_seconds=chart_seconds(),
    )


def partnership_report(rt: Runtime) -> ReportTimings:
    """The partnership report over every dispute stored, in a read-only transaction: the
    summary's figures (SQL aggregates) and, apart, the CSV's rows (one per dispute), each beside
    its floor, with `/dispute status` timed from another thread while both build."""
    service = ReportService(rt.calendar)
    first, last = date(2000, 1, 1), rt.calendar.local(rt.clock.now()).date()
    works: dict[str, Callable[[Session], Any]] = {
        "summary": lambda s: service.figures(s, first, last),
        "csv": lambda s: sum(1 for _ in service.lines(s, first, last)),
    }
    peaks: dict[str, float] = {}
    floors: dict[str, float] = {}
    for name, work in works.items():  # also brings the tables into the page cache
        gc.collect()
        tracemalloc.start()
        with captured(rt.engine) as statements, read_only(rt.factory) as session:
            work(session)
        peaks[name] = tracemalloc.get_traced_memory()[1] / 2**20
        tracemalloc.stop()
        floors[name] = floor_seconds(rt.engine, statements)

    built: dict[str, Any] = {}
    seconds: dict[str, list[float]] = {name: [] for name in works}

    def build() -> None:
        """Timed bare, as tracemalloc slows Python about threefold; the summary, a second's
        work, REPORT_RUNS times for its median, as the digests are."""
        for name, work in works.items():
            for _ in range(REPORT_RUNS if name == "summary" else 1):
                gc.collect()
                started = time.perf_counter()
                with read_only(rt.factory) as session:
                    built[name] = work(session)
                seconds[name].append(time.perf_counter() - started)

    status_p95, requests = status_p95_ms(rt, _open_ids(rt), build)
    return ReportTimings(
        disputes=built["summary"].total,
        summary_seconds=statistics.median(seconds["summary"]),
        summary_floor_seconds=floors["summary"],
        summary_peak_mb=peaks["summary"],
        csv_seconds=seconds["csv"][0],
        csv_floor_seconds=floors["csv"],
        csv_peak_mb=peaks["csv"],
        status_during_p95_ms=status_p95,
        status_during_requests=requests,
    )


def _open_ids(rt: Runtime) -> list[int]:
    """Open disputes for `/dispute status` to ask about while something else runs."""
    with rt.factory() as session:
        return list(session.scalars(select(Dispute.id).where(Dispute.status == "open").limit(200)))


def chart_seconds() -> float:
    """Drawing a weekly chart of the same shape, as its upload does: a fixed cost, whatever is
    stored, and not part of the digests' time (the second drawing is timed, not the import)."""
    figures: dict[str, Any] = {
        "stages": [(f"Stage {n}", 1000 * n) for n in range(1, 6)],
        "weeks": [f"{n} Oct" for n in range(1, 7)],
        "themes": {f"Theme {n}": [100 * n] * 6 for n in range(3)},
    }
    weekly_chart(**figures)
    started = time.perf_counter()
    weekly_chart(**figures)
    return time.perf_counter() - started


def make_busy(rt: Runtime, count: int) -> int:
    """Makes the head of children's social care a member of `count` open disputes, with a
    stage notice still to acknowledge on every other one; returns their id."""
    with transaction(rt.factory) as session:
        person = session.scalar(select(Person).where(Person.email == BUSY_PERSON))
        assert person is not None
        chosen = list(
            session.scalars(
                select(Dispute.id)
                .where(Dispute.status == DisputeStatus.OPEN)
                .order_by(Dispute.id)
                .limit(count)
            )
        )
        current = dict(
            session.execute(
                select(StageTransition.dispute_id, StageTransition.id)
                .where(StageTransition.dispute_id.in_(chosen))
                .order_by(StageTransition.id)
            ).all()
        )
        session.execute(
            insert(DisputeMember),
            [
                {
                    "dispute_id": d,
                    "person_id": person.id,
                    "reason": "head of service",
                    "added_at": NOW,
                }
                for d in chosen
            ],
        )
        session.execute(
            insert(StageNotice),
            [
                {
                    "transition_id": current[d],
                    "dispute_id": d,
                    "person_id": person.id,
                    "side": "counterpart",
                    "explanation": "head of service",
                    "acknowledged_at": None,
                    "superseded": False,
                    "message_channel": None,
                    "message_ts": None,
                }
                for d in chosen[::2]
            ],
        )
        return person.id


def _timed(runs: int, work: Callable[[], Any]) -> tuple[float, float]:
    samples = []
    for _ in range(runs):
        started = time.perf_counter()
        work()
        samples.append(time.perf_counter() - started)
    return statistics.median(samples) * 1000, _percentile(samples, 0.95) * 1000


def _cpu_ms(runs: int, work: Callable[[], Any]) -> float:
    """The median CPU time of `work` in this thread, SQLite's included: unlike the time on the
    clock, it does not grow when other processes share the cores."""
    samples = []
    for _ in range(runs):
        started = time.thread_time()
        work()
        samples.append(time.thread_time() - started)
    return statistics.median(samples) * 1000


def pages(rt: Runtime, person_id: int) -> PageFigures:
    """`/dispute list` and the App Home for one busy person: server time one request at a time
    (on the clock and in CPU), requests a second with CLIENTS asking at once, and the floor of
    each: its SQL alone."""

    def in_session(render: Callable[[Session, Person], Any]) -> Callable[[], Any]:
        def work() -> Any:
            with transaction(rt.factory) as session:
                person = session.get(Person, person_id)
                assert person is not None
                return render(session, person)

        return work

    def listing(session: Session, person: Person) -> Any:
        mine = my_disputes(session, person, limit=LIST_ITEMS, with_parties=False)
        return list_message(mine, calendar=rt.calendar)

    def home(session: Session, person: Person) -> Any:
        now = rt.clock.now()
        return home_view(
            my_disputes(session, person, limit=HOME_ITEMS),
            upcoming_deadlines(session, person, now=now, within=UPCOMING_WINDOW, limit=HOME_ITEMS),
            calendar=rt.calendar,
            now=now,
        )

    list_work, home_work = in_session(listing), in_session(home)
    list_work()
    home_work()
    with rt.factory() as session:
        person = session.get(Person, person_id)
        assert person is not None
        open_disputes = my_disputes(session, person, limit=1).open_count
    floors, bare = [], []
    for work in (list_work, home_work):
        with captured(rt.engine) as statements:
            work()
        floors.append(
            statistics.median(floor_seconds(rt.engine, statements) for _ in range(PAGE_RUNS))
        )
        bare.append(replayed(rt.engine, statements))
    list_median, list_p95 = _timed(PAGE_RUNS, list_work)
    home_median, home_p95 = _timed(PAGE_RUNS, home_work)
    together = {
        name: requests_per_second(work, clients=CLIENTS, each=CLIENT_RUNS)
        for name, work in (
            ("list", list_work),
            ("list floor", bare[0]),
            ("home", home_work),
            ("home floor", bare[1]),
        )
    }
    return PageFigures(
        open_disputes=open_disputes,
        list_median_ms=list_median,
        list_p95_ms=list_p95,
        list_floor_ms=floors[0] * 1000,
        home_median_ms=home_median,
        home_p95_ms=home_p95,
        home_floor_ms=floors[1] * 1000,
        list_cpu_ms=_cpu_ms(PAGE_RUNS, list_work),
        list_floor_cpu_ms=_cpu_ms(PAGE_RUNS, bare[0]),
        home_cpu_ms=_cpu_ms(PAGE_RUNS, home_work),
        home_floor_cpu_ms=_cpu_ms(PAGE_RUNS, bare[1]),
        list_per_second=together["list"],
        list_floor_per_second=together["list floor"],
        home_per_second=together["home"],
        home_floor_per_second=together["home floor"],
    )
