"""Deadlines as the protocols count them: close of business on the Nth working day."""

from __future__ import annotations

from datetime import UTC, datetime, time
from zoneinfo import ZoneInfo

import pytest

from bot.messages.dates import when
from bot.settings import Region
from bot.working_days import WorkingCalendar
from models.timescale import TimescaleError, parse_timescale
from tests.conftest import london

LONDON = ZoneInfo("Europe/London")


def due(start: datetime, span: str, region: Region = Region.ENGLAND_AND_WALES) -> datetime:
    return WorkingCalendar(zone=LONDON, region=region).due(start, parse_timescale(span))


@pytest.mark.parametrize(
    ("start", "span", "expected"),
    [
        # Christmas and New Year: 25, 28 (Boxing Day substitute) Dec and 1 Jan are skipped.
        (london(2026, 12, 23, 10, 0), "5 working days", london(2027, 1, 4, 17, 0)),
        (london(2026, 12, 24, 16, 0), "1 working day", london(2026, 12, 29, 17, 0)),
        # Easter 2027: Good Friday 26 March, Easter Monday 29 March.
        (london(2027, 3, 25, 11, 0), "1 working day", london(2027, 3, 30, 17, 0)),
        (london(2027, 3, 24, 11, 0), "3 working days", london(2027, 3, 31, 17, 0)),
        # Late on a Friday and at the weekend: the count starts from the next working day.
        (london(2026, 11, 27, 16, 55), "1 working day", london(2026, 11, 30, 17, 0)),
        (london(2026, 11, 27, 23, 30), "1 working day", london(2026, 11, 30, 17, 0)),
        (london(2026, 11, 28, 12, 0), "1 working day", london(2026, 11, 30, 17, 0)),
        (london(2026, 11, 29, 12, 0), "5 working days", london(2026, 12, 4, 17, 0)),
        # Five working days spanning the clocks going forward (28 March 2027) and back (31 Oct).
        (london(2027, 3, 24, 9, 0), "5 working days", london(2027, 4, 2, 17, 0)),
        (london(2027, 10, 29, 9, 0), "1 working day", london(2027, 11, 1, 17, 0)),
    ],
)
def test_working_days(start: datetime, span: str, expected: datetime) -> None:
    assert due(start, span) == expected


def test_clock_hours_across_the_spring_change_are_real_elapsed_time() -> None:
    start = london(2027, 3, 27, 12, 0)  # GMT
    end = due(start, "24 hours")
    assert end == datetime(2027, 3, 28, 12, 0, tzinfo=UTC)
    assert end.astimezone(LONDON).hour == 13  # BST on the wall clock


def test_clock_hours_across_the_autumn_change() -> None:
    start = london(2027, 10, 30, 12, 0)  # BST
    end = due(start, "PT24H")
    assert end.astimezone(LONDON) == london(2027, 10, 31, 11, 0)


def test_deadline_wall_time_stays_at_close_of_business_across_dst() -> None:
    deadline = due(london(2027, 3, 26, 9, 0), "1 working day")  # Good Friday start
    assert deadline.astimezone(LONDON).time() == time(17, 0)
    assert deadline.utcoffset() is not None


def test_scotland_and_england_differ_on_their_own_holidays() -> None:
    # 2 January is a bank holiday in Scotland only; 30 November (St Andrew's) too.
    start = london(2026, 11, 27, 10, 0)
    assert due(start, "1 working day") == london(2026, 11, 30, 17, 0)
    assert due(start, "1 working day", Region.SCOTLAND) == london(2026, 12, 1, 17, 0)
    new_year = london(2026, 12, 31, 10, 0)
    assert due(new_year, "1 working day") == london(2027, 1, 4, 17, 0)
    assert due(new_year, "1 working day", Region.SCOTLAND) == london(2027, 1, 5, 17, 0)


def test_northern_ireland_skips_st_patricks_day() -> None:
    start = london(2027, 3, 16, 10, 0)
    assert due(start, "1 working day") == london(2027, 3, 17, 17, 0)
    assert due(start, "1 working day", Region.NORTHERN_IRELAND) == london(2027, 3, 18, 17, 0)


def test_whichever_is_less() -> None:
    calendar = WorkingCalendar(zone=LONDON)
    start = london(2026, 11, 23, 10, 0)
    shorter = calendar.due_within(
        start, parse_timescale("5 working days"), parse_timescale("24 hours")
    )
    assert shorter == london(2026, 11, 24, 10, 0)
    assert calendar.due_within(start, None) is None


def test_next_working_moment_defers_night_and_weekend_to_opening() -> None:
    calendar = WorkingCalendar(zone=LONDON)
    assert calendar.next_working_moment(london(2026, 11, 24, 2, 0)) == london(2026, 11, 24, 9, 0)
    assert calendar.next_working_moment(london(2026, 11, 27, 18, 0)) == london(2026, 11, 30, 9, 0)
    assert calendar.next_working_moment(london(2026, 11, 24, 11, 0)) == london(2026, 11, 24, 11, 0)


def test_working_hours_are_configurable() -> None:
    calendar = WorkingCalendar(zone=LONDON, hours=(time(8, 30), time(16, 30)))
    end = calendar.due(london(2026, 11, 23, 10, 0), parse_timescale("1 working day"))
    assert end == london(2026, 11, 24, 16, 30)


def test_friendly_form() -> None:
    calendar = WorkingCalendar(zone=LONDON)
    assert calendar.describe(london(2027, 1, 4, 17, 0)) == "Monday 4 January 2027 at 5:00pm (GMT)"
    assert calendar.describe(london(2027, 6, 1, 9, 5)) == "Tuesday 1 June 2027 at 9:05am (BST)"


@pytest.mark.parametrize(
    ("text", "working_days", "hours"),
    [
        ("5 working days", 5, None),
        ("1 working day", 1, None),
        ("one working day", 1, None),
        ("24 hours", None, 24),
        ("twenty-four hours", None, 24),
        ("PT4H", None, 4),
        ("P1D", None, 24),
    ],
)
def test_timescale_forms(text: str, working_days: int | None, hours: int | None) -> None:
    span = parse_timescale(text)
    assert span.working_days == working_days
    if hours is not None:
        assert span.duration is not None and span.duration.total_seconds() == hours * 3600


@pytest.mark.parametrize("text", ["soon", "0 working days", "5 working hours", "PTxH", "-3 days"])
def test_bad_timescales_say_what_is_accepted(text: str) -> None:
    with pytest.raises(TimescaleError, match="working day|number|longer than zero"):
        parse_timescale(text)


def test_one_instant_reads_in_each_calendars_own_zone_however_often_it_is_described() -> None:
    """Descriptions are remembered an instant at a time; a calendar in another zone still
    gets its own, and `when` its own fallback."""
    instant = datetime(2027, 1, 4, 17, 0, tzinfo=UTC)
    london_calendar = WorkingCalendar(zone=LONDON)
    new_york = WorkingCalendar(zone=ZoneInfo("America/New_York"))
    for _ in range(2):
        assert london_calendar.describe(instant) == "Monday 4 January 2027 at 5:00pm (GMT)"
        assert new_york.describe(instant) == "Monday 4 January 2027 at 12:00pm (EST)"
        assert when(new_york, instant).endswith("|Monday 4 January 2027 at 12:00pm (EST)>")
    same_instant_elsewhere = instant.astimezone(ZoneInfo("Asia/Tokyo"))
    assert london_calendar.describe(same_instant_elsewhere) == london_calendar.describe(instant)
