"""The periods a partnership report covers, as people ask for them and as the schedule sends."""

from __future__ import annotations

import re
from datetime import date, timedelta

from bot.services.errors import DomainError

LAST_SIX = "last-6-months"
_MONTHS = re.compile(r"^(\d{4})-(\d{2})\.\.(\d{4})-(\d{2})$")
HOW = (
    "Ask for `last-6-months`, or a span of whole months such as `2026-04..2026-09` "
    "(first month, two dots, last month)."
)


def month_start(year: int, month: int) -> date:
    """The first day of a month, counting months past December into the next years."""
    year, month = year + (month - 1) // 12, (month - 1) % 12 + 1
    return date(year, month, 1)


def whole_months_before(today: date, months: int) -> tuple[date, date]:
    """The `months` whole calendar months that end just before the month `today` is in."""
    this_month = today.replace(day=1)
    return month_start(this_month.year, this_month.month - months), this_month - timedelta(days=1)


def requested_period(text: str, today: date) -> tuple[date, date]:
    """First and last day of the period in `/dispute report` text; a clear error otherwise."""
    asked = text.strip().lower()
    if asked in ("", LAST_SIX):
        return whole_months_before(today, 6)
    found = _MONTHS.match(asked)
    if not found:
        raise DomainError(f"I can't read '{text.strip()}' as a period. {HOW}")
    first_year, first_month, last_year, last_month = (int(g) for g in found.groups())
    if not (1 <= first_month <= 12 and 1 <= last_month <= 12):
        raise DomainError(f"A month is numbered 01 to 12. {HOW}")
    first = date(first_year, first_month, 1)
    last = month_start(last_year, last_month + 1) - timedelta(days=1)
    if last < first:
        raise DomainError(f"The period ends before it starts: give the earlier month first. {HOW}")
    return first, last
