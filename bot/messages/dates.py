"""Times in Slack text, shown in each reader's own time zone and locale.

Slack replaces a date token with the time as the reader's settings show it; where it cannot,
it shows the fallback, which is the partnership's own UK text, the one every record uses.
Plain-text fields (buttons, headers, form titles) cannot carry tokens.
"""

from __future__ import annotations

import re
from datetime import datetime
from functools import lru_cache

from bot.working_days import WorkingCalendar

# The full weekday and date, never Slack's "today"/"yesterday": those read badly after "on"
# ("You acknowledged this on today") and go stale in a message read days later.
FORMAT = "{date_long} at {time}"
TOKEN = re.compile(r"<!date\^(\d+)\^[^|>]*\|([^>]*)>")


@lru_cache(maxsize=4096)
def when(calendar: WorkingCalendar, instant: datetime) -> str:
    """'<!date^1795428000^{date_long} at {time}|Tuesday 24 November 2026 at 10:00am
    (GMT)>' for mrkdwn text. Remembered, as `describe` is: a sweep batch writes the same few
    instants into thousands of messages."""
    return f"<!date^{int(instant.timestamp())}^{FORMAT}|{calendar.describe(instant)}>"


def as_fallback(text: str) -> str:
    """Text with each date token as its fallback: what a reader sees where Slack cannot
    render the token, and what a plain transcript shows."""
    return TOKEN.sub(r"\2", text)
