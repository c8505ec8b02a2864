"""How long a stage may take: working days, clock time, or an ISO-8601 duration."""

from __future__ import annotations

import re
from datetime import timedelta
from typing import Any

from pydantic import (
    BaseModel,
    ConfigDict,
    TypeAdapter,
    ValidationError,
    model_serializer,
    model_validator,
)

_NUMBER_WORDS = {
    "one": 1,
    "two": 2,
    "three": 3,
    "four": 4,
    "five": 5,
    "six": 6,
    "seven": 7,
    "eight": 8,
    "nine": 9,
    "ten": 10,
    "eleven": 11,
    "twelve": 12,
    "fifteen": 15,
    "twenty": 20,
    "twenty-four": 24,
    "twenty four": 24,
    "forty-eight": 48,
    "forty eight": 48,
    "a": 1,
    "an": 1,
}
_WORDS = "|".join(sorted(map(re.escape, _NUMBER_WORDS), key=len, reverse=True))
_SPAN = re.compile(
    rf"^(?P<n>\d+|{_WORDS})\s+(?P<working>working\s+)?(?P<unit>days?|hours?|minutes?|weeks?)$"
)
_CLOCK_UNITS = {"minute": "minutes", "hour": "hours", "day": "days", "week": "weeks"}
_ISO = TypeAdapter(timedelta)

EXAMPLES = (
    "'5 working days', '1 working day', 'the same day', '24 hours' "
    "or an ISO-8601 duration such as 'PT4H'"
)
_SAME_DAY = {"same day", "the same day"}


class TimescaleError(ValueError):
    """Text that is not a timescale; the message shows the accepted forms."""


class Timescale(BaseModel):
    """A span as the protocol states it; kept as text so a snapshot reads like the source.

    'The same day' is zero working days: it ends at the close of the working day it starts on.
    """

    model_config = ConfigDict(frozen=True)

    text: str
    working_days: int | None = None
    duration: timedelta | None = None

    @model_validator(mode="before")
    @classmethod
    def _from_text(cls, value: Any) -> Any:
        if isinstance(value, str):
            return parse_timescale_fields(value)
        return value

    @model_serializer
    def _as_text(self) -> str:
        return self.text

    def __str__(self) -> str:
        return self.text


def parse_timescale_fields(text: str) -> dict[str, Any]:
    """Turns '5 working days', 'the same day', '24 hours', 'PT4H' into a Timescale's fields."""
    cleaned = " ".join(text.strip().lower().split())
    if cleaned in _SAME_DAY:
        return {"text": text.strip(), "working_days": 0}
    if cleaned.startswith("p"):
        try:
            duration = _ISO.validate_python(cleaned.upper())
        except ValidationError:
            raise TimescaleError(f"'{text}' is not a timescale; use {EXAMPLES}.") from None
        if duration <= timedelta(0):
            raise TimescaleError(f"'{text}' must be longer than zero.")
        return {"text": text.strip(), "duration": duration}
    match = _SPAN.match(cleaned)
    if not match:
        raise TimescaleError(f"'{text}' is not a timescale; use {EXAMPLES}.")
    raw = match["n"]
    count = int(raw) if raw.isdigit() else _NUMBER_WORDS.get(raw)
    if not count:
        raise TimescaleError(f"'{text}' needs a number of at least 1; use {EXAMPLES}.")
    unit = match["unit"].rstrip("s")
    if match["working"]:
        if unit != "day":
            raise TimescaleError(f"'{text}': only days can be working days; use {EXAMPLES}.")
        return {"text": text.strip(), "working_days": count}
    return {"text": text.strip(), "duration": timedelta(**{_CLOCK_UNITS[unit]: count})}


def parse_timescale(text: str) -> Timescale:
    """Public entry point for user-typed timescales; raises TimescaleError."""
    return Timescale(**parse_timescale_fields(text))
