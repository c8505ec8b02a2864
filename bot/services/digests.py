"""The safeguarding leads' daily and weekly digests, each period sent exactly once.

The scheduler only wakes this up; the database decides. A period is claimed by inserting its
DigestRun row in the same transaction that queues the digest, so replicas racing for it, repeated
sweeps and restarts all agree on one sender, and a failed run leaves the period unclaimed for the
next sweep. Only the latest period of each kind is sent: after an outage the leads get today's
picture, not a burst of stale digests.

A period covers the time since the previous digest of its kind was due (not since one was last
sent), so consecutive periods neither overlap nor leave gaps. Every figure in a digest is as at
the moment it fell due, its cut-off: what happened between then and sending waits for the next.

No digest covers time before the bot first ran. The first sweep on an empty `digest_runs` table
records that instant as a row of its own, and the earliest row there is the first start; a
period that fell due before it is not sent. An installation that has sent digests before keeps
its history, since its earliest run is older still.

A daily period in which nothing changed is one line, or nothing at all, by setting.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass
from datetime import UTC, datetime, time, timedelta
from typing import Any

from apscheduler.triggers.cron import CronTrigger
from sqlalchemy import func, select
from sqlalchemy.orm import Session, sessionmaker

from bot.clock import Clock
from bot.database import read_only, transaction
from bot.messages import digest_lines
from bot.messages import digests as views
from bot.messages.disputes import numbered_stage, theme_label
from bot.services import digest_facts as facts
from bot.services.notifications import Notifier
from bot.services.period_claims import claim_period, period_claimed
from bot.settings import QuietDigest, Settings
from bot.working_days import WorkingCalendar
from models.schedule import DigestRun

FIRST_START = "first-start"  # the digest_runs row recording when the bot first swept
LOOKBACK = timedelta(days=28)  # always holds two digest times of each kind, holidays or not
CHART_WEEKS = 6


@dataclass(frozen=True)
class Period:
    """One digest: its key in digest_runs, when it fell due, and when the one before it did."""

    key: str
    weekly: bool
    fires_at: datetime
    since: datetime


class DigestService:
    """Works out which digests are due at the clock's instant and queues each one once."""

    def __init__(
        self,
        *,
        clock: Clock,
        calendar: WorkingCalendar,
        settings: Settings,
        notifier: Notifier,
    ) -> None:
        self.clock = clock
        self.calendar = calendar
        self.settings = settings
        self.notifier = notifier
        hour, minute = (int(part) for part in settings.digest_time.split(":"))
        self._trigger = CronTrigger(
            day_of_week="mon-fri", hour=hour, minute=minute, timezone=calendar.zone
        )

    # when ------------------------------------------------------------------------------------

    def _digest_times(self, now: datetime) -> list[datetime]:
        """Every digest time on a working day in the lookback window up to `now`, oldest first."""
        times: list[datetime] = []
        fire = self._trigger.get_next_fire_time(None, now - LOOKBACK)
        while fire is not None and fire <= now:
            if self.calendar.is_working_day(self.calendar.local(fire).date()):
                times.append(fire.astimezone(UTC))
            fire = self._trigger.get_next_fire_time(fire, now)
        return times

    def next_time(self, after: datetime) -> datetime:
        """The first digest time on a working day after `after`."""
        fire = self._trigger.get_next_fire_time(None, after + timedelta(seconds=1))
        while fire is not None and not self.calendar.is_working_day(
            self.calendar.local(fire).date()
        ):
            fire = self._trigger.get_next_fire_time(fire, fire + timedelta(seconds=1))
        assert fire is not None, "a weekday cron always fires again"
        return fire.astimezone(UTC)

    def _opens_week(self, fire: datetime) -> bool:
        """True on the first working day of the ISO week: Monday, or Tuesday after a holiday."""
        day = self.calendar.local(fire).date()
        earlier = (day - timedelta(days=n) for n in range(1, day.weekday() + 1))
        return not any(self.calendar.is_working_day(d) for d in earlier)

    def _periods(self, session: Session) -> list[Period]:
        """The latest daily and weekly period that has come round since the bot first started,
        whether sent or not."""
        daily = self._digest_times(self.clock.now())
        weekly = [fire for fire in daily if self._opens_week(fire)]
        day = self.calendar.local(daily[-1]).date()
        iso = self.calendar.local(weekly[-1]).date().isocalendar()
        started = session.scalar(select(func.min(DigestRun.created_at))) or self.clock.now()
        latest = [
            Period(f"daily:{day.isoformat()}", False, daily[-1], daily[-2]),
            Period(f"weekly:{iso.year}-W{iso.week:02d}", True, weekly[-1], weekly[-2]),
        ]
        return [period for period in latest if period.fires_at >= started]

    def _first_sweep(self, session: Session) -> None:
        """Records the first start, unless some run (this marker included) already has."""
        if session.scalar(select(DigestRun.id).limit(1)) is None:
            claim_period(session, FIRST_START, self.clock.now())

    def run_due(self, session: Session) -> list[str]:
        """Queues every digest due now and not yet sent, in `session`; returns the periods
        handled (a quiet day skipped by setting among them)."""
        self._first_sweep(session)
        now = self.clock.now()
        periods = [p for p in self._periods(session) if claim_period(session, p.key, now)]
        for outgoing in self._compose(session, periods):
            self._send(session, outgoing)
        return [period.key for period in periods]

    def send_due(self, factory: sessionmaker[Session]) -> list[str]:
        """As `run_due`, but the digests are worked out in a read-only transaction first.

        Only claiming the periods and queuing the finished messages take the write lock, so a
        digest over a large history never holds up the people using the bot meanwhile.
        """
        with read_only(factory) as session:
            due = [p for p in self._periods(session) if not period_claimed(session, p.key)]
            composed = self._compose(session, due)
        handled: list[str] = []
        with transaction(factory) as session:
            self._first_sweep(session)
            for period, outgoing in zip(due, composed, strict=True):
                if claim_period(session, period.key, self.clock.now()):
                    self._send(session, outgoing)
                    handled.append(period.key)
        return handled

    # what ------------------------------------------------------------------------------------

    def _compose(self, session: Session, periods: list[Period]) -> list[Outgoing | None]:
        """Each period's digest (None for a quiet day skipped by setting), from facts read once
        for every period with the same cut-off, and one grouped scan for all of them."""
        if not periods:
            return []
        cutoffs = sorted({p.fires_at for p in periods})
        bounds = [edge for p in periods for edge in (p.since, p.fires_at, *self._mondays(p))]
        stored = facts.Stored.read(session, bounds, cutoffs)
        shared = {
            cutoff: Shared(
                stored=stored[cutoff],
                open_count=stored[cutoff].open_count(),
                awaiting=facts.awaiting(session, cutoff),
                overdue=facts.overdue(session, cutoff),
            )
            for cutoff in cutoffs
        }
        return [self._outgoing(session, p, shared[p.fires_at]) for p in periods]

    def _outgoing(self, session: Session, period: Period, shared: Shared) -> Outgoing | None:
        """The message to the leads (or admins); for a weekly one, the chart after it.

        The chart needs a channel to upload to: with neither a leads' nor an admins' channel the
        admins get the message directly and no chart.
        """
        digest = self._gather(session, period, shared)
        if not period.weekly and digest.quiet:
            if self.settings.digest_quiet == QuietDigest.SKIP:
                return None
            return Outgoing(views.quiet_message(digest, self.calendar), None, None)
        channel = self.settings.leads_channel or self.settings.admins_channel
        if not (period.weekly and channel):
            return Outgoing(views.digest_message(digest, self.calendar), None, None)
        payload = {
            "chart": self._chart(session, period, shared.stored),
            "filename": f"digest-{period.key.removeprefix('weekly:')}.png",
            "title": views.title(digest, self.calendar),
            "initial_comment": views.chart_comment(digest, self.calendar),
            "alt_txt": "Bar charts: open disputes by stage, and new disputes each week by theme.",
        }
        return Outgoing(views.digest_message(digest, self.calendar), channel, payload)

    def _send(self, session: Session, outgoing: Outgoing | None) -> None:
        if outgoing is None:
            return
        self.notifier.leads(session, outgoing.message)
        if outgoing.channel is not None and outgoing.chart is not None:
            self.notifier.file(session, outgoing.channel, outgoing.chart)

    def _gather(self, session: Session, period: Period, shared: Shared) -> views.Digest:
        """What happened in the period, and what was open, awaited and overdue at its end."""
        since, until = period.since, period.fires_at
        new_total, first_new = shared.stored.new_count(since, until)
        new = facts.new_first(session, since, until, first_new)
        moves = facts.escalated(session, since, until)
        resolutions = facts.resolved(session, since, until)
        activity = facts.activity(session, since, until)
        tally = shared.stored.tallies(since, until)
        facts.settled_or_moved(session, since, until, tally)
        protocols = facts.snapshots(session, tally.newest)
        names = facts.agency_names(session, list(tally.agencies))
        stages = Counter(
            {
                (index, numbered_stage(protocols[key], index)): count
                for (key, index), count in tally.stages.items()
            }
        )
        themes: Counter[str] = Counter()
        for (key, category), count in tally.themes.items():
            themes[theme_label(protocols[key], category)] += count
        awaiting, overdue = shared.awaiting, shared.overdue
        return views.Digest(
            weekly=period.weekly,
            fires_at=until,
            since=since,
            open_count=shared.open_count,
            new=views.Listing([digest_lines.new_line(d) for d in new], new_total),
            escalated=views.Listing(
                [digest_lines.escalated_line(move, count) for move, count in moves.rows],
                moves.total,
            ),
            awaiting=views.Listing(
                [
                    digest_lines.awaiting_line(d, waiting, stage, self.calendar)
                    for d, waiting, stage in awaiting.rows
                ],
                awaiting.total,
            ),
            overdue=views.Listing(
                [
                    digest_lines.overdue_line(d, deadline, stage, until, self.calendar)
                    for d, deadline, stage in overdue.rows
                ],
                overdue.total,
            ),
            resolved=views.Listing(
                [digest_lines.resolved_line(r) for r in resolutions.rows], resolutions.total
            ),
            acknowledgements=activity.get("acknowledged", 0),
            discussions=activity.get("discussion_logged", 0),
            themes=_ranked(themes),
            agencies=_ranked(Counter({names[a]: n for a, n in tally.agencies.items()})),
            stages=[(label, count) for (_, label), count in sorted(stages.items())],
        )

    def _mondays(self, period: Period) -> list[datetime]:
        """Midnight at the start of each chart week and after the last, for a weekly digest."""
        if not period.weekly:
            return []
        local = self.calendar.local(period.fires_at).date()
        this_week = local - timedelta(days=local.weekday())
        first = this_week - timedelta(weeks=CHART_WEEKS)
        return [
            datetime.combine(
                first + timedelta(weeks=n), time(0), tzinfo=self.calendar.zone
            ).astimezone(UTC)
            for n in range(CHART_WEEKS + 1)
        ]

    def _chart(self, session: Session, period: Period, stored: facts.Stored) -> dict[str, Any]:
        """The chart's figures: open disputes by stage at the cut-off, and new disputes in each
        of the last weeks. They are queued, not the picture: it is drawn as it is uploaded, so
        the digest is composed in the time its queries take and the outbox holds a few hundred
        bytes instead of a PNG."""
        mondays = self._mondays(period)
        open_tally = stored.tallies()
        weekly = [
            (n, group)
            for group in stored.groups
            for n in range(CHART_WEEKS)
            if stored.opened(group, mondays[n], mondays[n + 1])
        ]
        newest = dict(open_tally.newest)
        for _, group in weekly:
            newest[group.key] = max(newest.get(group.key, group.last), group.last)
        protocols = facts.snapshots(session, newest)
        by_stage: Counter[tuple[int, str]] = Counter()
        for (key, index), count in open_tally.stages.items():
            by_stage[index, protocols[key].stage(index).title] += count
        themes: dict[str, list[int]] = {}
        for n, group in weekly:
            label = theme_label(protocols[group.key], group.category)
            themes.setdefault(label, [0] * CHART_WEEKS)[n] += group.count
        # Labelled with the local date: in summer time a Monday's midnight is Sunday in UTC.
        local = [self.calendar.local(monday) for monday in mondays[:CHART_WEEKS]]
        weeks = [f"{monday.day} {monday:%b}" for monday in local]
        return {
            "stages": [(key[1], by_stage[key]) for key in sorted(by_stage)],
            "weeks": weeks,
            "themes": dict(sorted(themes.items())),
        }


@dataclass(frozen=True)
class Shared:
    """What every digest with one cut-off reads alike: the grouped scan, and the lists then."""

    stored: facts.Stored
    open_count: int
    awaiting: facts.ListHead
    overdue: facts.ListHead


@dataclass(frozen=True)
class Outgoing:
    """A composed digest, ready to queue: the message, and the chart with its channel if any."""

    message: dict[str, Any]
    channel: str | None
    chart: dict[str, Any] | None


def _ranked(counts: Counter[str]) -> list[tuple[str, int]]:
    """Counts, largest first, ties alphabetically."""
    return sorted(counts.items(), key=lambda pair: (-pair[1], pair[0]))
