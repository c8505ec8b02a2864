"""The partnership report as a file: Markdown, CSV or PDF, worked out in one read."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, datetime

from sqlalchemy.orm import Session

from bot.messages.report import report_csv, report_markdown, report_title
from bot.services.report import ReportService
from bot.working_days import WorkingCalendar

FORMATS = ("md", "csv", "pdf")


@dataclass(frozen=True)
class ReportDocument:
    filename: str
    content: bytes
    summary: str  # the Markdown summary, which every format's message shows


def report_documents(
    session: Session,
    calendar: WorkingCalendar,
    first_day: date,
    last_day: date,
    kinds: Sequence[str],
    *,
    generated_at: datetime,
    generated_by: str,
) -> list[ReportDocument]:
    """The report for the period in each of `kinds` (from FORMATS), its figures read once."""
    service = ReportService(calendar)
    figures = service.figures(session, first_day, last_day)
    summary = report_markdown(figures)
    stem = f"disputes-report-{first_day:%Y-%m-%d}-to-{last_day:%Y-%m-%d}"
    documents = []
    for kind in kinds:
        if kind == "csv":
            content = report_csv(service.lines(session, first_day, last_day)).encode()
        elif kind == "pdf":
            from bot.services.report_pdf import report_pdf

            content = report_pdf(
                figures,
                summary,
                title=report_title(figures),
                generated_at=calendar.local(generated_at),
                generated_by=generated_by,
            )
        else:
            content = summary.encode()
        documents.append(ReportDocument(f"{stem}.{kind}", content, summary))
    return documents


def report_document(
    session: Session,
    calendar: WorkingCalendar,
    first_day: date,
    last_day: date,
    kind: str,
    *,
    generated_at: datetime,
    generated_by: str,
) -> ReportDocument:
    """The report for the period in one format."""
    (document,) = report_documents(
        session,
        calendar,
        first_day,
        last_day,
        [kind],
        generated_at=generated_at,
        generated_by=generated_by,
    )
    return document
