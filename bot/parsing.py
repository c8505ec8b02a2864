"""Reads times people type ('yesterday 3pm', '03/04/2027 10:00', 'by Friday 5pm') UK-style."""

from __future__ import annotations

import re
from datetime import UTC, datetime
from zoneinfo import ZoneInfo

_BY = re.compile(r"^\s*(by|before|on|at)\s+", re.IGNORECASE)


class WhenError(ValueError):
    """Text that is not a date and time; the message gives examples."""


def parse_when(text: str, *, now: datetime, zone: ZoneInfo, prefer: str = "past") -> datetime:
    """Parses day-first, in the partnership's zone, relative to the injected clock; UTC out."""
    cleaned = _BY.sub("", text or "").strip()
    if not cleaned:
        raise WhenError("Give a date and time, such as '03/12/2026 14:30' or 'yesterday 3pm'.")
    import dateparser  # a few MB of language data: loaded on the first date someone types

    parsed = dateparser.parse(
        cleaned,
        languages=["en"],
        settings={
            "DATE_ORDER": "DMY",
            "PREFER_DAY_OF_MONTH": "first",
            "PREFER_DATES_FROM": prefer,
            "TIMEZONE": str(zone),
            "TO_TIMEZONE": "UTC",
            "RETURN_AS_TIMEZONE_AWARE": True,
            "RELATIVE_BASE": now.astimezone(zone).replace(tzinfo=None),
        },
    )
    if parsed is None:
        raise WhenError(
            f"'{text}' is not a date and time I can read. "
            "Try '03/12/2026 14:30', 'yesterday 3pm' or 'Friday 5pm'."
        )
    return parsed.astimezone(UTC)
