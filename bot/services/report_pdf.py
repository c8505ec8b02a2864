"""The partnership report as a PDF: the Markdown summary with its charts embedded."""

from __future__ import annotations

import base64
from datetime import datetime

from bot.documents.pdf import markdown_to_html, render_pdf
from bot.services.report import ReportFigures
from bot.services.report_chart import report_chart


def report_pdf(
    figures: ReportFigures,
    summary: str,
    *,
    title: str,
    generated_at: datetime,
    generated_by: str,
) -> bytes:
    """The summary as HTML, then the charts as an embedded PNG (no file beside the PDF)."""
    chart = base64.b64encode(report_chart(figures)).decode()
    body = (
        markdown_to_html(summary)
        + '<h2>Charts</h2><img alt="Disputes by stage reached, outcome and category" '
        + f'style="width: 100%" src="data:image/png;base64,{chart}">'
    )
    return render_pdf(
        title=title,
        body_html=body,
        generated_by=generated_by,
        generated_at=generated_at,
        subtitle=f"{figures.total} disputes",
    )
