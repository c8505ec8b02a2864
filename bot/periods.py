"""Calendar periods such as a retention period: '6 years', '18 months', or ISO-8601 'P6Y'."""

from __future__ import annotations

import re

from dateutil.relativedelta import relativedelta

_WORDS = re.compile(r"^\s*(\d+)\s*(year|month|week|day)s?\s*$", re.IGNORECASE)
_ISO = re.compile(r"^P(?=\d)(?:(\d+)Y)?(?:(\d+)M)?(?:(\d+)W)?(?:(\d+)D)?$")


def parse_period(value: str) -> relativedelta:
    """A whole number of years, months, weeks or days; raises ValueError with the forms allowed."""
    text = (value or "").strip()
    words = _WORDS.match(text)
    if words:
        number, unit = int(words.group(1)), words.group(2).lower()
        return relativedelta(**{f"{unit}s": number})
    iso = _ISO.match(text.upper())
    if iso:
        years, months, weeks, days = (int(g) if g else 0 for g in iso.groups())
        return relativedelta(years=years, months=months, weeks=weeks, days=days)
    raise ValueError("must be a period such as '6 years', '18 months' or ISO-8601 'P6Y'")
