"""Dates in Slack text: a token each reader sees in their own time, with the partnership's UK
text as the fallback."""

from __future__ import annotations

from bot.messages.dates import as_fallback, when
from bot.working_days import WorkingCalendar
from tests.conftest import london


def test_a_summer_time_is_given_as_the_exact_instant_with_the_uk_text(
    calendar: WorkingCalendar,
) -> None:
    instant = london(2026, 7, 1, 14, 5)  # 13:05 UTC
    assert instant.timestamp() == 1782911100
    assert when(calendar, instant) == (
        "<!date^1782911100^{date_long} at {time}|Wednesday 1 July 2026 at 2:05pm (BST)>"
    )


def test_a_reader_without_tokens_sees_the_fallback(calendar: WorkingCalendar) -> None:
    instant = london(2026, 11, 24, 10, 0)
    text = f"Please acknowledge by {when(calendar, instant)}."
    assert as_fallback(text) == "Please acknowledge by Tuesday 24 November 2026 at 10:00am (GMT)."
