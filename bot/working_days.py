"""Working-day arithmetic in the partnership's time zone, skipping weekends and bank holidays."""

from __future__ import annotations

from datetime import UTC, date, datetime, time, timedelta
from functools import cached_property, lru_cache
from typing import TYPE_CHECKING
from zoneinfo import ZoneInfo

from bot.settings import Region, Settings
from models.timescale import Timescale

if TYPE_CHECKING:
    import holidays

_SUBDIVISION = {
    Region.ENGLAND_AND_WALES: "ENG",
    Region.SCOTLAND: "SCT",
    Region.NORTHERN_IRELAND: "NIR",
}


def long_date(day: date) -> str:
    """A day in the one style every text uses: 'Monday 4 January 2027'."""
    return f"{day:%A} {day.day} {day:%B %Y}"


@lru_cache(maxsize=4096)
def _described(zone: ZoneInfo, instant: datetime) -> str:
    """`WorkingCalendar.describe`, worked out once an instant: a sweep batch writes the same
    few deadlines into thousands of messages. The text follows from the zone and the instant
    alone, so nothing can make a remembered one stale."""
    local = instant.astimezone(zone)
    clock = local.strftime("%I:%M%p").lstrip("0").lower()
    return f"{long_date(local.date())} at {clock} ({local:%Z})"


@lru_cache(maxsize=4096)
def _after_working_days(calendar: WorkingCalendar, day: date, count: int) -> date:
    """`WorkingCalendar.add_working_days`, and `_shared` its `working_share`, worked out once
    for the same arguments: a sweep batch plans the same stages from the same instant for
    thousands of disputes. A calendar's zone, hours and holidays never change, so nothing can
    make a remembered answer stale."""
    return calendar._add_working_days(day, count)


@lru_cache(maxsize=4096)
def _opening_hours(calendar: WorkingCalendar, day: date) -> tuple[datetime, datetime] | None:
    """When a working day opens and closes, None for a day off, worked out once a day: the
    partnership report measures tens of thousands of acknowledgements over the same days."""
    return calendar._opening_hours(day)


@lru_cache(maxsize=4096)
def _shared(calendar: WorkingCalendar, start: datetime, end: datetime, share: float) -> datetime:
    return calendar._working_share(start, end, share)


class WorkingCalendar:
    """Answers 'when is this due?' the way the protocols count: close of business, working days."""

    def __init__(
        self,
        *,
        zone: ZoneInfo,
        region: Region = Region.ENGLAND_AND_WALES,
        hours: tuple[time, time] = (time(9), time(17)),
    ) -> None:
        self.zone = zone
        self.region = region
        self.opens, self.closes = hours

    @classmethod
    def from_settings(cls, settings: Settings) -> WorkingCalendar:
        return cls(zone=settings.zone, region=settings.region, hours=settings.hours)

    @cached_property
    def _holidays(self) -> holidays.HolidayBase:
        # About 4 MB resident once imported: loaded when a date is first counted, not by a
        # server that has not yet had to.
        import holidays

        return holidays.country_holidays("GB", subdiv=_SUBDIVISION[self.region])

    def holiday_name(self, day: date) -> str | None:
        return self._holidays.get(day)

    def is_working_day(self, day: date) -> bool:
        return day.weekday() < 5 and day not in self._holidays

    def add_working_days(self, day: date, count: int) -> date:
        """The `count`-th working day after `day` (not counting `day` itself)."""
        return _after_working_days(self, day, count)

    def _add_working_days(self, day: date, count: int) -> date:
        while count > 0:
            day += timedelta(days=1)
            if self.is_working_day(day):
                count -= 1
        return day

    def subtract_working_days(self, day: date, count: int) -> date:
        """The `count`-th working day before `day`."""
        while count > 0:
            day -= timedelta(days=1)
            if self.is_working_day(day):
                count -= 1
        return day

    def working_days_between(self, start: datetime, end: datetime) -> int:
        """Working days after `start`'s local day up to and including `end`'s: 0 the same day."""
        day, last = self.local(start).date(), self.local(end).date()
        count = 0
        while day < last:
            day += timedelta(days=1)
            count += self.is_working_day(day)
        return count

    def working_hours_between(self, start: datetime, end: datetime) -> float:
        """Hours of working time (working days, opening to close) from `start` to `end`."""
        first, last = self.local(start), self.local(end)
        total = 0.0
        day = first.date()
        while day <= last.date():
            hours = _opening_hours(self, day)
            if hours is not None:
                opens, closes = hours
                overlap = min(closes, last) - max(opens, first)
                total += max(overlap.total_seconds(), 0.0) / 3600
            day += timedelta(days=1)
        return total

    def _opening_hours(self, day: date) -> tuple[datetime, datetime] | None:
        if not self.is_working_day(day):
            return None
        opens = datetime.combine(day, self.opens, tzinfo=self.zone)
        return opens, datetime.combine(day, self.closes, tzinfo=self.zone)

    def add_working_time(self, start: datetime, span: timedelta) -> datetime:
        """The instant `span` of working time after `start`, counting only opening to close on
        working days: 2 hours from 4pm on a Friday is 10am on Monday."""
        moment = self.local(self.next_working_moment(start))
        left = span
        while True:
            closes = datetime.combine(moment.date(), self.closes, tzinfo=self.zone)
            if left <= closes - moment:
                return (moment + left).astimezone(UTC)
            left -= closes - moment
            moment = self.local(self._at(self.add_working_days(moment.date(), 1), self.opens))

    def working_share(self, start: datetime, end: datetime, share: float) -> datetime:
        """The instant `share` of the working time from `start` to `end` has passed: halfway
        through a stage is half its working hours, not half the nights and weekends in it."""
        return _shared(self, start, end, share)

    def _working_share(self, start: datetime, end: datetime, share: float) -> datetime:
        hours = self.working_hours_between(start, end) * share
        return self.add_working_time(start, timedelta(seconds=round(hours * 3600)))

    def half_day(self, instant: datetime) -> tuple[datetime, datetime]:
        """The half working day `instant` falls in, as UTC [start, end): opening to midway, or
        midway to the next opening, so a message at close of business is the afternoon's."""
        local = self.local(self.next_working_moment(instant))
        day = local.date()
        opens = datetime.combine(day, self.opens, tzinfo=self.zone)
        midway = opens + (datetime.combine(day, self.closes, tzinfo=self.zone) - opens) / 2
        if local < midway:
            return opens.astimezone(UTC), midway.astimezone(UTC)
        return midway.astimezone(UTC), self._at(self.add_working_days(day, 1), self.opens)

    def before(self, deadline: datetime, timescale: Timescale) -> datetime:
        """The instant a span before `deadline`: same local time N working days earlier."""
        if timescale.working_days is not None:
            local = self.local(deadline)
            day = self.subtract_working_days(local.date(), timescale.working_days)
            return self._at(day, local.time().replace(tzinfo=None))
        assert timescale.duration is not None
        return deadline.astimezone(UTC) - timescale.duration

    def local(self, instant: datetime) -> datetime:
        return instant.astimezone(self.zone)

    def _at(self, day: date, moment: time) -> datetime:
        return datetime.combine(day, moment, tzinfo=self.zone).astimezone(UTC)

    def due(self, start: datetime, timescale: Timescale) -> datetime:
        """The UTC instant a span starting at `start` ends; clock spans are elapsed time (UTC).

        'The same day' (zero working days) ends at close of business that day; begun after the
        close, or on a day off, it ends at the close of the next working day.
        """
        if timescale.working_days == 0:
            local = self.local(start)
            day = local.date()
            if not self.is_working_day(day) or local.time() >= self.closes:
                day = self.add_working_days(day, 1)
            return self._at(day, self.closes)
        if timescale.working_days is not None:
            last_day = self.add_working_days(self.local(start).date(), timescale.working_days)
            return self._at(last_day, self.closes)
        assert timescale.duration is not None
        return start.astimezone(UTC) + timescale.duration

    def opening_after(self, start: datetime, timescale: Timescale) -> datetime:
        """When the day a span of working days reaches opens: a daily check-in belongs at the
        start of the day it asks people to talk, not at its close. Clock spans keep their time,
        moved into working hours."""
        if timescale.working_days is not None:
            count = max(timescale.working_days, 1)
            return self._at(self.add_working_days(self.local(start).date(), count), self.opens)
        return self.next_working_moment(self.due(start, timescale))

    def due_within(self, start: datetime, *timescales: Timescale | None) -> datetime | None:
        """Whichever is less: the earliest end of the spans given (None where none is set)."""
        ends = [self.due(start, t) for t in timescales if t is not None]
        return min(ends) if ends else None

    def is_working_time(self, instant: datetime) -> bool:
        """Opening to close inclusive: a deadline at close of business is still in hours."""
        local = self.local(instant)
        return self.is_working_day(local.date()) and self.opens <= local.time() <= self.closes

    def next_working_moment(self, instant: datetime) -> datetime:
        """`instant` itself in working hours, else when the next working day opens."""
        if self.is_working_time(instant):
            return instant.astimezone(UTC)
        day = self.local(instant).date()
        if self.is_working_day(day) and self.local(instant).time() < self.opens:
            return self._at(day, self.opens)
        return self._at(self.add_working_days(day, 1), self.opens)

    def describe(self, instant: datetime) -> str:
        """A form people read on a phone: 'Monday 4 January 2027 at 5:00pm (GMT)'."""
        return _described(self.zone, instant)
