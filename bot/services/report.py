"""The partnership report: what the disputes opened in a period came to by the period's end.

A dispute is in the report when it opened in the period (from the first day's start to the last
day's end, in the partnership's time zone). Its stage, outcome, escalations and
acknowledgements are as they stood at the period's end; anything later is left out, so a report
for a past period reads the same whenever it is run.
"""

from __future__ import annotations

import math
import statistics
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from functools import cache
from typing import Any, NamedTuple

from sqlalchemy import Row
from sqlalchemy.orm import Session

from bot.messages.disputes import numbered_stage, theme_label
from bot.services import report_facts as facts
from bot.working_days import WorkingCalendar
from models.dispute import Outcome
from models.protocol import Protocol

OPEN = "Open"


def percentile(values: list[float], share: float) -> float | None:
    """The nearest-rank percentile: the least value with at least `share` of values at or
    below it; None when there are none."""
    if not values:
        return None
    ordered = sorted(values)
    return ordered[max(math.ceil(share * len(ordered)), 1) - 1]


@dataclass(frozen=True)
class Spread:
    """How long something took: how many, median and 90th percentile."""

    count: int
    median: float | None
    p90: float | None

    @classmethod
    def of(cls, values: list[float]) -> Spread:
        median = statistics.median(values) if values else None
        return cls(len(values), median, percentile(values, 0.9))


@dataclass(frozen=True)
class StageCompliance:
    label: str
    entered: int
    timed: int
    in_time: int
    overran: int


@dataclass(frozen=True)
class ReportFigures:
    first_day: date
    last_day: date
    total: int
    categories: list[tuple[str, int]]
    pairs: list[tuple[str, str, int]]
    pair_count: int
    stages: list[tuple[str, int]]
    outcomes: list[tuple[str, int]]
    to_resolution: Spread
    compliance: list[StageCompliance]
    acknowledgement: Spread
    unacknowledged: int
    lapse_escalations: tuple[int, int]
    hand_escalations: tuple[int, int]
    learning: list[tuple[str, int, int]]  # category, learning recorded, referred to partnership


class DisputeLine(NamedTuple):
    """One CSV row: references and agencies only, never the child's reference or case text.
    A named tuple: a report makes one for every dispute of the period, and a tuple is made
    several times faster than a frozen dataclass."""

    reference: str
    protocol: str
    category: str
    urgency: str
    raiser_agency: str
    counterpart_agency: str
    opened: str
    stage_reached: str
    outcome: str
    closed: str
    working_days_to_resolution: int | None
    escalations_by_lapse: int
    escalations_by_hand: int
    slowest_acknowledgement_working_hours: float | None
    unacknowledged_notices: int
    learning_recorded: bool
    referred_to_partnership: bool


def _ranked(counts: dict[str, int]) -> list[tuple[str, int]]:
    return sorted(counts.items(), key=lambda pair: (-pair[1], pair[0]))


def _learning(themes: dict[str, list[int]]) -> list[tuple[str, int, int]]:
    """Themes with learning recorded or referred, most learning first."""
    ranked = sorted(themes.items(), key=lambda pair: (-pair[1][0], -pair[1][1], pair[0]))
    return [
        (label, learned, referred) for label, (learned, referred) in ranked if learned or referred
    ]


@cache
def _outcome(result: str | None) -> str:
    return Outcome(result).label if result else OPEN


class _Labels:
    """A period's protocol labels, each worked out once however many rows repeat it."""

    def __init__(self, protocols: dict[str, Protocol]) -> None:
        self.protocols = protocols
        self._themes: dict[tuple[str, str], str] = {}
        self._stages: dict[tuple[str, int], str] = {}

    def theme(self, key: str, category: str) -> str:
        found = self._themes.get((key, category))
        if found is None:
            found = self._themes[key, category] = theme_label(self.protocols[key], category)
        return found

    def stage(self, key: str, index: int) -> str:
        found = self._stages.get((key, index))
        if found is None:
            found = self._stages[key, index] = numbered_stage(self.protocols[key], index)
        return found


class _InStep:
    """The acknowledgements of the CSV's disputes, read in step with the rows: both come in the
    CSV's order, and only disputes with some acknowledged are listed, so a row's are the next
    ones listed or none."""

    def __init__(self, found: Iterator[tuple[int, list[facts.Acknowledged]]]) -> None:
        self.found = found
        self.head = next(found, None)

    def of(self, dispute_id: int) -> list[facts.Acknowledged]:
        if self.head is None or self.head[0] != dispute_id:
            return []
        notices = self.head[1]
        self.head = next(self.found, None)
        return notices


class ReportService:
    """Works out the report's figures and rows for a period, reading only."""

    def __init__(self, calendar: WorkingCalendar) -> None:
        self.calendar = calendar

    def window(self, first_day: date, last_day: date) -> facts.Window:
        zone = self.calendar.zone
        since = datetime.combine(first_day, time(), tzinfo=zone)
        until = datetime.combine(last_day + timedelta(days=1), time(), tzinfo=zone)
        return facts.Window(since, until)

    def figures(self, session: Session, first_day: date, last_day: date) -> ReportFigures:
        window = self.window(first_day, last_day)
        protocols = facts.labels(session, window)
        counts = facts.grouped(session, window)
        categories: dict[str, int] = {}
        stages: dict[tuple[str, int], int] = {}
        outcomes: dict[str, int] = {}
        learning: dict[str, list[int]] = {}
        escalations = [0, 0, 0, 0]  # by lapse: moves, disputes; by hand: moves, disputes
        total = 0
        for key, category, index, result, learned, referred, n, *moves in counts:
            total += n
            escalations = [a + b for a, b in zip(escalations, moves, strict=True)]
            protocol = protocols[key]
            label = theme_label(protocol, category)
            categories[label] = categories.get(label, 0) + n
            stages[key, index] = stages.get((key, index), 0) + n
            name = Outcome(result).label if result else OPEN
            outcomes[name] = outcomes.get(name, 0) + n
            themes = learning.setdefault(label, [0, 0])
            themes[0] += n if learned else 0
            themes[1] += n if referred else 0
        pairs, pair_count = facts.agency_pairs(session, window)
        spans = facts.resolution_spans(session, window)
        acknowledged = facts.acknowledgements(session, window)
        return ReportFigures(
            first_day=first_day,
            last_day=last_day,
            total=total,
            categories=_ranked(categories),
            pairs=pairs,
            pair_count=pair_count,
            stages=[
                (self._stage(protocols, key, index), n)
                for (key, index), n in sorted(stages.items())
            ],
            outcomes=_ranked(outcomes),
            to_resolution=Spread.of(
                [float(self.calendar.working_days_between(a, b)) for a, b in spans]
            ),
            compliance=[
                StageCompliance(self._stage(protocols, key, index), entered, timed, kept, late)
                for key in sorted(protocols)
                for index, entered, timed, kept, late in facts.stage_compliance(
                    session, window, key
                )
            ],
            acknowledgement=Spread.of(
                [self.calendar.working_hours_between(a, b) for a, b in acknowledged if b]
            ),
            unacknowledged=sum(1 for _, b in acknowledged if b is None),
            lapse_escalations=(escalations[0], escalations[1]),
            hand_escalations=(escalations[2], escalations[3]),
            learning=_learning(learning),
        )

    @staticmethod
    def _stage(protocols: dict[str, Protocol], key: str, index: int) -> str:
        protocol = protocols[key]
        return f"{protocol.name}: {numbered_stage(protocol, index)}"

    def lines(self, session: Session, first_day: date, last_day: date) -> Iterator[DisputeLine]:
        """The CSV's rows, a thousand disputes at a time."""
        window = self.window(first_day, last_day)
        labels = _Labels(facts.labels(session, window))
        acks = _InStep(facts.acknowledged(session, window))
        for rows in facts.dispute_rows(session, window):
            yield from self._lines(labels, acks, rows)

    def _lines(
        self, labels: _Labels, acks: _InStep, rows: Sequence[Row[Any]]
    ) -> Iterator[DisputeLine]:
        day, calendar, line = self._day, self.calendar, DisputeLine
        for (
            dispute_id,
            reference,
            key,
            category,
            urgency,
            raiser,
            counterpart,
            opened_at,
            stage,
            outcome,
            resolved_at,
            lapsed,
            by_hand,
            unacknowledged,
            learning,
            referred,
        ) in rows:  # unpacked by position: reading 16 columns by name costs more than the row
            hours = [calendar.working_hours_between(a, b) for a, b in acks.of(dispute_id)]
            yield line(
                reference,
                labels.protocols[key].name,
                labels.theme(key, category),
                urgency,
                raiser,
                counterpart,
                day(opened_at),
                labels.stage(key, stage),
                _outcome(outcome),
                day(resolved_at) if resolved_at else "",
                calendar.working_days_between(opened_at, resolved_at) if resolved_at else None,
                lapsed,
                by_hand,
                round(max(hours), 1) if hours else None,
                unacknowledged,
                bool(learning),
                bool(referred),
            )

    def _day(self, instant: datetime) -> str:
        """The local minute as 'YYYY-MM-DD HH:MM', cut from the ISO form: strftime costs
        several times as much, once for every dispute."""
        return instant.astimezone(self.calendar.zone).isoformat(" ", "minutes")[:16]
