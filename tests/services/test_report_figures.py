"""The partnership report's figures against answers worked out here, independently, from the
seeded timeline and the disputes loaded whole; its CSV columns; and no child reference in it."""

from __future__ import annotations

import csv
import heapq
import io
import itertools
import math
from collections import Counter
from collections.abc import Callable
from datetime import date, datetime, timedelta
from zoneinfo import ZoneInfo

import holidays
import pytest
from click.testing import CliRunner
from sqlalchemy import select
from sqlalchemy.orm import Session

from bot.cli import cli
from bot.messages.report import CSV_COLUMNS, report_csv, report_markdown
from bot.services.disputes import DisputeService
from bot.services.report import ReportService
from bot.services.report_documents import report_document
from models.directory import Person
from models.dispute import Dispute
from tests.conftest import london
from tests.services.test_digests import CHILD, open_dispute

LONDON = ZoneInfo("Europe/London")
BANK = holidays.country_holidays("GB", subdiv="ENG")
FIRST, LAST = date(2026, 12, 1), date(2026, 12, 31)
UNTIL = london(2027, 1, 1, 0, 0)
CATEGORIES = ["referral-threshold", "response-to-harm", "child-protection-plan"]
OUTCOMES = ["resolved", "partially_resolved", "not_resolved"]
PAIRS = [("pol_dc", "csc_sw"), ("hv", "csc_sw"), ("pol_dc", "hv"), ("pol_dc", "csc_sw")]


def working(day: date) -> bool:
    return day.weekday() < 5 and day not in BANK


def working_days(a: datetime, b: datetime) -> int:
    """Working days after a's London day up to and including b's."""
    first, last = a.astimezone(LONDON).date(), b.astimezone(LONDON).date()
    return sum(working(first + timedelta(days=k)) for k in range(1, (last - first).days + 1))


def working_hours(a: datetime, b: datetime) -> float:
    """Minute by minute: those on a working day between 09:00 and 17:00 London time."""
    minutes = int((b - a).total_seconds() // 60)
    counted = 0
    for k in range(minutes):
        local = (a + timedelta(minutes=k)).astimezone(LONDON)
        counted += working(local.date()) and 9 <= local.hour < 17
    return counted / 60


def median(values: list[float]) -> float:
    ordered = sorted(values)
    middle = len(ordered) // 2
    if len(ordered) % 2:
        return ordered[middle]
    return (ordered[middle - 1] + ordered[middle]) / 2


def nearest_rank_p90(values: list[float]) -> float:
    ordered = sorted(values)
    return ordered[math.ceil(0.9 * len(ordered)) - 1]


class Timeline:
    """Runs actions in time order with the clock moved to each, as they would happen."""

    def __init__(self, clock) -> None:
        self.clock, self.queue, self.order = clock, [], itertools.count()

    def at(self, when: datetime, action: Callable[[], None]) -> None:
        heapq.heappush(self.queue, (when, next(self.order), action))

    def run(self) -> None:
        while self.queue:
            when, _, action = heapq.heappop(self.queue)
            self.clock.set(when)
            action()


def seed(
    service: DisputeService, session: Session, people: dict[str, Person], clock
) -> dict[str, list]:
    """Twelve disputes opened a day apart from 1 December 2026 (weekends and Christmas among
    their spans), one before and one after the period; returns what the plan says happened."""
    plan: dict[str, list] = {"spans": [], "acks": [], "hand": [], "lapsed": []}
    timeline = Timeline(clock)

    def start(n: int, opened: datetime) -> None:
        raiser, counterpart = PAIRS[n % 4]
        dispute = open_dispute(
            service,
            session,
            people[raiser],
            people[counterpart],
            category=CATEGORIES[n % 3],
        )
        if not FIRST <= opened.date() <= LAST:
            return
        if n % 4 != 3:
            timeline.at(opened + timedelta(hours=n % 3 + 1), lambda: acknowledge(dispute, opened))
        if n % 3 == 0:
            timeline.at(opened + timedelta(days=1), lambda: by_hand(dispute, people[raiser]))
        if n % 4 == 1:
            timeline.at(opened + timedelta(days=1, hours=1), lambda: lapse(dispute))
        else:
            closes = opened + timedelta(days=(n * 3) % 11 + 1, hours=5)
            if n == 11:
                closes = london(2027, 1, 5, 15, 0)  # after the period: open at its end
            timeline.at(closes, lambda: resolve(dispute, people[raiser], n, opened))

    def acknowledge(dispute: Dispute, opened: datetime) -> None:
        person = dispute.current_transition.acting_notices[0].person
        service.acknowledge(session=session, dispute=dispute, actor=person)
        plan["acks"].append(working_hours(opened, clock.now()))

    def by_hand(dispute: Dispute, raiser: Person) -> None:
        service.escalate(session=session, dispute=dispute, actor=raiser, reason="Up")
        plan["hand"].append(dispute.reference)

    def lapse(dispute: Dispute) -> None:
        if clock.now() < dispute.deadline_at:
            timeline.at(dispute.deadline_at + timedelta(minutes=1), lambda: lapse(dispute))
            return
        assert service.escalate_lapsed(session=session, dispute=dispute) is not None
        plan["lapsed"].append(dispute.reference)

    def resolve(dispute: Dispute, raiser: Person, n: int, opened: datetime) -> None:
        service.resolve(
            session=session,
            dispute=dispute,
            actor=raiser,
            outcome=OUTCOMES[n % 3],
            summary="Agreed",
            learning="Share the threshold document at the strategy meeting" if n % 2 else None,
            refer_to_partnership=n % 3 == 1,
        )
        if clock.now() < UNTIL:
            plan["spans"].append(working_days(opened, clock.now()))

    for n, opened in enumerate(
        [london(2026, 11, 30, 10, 0)]
        + [london(2026, 12, 1 + k, 10, 0) for k in range(12)]
        + [london(2027, 1, 1, 0, 0)]
    ):
        timeline.at(opened, lambda n=n, opened=opened: start(n, opened))
    timeline.run()
    session.flush()
    return plan


@pytest.fixture
def seeded(service, session, people, clock) -> dict[str, list]:
    return seed(service, session, people, clock)


def in_period(session: Session) -> list[Dispute]:
    return [
        d
        for d in session.scalars(select(Dispute).order_by(Dispute.reference))
        if london(2026, 12, 1, 0, 0) <= d.opened_at < UNTIL
    ]


def test_the_figures_match_answers_worked_out_independently(seeded, session, calendar, catalog):
    figures = ReportService(calendar).figures(session, FIRST, LAST)
    disputes = in_period(session)
    suffolk = catalog.get("suffolk")
    assert figures.total == len(disputes) == 12
    assert dict(figures.categories) == Counter(suffolk.category(d.category).label for d in disputes)
    pairs = Counter((d.raiser_agency.name, d.counterpart_agency.name) for d in disputes)
    assert {(a, b): n for a, b, n in figures.pairs} == pairs
    assert figures.pair_count == len(pairs)

    outcomes = Counter(
        d.resolution.outcome.replace("_", " ").capitalize()
        if d.resolution and d.resolution.resolved_at < UNTIL
        else "Open"
        for d in disputes
    )
    assert dict(figures.outcomes) == outcomes
    assert outcomes["Open"] == 4  # three left to lapse, one resolved in January

    spans = seeded["spans"]
    assert figures.to_resolution.count == len(spans) == 8
    assert figures.to_resolution.median == median(spans)
    assert figures.to_resolution.p90 == nearest_rank_p90(spans)
    assert (
        f"median {median(spans):g} working days, 90th percentile {nearest_rank_p90(spans):g} "
        "working days, over 8 resolved disputes"
    ) in report_markdown(figures)

    acks = seeded["acks"]
    assert figures.acknowledgement.count == len(acks) == 9
    assert figures.acknowledgement.median == pytest.approx(median(acks))
    assert figures.acknowledgement.p90 == pytest.approx(nearest_rank_p90(acks))
    assert 0.0 in acks  # the Saturday opening, acknowledged on the Saturday
    notices = [n for d in disputes for t in d.transitions for n in t.acting_notices]
    assert figures.unacknowledged == sum(1 for n in notices if n.acknowledged_at is None)

    assert figures.hand_escalations == (len(seeded["hand"]), len(set(seeded["hand"])))
    assert figures.lapse_escalations == (len(seeded["lapsed"]), len(set(seeded["lapsed"])))
    assert len(seeded["lapsed"]) == 3

    reached = Counter(max(t.to_stage for t in d.transitions) for d in disputes)
    assert [n for _, n in figures.stages] == [reached[k] for k in sorted(reached)]
    assert figures.stages[0][0] == f"{suffolk.name}: Stage 1 of 5: {suffolk.stages[0].title}"

    settled = [d for d in disputes if d.resolution and d.resolution.resolved_at < UNTIL]
    learning = Counter(suffolk.category(d.category).label for d in settled if d.resolution.learning)
    referred = Counter(
        suffolk.category(d.category).label for d in settled if d.resolution.refer_to_partnership
    )
    assert {label: (a, b) for label, a, b in figures.learning} == {
        label: (learning[label], referred[label]) for label in learning | referred
    }


def test_moves_after_the_period_leave_its_figures_as_they_stood_at_its_end(
    seeded, service, session, clock, calendar
):
    report = ReportService(calendar)
    figures, lines = report.figures(session, FIRST, LAST), list(report.lines(session, FIRST, LAST))
    clock.set(london(2027, 1, 6, 10, 0))
    moved = []
    for dispute in in_period(session):
        if dispute.is_open:
            service.escalate(session=session, dispute=dispute, actor=dispute.raiser, reason="Up")
            moved.append(dispute.reference)
    session.flush()
    assert len(moved) == 3  # the fourth open at December's end closed on 5 January
    # December's report still shows December's end; one running to today counts the moves.
    assert report.figures(session, FIRST, LAST) == figures
    assert list(report.lines(session, FIRST, LAST)) == lines
    to_date = report.figures(session, FIRST, date(2027, 1, 6))
    assert to_date.hand_escalations == (
        figures.hand_escalations[0] + 3,
        len(set(seeded["hand"]) | set(moved)),
    )
    since = london(2026, 12, 1, 0, 0)
    disputes = [d for d in session.scalars(select(Dispute)) if d.opened_at >= since]
    reached = Counter(max(t.to_stage for t in d.transitions) for d in disputes)
    assert [n for _, n in to_date.stages] == [reached[k] for k in sorted(reached)]
    assert to_date.stages != figures.stages


def test_stage_compliance_counts_each_stage_left_by_its_deadline(seeded, session, calendar):
    figures = ReportService(calendar).figures(session, FIRST, LAST)
    expected: Counter[tuple[int, str]] = Counter()
    for dispute in in_period(session):
        resolved = dispute.resolution.resolved_at if dispute.resolution else None
        moves = dispute.transitions
        for k, move in enumerate(moves):
            left = moves[k + 1].created_at if k + 1 < len(moves) else resolved
            left = left if left and left < UNTIL else None
            expected[move.to_stage, "entered"] += 1
            if move.deadline_at is None:
                continue
            expected[move.to_stage, "timed"] += 1
            if left is not None and left <= move.deadline_at:
                expected[move.to_stage, "in time"] += 1
            elif move.deadline_at < UNTIL:
                expected[move.to_stage, "overran"] += 1
    stages = sorted({stage for stage, _ in expected})
    assert [(c.entered, c.timed, c.in_time, c.overran) for c in figures.compliance] == [
        tuple(expected[s, what] for what in ("entered", "timed", "in time", "overran"))
        for s in stages
    ]
    assert sum(c.overran for c in figures.compliance) >= 3


def test_the_csv_has_its_documented_columns_and_a_row_per_dispute(
    seeded, session, calendar, repo_root
):
    service = ReportService(calendar)
    text = report_csv(service.lines(session, FIRST, LAST))
    rows = list(csv.DictReader(io.StringIO(text)))
    disputes = in_period(session)
    assert list(rows[0]) == CSV_COLUMNS
    assert [r["reference"] for r in rows] == [d.reference for d in disputes]
    readme = (repo_root / "README.md").read_text()
    for column in CSV_COLUMNS:
        assert f"`{column}`" in readme
    by_ref = {r["reference"]: r for r in rows}
    for dispute in disputes:
        row = by_ref[dispute.reference]
        resolution = dispute.resolution
        if resolution and resolution.resolved_at < UNTIL:
            assert row["working_days_to_resolution"] == str(
                working_days(dispute.opened_at, resolution.resolved_at)
            )
        else:
            assert (row["outcome"], row["closed"], row["working_days_to_resolution"]) == (
                "Open",
                "",
                "",
            )
        lapsed = sum(t.trigger == "timescale lapsed" for t in dispute.transitions)
        assert row["escalations_by_lapse"] == str(lapsed)
        assert row["raiser_agency"] == dispute.raiser_agency.name
    slowest = [r["slowest_acknowledgement_working_hours"] for r in rows]
    assert sorted(float(h) for h in slowest if h) == sorted(round(h, 1) for h in seeded["acks"])


@pytest.mark.parametrize("kind", ["md", "csv", "pdf"])
def test_no_child_reference_in_any_format(seeded, session, calendar, clock, kind):
    document = report_document(
        session,
        calendar,
        FIRST,
        LAST,
        kind,
        generated_at=clock.now(),
        generated_by="test",
    )
    assert CHILD.encode() not in document.content
    assert CHILD not in document.summary
    assert document.filename == f"disputes-report-2026-12-01-to-2026-12-31.{kind}"
    if kind == "pdf":
        assert document.content.startswith(b"%PDF")


def test_an_empty_period_says_so_without_failing(session, calendar, people):
    figures = ReportService(calendar).figures(session, date(2020, 1, 1), date(2020, 6, 30))
    assert figures.total == 0
    text = report_markdown(figures)
    assert "Disputes opened in the period, as they stood at its end: **0**." in text
    assert "median none yet" in text


def run_report(database_url: str, tmp_path, *args: str):
    return CliRunner().invoke(
        cli,
        ["report", "--from", "2026-12-01", "--to", "2026-12-31", *args],
        env={"DATABASE_URL": database_url},
    )


def test_the_command_writes_each_format(seeded, session, database_url, tmp_path):
    session.commit()
    summary = run_report(database_url, tmp_path)
    assert summary.exit_code == 0, summary.output
    assert summary.stderr == ""
    assert "Disputes opened in the period, as they stood at its end: **12**." in summary.output
    table = run_report(database_url, tmp_path, "--format", "csv")
    assert table.output.splitlines()[0] == ",".join(CSV_COLUMNS)
    assert len(table.output.splitlines()) == 13
    target = tmp_path / "report.pdf"
    printed = run_report(database_url, tmp_path, "--format", "pdf", "--out", str(target))
    # stderr may carry the PDF library's warnings about this machine's fonts
    assert printed.stdout == f"Wrote disputes-report-2026-12-01-to-2026-12-31.pdf to {target}.\n"
    assert target.read_bytes().startswith(b"%PDF")
    for result in (summary, table):
        assert CHILD not in result.output


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["--from", "1/12/2026", "--to", "2026-12-31"], "write it as YYYY-MM-DD"),
        (["--from", "2026-12-31", "--to", "2026-12-01"], "give the earlier day first"),
        (["--from", "2026-12-01", "--to", "2026-12-31", "--format", "docx"], "'md', 'csv', 'pdf'"),
    ],
)
def test_bad_input_is_one_line_exit_2(database_url, args, message):
    result = CliRunner().invoke(cli, ["report", *args], env={"DATABASE_URL": database_url})
    assert result.exit_code == 2
    assert message in result.output
    assert "Traceback" not in result.output


def test_a_reopened_dispute_counts_once_with_the_closure_standing_at_the_end(
    service, session, people, clock, calendar
):
    clock.set(london(2026, 3, 2, 10, 0))
    dispute = open_dispute(service, session, people["pol_dc"], people["csc_sw"])
    clock.advance(timedelta(days=1))
    service.resolve(
        session=session,
        dispute=dispute,
        actor=people["csc_sw"],
        outcome="not_resolved",
        summary="No agreement yet.",
    )
    clock.advance(timedelta(days=1))
    service.reopen(session=session, dispute=dispute, actor=people["pol_dc"], reason="New facts")
    clock.advance(timedelta(days=1))
    service.resolve(
        session=session,
        dispute=dispute,
        actor=people["csc_sw"],
        outcome="resolved",
        summary="Agreed after all.",
    )
    session.flush()
    report = ReportService(calendar)
    assert report.figures(session, date(2026, 3, 1), date(2026, 3, 31)).total == 1
    lines = report.lines(session, date(2026, 3, 1), date(2026, 3, 31))
    rows = list(csv.DictReader(io.StringIO(report_csv(lines))))
    assert [r["outcome"] for r in rows] == ["Resolved"]
