"""The safeguarding leads' daily and weekly digests, each period sent exactly once.

The scheduler only wakes this up; the database decides. A period is claimed by inserting its
DigestRun row in the same transaction that queues the digest, so replicas racing for it, repeated
sweeps and restarts all agree on one sender, and a failed run leaves the period unclaimed for the
next sweep. Only the latest period of each kind is sent: after an outage the leads get today's
picture, not a burst of stale digests.

A period covers the time since the previous digest of its kind was due (not since one was last
sent), so consecutive periods neither overlap nor leave gaps; what is open, awaited and overdue is
as at the moment of sending.
"""

from __future__ import annotations

import base64
from collections import Counter
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta

from apscheduler.triggers.cron import CronTrigger
from sqlalchemy import func, select
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.orm import Session, joinedload, selectinload

from bot.clock import Clock
from bot.messages import digest_lines
from bot.messages import digests as views
from bot.messages.disputes import category_label, stage_label
from bot.services.digest_chart import weekly_chart
from bot.services.notifications import Notifier
from bot.settings import Settings
from bot.working_days import WorkingCalendar
from models.audit import AuditEvent
from models.directory import Person
from models.dispute import (
    Dispute,
    DisputeStatus,
    Resolution,
    StageNotice,
    StageTransition,
)
from models.schedule import DigestRun

LOOKBACK = timedelta(days=28)  # always holds two digest times of each kind, holidays or not
CHART_WEEKS = 6

_AGENCIES = (joinedload(Dispute.raiser_agency), joinedload(Dispute.counterpart_agency))


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

    def _periods(self) -> list[Period]:
        """The latest daily and weekly period that has come round, whether sent or not."""
        daily = self._digest_times(self.clock.now())
        weekly = [fire for fire in daily if self._opens_week(fire)]
        day = self.calendar.local(daily[-1]).date()
        iso = self.calendar.local(weekly[-1]).date().isocalendar()
        return [
            Period(f"daily:{day.isoformat()}", False, daily[-1], daily[-2]),
            Period(f"weekly:{iso.year}-W{iso.week:02d}", True, weekly[-1], weekly[-2]),
        ]

    def _claim(self, session: Session, key: str) -> bool:
        """Inserts the period's row; False when another run or replica already holds it.

        On PostgreSQL a concurrent claimer waits on the unique index for the first to commit,
        then inserts nothing; the transaction stays usable either way.
        """
        if session.scalar(select(DigestRun.id).where(DigestRun.period == key)) is not None:
            return False
        dialect = session.get_bind().dialect.name
        insert = postgresql.insert if dialect == "postgresql" else sqlite.insert
        claimed = session.execute(
            insert(DigestRun)
            .values(period=key, created_at=self.clock.now())
            .on_conflict_do_nothing(index_elements=["period"])
            .returning(DigestRun.id)
        ).scalar_one_or_none()
        return claimed is not None

    def run_due(self, session: Session) -> list[str]:
        """Queues every digest due now and not yet sent; returns the periods it claimed."""
        sent: list[str] = []
        for period in self._periods():
            if self._claim(session, period.key):
                self._queue(session, period)
                sent.append(period.key)
        return sent

    # what ------------------------------------------------------------------------------------

    def _queue(self, session: Session, period: Period) -> None:
        """The message to the leads (or admins); for a weekly one, the chart after it.

        The chart needs a channel to upload to: with neither a leads' nor an admins' channel the
        admins get the message directly and no chart.
        """
        open_now = session.scalars(
            select(Dispute)
            .where(Dispute.status == DisputeStatus.OPEN)
            .options(
                *_AGENCIES,
                selectinload(Dispute.transitions)
                .selectinload(StageTransition.notices)
                .joinedload(StageNotice.person)
                .joinedload(Person.agency),
            )
            .order_by(Dispute.id)
        ).all()
        digest = self._gather(session, period, open_now)
        self.notifier.leads(session, views.digest_message(digest, self.calendar))
        channel = self.settings.leads_channel or self.settings.admins_channel
        if not (period.weekly and channel):
            return
        png = self._chart(session, period, open_now)
        payload = {
            "content_b64": base64.b64encode(png).decode("ascii"),
            "filename": f"digest-{period.key.removeprefix('weekly:')}.png",
            "title": views.title(digest, self.calendar),
            "initial_comment": views.chart_comment(digest, self.calendar),
            "alt_txt": "Bar charts: open disputes by stage, and new disputes each week by theme.",
        }
        self.notifier.file(session, channel, payload)

    def _gather(
        self,
        session: Session,
        period: Period,
        open_now: Sequence[Dispute],
    ) -> views.Digest:
        """What happened in the period, and what is open, awaited and overdue now."""
        now = self.clock.now()
        since, until = period.since, period.fires_at
        new = session.scalars(
            select(Dispute)
            .where(Dispute.opened_at >= since, Dispute.opened_at < until)
            .options(*_AGENCIES)
            .order_by(Dispute.id)
        ).all()
        moves = _moves(session, since, until)
        resolutions = _resolutions(session, since, until)
        activity = _activity(session, since, until)

        latest: dict[int, StageTransition] = {}
        escalations: Counter[int] = Counter()
        for move in moves:
            latest[move.dispute_id] = move
            escalations[move.dispute_id] += 1

        in_view = {
            d.id: d
            for d in [
                *open_now,
                *new,
                *(m.dispute for m in moves),
                *(r.dispute for r in resolutions),
            ]
        }
        stages = Counter(
            (d.stage_index, stage_label(d, d.protocol_snapshot)) for d in in_view.values()
        )
        return views.Digest(
            weekly=period.weekly,
            fires_at=until,
            since=since,
            open_count=len(open_now),
            new=[digest_lines.new_line(d) for d in new],
            escalated=[
                digest_lines.escalated_line(move, escalations[key]) for key, move in latest.items()
            ],
            awaiting=self._awaiting(open_now),
            overdue=self._overdue(open_now, now),
            resolved=[digest_lines.resolved_line(r) for r in resolutions],
            acknowledgements=activity.get("acknowledged", 0),
            discussions=activity.get("discussion_logged", 0),
            themes=_ranked(category_label(d, d.protocol_snapshot) for d in in_view.values()),
            agencies=_ranked(a for d in in_view.values() for a in set(digest_lines.agencies(d))),
            stages=[(label, count) for (_, label), count in sorted(stages.items())],
        )

    def _awaiting(self, disputes: Iterable[Dispute]) -> list[views.Line]:
        lines = []
        for dispute in disputes:
            transition = dispute.current_transition
            waiting = sorted(
                {n.person.agency.name for n in transition.notices if n.acknowledged_at is None}
            )
            if waiting:
                lines.append(digest_lines.awaiting_line(dispute, waiting, self.calendar))
        return lines

    def _overdue(self, disputes: Iterable[Dispute], now: datetime) -> list[views.Line]:
        """Stages whose deadline has passed: not yet escalated, or awaiting a referral.

        The transition keeps the stage's deadline when a lapse leaves the dispute awaiting a
        referral (the dispute's own deadline is then cleared), so both cases show here.
        """
        late = sorted(
            (
                (d.current_transition.deadline_at, d)
                for d in disputes
                if d.current_transition.deadline_at is not None
                and d.current_transition.deadline_at <= now
            ),
            key=lambda pair: (pair[0], pair[1].id),
        )
        return [digest_lines.overdue_line(d, deadline, now, self.calendar) for deadline, d in late]

    def _chart(
        self,
        session: Session,
        period: Period,
        open_now: Sequence[Dispute],
    ) -> bytes:
        """Open disputes by stage now, and new disputes in each of the last full ISO weeks."""
        local = self.calendar.local(period.fires_at).date()
        this_week = local - timedelta(days=local.weekday())
        first = this_week - timedelta(weeks=CHART_WEEKS)

        def midnight(day: date) -> datetime:
            return datetime.combine(day, time(0), tzinfo=self.calendar.zone).astimezone(UTC)

        by_stage = Counter(
            (d.stage_index, d.protocol_snapshot.stage(d.stage_index).title) for d in open_now
        )
        opened = session.scalars(
            select(Dispute)
            .where(Dispute.opened_at >= midnight(first), Dispute.opened_at < midnight(this_week))
            .order_by(Dispute.id)
        ).all()
        themes: dict[str, list[int]] = {}
        for dispute in opened:
            week = (self.calendar.local(dispute.opened_at).date() - first).days // 7
            label = category_label(dispute, dispute.protocol_snapshot)
            themes.setdefault(label, [0] * CHART_WEEKS)[week] += 1
        weeks = [
            f"{monday.day} {monday:%b}"
            for monday in (first + timedelta(weeks=n) for n in range(CHART_WEEKS))
        ]
        return weekly_chart(
            stages=[(key[1], by_stage[key]) for key in sorted(by_stage)],
            weeks=weeks,
            themes=dict(sorted(themes.items())),
        )


def _ranked(labels: Iterable[str]) -> list[tuple[str, int]]:
    """Counts, largest first, ties alphabetically."""
    return sorted(Counter(labels).items(), key=lambda pair: (-pair[1], pair[0]))


def _moves(session: Session, since: datetime, until: datetime) -> Sequence[StageTransition]:
    """Escalations in the period, oldest first, with their disputes' agencies."""
    return session.scalars(
        select(StageTransition)
        .where(
            StageTransition.from_stage.is_not(None),
            StageTransition.created_at >= since,
            StageTransition.created_at < until,
        )
        .options(joinedload(StageTransition.dispute).options(*_AGENCIES))
        .order_by(StageTransition.id)
    ).all()


def _resolutions(session: Session, since: datetime, until: datetime) -> Sequence[Resolution]:
    return session.scalars(
        select(Resolution)
        .where(Resolution.resolved_at >= since, Resolution.resolved_at < until)
        .options(joinedload(Resolution.dispute).options(*_AGENCIES))
        .order_by(Resolution.id)
    ).all()


def _activity(session: Session, since: datetime, until: datetime) -> dict[str, int]:
    """How many acknowledgements and discussions the period saw, counted in SQL."""
    return {
        kind: count
        for kind, count in session.execute(
            select(AuditEvent.kind, func.count())
            .where(
                AuditEvent.kind.in_(["acknowledged", "discussion_logged"]),
                AuditEvent.created_at >= since,
                AuditEvent.created_at < until,
            )
            .group_by(AuditEvent.kind)
        )
    }
