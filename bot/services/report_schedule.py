"""The partnership report sent to the leads every RESOLVE_REPORT_EVERY_MONTHS, once a period.

Periods are whole months counted from 1 January (for six months: January to June, July to
December). A period's report falls due at the digest time on the first working day after it
ends. As for the digests, the report is worked out in a read-only transaction, and the period is
claimed by inserting its DigestRun row in the transaction that queues the messages, so replicas,
repeated wake-ups and restarts send it once. Only the latest finished period is sent.
"""

from __future__ import annotations

import base64
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta

from sqlalchemy.orm import Session, sessionmaker

from bot.clock import Clock
from bot.database import read_only, transaction
from bot.messages.blocks import section
from bot.messages.report import summary_blocks
from bot.services.notifications import Notifier
from bot.services.period_claims import claim_period, period_claimed
from bot.services.report_documents import ReportDocument, report_documents
from bot.services.report_periods import month_start
from bot.settings import Settings
from bot.working_days import WorkingCalendar


@dataclass(frozen=True)
class ReportPeriod:
    key: str
    first_day: date
    last_day: date
    due_at: datetime


class ReportSchedule:
    """Works out which report period is due at the clock's instant and queues it once."""

    def __init__(
        self, *, clock: Clock, calendar: WorkingCalendar, settings: Settings, notifier: Notifier
    ) -> None:
        self.clock, self.calendar, self.settings, self.notifier = (
            clock,
            calendar,
            settings,
            notifier,
        )

    def latest_period(self) -> ReportPeriod:
        """The last whole period to end before today, and when its report falls due."""
        months = self.settings.report_every_months
        today = self.calendar.local(self.clock.now()).date()
        start = month_start(today.year, (today.month - 1) // months * months + 1)
        first = month_start(start.year, start.month - months)
        day = (
            start
            if self.calendar.is_working_day(start)
            else self.calendar.add_working_days(start, 1)
        )
        hour, minute = (int(part) for part in self.settings.digest_time.split(":"))
        due = datetime.combine(day, time(hour, minute), tzinfo=self.calendar.zone)
        last = start - timedelta(days=1)
        return ReportPeriod(f"report:{first.isoformat()}..{last.isoformat()}", first, last, due)

    def send_due(self, factory: sessionmaker[Session]) -> list[str]:
        """Queues the latest period's report if it is due and not yet sent; its key if so."""
        period = self.latest_period()
        if self.clock.now() < period.due_at:
            return []
        with read_only(factory) as session:
            if period_claimed(session, period.key):
                return []
            documents = report_documents(
                session,
                self.calendar,
                period.first_day,
                period.last_day,
                ("pdf", "csv"),
                generated_at=self.clock.now(),
                generated_by="Resolve, as scheduled",
            )
        with transaction(factory) as session:
            if not claim_period(session, period.key, self.clock.now()):
                return []
            self._queue(session, period, documents)
        return [period.key]

    def _queue(
        self, session: Session, period: ReportPeriod, documents: list[ReportDocument]
    ) -> None:
        """The summary to the leads (or admins); the PDF and CSV to the channel it went to.

        With neither a leads' nor an admins' channel, the admins get the summary directly and
        are told to run `/dispute report` for the files.
        """
        channel = self.settings.leads_channel or self.settings.admins_channel
        every = self.settings.report_every_months
        months = f"{period.first_day:%B %Y} to {period.last_day:%B %Y}"
        heading = f"The partnership report for {months}, sent every {every} months. " + (
            "The PDF and the CSV follow in this channel."
            if channel
            else f"Run `/dispute report {period.first_day:%Y-%m}..{period.last_day:%Y-%m}` "
            "for the PDF and the CSV."
        )
        summary = documents[0].summary
        self.notifier.leads(
            session, {"text": heading, "blocks": [section(heading), *summary_blocks(summary)]}
        )
        if channel is None:
            return
        for document in documents:
            self.notifier.file(
                session,
                channel,
                {
                    "content_b64": base64.b64encode(document.content).decode("ascii"),
                    "filename": document.filename,
                    "title": document.filename,
                },
            )
