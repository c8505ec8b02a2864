"""The partnership report's charts, drawn in memory with matplotlib's object API.

matplotlib is imported on the first drawing, as for the weekly digest, so the bot does not
carry it at idle.
"""

from __future__ import annotations

import io
import textwrap

from bot.services.report import ReportFigures

LABEL_WIDTH = 34


def report_chart(figures: ReportFigures) -> bytes:
    """PNG bytes: disputes by stage reached, by outcome, and by category, side by side."""
    import matplotlib

    matplotlib.use("Agg")
    from matplotlib.figure import Figure
    from matplotlib.ticker import MaxNLocator

    figure = Figure(figsize=(13, 5), dpi=100, layout="constrained")
    panels = figure.subplots(1, 3)
    for axes, title, rows in zip(
        panels,
        ("Stage reached", "How each was resolved", "Nature (categories)"),
        (figures.stages, figures.outcomes, figures.categories),
        strict=True,
    ):
        labels = [textwrap.fill(label, LABEL_WIDTH) for label, _ in rows]
        axes.barh(labels, [count for _, count in rows], color="#1f5f8b")
        axes.invert_yaxis()
        axes.set_title(title)
        axes.xaxis.set_major_locator(MaxNLocator(integer=True))
        axes.tick_params(axis="y", labelsize=7)
        if not rows:
            axes.set_axis_off()
            axes.text(0.5, 0.5, "No disputes", ha="center", va="center", transform=axes.transAxes)
    buffer = io.BytesIO()
    figure.savefig(buffer, format="png")
    return buffer.getvalue()
